// The XML form of messages (envelope/xml_form.h): every kind renders, validates against
// schemas/envelope/1/envelope.xsd, is deterministic, and can be sealed and verified.
#include "envelope/xml_form.h"

#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>

#include "common/message_id.h"
#include "tests/seal/seal_fixture.h"
#include "tests/support/envelopes.h"
#include "xml/schema_set.h"

namespace mezhved::envelope {
namespace {

using google::protobuf::util::TimeUtil;

constexpr UnixMillis kAccepted = 1'795'500'000'123;  // 2026-11-24T06:00:00.123Z

std::shared_ptr<const xml::SchemaSet> EnvelopeSchema() {
  static const std::shared_ptr<const xml::SchemaSet> schema = [] {
    auto loaded =
        xml::SchemaSet::Load({{"envelope", std::string(MEZHVED_SOURCE_DIR) + "/schemas/envelope/1/envelope.xsd"}});
    REQUIRE(loaded.ok());
    return *loaded;
  }();
  return schema;
}

Status Validate(const std::string& xml) {
  xml::XmlLimits limits;
  return EnvelopeSchema()->Validate("envelope", xml, "message", limits, kEnvelopeNamespace, "Message");
}

v1::Message Base(v1::MessageKind kind, const std::string& from, const std::string& to) {
  v1::Message message;
  message.set_message_id(MessageId::Generate(kAccepted).ToString());
  message.set_kind(kind);
  message.set_sender_code(from);
  message.set_recipient_code(to);
  *message.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(kAccepted);
  message.set_delivery_attempt(3);  // never part of the form
  return message;
}

v1::Message Request() {
  v1::Message message = Base(v1::MESSAGE_KIND_REQUEST, testing::kSocialDept, testing::kZags);
  *message.mutable_request() = testing::ValidRequest(testing::kSocialDept, testing::kZags);
  message.mutable_request()->set_requester_name("Управление & Ко <социальной> защиты");
  message.set_answer_working_days(5);
  *message.mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(1'796'158'800'000);
  return message;
}

bool Has(const std::string& xml, const std::string& part) { return xml.find(part) != std::string::npos; }

TEST_CASE("a request's XML form carries every item and validates", "[envelope]") {
  const v1::Message message = Request();
  StatusOr<std::string> xml = ToXml(message);
  REQUIRE(xml.ok());
  INFO(*xml);
  CHECK(Validate(*xml).ok());
  CHECK(xml->rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<m:Message xmlns:m=\"urn:mezhved:envelope:1\">", 0) ==
        0);
  CHECK(Has(*xml, "<m:MessageId>" + message.message_id() + "</m:MessageId><m:Kind>REQUEST</m:Kind>"));
  CHECK(Has(*xml, "<m:AcceptedAt>2026-11-24T06:00:00.123Z</m:AcceptedAt>"));
  CHECK(
      Has(*xml, "<m:AnswerWorkingDays>5</m:AnswerWorkingDays><m:AnswerDueAt>2026-12-01T21:00:00.000Z</m:AnswerDueAt>"));
  CHECK(Has(*xml, "<m:RequesterName>Управление &amp; Ко &lt;социальной&gt; защиты</m:RequesterName>"));
  CHECK(Has(*xml, "<m:Snils>" + message.request().citizen().snils() + "</m:Snils>"));
  CHECK(Has(*xml, "<m:InformationType><m:Id>zags.civil-status-record</m:Id><m:Version>1.0</m:Version>"));
  CHECK(Has(*xml, "<m:Payload><CivilStatusRecordRequest xmlns=\"urn:mezhved:types:zags:civil-status-record:1\""));
  CHECK_FALSE(Has(*xml, "DeliveryAttempt"));
  CHECK_FALSE(Has(*xml, "<m:Channel>"));  // an electronic request: the default is left out

