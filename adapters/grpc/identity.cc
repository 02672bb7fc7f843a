#include "adapters/grpc/identity.h"

#include "adapters/http/certificate_identity.h"

namespace mezhved::adapters::grpc_api {
namespace {

Status Unauthenticated(const std::string& why) { return {ErrorCode::kUnauthenticated, why}; }

std::string FirstProperty(const grpc::AuthContext& auth, const char* name) {
  std::vector<grpc::string_ref> values = auth.FindPropertyValues(name);
  return values.empty() ? std::string() : std::string(values.front().data(), values.front().size());
}

}  // namespace

std::string CallerIdentifier::Header(const grpc::CallbackServerContext& context, const char* name) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(name);
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

std::optional<CertificateIdentity> CallerIdentifier::PeerCertificate(const grpc::CallbackServerContext& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (!auth || !auth->IsPeerAuthenticated()) {
    return std::nullopt;
  }
  CertificateIdentity certificate;
  certificate.common_name = FirstProperty(*auth, "x509_common_name");
  certificate.sha256_hex = IdentityOfPem(FirstProperty(*auth, "x509_pem_cert")).sha256_hex;
  return certificate;
}

StatusOr<std::string> CallerIdentifier::Organisation(const grpc::CallbackServerContext& context) const {
  return CallingOrganisation(*participants_, insecure_loopback_, Header(context, kOrganisationHeader),
                             insecure_loopback_ ? std::nullopt : PeerCertificate(context));
}

StatusOr<OperatorCaller> CallerIdentifier::Operator(const grpc::CallbackServerContext& context) const {
  OperatorCaller caller;
  if (insecure_loopback_) {
    caller.name = Header(context, kOperatorHeader);
    caller.authenticated_by = "loopback";
  } else {
    const std::optional<CertificateIdentity> certificate = PeerCertificate(context);
    if (!certificate) {
      return Unauthenticated("no verified TLS client certificate");
    }
    caller.name = participants_->FindOperatorByCertificate(certificate->common_name, certificate->sha256_hex);
    if (caller.name.empty()) {
      return Unauthenticated("the client certificate (CN '" + certificate->common_name + "') is not an operator's");
    }
    caller.authenticated_by = "certificate";
  }
  const std::optional<config::v1::OperatorRole> role = participants_->OperatorRoleOf(caller.name);
  if (!role) {
    return Unauthenticated(std::string("name a configured operator in the '") + kOperatorHeader + "' header");
  }
  caller.role = *role;
  return caller;
}

}  // namespace mezhved::adapters::grpc_api
