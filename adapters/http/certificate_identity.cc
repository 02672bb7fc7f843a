#include "adapters/http/certificate_identity.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "common/wire_names.h"

namespace mezhved::adapters {

CertificateIdentity IdentityOf(X509* certificate) {
  CertificateIdentity identity;
  if (certificate == nullptr) {
    return identity;
  }
  char common_name[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, common_name, sizeof(common_name)) >
      0) {
    identity.common_name = common_name;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest, &length) == 1) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < length; ++i) {
      identity.sha256_hex += kHex[digest[i] >> 4];
      identity.sha256_hex += kHex[digest[i] & 0x0F];
    }
  }
  return identity;
}

CertificateIdentity IdentityOfPem(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                          X509_free);
  return IdentityOf(certificate.get());
}

StatusOr<std::string> CallingOrganisation(const gateway::ParticipantRegistry& participants, bool insecure_loopback,
                                          const std::string& named,
                                          const std::optional<CertificateIdentity>& certificate) {
  if (insecure_loopback) {
    if (named.empty()) {
      return Status(ErrorCode::kUnauthenticated,
                    std::string("name your organisation in the '") + wire::kOrganisationHeader + "' header");
    }
    if (participants.FindOrganisation(named) == nullptr) {
      return Status(ErrorCode::kUnauthenticated, "organisation '" + named + "' is not in the registry");
    }
    return named;
  }
  if (!certificate) {
    return Status(ErrorCode::kUnauthenticated, "no verified TLS client certificate");
  }
  const gateway::Organisation* organisation =
      participants.FindByCertificate(certificate->common_name, certificate->sha256_hex);
  if (organisation == nullptr) {
    return Status(ErrorCode::kUnauthenticated, "the client certificate (CN '" + certificate->common_name +
                                                   "') identifies no organisation in the registry");
  }
  return organisation->code;
}

}  // namespace mezhved::adapters
