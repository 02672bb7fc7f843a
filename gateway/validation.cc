#include "gateway/validation.h"

#include <algorithm>
#include <cctype>

#include "common/message_id.h"

namespace mezhved::gateway {
namespace {

constexpr size_t kMaxTextField = 2000;

bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

// A required free-text field: present, not blank, not absurdly long.
void RequireText(Violations& violations, const std::string& path, std::string_view value) {
  if (IsBlank(value)) {
    violations.Add(path, kViolationRequired, "must not be empty");
  } else if (value.size() > kMaxTextField) {
    violations.Add(path, kViolationTooLong, "at most " + std::to_string(kMaxTextField) + " bytes");
  }
}

void OptionalText(Violations& violations, const std::string& path, std::string_view value) {
  if (value.size() > kMaxTextField) {
    violations.Add(path, kViolationTooLong, "at most " + std::to_string(kMaxTextField) + " bytes");
  }
}

// The sender's transaction code (the federal system's TransactionCode): optional, printable, at most 128 bytes.
void CheckTransactionCode(Violations& violations, const std::string& path, std::string_view code) {
  constexpr size_t kMaxTransactionCode = 128;
  if (code.size() > kMaxTransactionCode) {
    violations.Add(path, kViolationTooLong, "at most " + std::to_string(kMaxTransactionCode) + " bytes");
  } else if (!code.empty() && IsBlank(code)) {
    violations.Add(path, kViolationRequired, "must not be blank when given");
  }
}

void RequireDate(Violations& violations, const std::string& path, bool present, const v1::Date& date) {
  if (!present) {
    violations.Add(path, kViolationRequired, "must be set");
  } else if (!IsValidDate(date)) {
    violations.Add(path, kViolationInvalidDate, "not a calendar date");
  }
}

int CompareDates(const v1::Date& a, const v1::Date& b) {
  const auto key = [](const v1::Date& d) { return (d.year() * 100 + d.month()) * 100 + d.day(); };
  return key(a) - key(b);
}

void CheckParticipant(Violations& violations, const std::string& path, const std::string& code,
                      const ParticipantRegistry& participants) {
  if (IsBlank(code)) {
    violations.Add(path, kViolationRequired, "registry code of an organisation");
  } else if (participants.FindOrganisation(code) == nullptr) {
    violations.Add(path, kViolationUnknownParticipant, "no organisation '" + code + "' in the registry");
  }
}

// Item 3: the information type.
void CheckInformationType(Violations& violations, const std::string& path, const v1::RequestEnvelope& request) {
  if (!request.has_information_type()) {
    violations.Add(path, kViolationRequired, "the requested information type");
    return;
  }
  RequireText(violations, path + ".id", request.information_type().id());
  RequireText(violations, path + ".version", request.information_type().version());
}

// Item 4: the authority or public service, with the legal act and provision (and registry number where given).
void CheckAuthority(Violations& violations, const std::string& path, const v1::RequestEnvelope& request) {
  if (!request.has_authority()) {
    violations.Add(path, kViolationRequired, "the authority or public service the information is needed for");
    return;
  }
  const v1::Authority& authority = request.authority();
  RequireText(violations, path + ".code", authority.code());  // agreements list authorities by code
  RequireText(violations, path + ".name", authority.name());
  RequireText(violations, path + ".legal_act", authority.legal_act());
  RequireText(violations, path + ".provision", authority.provision());
  OptionalText(violations, path + ".service_registry_number", authority.service_registry_number());
}

// Item 5: the citizen's identifying data.
void CheckCitizen(Violations& violations, const std::string& path, const v1::RequestEnvelope& request) {
  if (!request.has_citizen()) {
    violations.Add(path, kViolationRequired, "the citizen's identifying data");
    return;
  }
  const v1::Citizen& citizen = request.citizen();
  RequireText(violations, path + ".last_name", citizen.last_name());
  RequireText(violations, path + ".first_name", citizen.first_name());
  OptionalText(violations, path + ".middle_name", citizen.middle_name());
  RequireDate(violations, path + ".birth_date", citizen.has_birth_date(), citizen.birth_date());
  if (IsBlank(citizen.snils())) {
    violations.Add(path + ".snils", kViolationRequired, "SNILS");
  } else if (!IsValidSnils(citizen.snils())) {
    violations.Add(path + ".snils", kViolationMalformed, "11 digits whose last two are the check number");
  }
  for (int i = 0; i < citizen.other_identifiers_size(); ++i) {
    const std::string item = path + ".other_identifiers[" + std::to_string(i) + "]";
    RequireText(violations, item + ".kind", citizen.other_identifiers(i).kind());
    RequireText(violations, item + ".value", citizen.other_identifiers(i).value());
  }
}

// Item 6: contact details for the response: at least one way to reach the requester.
void CheckReplyContact(Violations& violations, const std::string& path, const v1::RequestEnvelope& request) {
  const v1::ContactDetails& contact = request.reply_contact();
  if (IsBlank(contact.postal_address()) && IsBlank(contact.email()) && IsBlank(contact.phone()) &&
      IsBlank(contact.system_address())) {
    violations.Add(path, kViolationRequired, "postal address, e-mail, phone or system address for the response");
  }
  OptionalText(violations, path + ".postal_address", contact.postal_address());
  OptionalText(violations, path + ".email", contact.email());
  OptionalText(violations, path + ".phone", contact.phone());
  OptionalText(violations, path + ".system_address", contact.system_address());
}

// Item 7 (requests also need the expected response date) and the registration of a response document.
void CheckRegistration(Violations& violations, const std::string& path, bool present,
                       const v1::Registration& registration, bool expect_response_date) {
  if (!present) {
    violations.Add(path, kViolationRequired, "registration number and dates");
    return;
  }
  RequireText(violations, path + ".outgoing_number", registration.outgoing_number());
  RequireDate(violations, path + ".sent_date", registration.has_sent_date(), registration.sent_date());
  if (!expect_response_date) {
    return;
  }
  RequireDate(violations, path + ".expected_response_date", registration.has_expected_response_date(),
              registration.expected_response_date());
  if (IsValidDate(registration.sent_date()) && IsValidDate(registration.expected_response_date()) &&
      CompareDates(registration.expected_response_date(), registration.sent_date()) < 0) {
    violations.Add(path + ".expected_response_date", kViolationDateOrder, "earlier than sent_date");
  }
}

// Item 8: the person who prepared and sent the document, with a work phone and/or e-mail.
void CheckPreparer(Violations& violations, const std::string& path, bool present, const v1::Preparer& preparer) {
  if (!present) {
    violations.Add(path, kViolationRequired, "full name, position and work phone or e-mail of the preparer");
    return;
  }
  RequireText(violations, path + ".full_name", preparer.full_name());
  RequireText(violations, path + ".position", preparer.position());
  if (IsBlank(preparer.work_phone()) && IsBlank(preparer.work_email())) {
    violations.Add(path + ".work_phone", kViolationRequired, "work phone and/or work e-mail");
  }
  OptionalText(violations, path + ".work_phone", preparer.work_phone());
  OptionalText(violations, path + ".work_email", preparer.work_email());
}

// Item 9: where given, a consent record must say when and by which document consent was given. Which information
// types require consent is a rule of the information type.
void CheckConsent(Violations& violations, const std::string& path, const v1::RequestEnvelope& request) {
  if (!request.has_consent() || !request.consent().obtained()) {
    return;
  }
  RequireText(violations, path + ".document_reference", request.consent().document_reference());
  RequireDate(violations, path + ".date", request.consent().has_date(), request.consent().date());
}

void CheckRequestId(Violations& violations, const std::string& path, const std::string& request_id) {
  if (IsBlank(request_id)) {
    violations.Add(path, kViolationRequired, "the message id of the request");
  } else if (!MessageId::Parse(request_id).has_value()) {
    violations.Add(path, kViolationMalformed, "a message id (UUID)");
  }
}

Status CheckPayloadSize(size_t size, const ValidationLimits& limits, std::string_view path) {
  if (size > limits.max_payload_bytes) {
    return {ErrorCode::kMessageTooLarge, std::string(path) + " is " + std::to_string(size) + " bytes; the limit is " +
                                             std::to_string(limits.max_payload_bytes)};
  }
  return Status::Ok();
}

}  // namespace

void AppendViolations(const Status& status, google::protobuf::RepeatedPtrField<v1::FieldViolation>* violations) {
  for (const FieldError& field : status.fields()) {
    v1::FieldViolation* violation = violations->Add();
    violation->set_field(field.path);
    violation->set_code(field.code);
    violation->set_description(field.description);
  }
}

void Violations::Add(std::string path, std::string_view code, std::string description) {
  errors_.push_back({std::move(path), std::string(code), std::move(description)});
}

Status Violations::ToStatus() const {
  if (errors_.empty()) {
    return Status::Ok();
  }
  std::string summary =
      std::to_string(errors_.size()) + (errors_.size() == 1 ? " field is" : " fields are") + " missing or invalid:";
  for (const FieldError& error : errors_) {
    summary += " " + error.path;
  }
  return {ErrorCode::kInvalidMessage, summary, errors_};
}

bool IsValidSnils(std::string_view snils) {
  std::string digits;
  for (char c : snils) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      digits += c;
    } else if (c != '-' && c != ' ') {
      return false;
    }
  }
  if (digits.size() != 11) {
    return false;
  }
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    sum += (digits[i] - '0') * (9 - i);
  }
  // The Pension Fund's rule: below 100 the sum is the check number; 100 and 101 give 00; above, the remainder
  // of division by 101, where a remainder of 100 gives 00 too.
  int check = sum < 100 ? sum : sum % 101;
  if (check == 100) {
    check = 0;
  }
  return check == std::stoi(digits.substr(9));
}

