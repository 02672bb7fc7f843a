#include "adapters/grpc/errors.h"

#include <catch2/catch.hpp>

#include "mezhved/v1/gateway.pb.h"

namespace mezhved::adapters::grpc_api {
namespace {

TEST_CASE("every error code maps to the gRPC code clients expect", "[grpc][errors]") {
  CHECK(ToGrpcCode(ErrorCode::kInvalidMessage) == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(ToGrpcCode(ErrorCode::kInvalidArgument) == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(ToGrpcCode(ErrorCode::kMessageTooLarge) == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(ToGrpcCode(ErrorCode::kUnauthenticated) == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(ToGrpcCode(ErrorCode::kSenderMismatch) == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(ToGrpcCode(ErrorCode::kNotAddressee) == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(ToGrpcCode(ErrorCode::kPermissionDenied) == grpc::StatusCode::PERMISSION_DENIED);  // an operator's role
  CHECK(ToGrpcCode(ErrorCode::kLockedOut) == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(ToGrpcCode(ErrorCode::kNotFound) == grpc::StatusCode::NOT_FOUND);
  CHECK(ToGrpcCode(ErrorCode::kRequestClosed) == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ToGrpcCode(ErrorCode::kNotDelivered) == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ToGrpcCode(ErrorCode::kIdempotencyConflict) == grpc::StatusCode::ALREADY_EXISTS);
  CHECK(ToGrpcCode(ErrorCode::kUnavailable) == grpc::StatusCode::UNAVAILABLE);
  CHECK(ToGrpcCode(ErrorCode::kInternal) == grpc::StatusCode::INTERNAL);
}

TEST_CASE("a rejection carries the stable code and the failing fields", "[grpc][errors]") {
  grpc::CallbackServerContext context;
  Status status(ErrorCode::kInvalidMessage, "1 field is missing or invalid: request.citizen.snils",
                {{"request.citizen.snils", "MALFORMED", "check number"}});
  grpc::Status rejected = Reject(&context, status);
  CHECK(rejected.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(rejected.error_message() == "INVALID_MESSAGE: 1 field is missing or invalid: request.citizen.snils");
  v1::ErrorDetail detail;
  REQUIRE(detail.ParseFromString(rejected.error_details()));
  CHECK(detail.code() == "INVALID_MESSAGE");
  REQUIRE(detail.violations_size() == 1);
  CHECK(detail.violations(0).field() == "request.citizen.snils");
  CHECK(detail.violations(0).code() == "MALFORMED");
}

}  // namespace
}  // namespace mezhved::adapters::grpc_api
