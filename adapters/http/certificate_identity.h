// Who an agency caller is, the same whichever door it comes through (gRPC or HTTP): what identifies its TLS client
// certificate in the participant registry (gateway/participants.h), the subject's common name and the SHA-256
// fingerprint of the DER encoding, and the organisation that certificate, or in the insecure loopback mode the
// naming header, makes it.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "gateway/participants.h"

using X509 = struct x509_st;

namespace mezhved::adapters {

struct CertificateIdentity {
  std::string common_name;
  std::string sha256_hex;  // lowercase hex
};

CertificateIdentity IdentityOf(X509* certificate);
// The first certificate of a PEM text; empty fields when there is none.
CertificateIdentity IdentityOfPem(const std::string& pem);

// The calling organisation's code. In the insecure loopback mode, the one `named` in the "x-mezhved-organisation"
// header (empty when absent), which must be in the registry; otherwise the one the verified client `certificate`
// identifies (nullopt: none was shown). UNAUTHENTICATED with the reason otherwise.
StatusOr<std::string> CallingOrganisation(const gateway::ParticipantRegistry& participants, bool insecure_loopback,
                                          const std::string& named,
                                          const std::optional<CertificateIdentity>& certificate);

}  // namespace mezhved::adapters
