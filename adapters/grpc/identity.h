// Who is calling: the organisation (agency API) or operator (operator API) that a call's TLS client certificate
// identifies in the participant registry, or, in the insecure loopback mode, the one the caller names in metadata.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>

#include "adapters/http/certificate_identity.h"
#include "common/status.h"
#include "common/wire_names.h"
#include "gateway/participants.h"

namespace mezhved::adapters::grpc_api {

using wire::kOperatorHeader;
using wire::kOrganisationHeader;

// A caller of the operator API: a configured operator and its configured role.
struct OperatorCaller {
  std::string name;
  config::v1::OperatorRole role = config::v1::OPERATOR_ROLE_OPERATOR;
  std::string authenticated_by;  // "certificate", or "loopback" (named in the header)
};

class CallerIdentifier {
 public:
  CallerIdentifier(std::shared_ptr<const gateway::ParticipantRegistry> participants, bool insecure_loopback)
      : participants_(std::move(participants)), insecure_loopback_(insecure_loopback) {}

  // The calling organisation's code, or UNAUTHENTICATED.
  StatusOr<std::string> Organisation(const grpc::CallbackServerContext& context) const;
  // The calling operator with its configured role, or UNAUTHENTICATED. In the insecure loopback mode the header must
  // name a configured operator too (any other name is UNAUTHENTICATED, as with a certificate), which then acts with
  // its configured role.
  StatusOr<OperatorCaller> Operator(const grpc::CallbackServerContext& context) const;

 private:
  // The verified TLS client certificate, or nullopt.
  static std::optional<CertificateIdentity> PeerCertificate(const grpc::CallbackServerContext& context);
  static std::string Header(const grpc::CallbackServerContext& context, const char* name);

  std::shared_ptr<const gateway::ParticipantRegistry> participants_;
  bool insecure_loopback_;
};

}  // namespace mezhved::adapters::grpc_api
