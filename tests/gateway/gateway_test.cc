// The core against the real RocksDB store in a temporary directory, with a manual clock: leases and long polls
// are driven by moving the clock, never by sleeping.
#include "gateway/gateway.h"

#include <google/protobuf/util/time_util.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>

#include "store/rocksdb_store.h"
#include "tests/gateway/core_fixture.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"

namespace mezhved::gateway {
namespace {

using testing::kHospital;
using testing::kSocialDept;
using testing::kSocialDept2;
using testing::kZags;

using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary

TEST_CASE_METHOD(CoreFixture, "a request travels to its addressee and its answer back", "[gateway]") {
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(sent.ok());
  CHECK_FALSE(sent->duplicate());

  CHECK(Receive(kSocialDept).empty());  // nothing for the sender
  std::vector<v1::Message> inbox = Receive(kZags);
  REQUIRE(inbox.size() == 1);
  const v1::Message& request = inbox[0];
  CHECK(request.message_id() == sent->message_id());
  CHECK(request.kind() == v1::MESSAGE_KIND_REQUEST);
  CHECK(request.sender_code() == kSocialDept);
  CHECK(request.delivery_attempt() == 1);
  CHECK(request.request().requester_name() == "Управление социальной защиты по г. Барнаулу");
  CHECK(request.request().addressee_name() == "Отдел ЗАГС г. Барнаула");
  CHECK(request.request().citizen().snils() == "112-233-445 95");
  CHECK(Ack(kZags, {request.message_id()}) == std::vector{v1::ACK_OUTCOME_ACKNOWLEDGED});

  auto answered = Respond(kZags, testing::DataResponse(request.message_id(), kZags), "resp-1");
  REQUIRE(answered.ok());
  std::vector<v1::Message> replies = Receive(kSocialDept);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].kind() == v1::MESSAGE_KIND_RESPONSE);
  CHECK(replies[0].response().request_id() == request.message_id());
  CHECK(replies[0].response().requester_code() == kSocialDept);
  CHECK(replies[0].response().has_data());
  CHECK(Ack(kSocialDept, {replies[0].message_id()}) == std::vector{v1::ACK_OUTCOME_ACKNOWLEDGED});

  CHECK(History(kSocialDept, request.message_id()) ==
        std::vector{v1::MESSAGE_STATE_ACCEPTED, v1::MESSAGE_STATE_DELIVERED, v1::MESSAGE_STATE_ACKNOWLEDGED,
                    v1::MESSAGE_STATE_ANSWERED});
  auto status = gateway_->GetStatus(kZags, request.message_id());
  REQUIRE(status.ok());
  CHECK(status->state() == v1::MESSAGE_STATE_ANSWERED);
  CHECK(status->response_ids_size() == 1);
  CHECK(status->response_ids(0) == answered->message_id());
  CHECK(status->information_type().id() == "zags.civil-status-record");
}

TEST_CASE_METHOD(CoreFixture, "interim answers keep a request open until its final answer", "[gateway]") {
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(sent.ok());
  REQUIRE(Receive(kZags).size() == 1);

  v1::ResponseEnvelope interim = testing::DataResponse(sent->message_id(), kZags);
  interim.mutable_interim()->set_status_text("запрос направлен в архив");
  REQUIRE(Respond(kZags, interim, "interim-1").ok());
  CHECK(gateway_->GetStatus(kSocialDept, sent->message_id())->state() == v1::MESSAGE_STATE_IN_PROGRESS);
  // Answering acknowledged the request: it is not delivered again.
  CHECK(Ack(kZags, {sent->message_id()}) == std::vector{v1::ACK_OUTCOME_ALREADY_ACKNOWLEDGED});

  v1::ResponseEnvelope refusal = testing::DataResponse(sent->message_id(), kZags);
  refusal.mutable_refusal()->set_reason(v1::REFUSAL_REASON_CONTRADICTS_LAW);
  refusal.mutable_refusal()->set_explanation("сведения составляют тайну усыновления (ст. 139 СК РФ)");
  REQUIRE(Respond(kZags, refusal, "refusal-1").ok());
  CHECK(gateway_->GetStatus(kSocialDept, sent->message_id())->state() == v1::MESSAGE_STATE_REFUSED);

  auto late = Respond(kZags, testing::DataResponse(sent->message_id(), kZags), "data-1");
  CHECK(late.status().code() == ErrorCode::kRequestClosed);
  CHECK(Receive(kSocialDept).size() == 2);  // the interim status and the refusal
}

