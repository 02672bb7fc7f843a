// Complete, valid envelopes and a small region's config for tests; each test breaks the one field it is about.
#pragma once

#include <string>

#include "mezhved/config/v1/config.pb.h"
#include "mezhved/v1/messages.pb.h"

namespace mezhved::testing {

// Organisation codes of SmallRegionConfig().
inline constexpr char kSocialDept[] = "SOCPROT-BARNAUL";  // a territorial social-protection department
inline constexpr char kSocialDept2[] = "SOCPROT-BIYSK";
inline constexpr char kZags[] = "ZAGS-BARNAUL";      // a civil-registry office
inline constexpr char kHospital[] = "HEALTH-CRH-1";  // a central district hospital

// Agencies with organisations SOCPROT-MAIN, SOCPROT-BARNAUL, SOCPROT-BIYSK, ZAGS-MAIN, ZAGS-BARNAUL, HEALTH-MIN,
// HEALTH-CRH-1; each organisation's certificate CN is its code; operator "duty" (certificate CN "operator-duty") and
// the console's operators, each with the password "<name>-night-shift" and the certificate CN "operator-<name>":
// "ivanova" (operator), "petrov" (supervisor), "sidorova" (auditor), "admin" (administrator). "duty" has no role
// configured, so it is an operator too.
// Listeners (agency, operator and SOAP APIs, the operators' console) on 127.0.0.1:0, insecure_loopback unless `tls` is
// given; with `tls`, the
// gateway seals with the server's key and certificate (ecdsa-p256-sha256). The store's data_dir is `data_dir`. The
// daemon logs at debug.
struct ServerTlsFiles {
  std::string certificate;
  std::string private_key;
  std::string client_ca;
};
// `soap_settings` go into the soap_api section (e.g. "max_connections: 3").
std::string SmallRegionConfigText(const std::string& data_dir, const ServerTlsFiles* tls = nullptr,
                                  const std::string& soap_settings = "");
config::v1::GatewayConfig SmallRegionConfig(const std::string& data_dir);

// The contents of schemas/examples/<name>, the documented example payloads of the information types.
std::string ExampleFile(const std::string& name);

// A request from `from` to `to` that passes every check: all nine items of DOMAIN.md's list, and the
// zags.civil-status-record example payload.
v1::RequestEnvelope ValidRequest(const std::string& from, const std::string& to);

// A data answer to `request_id` from `responder`.
v1::ResponseEnvelope DataResponse(const std::string& request_id, const std::string& responder);

}  // namespace mezhved::testing