  // The same message gives the same bytes, whatever order its fields were set in.
  v1::Message reordered;
  *reordered.mutable_answer_due_at() = message.answer_due_at();
  *reordered.mutable_request() = message.request();
  reordered.set_answer_working_days(5);
  reordered.set_recipient_code(message.recipient_code());
  reordered.set_sender_code(message.sender_code());
  *reordered.mutable_accepted_at() = message.accepted_at();
  reordered.set_kind(message.kind());
  reordered.set_message_id(message.message_id());
  CHECK(*ToXml(reordered) == *xml);
}

TEST_CASE("responses, supplements, notices and paper requests validate", "[envelope]") {
  const std::string request_id = MessageId::Generate(kAccepted - 1000).ToString();
  std::vector<v1::Message> messages;

  v1::Message data = Base(v1::MESSAGE_KIND_RESPONSE, testing::kZags, testing::kSocialDept);
  *data.mutable_response() = testing::DataResponse(request_id, testing::kZags);
  messages.push_back(data);

  v1::Message refusal = Base(v1::MESSAGE_KIND_RESPONSE, testing::kZags, testing::kSocialDept);
  *refusal.mutable_response() = testing::DataResponse(request_id, testing::kZags);
  refusal.mutable_response()->mutable_refusal()->set_reason(v1::REFUSAL_REASON_CONTRADICTS_LAW);
  refusal.mutable_response()->mutable_refusal()->set_explanation("ст. 7 210-ФЗ");
  messages.push_back(refusal);

  v1::Message clarification = Base(v1::MESSAGE_KIND_RESPONSE, testing::kZags, testing::kSocialDept);
  *clarification.mutable_response() = testing::DataResponse(request_id, testing::kZags);
  clarification.mutable_response()->mutable_clarification()->set_question("уточните дату");
  clarification.mutable_response()->mutable_clarification()->add_missing_items("citizen.birth_date");
  clarification.mutable_response()->mutable_clarification()->add_missing_items("citizen.snils");
  messages.push_back(clarification);

  v1::Message supplement = Base(v1::MESSAGE_KIND_SUPPLEMENT, testing::kSocialDept, testing::kZags);
  supplement.mutable_supplement()->set_request_id(request_id);
  supplement.mutable_supplement()->set_requester_code(testing::kSocialDept);
  supplement.mutable_supplement()->set_text("дата подтверждена");
  messages.push_back(supplement);

  v1::Message notice = Base(v1::MESSAGE_KIND_NOTICE, "gateway", testing::kZags);
  notice.mutable_notice()->set_request_id(request_id);
  notice.mutable_notice()->set_event(v1::DEADLINE_EVENT_OVERDUE);
  notice.mutable_notice()->set_kind(v1::DEADLINE_KIND_ANSWER);
  *notice.mutable_notice()->mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(kAccepted);
  messages.push_back(notice);

  v1::Message paper = Request();
  paper.set_channel(v1::CHANNEL_FAX);
  *paper.mutable_received_at() = TimeUtil::MillisecondsToTimestamp(kAccepted - 3600 * 1000);
  paper.set_registered_by("operator:duty");
  paper.mutable_request()->clear_payload();
  messages.push_back(paper);

  for (const v1::Message& message : messages) {
    StatusOr<std::string> xml = ToXml(message);
    REQUIRE(xml.ok());
    INFO(*xml);
    const Status valid = Validate(*xml);
    INFO(valid.ToString());
    CHECK(valid.ok());
  }
  CHECK(Has(*ToXml(refusal), "<m:Refusal><m:Reason>CONTRADICTS_LAW</m:Reason>"));
  CHECK(Has(*ToXml(clarification), "<m:MissingItems>citizen.birth_date</m:MissingItems><m:MissingItems>citizen.snils"));
  CHECK(Has(*ToXml(notice), "<m:Notice><m:RequestId>" + request_id + "</m:RequestId><m:Event>OVERDUE</m:Event>"));
  CHECK(Has(*ToXml(paper), "<m:Channel>FAX</m:Channel><m:ReceivedAt>2026-11-24T05:00:00.123Z</m:ReceivedAt>"));
}

TEST_CASE("a payload that is not an acceptable XML document has no XML form", "[envelope]") {
  v1::Message message = Request();
  message.mutable_request()->set_payload("<a><b></a>");
  CHECK(ToXml(message).status().code() == ErrorCode::kInvalidXml);
  message.mutable_request()->set_payload("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>");
  CHECK(ToXml(message).status().code() == ErrorCode::kUnsafeXml);
}

TEST_CASE("the XML form, sealed, verifies and still validates", "[envelope]") {
  seal::SealFixture fixture;
  const testing::SealIdentity gateway = fixture.pki.Issue("gateway", seal::Algorithm::kGost2012_256);
  const std::string sealed = fixture.SealWith(gateway, *ToXml(Request()));
  CHECK(Validate(sealed).ok());
  auto verified = fixture.Verifier().Verify(sealed, seal::NowMs(), "message");
  REQUIRE(verified.ok());
  CHECK(verified->algorithm == seal::Algorithm::kGost2012_256);
}

// The form read back gives the message it was made of (less what the form leaves out).
TEST_CASE("the XML form reads back into the same message", "[envelope]") {
  const std::string request_id = MessageId::Generate(kAccepted - 1000).ToString();
  std::vector<v1::Message> messages = {Request()};
  v1::Message refusal = Base(v1::MESSAGE_KIND_RESPONSE, testing::kZags, testing::kSocialDept);
  *refusal.mutable_response() = testing::DataResponse(request_id, testing::kZags);
  refusal.mutable_response()->mutable_refusal()->set_reason(v1::REFUSAL_REASON_NO_DATA);
  messages.push_back(refusal);
  v1::Message data = Base(v1::MESSAGE_KIND_RESPONSE, testing::kZags, testing::kSocialDept);
  *data.mutable_response() = testing::DataResponse(request_id, testing::kZags);
  messages.push_back(data);
  v1::Message notice = Base(v1::MESSAGE_KIND_NOTICE, "gateway", testing::kZags);
  notice.mutable_notice()->set_request_id(request_id);
  notice.mutable_notice()->set_event(v1::DEADLINE_EVENT_DUE_SOON);
  notice.mutable_notice()->set_answer_working_days(5);
  messages.push_back(notice);

  for (v1::Message message : messages) {
    message.set_delivery_attempt(0);  // not in the form
    StatusOr<std::string> xml = ToXml(message);
    REQUIRE(xml.ok());
    v1::Message read;
    const Status status = FromXml(*xml, "Message", xml::XmlLimits{}, read);
    INFO(status.ToString());
    REQUIRE(status.ok());
    // Payloads come back as equivalent documents, not byte for byte: compare their forms, then the rest.
    CHECK(*ToXml(read) == *xml);
    v1::Message without_payloads = read;
    v1::Message expected = message;
    for (v1::Message* m : {&without_payloads, &expected}) {
      m->mutable_request()->clear_payload();
      if (m->has_response() && m->response().has_data()) m->mutable_response()->mutable_data()->clear_payload();
      if (!m->has_request()) m->clear_request();
    }
    CHECK(without_payloads.DebugString() == expected.DebugString());
  }
}

TEST_CASE("a sealed form reads back too: the seal is not data", "[envelope]") {
  seal::SealFixture fixture;
  const std::string sealed =
      fixture.SealWith(fixture.pki.Issue("gateway", seal::Algorithm::kRsaSha256), *ToXml(Request()));
  v1::Message read;
  REQUIRE(FromXml(sealed, "Message", xml::XmlLimits{}, read).ok());
  CHECK(read.request().citizen().snils() == Request().request().citizen().snils());
}

TEST_CASE("XML that is not the form is refused with the failing path", "[envelope]") {
  const auto refusal = [](const std::string& body) {
    const std::string xml = "<m:Request xmlns:m=\"urn:mezhved:envelope:1\">" + body + "</m:Request>";
    v1::RequestEnvelope request;
    const Status status = FromXml(xml, "Request", xml::XmlLimits{}, request);
    return status.ok() ? std::string("OK") : status.fields().at(0).path + " " + status.fields().at(0).code;
  };
  CHECK(refusal("<m:RequesterCode>SOCPROT-BARNAUL</m:RequesterCode>") == "OK");
  CHECK(refusal("<m:Requester>x</m:Requester>") == "message.Requester UNKNOWN_ELEMENT");
  CHECK(refusal("<m:RequesterCode>a</m:RequesterCode><m:RequesterCode>b</m:RequesterCode>") ==
        "message.requester_code DUPLICATE");
  CHECK(refusal("<m:Citizen><m:BirthDate>24.11.2026</m:BirthDate></m:Citizen>") ==
        "message.citizen.birth_date MALFORMED");
  CHECK(refusal("<m:Consent><m:Obtained>yes</m:Obtained></m:Consent>") == "message.consent.obtained MALFORMED");
  CHECK(refusal("<m:Payload><a/><b/></m:Payload>") == "message.payload MALFORMED");
  CHECK(refusal("<m:Citizen>text<m:LastName>x</m:LastName></m:Citizen>") == "message.citizen MALFORMED");
  CHECK(refusal("<m:RequesterCode><m:X/></m:RequesterCode>") == "message.requester_code MALFORMED");

  v1::Message message;
  CHECK(FromXml("<m:Message xmlns:m=\"urn:mezhved:envelope:1\"><m:Kind>LETTER</m:Kind></m:Message>", "Message",
                xml::XmlLimits{}, message)
            .fields()
            .at(0)
            .path == "message.kind");
  CHECK(FromXml("<Message/>", "Message", xml::XmlLimits{}, message).code() == ErrorCode::kInvalidMessage);
  CHECK(FromXml("<!DOCTYPE a [<!ENTITY x 'y'>]><a/>", "Message", xml::XmlLimits{}, message).code() ==
        ErrorCode::kUnsafeXml);

  // A payload comes back as a standalone document with its namespaces.
  v1::RequestEnvelope request;
  REQUIRE(FromXml("<m:Request xmlns:m=\"urn:mezhved:envelope:1\" xmlns:t=\"urn:t\"><m:Payload><t:Doc><t:A>1</t:A>"
                  "</t:Doc></m:Payload></m:Request>",
                  "Request", xml::XmlLimits{}, request)
              .ok());
  CHECK(request.payload().find("<t:Doc xmlns:t=\"urn:t\"><t:A>1</t:A></t:Doc>") != std::string::npos);
}

}  // namespace
}  // namespace mezhved::envelope