TEST_CASE_METHOD(CoreFixture, "a request outside every agreement is refused as access denied", "[gateway]") {
  // Purpose limitation (Altai 3.5, Mintrud recommendations 16): the test agreement lets SOCPROT ask ZAGS and HEALTH
  // for civil-status records, for two authorities only.
  v1::RequestEnvelope other_power = testing::ValidRequest(kSocialDept, kZags);
  other_power.mutable_authority()->set_code("housing.subsidy");
  auto refused = Await<v1::SendResult>(
      [&](Done<v1::SendResult> done) { gateway_->SendRequest(kSocialDept, "k1", other_power, done); });
  CHECK(refused.status().code() == ErrorCode::kAccessDenied);
  const Status refusal = refused.status();
  REQUIRE(refusal.fields().size() == 1);
  CHECK(refusal.fields()[0].path == "request.authority.code");

  auto reversed = Await<v1::SendResult>([&](Done<v1::SendResult> done) {
    gateway_->SendRequest(kZags, "k2", testing::ValidRequest(kZags, kSocialDept), done);
  });
  CHECK(reversed.status().code() == ErrorCode::kAccessDenied);
  CHECK(Receive(kSocialDept).empty());
  CHECK(Receive(kZags).empty());

  auto allowed = Send(kSocialDept, kZags, "k3");
  REQUIRE(allowed.ok());
  auto record = store_->Get(*MessageId::Parse(allowed->message_id()));
  REQUIRE(record.ok());
  CHECK(record->agreement_id == "AGR-TEST-1");  // traceable afterwards
}

TEST_CASE_METHOD(CoreFixture, "every refusal at the door leaves a record without personal data", "[gateway]") {
  // DOMAIN.md "What a request must contain": the gateway rejects an invalid request and keeps a record of it.
  v1::RequestEnvelope request = testing::ValidRequest(kSocialDept, kZags);
  request.mutable_citizen()->set_snils("112-233-445 00");
  request.clear_preparer();
  auto refused = Await<v1::SendResult>(
      [&](Done<v1::SendResult> done) { gateway_->SendRequest(kSocialDept, "key-7", request, done); });
  REQUIRE(refused.status().code() == ErrorCode::kInvalidMessage);
  auto forged = Await<v1::SendResult>([&](Done<v1::SendResult> done) {
    gateway_->SendResponse(kHospital, "key-8", testing::DataResponse("0190a5e2-7c1b-7d3e-8f00-123456789012", kZags),
                           done);
  });
  REQUIRE(forged.status().code() == ErrorCode::kSenderMismatch);
  REQUIRE(Send(kSocialDept, kZags, "fine").ok());  // accepted messages leave no rejection

  auto log = gateway_->ListRejections(v1::ListRejectionsRequest());
  REQUIRE(log.ok());
  REQUIRE(log->rejections_size() == 2);
  const v1::Rejection& newest = log->rejections(0);
  CHECK(newest.organisation_code() == kHospital);
  CHECK(newest.operation() == "SendResponse");
  CHECK(newest.error_code() == "SENDER_MISMATCH");
  const v1::Rejection& invalid = log->rejections(1);
  CHECK(invalid.organisation_code() == kSocialDept);
  CHECK(invalid.operation() == "SendRequest");
  CHECK(invalid.idempotency_key() == "key-7");
  CHECK(invalid.error_code() == "INVALID_MESSAGE");
  CHECK(invalid.addressee_code() == kZags);
  CHECK(invalid.information_type().id() == "zags.civil-status-record");
  REQUIRE(invalid.violations_size() == 2);
  CHECK(invalid.violations(0).field() == "request.citizen.snils");
  CHECK(invalid.violations(1).field() == "request.preparer");
  CHECK(invalid.at().seconds() == kStart / 1000);
  const std::string stored = invalid.SerializeAsString();
  CHECK(stored.find("Иванова") == std::string::npos);
  CHECK(stored.find("112-233-445") == std::string::npos);
}

