// DOMAIN.md "What a request must contain" (Altai 3.3, Leningrad 4.2, 210-FZ art. 7.2, adopted by Kuzbass 5.5): each
// item, broken on its own in an otherwise valid request, is refused with its path and a stable code.
#include <catch2/catch.hpp>
#include <functional>

#include "gateway/information_types.h"
#include "gateway/validation.h"
#include "tests/support/envelopes.h"

namespace mezhved::gateway {
namespace {

struct Rule {
  const char* clause;
  std::function<void(v1::RequestEnvelope&)> breaks;
  const char* path;
  const char* code;
};

const InformationTypeRegistry& Types() {
  static const std::shared_ptr<const InformationTypeRegistry> types =
      *InformationTypeRegistry::Load(std::string(MEZHVED_SOURCE_DIR) + "/schemas/catalog.textproto");
  return *types;
}

TEST_CASE("each required item of a request, broken alone, is refused by its path", "[validation][required]") {
  const ParticipantRegistry participants = ParticipantRegistry::FromConfig(testing::SmallRegionConfig("/tmp/x"));
  const Rule rules[] = {
      {"item 1: the requesting body", [](auto& r) { r.clear_requester_code(); }, "request.requester_code", "REQUIRED"},
      {"item 1: a body of the registry", [](auto& r) { r.set_requester_code("NOBODY"); }, "request.requester_code",
       "UNKNOWN_PARTICIPANT"},
      {"item 2: the body addressed", [](auto& r) { r.clear_addressee_code(); }, "request.addressee_code", "REQUIRED"},
      {"item 2: a body of the registry", [](auto& r) { r.set_addressee_code("NOBODY"); }, "request.addressee_code",
       "UNKNOWN_PARTICIPANT"},
      {"item 3: the information requested", [](auto& r) { r.clear_information_type(); }, "request.information_type",
       "REQUIRED"},
      {"item 3: its version", [](auto& r) { r.mutable_information_type()->clear_version(); },
       "request.information_type.version", "REQUIRED"},
      {"item 3: a type of the catalogue", [](auto& r) { r.mutable_information_type()->set_id("zags.unknown"); },
       "request.information_type", "UNKNOWN_INFORMATION_TYPE"},
      {"item 4: the authority", [](auto& r) { r.clear_authority(); }, "request.authority", "REQUIRED"},
      {"item 4: its code, as agreements list it", [](auto& r) { r.mutable_authority()->clear_code(); },
       "request.authority.code", "REQUIRED"},
      {"item 4: the legal act", [](auto& r) { r.mutable_authority()->clear_legal_act(); },
       "request.authority.legal_act", "REQUIRED"},
      {"item 4: the provision", [](auto& r) { r.mutable_authority()->clear_provision(); },
       "request.authority.provision", "REQUIRED"},
      {"item 5: the citizen's data", [](auto& r) { r.clear_citizen(); }, "request.citizen", "REQUIRED"},
      {"item 5: the last name", [](auto& r) { r.mutable_citizen()->clear_last_name(); }, "request.citizen.last_name",
       "REQUIRED"},
      {"item 5: the date of birth", [](auto& r) { r.mutable_citizen()->clear_birth_date(); },
       "request.citizen.birth_date", "REQUIRED"},
      {"item 5: SNILS", [](auto& r) { r.mutable_citizen()->clear_snils(); }, "request.citizen.snils", "REQUIRED"},
      {"item 5: SNILS with its check number", [](auto& r) { r.mutable_citizen()->set_snils("112-233-445 96"); },
       "request.citizen.snils", "MALFORMED"},
      {"item 6: contact details for the response", [](auto& r) { r.clear_reply_contact(); }, "request.reply_contact",
       "REQUIRED"},
      {"item 7: the registration number", [](auto& r) { r.mutable_registration()->clear_outgoing_number(); },
       "request.registration.outgoing_number", "REQUIRED"},
      {"item 7: the sending date", [](auto& r) { r.mutable_registration()->clear_sent_date(); },
       "request.registration.sent_date", "REQUIRED"},
      {"item 7: the expected response date", [](auto& r) { r.mutable_registration()->clear_expected_response_date(); },
       "request.registration.expected_response_date", "REQUIRED"},
      {"item 8: the preparer's full name", [](auto& r) { r.mutable_preparer()->clear_full_name(); },
       "request.preparer.full_name", "REQUIRED"},
      {"item 8: the preparer's position", [](auto& r) { r.mutable_preparer()->clear_position(); },
       "request.preparer.position", "REQUIRED"},
      {"item 8: a work phone and/or e-mail", [](auto& r) { r.mutable_preparer()->clear_work_phone(); },
       "request.preparer.work_phone", "REQUIRED"},
      {"item 9: consent where the type requires it (zags.civil-status-record does)", [](auto& r) { r.clear_consent(); },
       "request.consent", "REQUIRED"},
  };
  for (const Rule& rule : rules) {
    INFO(rule.clause);
    v1::RequestEnvelope request = testing::ValidRequest(testing::kSocialDept, testing::kZags);
    REQUIRE(ValidateRequest(request, participants, {}, &Types()).ok());
    rule.breaks(request);
    const Status status = ValidateRequest(request, participants, {}, &Types());
    REQUIRE(status.code() == ErrorCode::kInvalidMessage);
    REQUIRE(status.fields().size() == 1);
    CHECK(status.fields()[0].path == rule.path);
    CHECK(status.fields()[0].code == rule.code);
  }
}

TEST_CASE("a periodic report names no single citizen (Leningrad 3.5)", "[validation][required]") {
  const ParticipantRegistry participants = ParticipantRegistry::FromConfig(testing::SmallRegionConfig("/tmp/x"));
  v1::RequestEnvelope report = testing::ValidRequest(testing::kSocialDept, testing::kZags);
  report.mutable_information_type()->set_id("social.support-quarterly-report");
  report.clear_citizen();
  CHECK(ValidateRequest(report, participants, {}, &Types()).ok());
  report.mutable_information_type()->set_id("social.referral");
  CHECK(ValidateRequest(report, participants, {}, &Types()).code() == ErrorCode::kInvalidMessage);
}

TEST_CASE("the catalogue's types, their payload schemas and their examples", "[information_types]") {
  const config::v1::InformationType* zags = Types().Find("zags.civil-status-record", "1.0");
  REQUIRE(zags != nullptr);
  CHECK(zags->consent_required());
  CHECK(zags->deadline_class() == config::v1::DEADLINE_CLASS_ANSWER);
  CHECK(Types().Find("zags.civil-status-record", "9.9") == nullptr);
  CHECK(Types().Find("social.support-progress", "1.0")->deadline_class() == config::v1::DEADLINE_CLASS_PROGRESS);

  v1::InformationTypeRef ref;
  ref.set_id("zags.civil-status-record");
  ref.set_version("1.0");
  CHECK(Types().ValidateRequestPayload(ref, testing::ExampleFile("zags.civil-status-record.request.xml"), {}).ok());
  CHECK(Types().ValidateResponsePayload(ref, testing::ExampleFile("zags.civil-status-record.response.xml"), {}).ok());
  // The request document is no answer, and an answer is no request.
  CHECK(Types().ValidateResponsePayload(ref, testing::ExampleFile("zags.civil-status-record.request.xml"), {}).code() ==
        ErrorCode::kSchemaInvalid);
  CHECK(Types().ValidateRequestPayload(ref, testing::ExampleFile("mse.disability.request.xml"), {}).code() ==
        ErrorCode::kSchemaInvalid);
  ref.set_id("social.referral");
  CHECK(Types().ValidateResponsePayload(ref, "<x/>", {}).code() == ErrorCode::kInvalidMessage);  // no data answer
}

TEST_CASE("a broken catalogue stops start-up naming the file", "[information_types]") {
  CHECK(InformationTypeRegistry::Load("/nonexistent/catalog.textproto").status().code() == ErrorCode::kConfigInvalid);
}

}  // namespace
}  // namespace mezhved::gateway
