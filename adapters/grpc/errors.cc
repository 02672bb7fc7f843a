#include "adapters/grpc/errors.h"

#include <string>

#include "gateway/validation.h"
#include "mezhved/v1/gateway.pb.h"

namespace mezhved::adapters::grpc_api {

grpc::StatusCode ToGrpcCode(ErrorCode code) {
  switch (ClassOf(code)) {
    case ErrorClass::kNone:
      return grpc::StatusCode::OK;
    case ErrorClass::kInvalidInput:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case ErrorClass::kUnauthenticated:
      return grpc::StatusCode::UNAUTHENTICATED;
    case ErrorClass::kForbidden:
      return grpc::StatusCode::PERMISSION_DENIED;
    case ErrorClass::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case ErrorClass::kWrongState:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case ErrorClass::kAlreadyExists:
      return grpc::StatusCode::ALREADY_EXISTS;
    case ErrorClass::kTooLarge:
    case ErrorClass::kQuotaExceeded:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case ErrorClass::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case ErrorClass::kInternal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

grpc::Status Reject(grpc::CallbackServerContext* context, const Status& status) {
  const std::string code(ErrorCodeName(status.code()));
  context->AddTrailingMetadata(wire::kErrorCodeTrailer, code);
  v1::ErrorDetail detail;
  detail.set_code(code);
  detail.set_message(status.message());
  gateway::AppendViolations(status, detail.mutable_violations());
  return {ToGrpcCode(status.code()), code + ": " + status.message(), detail.SerializeAsString()};
}

}  // namespace mezhved::adapters::grpc_api