TEST_CASE_METHOD(CoreFixture, "a clarification is answered by a supplement linked to the same request", "[gateway]") {
  // Kuzbass 5.5: the requested body may ask for additional information needed to answer.
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(Receive(kZags).size() == 1);
  v1::ResponseEnvelope question = testing::DataResponse(sent->message_id(), kZags);
  question.mutable_clarification()->set_question("Укажите прежнюю фамилию гражданки");
  question.mutable_clarification()->add_missing_items("previous last name");
  REQUIRE(Respond(kZags, question, "clarify-1").ok());
  REQUIRE(Receive(kSocialDept).size() == 1);

  v1::SupplementEnvelope supplement;
  supplement.set_request_id(sent->message_id());
  supplement.set_text("Прежняя фамилия: Теплякова");
  supplement.mutable_registration()->set_outgoing_number("01-12/3460");
  *supplement.mutable_registration()->mutable_sent_date() =
      testing::ValidRequest(kSocialDept, kZags).registration().sent_date();
  supplement.mutable_preparer()->set_full_name("Петрова Анна Сергеевна");
  supplement.mutable_preparer()->set_position("главный специалист");
  supplement.mutable_preparer()->set_work_email("uszn@example.ru");
  const auto send_supplement = [&](const std::string& caller, const std::string& key) {
    return Await<v1::SendResult>(
        [&](Done<v1::SendResult> done) { gateway_->SendSupplement(caller, key, supplement, done); });
  };
  CHECK(send_supplement(kZags, "s-0").status().code() == ErrorCode::kNotRequester);
  CHECK(send_supplement(kHospital, "s-0").status().code() == ErrorCode::kNotFound);
  auto supplemented = send_supplement(kSocialDept, "s-1");
  REQUIRE(supplemented.ok());
  CHECK(gateway_->GetStatus(kSocialDept, sent->message_id())->state() == v1::MESSAGE_STATE_SUPPLEMENTED);
  CHECK(send_supplement(kSocialDept, "s-2").status().code() == ErrorCode::kNotAwaitingClarification);

  std::vector<v1::Message> inbox = Receive(kZags);
  REQUIRE(inbox.size() == 1);
  CHECK(inbox[0].kind() == v1::MESSAGE_KIND_SUPPLEMENT);
  CHECK(inbox[0].supplement().request_id() == sent->message_id());
  CHECK(inbox[0].supplement().addressee_code() == kZags);
  CHECK(inbox[0].supplement().requester_name() == "Управление социальной защиты по г. Барнаулу");
  auto supplement_status = gateway_->GetStatus(kZags, supplemented->message_id());
  REQUIRE(supplement_status.ok());
  CHECK(supplement_status->request_id() == sent->message_id());

  REQUIRE(Respond(kZags, testing::DataResponse(sent->message_id(), kZags), "answer-1").ok());
  CHECK(History(kSocialDept, sent->message_id()) ==
        std::vector{v1::MESSAGE_STATE_ACCEPTED, v1::MESSAGE_STATE_DELIVERED, v1::MESSAGE_STATE_CLARIFICATION_REQUESTED,
                    v1::MESSAGE_STATE_SUPPLEMENTED, v1::MESSAGE_STATE_ANSWERED});
}

