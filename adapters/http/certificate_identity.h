// What identifies a caller's TLS client certificate in the participant registry (gateway/participants.h): its
// subject's common name and the SHA-256 fingerprint of its DER encoding. Shared by the gRPC and HTTP adapters, so
// that a certificate maps to the same organisation whichever door it comes through.
#pragma once

#include <string>

using X509 = struct x509_st;

namespace mezhved::adapters {

struct CertificateIdentity {
  std::string common_name;
  std::string sha256_hex;  // lowercase hex
};

CertificateIdentity IdentityOf(X509* certificate);
// The first certificate of a PEM text; empty fields when there is none.
CertificateIdentity IdentityOfPem(const std::string& pem);

}  // namespace mezhved::adapters
