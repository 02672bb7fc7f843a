// The one place where a mezhved Status becomes a gRPC status (docs/API.md, "Error codes"): the gRPC code that
// fits, the stable code in trailing metadata "mezhved-error-code", and an ErrorDetail with the failing fields as
// the binary error details.
#pragma once

#include <grpcpp/grpcpp.h>

#include "common/status.h"
#include "common/wire_names.h"

namespace mezhved::adapters::grpc_api {

grpc::StatusCode ToGrpcCode(ErrorCode code);

// Adds the error's trailing metadata to the call and returns the status to finish it with.
grpc::Status Reject(grpc::CallbackServerContext* context, const Status& status);

}  // namespace mezhved::adapters::grpc_api