TEST_CASE_METHOD(CoreFixture, "a paper or fax request is registered by an operator and tracked like any other",
                 "[gateway][paper]") {
  // Altai 3.4, Kuzbass 5.3-5.4: where there is no electronic access a request goes on paper or by fax (followed by
  // the original), and is still registered so that its deadline and outcome are tracked.
  const auto register_paper = [&](v1::Channel channel, UnixMillis received_ms, const std::string& key,
                                  v1::RequestEnvelope request) {
    v1::RegisterPaperRequestRequest call;
    call.set_idempotency_key(key);
    *call.mutable_request() = std::move(request);
    call.set_channel(channel);
    *call.mutable_received_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(received_ms);
    return Await<v1::SendResult>(
        [&](Done<v1::SendResult> done) { gateway_->RegisterPaperRequest("duty", call, done); });
  };
  v1::RequestEnvelope on_paper = testing::ValidRequest(kSocialDept, kZags);
  on_paper.clear_payload();  // the document itself is on paper
  const UnixMillis two_days_ago = kStart - 2 * 24 * 3600 * 1000LL;
  auto registered = register_paper(v1::CHANNEL_PAPER, two_days_ago, "paper-1", on_paper);
  REQUIRE(registered.ok());
  CHECK(register_paper(v1::CHANNEL_PAPER, two_days_ago, "paper-1", on_paper)->duplicate());

  std::vector<v1::Message> inbox = Receive(kZags);
  REQUIRE(inbox.size() == 1);
  CHECK(inbox[0].channel() == v1::CHANNEL_PAPER);
  CHECK(inbox[0].sender_code() == kSocialDept);
  CHECK(inbox[0].registered_by() == "operator:duty");
  CHECK(google::protobuf::util::TimeUtil::TimestampToMilliseconds(inbox[0].received_at()) == two_days_ago);
  auto status = gateway_->GetStatus(kSocialDept, registered->message_id());
  REQUIRE(status.ok());
  CHECK(status->channel() == v1::CHANNEL_PAPER);
  CHECK(status->history(0).actor() == "operator:duty");
  CHECK_THAT(status->history(0).note(), Catch::Contains("paper received"));
  // Its outcome is tracked as for an electronic request.
  REQUIRE(Respond(kZags, testing::DataResponse(registered->message_id(), kZags), "answer").ok());
  CHECK(gateway_->GetStatus(kSocialDept, registered->message_id())->state() == v1::MESSAGE_STATE_ANSWERED);

  // A fax, then its original.
  auto faxed = register_paper(v1::CHANNEL_FAX, kStart - 1000, "fax-1", testing::ValidRequest(kSocialDept, kZags));
  REQUIRE(faxed.ok());
  v1::RecordOriginalReceivedRequest original;
  original.set_message_id(faxed->message_id());
  *original.mutable_received_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(kStart);
  auto with_original = Await<v1::MessageStatus>(
      [&](Done<v1::MessageStatus> done) { gateway_->RecordOriginalReceived("duty", original, done); });
  REQUIRE(with_original.ok());
  CHECK_THAT(with_original->history(with_original->history_size() - 1).note(), Catch::Contains("original"));
  CHECK(with_original->state() == v1::MESSAGE_STATE_ACCEPTED);  // the state is untouched
  original.set_message_id(registered->message_id());
  auto not_fax = Await<v1::MessageStatus>(
      [&](Done<v1::MessageStatus> done) { gateway_->RecordOriginalReceived("duty", original, done); });
  CHECK(not_fax.status().code() == ErrorCode::kInvalidArgument);

  // The same rules as for an electronic request, plus the channel and the date of receipt.
  auto future = register_paper(v1::CHANNEL_UNSPECIFIED, kStart + 60000, "bad-1", on_paper);
  REQUIRE(future.status().code() == ErrorCode::kInvalidMessage);
  const Status refusal = future.status();
  REQUIRE(refusal.fields().size() == 2);
  CHECK(refusal.fields()[0].path == "channel");
  CHECK(refusal.fields()[1].path == "received_at");
  v1::RequestEnvelope outside = on_paper;
  outside.mutable_authority()->set_code("housing.subsidy");
  CHECK(register_paper(v1::CHANNEL_PAPER, two_days_ago, "bad-2", outside).status().code() == ErrorCode::kAccessDenied);
}

