// The one error type of mezhved: a stable machine-readable code, a human message and, for invalid messages, the
// list of failing fields. Modules return Status or StatusOr<T>; nothing throws across a module boundary. Adapters
// translate a Status to their transport's error once (adapters/grpc/errors.cc); docs/API.md lists every code.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mezhved {

// Stable codes: clients and operators match on their names (ErrorCodeName), so a code is never renamed or reused.
enum class ErrorCode {
  kOk,
  kInvalidMessage,            // the message breaks a rule; the failing fields are listed
  kInvalidArgument,           // a call parameter other than the message is malformed
  kMessageTooLarge,           // over a configured size limit
  kUnauthenticated,           // no client identity, or one the registry does not know
  kSenderMismatch,            // the caller tried to send as another organisation
  kNotFound,                  // no such message visible to the caller
  kNotAddressee,              // a response from an organisation the request was not addressed to
  kNotARequest,               // a response that references something other than a request
  kRequestClosed,             // a response to a request that already has a final answer
  kIdempotencyConflict,       // an idempotency key reused for different content
  kNotDeadLettered,           // requeue of a message that is not dead-lettered
  kNotDelivered,              // a response to a request that was never delivered or is dead-lettered
  kAccessDenied,              // no interagency agreement allows this request (purpose limitation)
  kNotRequester,              // a supplement from an organisation other than the request's requester
  kNotAwaitingClarification,  // a supplement to a request whose addressee asked for no clarification
  kNoCitizenCopyDue,          // a citizen-copy confirmation for an answer that has no such deadline running
  kUnavailable,               // the store failed or the gateway is shutting down; retry later
  kInternal,                  // a bug or a corrupt record; reported to operators
  kUnsafeXml,                 // an XML payload is refused before parsing: DTD, entity, bad encoding or over a limit
  kInvalidXml,                // an XML payload is not well-formed (namespaces included)
  kSchemaInvalid,             // an XML payload breaks its information type's XSD; the violations are listed
  kNoCalendar,                // a date falls in a year for which no production calendar is loaded
  kConfigInvalid,             // start-up only: the configuration breaks a rule
  kSignatureMissing,          // a required XML signature is absent
  kSignatureMalformed,        // a signature the gateway does not accept: several, misplaced, covering only part of
                              // the document (wrapping), other transforms, references or algorithms
  kSignatureInvalid,          // the signature does not match the document or the certificate (changed bytes)
  kCertificateUntrusted,      // the signer's certificate does not chain to a trusted CA
  kCertificateExpired,        // the signer's certificate was not valid at the time of verification
  kCertificateRevoked,        // the signer's certificate is on its CA's revocation list
  kQuotaExceeded,             // the caller has too many calls in flight; retry after one finishes
  kLockedOut,                 // console: too many failed sign-ins of this name; wait and try again
  kPermissionDenied,          // console, operator API: the operator's role does not allow this
};

// The last code, for tables indexed by code (metrics).
inline constexpr ErrorCode kLastErrorCode = ErrorCode::kPermissionDenied;

std::string_view ErrorCodeName(ErrorCode code);

// What kind of refusal a code is, from which each transport takes its own status (adapters/grpc/errors.cc,
// adapters/soap/soap.cc): one table, so that a new code is classified once for every door.
enum class ErrorClass {
  kNone,             // kOk
  kInvalidInput,     // the call or its content breaks a rule
  kUnauthenticated,  // the caller is not known
  kForbidden,        // the caller may not do this
  kNotFound,         // nothing the caller may see
  kWrongState,       // the message's state does not allow it
  kAlreadyExists,    // an idempotency key reused for other content
  kTooLarge,         // over a size limit
  kQuotaExceeded,    // over a rate or concurrency limit
  kUnavailable,      // retry later
  kInternal,         // the gateway's fault
};

ErrorClass ClassOf(ErrorCode code);

// One failing field of an invalid message: its path (e.g. "request.citizen.snils") and a stable violation code
// (e.g. "REQUIRED", "MALFORMED").
struct FieldError {
  std::string path;
  std::string code;
  std::string description;

  bool operator==(const FieldError&) const = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message, std::vector<FieldError> fields = {})
      : code_(code), message_(std::move(message)), fields_(std::move(fields)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& fields() const { return fields_; }

  // The same error with context in front of its message, as it travels up ("opening store: ...").
  Status Prefixed(std::string_view context) const;
  // "CODE: message" for logs and the CLI.
  std::string ToString() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::vector<FieldError> fields_;
};

// A value or the error that prevented it.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : state_(std::move(value)) {}         // NOLINT(google-explicit-constructor): reads like a return
  StatusOr(Status status) : state_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<Status, T> state_;
};

}  // namespace mezhved

// Returns early from a function returning Status or StatusOr when an expression yields an error.
#define MEZHVED_RETURN_IF_ERROR(expr)           \
  do {                                          \
    ::mezhved::Status mezhved_status_ = (expr); \
    if (!mezhved_status_.ok()) {                \
      return mezhved_status_;                   \
    }                                           \
  } while (false)
