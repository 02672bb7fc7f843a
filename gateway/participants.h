// The participants of the exchange (DOMAIN.md "Who exchanges messages"): agencies, each acting directly and through
// its subordinate organisations, and the operators who run the gateway. A message is addressed to an organisation;
// the registry answers who an organisation or a client certificate is and which agency it belongs to.
//
// The registry is immutable after construction: every method is const and safe to call from any thread. Copies
// share one snapshot (a copy costs one shared_ptr), and pointers it returns stay valid while the registry or any
// copy of it lives.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mezhved/config/v1/config.pb.h"

namespace mezhved::gateway {

struct Organisation {
  std::string code;
  std::string name;
  std::string agency_code;
  std::string parent_code;  // an organisation of the same agency, or empty at the top of the agency
};

struct Agency {
  std::string code;
  std::string name;
  config::v1::AgencyKind kind = config::v1::AGENCY_KIND_UNSPECIFIED;
  std::string parent_agency;                    // empty unless subordinate to another agency
  std::vector<std::string> organisation_codes;  // in config order
  int utc_offset_minutes = 180;                 // local time for deadlines; Moscow unless configured
};

// "+07:00" -> 420, "-03:30" -> -210, "" -> 180 (Moscow); nullopt unless that form within -12:00..+14:00.
std::optional<int> ParseUtcOffset(std::string_view text);

class ParticipantRegistry {
 public:
  // An empty registry: knows no one.
  ParticipantRegistry();

  // From a config that passed ValidateConfig. Given an invalid one it still builds, keeping the first of duplicates.
  static ParticipantRegistry FromConfig(const config::v1::GatewayConfig& config);

  // nullptr if unknown.
  const Organisation* FindOrganisation(std::string_view code) const;
  const Agency* FindAgency(std::string_view code) const;
  // The agency an organisation belongs to; nullptr if the organisation is unknown.
  const Agency* AgencyOf(std::string_view organisation_code) const;

  // The organisation a TLS client certificate identifies: by SHA-256 fingerprint of its DER (hex, any case) first,
  // then by subject common name (exact). nullptr if none. Either argument may be empty.
  const Organisation* FindByCertificate(std::string_view common_name, std::string_view sha256_hex) const;
  // The operator a certificate identifies, matched the same way, or empty.
  std::string FindOperatorByCertificate(std::string_view common_name, std::string_view sha256_hex) const;
  bool IsOperator(std::string_view name) const;
  // A configured operator's role (gateway/operator_roles.h), OPERATOR_ROLE_UNSPECIFIED read as OPERATOR; nullopt for
  // a name that is no operator's.
  std::optional<config::v1::OperatorRole> OperatorRoleOf(std::string_view name) const;

  std::vector<const Organisation*> Organisations() const;  // sorted by code
  std::vector<const Agency*> Agencies() const;             // sorted by code

  // A short English name of an agency kind for logs and the console: "social protection", "health", ...
  static std::string_view KindName(config::v1::AgencyKind kind);

 private:
  struct Snapshot {
    std::map<std::string, Organisation, std::less<>> organisations;               // by code
    std::map<std::string, Agency, std::less<>> agencies;                          // by code
    std::map<std::string, std::string, std::less<>> organisation_by_fingerprint;  // lowercase hex -> code
    std::map<std::string, std::string, std::less<>> organisation_by_common_name;  // CN -> code
    std::map<std::string, std::string, std::less<>> operator_by_fingerprint;      // lowercase hex -> name
    std::map<std::string, std::string, std::less<>> operator_by_common_name;      // CN -> name
    std::map<std::string, config::v1::OperatorRole, std::less<>> operators;       // name -> role
  };

  explicit ParticipantRegistry(std::shared_ptr<const Snapshot> snapshot) : snapshot_(std::move(snapshot)) {}

  std::shared_ptr<const Snapshot> snapshot_;
};

}  // namespace mezhved::gateway