TEST_CASE_METHOD(CoreFixture, "a request's answer deadline is counted in working days at acceptance",
                 "[gateway][deadlines]") {
  // Altai 3.6, Kuzbass 5.7: 5 working days for the answer, from the day after receipt (Civil Code art. 191), to
  // the end of the 5th working day in the addressee's local time (Moscow in the test region).
  auto sent = Send(kSocialDept, kZags, "req-1");  // Tuesday 2026-11-24, 09:00 Moscow time
  REQUIRE(sent.ok());
  std::vector<v1::Message> inbox = Receive(kZags);
  REQUIRE(inbox.size() == 1);
  CHECK(inbox[0].answer_working_days() == 5);
  // Due by the end of Tuesday 2026-12-01: before 2026-12-02T00:00+03:00.
  CHECK(google::protobuf::util::TimeUtil::ToString(inbox[0].answer_due_at()) == "2026-12-01T21:00:00Z");
  auto status = gateway_->GetStatus(kSocialDept, sent->message_id());
  REQUIRE(status.ok());
  CHECK(status->answer_due_at() == inbox[0].answer_due_at());

  // A deadline in a year with no calendar loaded is an explicit refusal, never a guess.
  clock_.Set(1'830'000'000'000);  // 2027-12-28: five working days reach into 2028
  auto refused = Await<v1::SendResult>([&](Done<v1::SendResult> done) {
    gateway_->SendRequest(kSocialDept, "req-2", testing::ValidRequest(kSocialDept, kZags), done);
  });
  CHECK(refused.status().code() == ErrorCode::kNoCalendar);
  auto log = gateway_->ListRejections(v1::ListRejectionsRequest());
  REQUIRE(log.ok());
  REQUIRE(log->rejections_size() == 1);
  CHECK(log->rejections(0).error_code() == "NO_CALENDAR");  // shown to operators
}

TEST_CASE_METHOD(CoreFixture, "an organisation sends only as itself", "[gateway]") {
  auto forged = Await<v1::SendResult>([&](Done<v1::SendResult> done) {
    gateway_->SendRequest(kHospital, "k", testing::ValidRequest(kSocialDept, kZags), done);
  });
  CHECK(forged.status().code() == ErrorCode::kSenderMismatch);
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(Receive(kZags).size() == 1);
  auto forged_answer = Respond(kZags, testing::DataResponse(sent->message_id(), kHospital), "r");
  CHECK(forged_answer.status().code() == ErrorCode::kSenderMismatch);
}

TEST_CASE_METHOD(CoreFixture, "only the addressee may answer a request", "[gateway]") {
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(Receive(kZags).size() == 1);
  CHECK(Respond(kHospital, testing::DataResponse(sent->message_id(), kHospital), "r").status().code() ==
        ErrorCode::kNotFound);  // to a stranger the request does not exist
  CHECK(Respond(kSocialDept, testing::DataResponse(sent->message_id(), kSocialDept), "r").status().code() ==
        ErrorCode::kNotAddressee);
  CHECK(gateway_->GetStatus(kHospital, sent->message_id()).status().code() == ErrorCode::kNotFound);
  CHECK(Ack(kHospital, {sent->message_id()}) == std::vector{v1::ACK_OUTCOME_NOT_FOUND});
  CHECK(Receive(kHospital).empty());
}

