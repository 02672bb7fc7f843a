#include "common/status.h"

namespace mezhved {

ErrorClass ClassOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return ErrorClass::kNone;
    case ErrorCode::kInvalidMessage:
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnsafeXml:
    case ErrorCode::kInvalidXml:
    case ErrorCode::kSchemaInvalid:
    case ErrorCode::kSignatureMissing:
    case ErrorCode::kSignatureMalformed:
    case ErrorCode::kSignatureInvalid:
      return ErrorClass::kInvalidInput;
    case ErrorCode::kUnauthenticated:
      return ErrorClass::kUnauthenticated;
    case ErrorCode::kSenderMismatch:
    case ErrorCode::kNotAddressee:
    case ErrorCode::kAccessDenied:
    case ErrorCode::kNotRequester:
    case ErrorCode::kCertificateUntrusted:
    case ErrorCode::kCertificateExpired:
    case ErrorCode::kCertificateRevoked:
      return ErrorClass::kForbidden;
    case ErrorCode::kNotFound:
      return ErrorClass::kNotFound;
    case ErrorCode::kNotARequest:
    case ErrorCode::kRequestClosed:
    case ErrorCode::kNotDelivered:
    case ErrorCode::kNotDeadLettered:
    case ErrorCode::kNotAwaitingClarification:
    case ErrorCode::kNoCitizenCopyDue:
    case ErrorCode::kNoCalendar:
      return ErrorClass::kWrongState;
    case ErrorCode::kIdempotencyConflict:
      return ErrorClass::kAlreadyExists;
    case ErrorCode::kMessageTooLarge:
      return ErrorClass::kTooLarge;
    case ErrorCode::kQuotaExceeded:
    case ErrorCode::kLockedOut:
      return ErrorClass::kQuotaExceeded;
    case ErrorCode::kPermissionDenied:
      return ErrorClass::kForbidden;
    case ErrorCode::kUnavailable:
      return ErrorClass::kUnavailable;
    case ErrorCode::kInternal:
    case ErrorCode::kConfigInvalid:
      return ErrorClass::kInternal;
  }
  return ErrorClass::kInternal;
}

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "OK";
    case ErrorCode::kInvalidMessage:
      return "INVALID_MESSAGE";
    case ErrorCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case ErrorCode::kMessageTooLarge:
      return "MESSAGE_TOO_LARGE";
    case ErrorCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case ErrorCode::kSenderMismatch:
      return "SENDER_MISMATCH";
    case ErrorCode::kNotFound:
      return "NOT_FOUND";
    case ErrorCode::kNotAddressee:
      return "NOT_ADDRESSEE";
    case ErrorCode::kNotARequest:
      return "NOT_A_REQUEST";
    case ErrorCode::kRequestClosed:
      return "REQUEST_CLOSED";
    case ErrorCode::kIdempotencyConflict:
      return "IDEMPOTENCY_CONFLICT";
    case ErrorCode::kNotDeadLettered:
      return "NOT_DEAD_LETTERED";
    case ErrorCode::kNotDelivered:
      return "NOT_DELIVERED";
    case ErrorCode::kAccessDenied:
      return "ACCESS_DENIED";
    case ErrorCode::kNotRequester:
      return "NOT_REQUESTER";
    case ErrorCode::kNotAwaitingClarification:
      return "NOT_AWAITING_CLARIFICATION";
    case ErrorCode::kNoCitizenCopyDue:
      return "NO_CITIZEN_COPY_DUE";
    case ErrorCode::kUnavailable:
      return "UNAVAILABLE";
    case ErrorCode::kInternal:
      return "INTERNAL";
    case ErrorCode::kUnsafeXml:
      return "UNSAFE_XML";
    case ErrorCode::kInvalidXml:
      return "INVALID_XML";
    case ErrorCode::kSchemaInvalid:
      return "SCHEMA_INVALID";
    case ErrorCode::kNoCalendar:
      return "NO_CALENDAR";
    case ErrorCode::kSignatureMissing:
      return "SIGNATURE_MISSING";
    case ErrorCode::kSignatureMalformed:
      return "SIGNATURE_MALFORMED";
    case ErrorCode::kSignatureInvalid:
      return "SIGNATURE_INVALID";
    case ErrorCode::kCertificateUntrusted:
      return "CERTIFICATE_UNTRUSTED";
    case ErrorCode::kCertificateExpired:
      return "CERTIFICATE_EXPIRED";
    case ErrorCode::kCertificateRevoked:
      return "CERTIFICATE_REVOKED";
    case ErrorCode::kConfigInvalid:
      return "CONFIG_INVALID";
    case ErrorCode::kQuotaExceeded:
      return "QUOTA_EXCEEDED";
    case ErrorCode::kLockedOut:
      return "LOCKED_OUT";
    case ErrorCode::kPermissionDenied:
      return "PERMISSION_DENIED";
  }
  return "INTERNAL";
}

Status Status::Prefixed(std::string_view context) const {
  if (ok()) {
    return *this;
  }
  return {code_, std::string(context) + ": " + message_, fields_};
}

std::string Status::ToString() const {
  std::string text(ErrorCodeName(code_));
  if (!message_.empty()) {
    text += ": " + message_;
  }
  for (const FieldError& field : fields_) {
    text += "\n  " + field.path + " " + field.code;
    if (!field.description.empty()) {
      text += " (" + field.description + ")";
    }
  }
  return text;
}

}  // namespace mezhved