bool IsValidDate(const v1::Date& date) {
  if (date.year() < 1800 || date.year() > 2200 || date.month() < 1 || date.month() > 12 || date.day() < 1) {
    return false;
  }
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (date.year() % 4 == 0 && date.year() % 100 != 0) || date.year() % 400 == 0;
  const int days = kDaysInMonth[date.month() - 1] + (date.month() == 2 && leap ? 1 : 0);
  return date.day() <= days;
}

bool IsValidIdempotencyKey(std::string_view key) {
  return !key.empty() && key.size() <= 128 &&
         std::all_of(key.begin(), key.end(), [](unsigned char c) { return c >= 0x21 && c <= 0x7E; });
}

Status ValidateRequest(const v1::RequestEnvelope& request, const ParticipantRegistry& participants,
                       const ValidationLimits& limits, const RequestTypeRules* types, RequestOrigin origin) {
  MEZHVED_RETURN_IF_ERROR(CheckPayloadSize(request.payload().size(), limits, "request.payload"));
  Violations violations;
  CheckParticipant(violations, "request.requester_code", request.requester_code(), participants);  // item 1
  CheckParticipant(violations, "request.addressee_code", request.addressee_code(), participants);  // item 2
  if (!request.addressee_code().empty() && request.addressee_code() == request.requester_code()) {
    violations.Add("request.addressee_code", kViolationSelfAddressed, "an organisation does not request itself");
  }
  CheckInformationType(violations, "request.information_type", request);  // item 3
  CheckAuthority(violations, "request.authority", request);               // item 4
  if (types == nullptr || types->CitizenRequired(request.information_type())) {
    CheckCitizen(violations, "request.citizen", request);  // item 5
  }
  CheckReplyContact(violations, "request.reply_contact", request);  // item 6
  CheckRegistration(violations, "request.registration", request.has_registration(), request.registration(),
                    /*expect_response_date=*/true);                                           // item 7
  CheckPreparer(violations, "request.preparer", request.has_preparer(), request.preparer());  // item 8
  CheckConsent(violations, "request.consent", request);                                       // item 9
  CheckTransactionCode(violations, "request.transaction_code", request.transaction_code());
  if (request.payload().empty() && origin == RequestOrigin::kElectronic) {
    violations.Add("request.payload", kViolationRequired, "the information type's request document");
  }
  if (types != nullptr) {
    types->CheckRequestFields(request, violations);
  }
  return violations.ToStatus();
}