TEST_CASE_METHOD(CoreFixture, "a response cannot answer a response", "[gateway]") {
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(Receive(kZags).size() == 1);
  auto answer = Respond(kZags, testing::DataResponse(sent->message_id(), kZags), "resp-1");
  REQUIRE(answer.ok());
  REQUIRE(Receive(kSocialDept).size() == 1);
  auto nested = Respond(kSocialDept, testing::DataResponse(answer->message_id(), kSocialDept), "resp-2");
  CHECK(nested.status().code() == ErrorCode::kNotARequest);
}

TEST_CASE_METHOD(CoreFixture, "invalid requests list every failing field and store nothing", "[gateway]") {
  v1::RequestEnvelope request = testing::ValidRequest(kSocialDept, kZags);
  request.mutable_citizen()->set_snils("123");
  request.clear_preparer();
  auto refused =
      Await<v1::SendResult>([&](Done<v1::SendResult> done) { gateway_->SendRequest(kSocialDept, "", request, done); });
  REQUIRE(refused.status().code() == ErrorCode::kInvalidMessage);
  std::vector<std::string> paths;
  const Status refusal = refused.status();
  for (const FieldError& field : refusal.fields()) paths.push_back(field.path);
  CHECK(paths == std::vector<std::string>{"request.citizen.snils", "request.preparer", "idempotency_key"});
  const v1::ListQueuesResponse queues = gateway_->ListQueues();
  for (const auto& queue : queues.queues()) {
    CHECK(queue.pending() == 0);
  }

  request = testing::ValidRequest(kSocialDept, kZags);
  request.set_payload(std::string(8193, 'x'));
  auto too_large =
      Await<v1::SendResult>([&](Done<v1::SendResult> done) { gateway_->SendRequest(kSocialDept, "k", request, done); });
  CHECK(too_large.status().code() == ErrorCode::kMessageTooLarge);
}

TEST_CASE_METHOD(CoreFixture, "resending with the same idempotency key stores nothing new", "[gateway]") {
  auto first = Send(kSocialDept, kZags, "req-1");
  auto again = Send(kSocialDept, kZags, "req-1");
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(again->duplicate());
  CHECK(again->message_id() == first->message_id());
  CHECK(Receive(kZags).size() == 1);

  // The same key from another sender is another request.
  auto other = Send(kSocialDept2, kZags, "req-1");
  REQUIRE(other.ok());
  CHECK(other->message_id() != first->message_id());

  // The same key for different content is a client bug, not a resend.
  v1::RequestEnvelope changed = testing::ValidRequest(kSocialDept, kZags);
  changed.mutable_citizen()->set_first_name("Анна");
  auto conflict = Await<v1::SendResult>(
      [&](Done<v1::SendResult> done) { gateway_->SendRequest(kSocialDept, "req-1", changed, done); });
  CHECK(conflict.status().code() == ErrorCode::kIdempotencyConflict);
}

TEST_CASE_METHOD(CoreFixture, "an unacknowledged message is delivered again after its lease", "[gateway]") {
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(Receive(kZags).size() == 1);
  CHECK(Receive(kZags).empty());  // leased
  clock_.Advance(29999);
  CHECK(Receive(kZags).empty());
  clock_.Advance(1);
  std::vector<v1::Message> again = Receive(kZags);
  REQUIRE(again.size() == 1);
  CHECK(again[0].message_id() == sent->message_id());
  CHECK(again[0].delivery_attempt() == 2);
  CHECK(Ack(kZags, {sent->message_id()}) == std::vector{v1::ACK_OUTCOME_ACKNOWLEDGED});
  clock_.Advance(60000);
  CHECK(Receive(kZags).empty());
}

