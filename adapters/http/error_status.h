// The HTTP status of a stable error code, for every HTTP door (the SOAP API, the operators' console): by the code's
// class (common/status.h ClassOf), so a new code is classified once for gRPC and HTTP alike.
#pragma once

#include "common/status.h"

namespace mezhved::adapters::http {

unsigned HttpStatusFor(ErrorCode code);

}  // namespace mezhved::adapters::http
