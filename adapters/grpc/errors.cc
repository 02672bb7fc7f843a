#include "adapters/grpc/errors.h"

#include <string>

#include "gateway/validation.h"
#include "mezhved/v1/gateway.pb.h"

namespace mezhved::adapters::grpc_api {

grpc::StatusCode ToGrpcCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return grpc::StatusCode::OK;
    case ErrorCode::kInvalidMessage:
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnsafeXml:
    case ErrorCode::kInvalidXml:
    case ErrorCode::kSchemaInvalid:
    case ErrorCode::kSignatureMissing:
    case ErrorCode::kSignatureMalformed:
    case ErrorCode::kSignatureInvalid:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case ErrorCode::kCertificateUntrusted:
    case ErrorCode::kCertificateExpired:
    case ErrorCode::kCertificateRevoked:
      return grpc::StatusCode::PERMISSION_DENIED;
    case ErrorCode::kMessageTooLarge:
    case ErrorCode::kQuotaExceeded:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case ErrorCode::kUnauthenticated:
      return grpc::StatusCode::UNAUTHENTICATED;
    case ErrorCode::kSenderMismatch:
    case ErrorCode::kNotAddressee:
    case ErrorCode::kAccessDenied:
    case ErrorCode::kNotRequester:
      return grpc::StatusCode::PERMISSION_DENIED;
    case ErrorCode::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case ErrorCode::kNotARequest:
    case ErrorCode::kRequestClosed:
    case ErrorCode::kNotDelivered:
    case ErrorCode::kNotDeadLettered:
    case ErrorCode::kNotAwaitingClarification:
    case ErrorCode::kNoCitizenCopyDue:
    case ErrorCode::kNoCalendar:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case ErrorCode::kIdempotencyConflict:
      return grpc::StatusCode::ALREADY_EXISTS;
    case ErrorCode::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case ErrorCode::kInternal:
    case ErrorCode::kConfigInvalid:
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