TEST_CASE_METHOD(CoreFixture, "exhausted messages are dead-lettered and an operator can requeue them", "[gateway]") {
  auto sent = Send(kSocialDept, kZags, "req-1");
  for (int attempt = 1; attempt <= 3; ++attempt) {
    REQUIRE(Receive(kZags).size() == 1);
    clock_.Advance(30000);
  }
  Housekeep();
  CHECK(Receive(kZags).empty());
  auto status = gateway_->InspectMessage(sent->message_id());
  REQUIRE(status.ok());
  CHECK(status->state() == v1::MESSAGE_STATE_DEAD_LETTERED);
  const v1::QueueSummary zags = QueueOf(kZags);
  CHECK(zags.dead_letters() == 1);
  CHECK(zags.pending() == 0);
  CHECK(zags.agency_code() == "ZAGS");

  v1::ListMessagesRequest list;
  list.set_recipient_code(kZags);
  list.set_view(v1::QUEUE_VIEW_DEAD_LETTERS);
  auto dead = gateway_->ListMessages(list);
  REQUIRE(dead.ok());
  REQUIRE(dead->messages_size() == 1);
  CHECK(dead->messages(0).message_id() == sent->message_id());
  CHECK(dead->messages(0).delivery_attempts() == 3);

  // The addressee cannot answer a request it never got to keep.
  CHECK(Respond(kZags, testing::DataResponse(sent->message_id(), kZags), "r").status().code() ==
        ErrorCode::kNotDelivered);

  v1::RequeueRequest requeue;
  requeue.add_message_ids(sent->message_id());
  requeue.add_message_ids("0190a5e2-7c1b-7d3e-8f00-123456789012");  // no such message
  auto requeued =
      Await<v1::RequeueResponse>([&](Done<v1::RequeueResponse> done) { gateway_->Requeue("duty", requeue, done); });
  REQUIRE(requeued.ok());
  CHECK(requeued->results(0).requeued());
  CHECK_FALSE(requeued->results(1).requeued());
  CHECK(requeued->results(1).error_code() == "NOT_FOUND");
  std::vector<v1::Message> again = Receive(kZags);
  REQUIRE(again.size() == 1);
  CHECK(again[0].delivery_attempt() == 1);
  auto history = gateway_->InspectMessage(sent->message_id());
  REQUIRE(history.ok());
  bool requeued_by_operator = false;
  for (const auto& event : history->history()) {
    requeued_by_operator |= event.actor() == "operator:duty";
  }
  CHECK(requeued_by_operator);
}

TEST_CASE_METHOD(CoreFixture, "a long poll answers when a message arrives", "[gateway]") {
  v1::ReceiveRequest request;
  request.set_wait_ms(30000);
  auto promise = std::make_shared<std::promise<StatusOr<v1::ReceiveResponse>>>();
  auto future = promise->get_future();
  gateway_->Receive(kZags, request, nullptr, [promise](auto result) { promise->set_value(std::move(result)); });
  CHECK(future.wait_for(std::chrono::milliseconds(50)) == std::future_status::timeout);
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto received = future.get();
  REQUIRE(received.ok());
  REQUIRE(received->messages_size() == 1);
  CHECK(received->messages(0).message_id() == sent->message_id());
}

