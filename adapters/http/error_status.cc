#include "adapters/http/error_status.h"

namespace mezhved::adapters::http {

unsigned HttpStatusFor(ErrorCode code) {
  switch (ClassOf(code)) {
    case ErrorClass::kNone:
      return 200;
    case ErrorClass::kInvalidInput:
      return 400;
    case ErrorClass::kUnauthenticated:
      return 401;
    case ErrorClass::kForbidden:
      return 403;
    case ErrorClass::kNotFound:
      return 404;
    case ErrorClass::kWrongState:
    case ErrorClass::kAlreadyExists:
      return 409;
    case ErrorClass::kTooLarge:
      return 413;
    case ErrorClass::kQuotaExceeded:
      return 429;
    case ErrorClass::kUnavailable:
      return 503;
    case ErrorClass::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace mezhved::adapters::http
