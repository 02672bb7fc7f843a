// The checks every message must pass at the door, field by field. Each failing field is reported with its path
// and a stable violation code (docs/API.md), all of them at once, never just the first.
//
// Request fields come from DOMAIN.md "What a request must contain" (Altai 3.3, Leningrad 4.2, 210-FZ art. 7.2);
// the item numbers below refer to that list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "gateway/participants.h"
#include "mezhved/v1/messages.pb.h"

namespace mezhved::gateway {

// Stable violation codes of FieldError::code.
inline constexpr std::string_view kViolationRequired = "REQUIRED";
inline constexpr std::string_view kViolationMalformed = "MALFORMED";
inline constexpr std::string_view kViolationUnknownParticipant = "UNKNOWN_PARTICIPANT";
inline constexpr std::string_view kViolationSelfAddressed = "SELF_ADDRESSED";
inline constexpr std::string_view kViolationInvalidDate = "INVALID_DATE";
inline constexpr std::string_view kViolationDateOrder = "DATE_ORDER";
inline constexpr std::string_view kViolationTooLong = "TOO_LONG";

// Copies a status's failing fields into the API's FieldViolation form (ErrorDetail, Rejection).
void AppendViolations(const Status& status, google::protobuf::RepeatedPtrField<v1::FieldViolation>* violations);

// Collects violations and turns them into one INVALID_MESSAGE status.
class Violations {
 public:
  void Add(std::string path, std::string_view code, std::string description);
  bool empty() const { return errors_.empty(); }
  const std::vector<FieldError>& errors() const { return errors_; }
  Status ToStatus() const;

 private:
  std::vector<FieldError> errors_;
};

struct ValidationLimits {
  uint64_t max_payload_bytes = 1 << 20;
};

// SNILS (insurance number of an individual ledger account): 11 digits, "123-456-789 01" or "12345678901", whose
// last two digits are the check number of the first nine.
bool IsValidSnils(std::string_view snils);

bool IsValidDate(const v1::Date& date);

// Idempotency keys: 1..128 printable ASCII characters.
bool IsValidIdempotencyKey(std::string_view key);

// The rules of the request's information type that ValidateRequest applies along with its own
// (gateway/information_types.h implements them from the catalogue).
class RequestTypeRules {
 public:
  virtual ~RequestTypeRules() = default;
  // Adds the violations of the type's own rules: unknown type, consent or identifiers it requires.
  virtual void CheckRequestFields(const v1::RequestEnvelope& request, Violations& violations) const = 0;
  // Whether the envelope must identify one citizen (item 5); a periodic report covers many.
  virtual bool CitizenRequired(const v1::InformationTypeRef& type) const = 0;
};

// Where a request comes from: a paper or fax request may be registered without its XML document.
enum class RequestOrigin { kElectronic, kPaper };

// Checks a request envelope as its sender wrote it. The sender must be the caller: that is an identity check
// (SENDER_MISMATCH), done before this one. Returns INVALID_MESSAGE listing every failing field, or
// MESSAGE_TOO_LARGE when the payload is over the limit. With `types`, the information type's rules too.
Status ValidateRequest(const v1::RequestEnvelope& request, const ParticipantRegistry& participants,
                       const ValidationLimits& limits, const RequestTypeRules* types = nullptr,
                       RequestOrigin origin = RequestOrigin::kElectronic);

// Checks a response envelope's own fields. Whether its sender may answer the request is decided by the
// life-cycle rules (gateway/lifecycle.h) against the request's current state.
Status ValidateResponse(const v1::ResponseEnvelope& response, const ValidationLimits& limits);

// Checks a supplement's own fields: the request it belongs to, the text, the registration and the preparer.
Status ValidateSupplement(const v1::SupplementEnvelope& supplement, const ValidationLimits& limits);

}  // namespace mezhved::gateway
