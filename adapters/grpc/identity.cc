#include "adapters/grpc/identity.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace mezhved::adapters::grpc_api {
namespace {

Status Unauthenticated(const std::string& why) { return {ErrorCode::kUnauthenticated, why}; }

std::string FirstProperty(const grpc::AuthContext& auth, const char* name) {
  std::vector<grpc::string_ref> values = auth.FindPropertyValues(name);
  return values.empty() ? std::string() : std::string(values.front().data(), values.front().size());
}

// SHA-256 over the certificate's DER encoding, lower-case hex: the usual certificate fingerprint.
std::string FingerprintOfPem(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) {
    return {};
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest, &length) != 1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0F];
  }
  return hex;
}

}  // namespace

std::string CallerIdentifier::Header(const grpc::CallbackServerContext& context, const char* name) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(name);
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

StatusOr<CallerIdentifier::Certificate> CallerIdentifier::PeerCertificate(
    const grpc::CallbackServerContext& context) const {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (!auth || !auth->IsPeerAuthenticated()) {
    return Unauthenticated("no verified TLS client certificate");
  }
  Certificate certificate;
  certificate.common_name = FirstProperty(*auth, "x509_common_name");
  certificate.sha256_hex = FingerprintOfPem(FirstProperty(*auth, "x509_pem_cert"));
  return certificate;
}

StatusOr<std::string> CallerIdentifier::Organisation(const grpc::CallbackServerContext& context) const {
  if (insecure_loopback_) {
    const std::string code = Header(context, kOrganisationHeader);
    if (code.empty()) {
      return Unauthenticated(std::string("name your organisation in the '") + kOrganisationHeader + "' header");
    }
    if (participants_->FindOrganisation(code) == nullptr) {
      return Unauthenticated("organisation '" + code + "' is not in the registry");
    }
    return code;
  }
  StatusOr<Certificate> certificate = PeerCertificate(context);
  MEZHVED_RETURN_IF_ERROR(certificate.status());
  const gateway::Organisation* organisation =
      participants_->FindByCertificate(certificate->common_name, certificate->sha256_hex);
  if (organisation == nullptr) {
    return Unauthenticated("the client certificate (CN '" + certificate->common_name +
                           "') identifies no organisation in the registry");
  }
  return organisation->code;
}

StatusOr<std::string> CallerIdentifier::Operator(const grpc::CallbackServerContext& context) const {
  if (insecure_loopback_) {
    const std::string name = Header(context, kOperatorHeader);
    if (name.empty() || !participants_->IsOperator(name)) {
      return Unauthenticated(std::string("name a configured operator in the '") + kOperatorHeader + "' header");
    }
    return name;
  }
  StatusOr<Certificate> certificate = PeerCertificate(context);
  MEZHVED_RETURN_IF_ERROR(certificate.status());
  std::string name = participants_->FindOperatorByCertificate(certificate->common_name, certificate->sha256_hex);
  if (name.empty()) {
    return Unauthenticated("the client certificate (CN '" + certificate->common_name + "') is not an operator's");
  }
  return name;
}

}  // namespace mezhved::adapters::grpc_api