TEST_CASE_METHOD(CoreFixture, "a long poll ends empty when its wait is over or its caller leaves", "[gateway]") {
  v1::ReceiveRequest request;
  request.set_wait_ms(5000);
  auto timed_out = std::make_shared<std::promise<StatusOr<v1::ReceiveResponse>>>();
  auto expired = timed_out->get_future();
  gateway_->Receive(kZags, request, nullptr, [timed_out](auto result) { timed_out->set_value(std::move(result)); });
  auto cancelled_flag = std::make_shared<std::atomic<bool>>(false);
  auto cancelled = std::make_shared<std::promise<StatusOr<v1::ReceiveResponse>>>();
  auto left = cancelled->get_future();
  request.set_wait_ms(60000);
  gateway_->Receive(
      kHospital, request, [cancelled_flag] { return cancelled_flag->load(); },
      [cancelled](auto result) { cancelled->set_value(std::move(result)); });

  clock_.Advance(4999);
  gateway_->RunHousekeeping();
  CHECK(expired.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout);
  clock_.Advance(1);
  cancelled_flag->store(true);
  gateway_->RunHousekeeping();
  REQUIRE(expired.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(expired.get()->messages().empty());
  REQUIRE(left.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(left.get()->messages().empty());
}

TEST_CASE_METHOD(CoreFixture, "shutdown answers waiting long polls", "[gateway]") {
  v1::ReceiveRequest request;
  request.set_wait_ms(60000);
  auto promise = std::make_shared<std::promise<StatusOr<v1::ReceiveResponse>>>();
  auto future = promise->get_future();
  gateway_->Receive(kZags, request, nullptr, [promise](auto result) { promise->set_value(std::move(result)); });
  CHECK(future.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout);
  gateway_->BeginShutdown();
  REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(future.get()->messages().empty());
}

TEST_CASE_METHOD(CoreFixture, "messages arrive in acceptance order per recipient", "[gateway]") {
  std::vector<std::string> sent;
  for (int i = 0; i < 5; ++i) {
    sent.push_back(Send(i % 2 == 0 ? kSocialDept : kSocialDept2, kZags, "req-" + std::to_string(i))->message_id());
  }
  REQUIRE(Send(kSocialDept, kHospital, "other").ok());
  std::vector<std::string> received;
  for (const v1::Message& message : Receive(kZags, 3)) received.push_back(message.message_id());
  for (const v1::Message& message : Receive(kZags, 10)) received.push_back(message.message_id());
  CHECK(received == sent);
}

TEST_CASE_METHOD(CoreFixture, "operators see a queue for every organisation, and only those", "[gateway]") {
  REQUIRE(Send(kSocialDept, kZags, "req-1").ok());
  const v1::ListQueuesResponse queues = gateway_->ListQueues();
  std::vector<std::string> codes;
  for (const auto& queue : queues.queues()) codes.push_back(queue.recipient_code());
  CHECK(codes == std::vector<std::string>{"HEALTH-CRH-1", "HEALTH-MIN", "SOCPROT-BARNAUL", "SOCPROT-BIYSK",
                                          "SOCPROT-MAIN", "ZAGS-BARNAUL", "ZAGS-MAIN"});
  CHECK(QueueOf(kZags).pending() == 1);
  CHECK(QueueOf(kZags).recipient_name() == "Отдел ЗАГС г. Барнаула");
  CHECK(QueueOf(kHospital).pending() == 0);

  v1::ListMessagesRequest list;
  list.set_recipient_code("ZAGS-NOWHERE");
  CHECK(gateway_->ListMessages(list).status().code() == ErrorCode::kNotFound);
  list.set_recipient_code(kHospital);
  auto empty = gateway_->ListMessages(list);
  REQUIRE(empty.ok());
  CHECK(empty->messages().empty());
}

TEST_CASE("a Receive answer fits the gateway's own message limit", "[gateway]") {
  config::v1::GatewayConfig config;
  config.mutable_limits()->set_max_message_bytes(100000);
  CHECK(GatewaySettings::FromConfig(config).max_receive_bytes == 100000 - (16 << 10));
  config.mutable_limits()->set_max_message_bytes(4096);
  CHECK(GatewaySettings::FromConfig(config).max_receive_bytes == 16 << 10);  // never below the framing room
}

TEST_CASE_METHOD(CoreFixture, "malformed ids are refused naming the field", "[gateway]") {
  CHECK(gateway_->GetStatus(kZags, "nope").status().code() == ErrorCode::kInvalidArgument);
  v1::AckRequest ack;
  ack.add_message_ids("0190a5e2-7c1b-7d3e-8f00-123456789012");
  ack.add_message_ids("bad");
  auto refused = Await<v1::AckResponse>([&](Done<v1::AckResponse> done) { gateway_->Ack(kZags, ack, done); });
  REQUIRE(refused.status().code() == ErrorCode::kInvalidArgument);
  CHECK(refused.status().fields().at(0).path == "message_ids[1]");
}

}  // namespace
}  // namespace mezhved::gateway
