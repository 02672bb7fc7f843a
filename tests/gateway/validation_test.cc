#include "gateway/validation.h"

#include <catch2/catch.hpp>

#include "tests/support/envelopes.h"

namespace mezhved::gateway {
namespace {

using testing::kSocialDept;
using testing::kZags;

const ParticipantRegistry& Registry() {
  static const ParticipantRegistry registry = ParticipantRegistry::FromConfig(testing::SmallRegionConfig("/tmp/x"));
  return registry;
}

std::vector<std::string> FailingPaths(const Status& status) {
  std::vector<std::string> paths;
  for (const FieldError& error : status.fields()) {
    paths.push_back(error.path + " " + error.code);
  }
  return paths;
}

TEST_CASE("a complete request passes", "[validation]") {
  CHECK(ValidateRequest(testing::ValidRequest(kSocialDept, kZags), Registry(), {}).ok());
}

TEST_CASE("every missing item of the required list is reported at once", "[validation]") {
  v1::RequestEnvelope request;
  request.set_requester_code(kSocialDept);
  Status status = ValidateRequest(request, Registry(), {});
  REQUIRE(status.code() == ErrorCode::kInvalidMessage);
  CHECK(FailingPaths(status) == std::vector<std::string>{
                                    "request.addressee_code REQUIRED",    // item 2
                                    "request.information_type REQUIRED",  // item 3
                                    "request.authority REQUIRED",         // item 4
                                    "request.citizen REQUIRED",           // item 5
                                    "request.reply_contact REQUIRED",     // item 6
                                    "request.registration REQUIRED",      // item 7
                                    "request.preparer REQUIRED",          // item 8
                                    "request.payload REQUIRED",
                                });
}

TEST_CASE("malformed fields are named by path and code", "[validation]") {
  v1::RequestEnvelope request = testing::ValidRequest(kSocialDept, kZags);
  request.set_addressee_code("NO-SUCH-ORG");
  request.mutable_citizen()->set_snils("112-233-445 96");
  request.mutable_citizen()->mutable_birth_date()->set_month(13);
  request.mutable_registration()->mutable_expected_response_date()->set_year(2025);
  request.mutable_preparer()->clear_work_phone();
  request.mutable_authority()->set_legal_act("   ");
  Status status = ValidateRequest(request, Registry(), {});
  CHECK(FailingPaths(status) == std::vector<std::string>{
                                    "request.addressee_code UNKNOWN_PARTICIPANT",
                                    "request.authority.legal_act REQUIRED",
                                    "request.citizen.birth_date INVALID_DATE",
                                    "request.citizen.snils MALFORMED",
                                    "request.registration.expected_response_date DATE_ORDER",
                                    "request.preparer.work_phone REQUIRED",
                                });
}

TEST_CASE("a request to oneself is refused", "[validation]") {
  Status status = ValidateRequest(testing::ValidRequest(kSocialDept, kSocialDept), Registry(), {});
  CHECK(FailingPaths(status) == std::vector<std::string>{"request.addressee_code SELF_ADDRESSED"});
}

TEST_CASE("a consent record names its document and date", "[validation]") {
  v1::RequestEnvelope request = testing::ValidRequest(kSocialDept, kZags);
  request.mutable_consent()->clear_document_reference();
  request.mutable_consent()->clear_date();
  CHECK(FailingPaths(ValidateRequest(request, Registry(), {})) ==
        std::vector<std::string>{"request.consent.document_reference REQUIRED", "request.consent.date REQUIRED"});
  request.clear_consent();  // whether consent is required is the information type's rule
  CHECK(ValidateRequest(request, Registry(), {}).ok());
}

TEST_CASE("an oversized payload is refused as too large", "[validation]") {
  v1::RequestEnvelope request = testing::ValidRequest(kSocialDept, kZags);
  request.set_payload(std::string(2000, 'x'));
  CHECK(ValidateRequest(request, Registry(), {.max_payload_bytes = 1999}).code() == ErrorCode::kMessageTooLarge);
  CHECK(ValidateRequest(request, Registry(), {.max_payload_bytes = 2000}).ok());
}

TEST_CASE("SNILS check numbers", "[validation][snils]") {
  CHECK(IsValidSnils("112-233-445 95"));
  CHECK(IsValidSnils("11223344595"));
  CHECK_FALSE(IsValidSnils("112-233-445 94"));
  CHECK_FALSE(IsValidSnils("112-233-445"));
  CHECK_FALSE(IsValidSnils("112-233-445 95 1"));
  CHECK_FALSE(IsValidSnils("112-2a3-445 95"));
}

TEST_CASE("SNILS check number rules at the boundaries", "[validation][snils]") {
  // Digits 0 0 0 0 0 0 0 0 N weigh 1 each; 0 0 0 0 0 0 0 M N weigh 2 and 1.
  auto snils_with_sum = [](int weighted_sum_target) {
    // Build nine digits whose weighted sum (weights 9..1) is the target, filling from the lightest weight.
    int digits[9] = {0};
    int remaining = weighted_sum_target;
    for (int i = 0; i < 9 && remaining > 0; ++i) {
      const int weight = 9 - i;
      digits[i] = std::min(9, remaining / weight);
      remaining -= digits[i] * weight;
    }
    REQUIRE(remaining == 0);
    std::string text;
    for (int d : digits) text += static_cast<char>('0' + d);
    return text;
  };
  CHECK(IsValidSnils(snils_with_sum(99) + "99"));
  CHECK(IsValidSnils(snils_with_sum(100) + "00"));
  CHECK(IsValidSnils(snils_with_sum(101) + "00"));
  CHECK(IsValidSnils(snils_with_sum(102) + "01"));
  CHECK(IsValidSnils(snils_with_sum(201) + "00"));  // 201 mod 101 = 100 -> 00
  CHECK_FALSE(IsValidSnils(snils_with_sum(100) + "100"));
}

TEST_CASE("dates are calendar dates", "[validation]") {
  auto date = [](int y, int m, int d) {
    v1::Date result;
    result.set_year(y);
    result.set_month(m);
    result.set_day(d);
    return result;
  };
  CHECK(IsValidDate(date(2024, 2, 29)));
  CHECK_FALSE(IsValidDate(date(2026, 2, 29)));
  CHECK_FALSE(IsValidDate(date(1900, 2, 29)));
  CHECK(IsValidDate(date(2000, 2, 29)));
  CHECK_FALSE(IsValidDate(date(2026, 4, 31)));
  CHECK_FALSE(IsValidDate(date(2026, 0, 1)));
}

TEST_CASE("idempotency keys are short printable ASCII", "[validation]") {
  CHECK(IsValidIdempotencyKey("req-2026-11-24-0001"));
  CHECK_FALSE(IsValidIdempotencyKey(""));
  CHECK_FALSE(IsValidIdempotencyKey(std::string(129, 'k')));
  CHECK_FALSE(IsValidIdempotencyKey("with space"));
  CHECK_FALSE(IsValidIdempotencyKey("ключ"));
}

TEST_CASE("responses need their outcome's own fields", "[validation]") {
  const std::string request_id = "0190a5e2-7c1b-7d3e-8f00-123456789012";
  CHECK(ValidateResponse(testing::DataResponse(request_id, kZags), {}).ok());

  v1::ResponseEnvelope refusal = testing::DataResponse(request_id, kZags);
  refusal.mutable_refusal();
  // Refusals carry a reason code from the documented list and a text.
  CHECK(FailingPaths(ValidateResponse(refusal, {})) ==
        std::vector<std::string>{"response.refusal.reason REQUIRED", "response.refusal.explanation REQUIRED"});
  refusal.mutable_refusal()->set_reason(v1::REFUSAL_REASON_NO_DATA);
  refusal.mutable_refusal()->set_explanation("сведения в отделе не хранятся");
  CHECK(ValidateResponse(refusal, {}).ok());

  v1::ResponseEnvelope empty;
  CHECK(FailingPaths(ValidateResponse(empty, {})) == std::vector<std::string>{
                                                         "response.request_id REQUIRED",
                                                         "response.responder_code REQUIRED",
                                                         "response.registration REQUIRED",
                                                         "response.preparer REQUIRED",
                                                         "response.outcome REQUIRED",
                                                     });
  v1::ResponseEnvelope bad_id = testing::DataResponse("not-a-uuid", kZags);
  CHECK(FailingPaths(ValidateResponse(bad_id, {})) == std::vector<std::string>{"response.request_id MALFORMED"});
}

}  // namespace
}  // namespace mezhved::gateway

namespace mezhved::gateway {
namespace {

TEST_CASE("a transaction code is optional, at most 128 bytes and not blank", "[validation]") {
  v1::RequestEnvelope request = testing::ValidRequest(testing::kSocialDept, testing::kZags);
  request.set_transaction_code("USZN-2026-000311");
  CHECK(ValidateRequest(request, Registry(), {}).ok());
  request.set_transaction_code(std::string(129, 'x'));
  CHECK(FailingPaths(ValidateRequest(request, Registry(), {})) ==
        std::vector<std::string>{"request.transaction_code TOO_LONG"});
  request.set_transaction_code("   ");
  CHECK(FailingPaths(ValidateRequest(request, Registry(), {})) ==
        std::vector<std::string>{"request.transaction_code REQUIRED"});
}

}  // namespace
}  // namespace mezhved::gateway