Status ValidateSupplement(const v1::SupplementEnvelope& supplement, const ValidationLimits& limits) {
  MEZHVED_RETURN_IF_ERROR(CheckPayloadSize(supplement.payload().size(), limits, "supplement.payload"));
  Violations violations;
  CheckRequestId(violations, "supplement.request_id", supplement.request_id());
  RequireText(violations, "supplement.text", supplement.text());
  CheckRegistration(violations, "supplement.registration", supplement.has_registration(), supplement.registration(),
                    /*expect_response_date=*/false);
  CheckPreparer(violations, "supplement.preparer", supplement.has_preparer(), supplement.preparer());
  CheckTransactionCode(violations, "supplement.transaction_code", supplement.transaction_code());
  return violations.ToStatus();
}

Status ValidateResponse(const v1::ResponseEnvelope& response, const ValidationLimits& limits) {
  const size_t payload_size = response.has_data() ? response.data().payload().size() : 0;
  MEZHVED_RETURN_IF_ERROR(CheckPayloadSize(payload_size, limits, "response.data.payload"));
  Violations violations;
  CheckRequestId(violations, "response.request_id", response.request_id());
  if (IsBlank(response.responder_code())) {
    violations.Add("response.responder_code", kViolationRequired, "registry code of the responding organisation");
  }
  CheckRegistration(violations, "response.registration", response.has_registration(), response.registration(),
                    /*expect_response_date=*/false);
  CheckPreparer(violations, "response.preparer", response.has_preparer(), response.preparer());
  CheckTransactionCode(violations, "response.transaction_code", response.transaction_code());
  switch (response.outcome_case()) {
    case v1::ResponseEnvelope::kData:
      if (response.data().payload().empty()) {
        violations.Add("response.data.payload", kViolationRequired, "the information type's response document");
      }
      break;
    case v1::ResponseEnvelope::kRefusal:
      if (response.refusal().reason() == v1::REFUSAL_REASON_UNSPECIFIED) {
        violations.Add("response.refusal.reason", kViolationRequired, "a refusal reason code");
      }
      OptionalText(violations, "response.refusal.legal_basis", response.refusal().legal_basis());
      RequireText(violations, "response.refusal.explanation", response.refusal().explanation());
      break;
    case v1::ResponseEnvelope::kCannotAnswer:
      if (response.cannot_answer().reason() == v1::CANNOT_ANSWER_REASON_UNSPECIFIED) {
        violations.Add("response.cannot_answer.reason", kViolationRequired, "a reason code");
      }
      OptionalText(violations, "response.cannot_answer.explanation", response.cannot_answer().explanation());
      break;
    case v1::ResponseEnvelope::kClarification:
      RequireText(violations, "response.clarification.question", response.clarification().question());
      break;
    case v1::ResponseEnvelope::kInterim:
      RequireText(violations, "response.interim.status_text", response.interim().status_text());
      if (response.interim().has_expected_answer_date() && !IsValidDate(response.interim().expected_answer_date())) {
        violations.Add("response.interim.expected_answer_date", kViolationInvalidDate, "not a calendar date");
      }
      break;
    case v1::ResponseEnvelope::OUTCOME_NOT_SET:
      violations.Add("response.outcome", kViolationRequired,
                     "one of data, refusal, clarification, cannot_answer, interim");
      break;
  }
  return violations.ToStatus();
}

}  // namespace mezhved::gateway
