// The answer-deadline rules (gateway/deadlines.h) on their own, and through the core with the real store and a
// manual clock: notices go out once to each party, a final answer stops the clock, an agreement may let a
// clarification stop it and the supplement restart it.
#include "gateway/deadlines.h"

#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>

#include "tests/gateway/core_fixture.h"
#include "tests/support/envelopes.h"

namespace mezhved::gateway {
namespace {

using google::protobuf::util::TimeUtil;
using testing::kHospital;
using testing::kSocialDept;
using testing::kZags;
using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary

// Instants in UTC (kStart is 2026-11-24 06:00 UTC, a Tuesday; the test region keeps Moscow time, UTC+3, except
// where a test moves ZAGS to UTC+7).
constexpr UnixMillis kMoscowDueSoon = 1'796'072'400'000;  // 2026-12-01 00:00 +03:00, the 5th working day begins
constexpr UnixMillis kMoscowDue = 1'796'158'800'000;      // 2026-12-02 00:00 +03:00, the 5th working day is over

void SetZagsOffset(config::v1::GatewayConfig& config, const std::string& offset) {
  for (config::v1::Agency& agency : *config.mutable_agencies()) {
    if (agency.code() == "ZAGS") {
      agency.set_utc_offset(offset);
    }
  }
}

config::v1::Agreement* TestAgreement(config::v1::GatewayConfig& config) {
  return config.mutable_agreements(0);  // AGR-TEST-1: SOCPROT asks ZAGS and HEALTH
}

class RulesFixture {
 public:
  explicit RulesFixture(const std::function<void(config::v1::GatewayConfig&)>& adjust = {}, int due_soon_days = 1) {
    config_ = testing::SmallRegionConfig("/nonexistent");
    if (adjust) {
      adjust(config_);
    }
    auto participants = std::make_shared<const ParticipantRegistry>(ParticipantRegistry::FromConfig(config_));
    auto types = InformationTypeRegistry::Load(std::string(MEZHVED_SOURCE_DIR) + "/schemas/catalog.textproto");
    REQUIRE(types.ok());
    auto calendar = calendar::ProductionCalendar::Load(std::string(MEZHVED_SOURCE_DIR) + "/calendars/federal", {});
    REQUIRE(calendar.ok());
    Rules rules;
    rules.participants = participants;
    rules.agreements = std::make_shared<const AgreementRegistry>(config_, *participants);
    rules.information_types = std::move(*types);
    rules.calendar = std::make_shared<const calendar::ProductionCalendar>(std::move(*calendar));
    DeadlineSettings settings;
    settings.due_soon_working_days = due_soon_days;
    deadlines_ = std::make_unique<AnswerDeadlines>(std::move(rules), settings);
  }

  const AnswerDeadlines& deadlines() const { return *deadlines_; }
  config::v1::Agreement agreement() const { return config_.agreements(0); }

 private:
  config::v1::GatewayConfig config_;
  std::unique_ptr<AnswerDeadlines> deadlines_;
};

v1::InformationTypeRef Type(const std::string& id) {
  v1::InformationTypeRef ref;
  ref.set_id(id);
  ref.set_version("1.0");
  return ref;
}

TEST_CASE("the period comes from the agreement, else from the information type's deadline class", "[deadlines]") {
  RulesFixture rules;
  config::v1::Agreement agreement = rules.agreement();
  CHECK(rules.deadlines().WorkingDaysFor(agreement, Type("zags.civil-status-record")) == 5);  // Altai 3.6
  CHECK(rules.deadlines().WorkingDaysFor(agreement, Type("social.support-progress")) == 10);  // Leningrad 3.4
  CHECK(rules.deadlines().WorkingDaysFor(agreement, Type("social.referral")) == 0);           // no answer due
  CHECK(rules.deadlines().WorkingDaysFor(agreement, Type("social.support-quarterly-report")) == 0);
  agreement.set_answer_deadline_working_days(7);
  CHECK(rules.deadlines().WorkingDaysFor(agreement, Type("zags.civil-status-record")) == 7);
}

TEST_CASE("timers: due soon at the start of the last working day, overdue at the end of the period", "[deadlines]") {
  RulesFixture rules;
  auto timers = rules.deadlines().TimersFor(kZags, kStart, 5);
  REQUIRE(timers.ok());
  CHECK(timers->due_soon_at_ms == kMoscowDueSoon);
  CHECK(timers->due_at_ms == kMoscowDue);

  SECTION("a period no longer than the warning gets no due-soon timer") {
    auto one_day = rules.deadlines().TimersFor(kZags, kStart, 1);
    REQUIRE(one_day.ok());
    CHECK(one_day->due_soon_at_ms == 0);
  }
}

TEST_CASE("timers across the New Year holidays in the addressee's zone", "[deadlines]") {
  RulesFixture rules([](config::v1::GatewayConfig& config) { SetZagsOffset(config, "+07:00"); });
  constexpr UnixMillis kChristmasEve = 1'798'106'400'000;  // 2026-12-24 17:00 +07:00
  auto timers = rules.deadlines().TimersFor(kZags, kChristmasEve, 5);
  REQUIRE(timers.ok());
  CHECK(timers->due_at_ms == 1'799'686'800'000);       // 2027-01-12 00:00 +07:00: due on 2027-01-11
  CHECK(timers->due_soon_at_ms == 1'799'600'400'000);  // 2027-01-11 00:00 +07:00
  // The same receipt in Moscow time is the same day, so the same local dates, three hours later in UTC.
  auto moscow = rules.deadlines().TimersFor(kHospital, kChristmasEve, 5);
  REQUIRE(moscow.ok());
  CHECK(moscow->due_at_ms - timers->due_at_ms == 4 * 3600 * 1000);
}

TEST_CASE("a wider warning starts earlier", "[deadlines]") {
  RulesFixture rules({}, 2);
  auto timers = rules.deadlines().TimersFor(kZags, kStart, 5);
  REQUIRE(timers.ok());
  CHECK(timers->due_soon_at_ms == kMoscowDueSoon - 24 * 3600 * 1000);  // the last two: Monday 2026-11-30 begins
}

TEST_CASE("a period in a year with no calendar is NO_CALENDAR", "[deadlines]") {
  RulesFixture rules;
  constexpr UnixMillis kLate2027 = 1'830'000'000'000;  // 2027-12-28: the period runs into 2028
  auto timers = rules.deadlines().TimersFor(kZags, kLate2027, 5);
  CHECK(timers.status().code() == ErrorCode::kNoCalendar);
}

TEST_CASE("what stops the clock", "[deadlines]") {
  const auto stops = [](bool clarification, bool interim) {
    return [=](config::v1::GatewayConfig& config) {
      TestAgreement(config)->set_clarification_stops_clock(clarification);
      TestAgreement(config)->set_interim_status_stops_clock(interim);
    };
  };
  using Outcome = v1::ResponseEnvelope;
  RulesFixture strict(stops(false, false));
  for (auto final_outcome : {Outcome::kData, Outcome::kRefusal, Outcome::kCannotAnswer}) {
    CHECK(strict.deadlines().OnResponse("AGR-TEST-1", final_outcome) == store::ClockChange::kStop);
  }
  CHECK(strict.deadlines().OnResponse("AGR-TEST-1", Outcome::kInterim) == store::ClockChange::kKeep);
  CHECK(strict.deadlines().OnResponse("AGR-TEST-1", Outcome::kClarification) == store::ClockChange::kKeep);

  RulesFixture lenient(stops(true, true));
  CHECK(lenient.deadlines().OnResponse("AGR-TEST-1", Outcome::kInterim) == store::ClockChange::kStop);
  CHECK(lenient.deadlines().OnResponse("AGR-TEST-1", Outcome::kClarification) == store::ClockChange::kStop);
  CHECK(lenient.deadlines().OnResponse("AGR-WITHDRAWN", Outcome::kClarification) == store::ClockChange::kKeep);
  CHECK(lenient.deadlines().OnResponse("AGR-WITHDRAWN", Outcome::kData) == store::ClockChange::kStop);
}

TEST_CASE("a supplement restarts the clock only when a clarification stopped it", "[deadlines]") {
  RulesFixture rules(
      [](config::v1::GatewayConfig& config) { TestAgreement(config)->set_clarification_stops_clock(true); });
  v1::Message request;
  request.set_recipient_code(kZags);
  request.set_answer_working_days(5);
  const std::string agreement_id = "AGR-TEST-1";
  const store::RequestView stopped{request, v1::MESSAGE_STATE_CLARIFICATION_REQUESTED, agreement_id,
                                   v1::DEADLINE_STATUS_STOPPED};
  auto change = rules.deadlines().OnSupplement(stopped, kStart);
  REQUIRE(change.ok());
  CHECK(change->clock == store::ClockChange::kRestart);
  CHECK(change->restarted.due_at_ms == kMoscowDue);

  const store::RequestView running{request, v1::MESSAGE_STATE_CLARIFICATION_REQUESTED, agreement_id,
                                   v1::DEADLINE_STATUS_RUNNING};
  auto kept = rules.deadlines().OnSupplement(running, kStart);
  REQUIRE(kept.ok());
  CHECK(kept->clock == store::ClockChange::kKeep);
}

TEST_CASE("notices name the request and the parties, never the citizen", "[deadlines]") {
  RulesFixture rules;
  v1::Message request;
  request.set_message_id(MessageId::Generate(kStart).ToString());
  request.set_sender_code(kSocialDept);
  request.set_recipient_code(kZags);
  *request.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(kStart);
  request.set_answer_working_days(5);
  *request.mutable_request() = testing::ValidRequest(kSocialDept, kZags);
  request.mutable_request()->mutable_registration()->set_outgoing_number("01-15/777");

  const std::vector<v1::Message> notices = rules.deadlines().Notices(
      store::FiredTimer{request, request.request().information_type(), v1::DEADLINE_EVENT_OVERDUE, kMoscowDue},
      kMoscowDue + 5);
  REQUIRE(notices.size() == 2);
  CHECK(notices[0].recipient_code() == kZags);
  CHECK(notices[1].recipient_code() == kSocialDept);
  for (const v1::Message& notice : notices) {
    CHECK(notice.kind() == v1::MESSAGE_KIND_NOTICE);
    CHECK(notice.notice().kind() == v1::DEADLINE_KIND_ANSWER);
    CHECK(notice.sender_code() == "gateway");
    CHECK(TimeUtil::TimestampToMilliseconds(notice.accepted_at()) == kMoscowDue + 5);
    CHECK(notice.notice().request_id() == request.message_id());
    CHECK(notice.notice().event() == v1::DEADLINE_EVENT_OVERDUE);
    CHECK(notice.notice().addressee_code() == kZags);
    CHECK(notice.notice().outgoing_number() == "01-15/777");
    CHECK(TimeUtil::TimestampToMilliseconds(notice.notice().answer_due_at()) == kMoscowDue);
    CHECK(notice.notice().text().find("01-15/777") != std::string::npos);
    CHECK(notice.notice().text().find("2026-12-02 00:00 (UTC+03:00)") != std::string::npos);
    CHECK(notice.DebugString().find(request.request().citizen().last_name()) == std::string::npos);
  }
  CHECK(notices[0].message_id() != notices[1].message_id());
}

TEST_CASE("final answers to social-support requests get a citizen-copy clock for the requester", "[deadlines]") {
  RulesFixture rules;
  using Outcome = v1::ResponseEnvelope;
  for (auto final_outcome : {Outcome::kData, Outcome::kRefusal, Outcome::kCannotAnswer}) {
    auto timers =
        rules.deadlines().CitizenCopyTimers(Type("social.support-request"), final_outcome, kSocialDept, kStart);
    REQUIRE(timers.ok());
    REQUIRE(timers->has_value());
    CHECK((*timers)->due_at_ms == kMoscowDue);  // 5 working days, the requester's (Moscow) time: Altai 4.13
  }
  auto interim =
      rules.deadlines().CitizenCopyTimers(Type("social.support-request"), Outcome::kInterim, kSocialDept, kStart);
  REQUIRE(interim.ok());
  CHECK_FALSE(interim->has_value());
  auto other =
      rules.deadlines().CitizenCopyTimers(Type("zags.civil-status-record"), Outcome::kData, kSocialDept, kStart);
  REQUIRE(other.ok());
  CHECK_FALSE(other->has_value());

  v1::Message answer;
  answer.set_message_id(MessageId::Generate(kStart).ToString());
  answer.set_kind(v1::MESSAGE_KIND_RESPONSE);
  answer.set_sender_code(kZags);
  answer.set_recipient_code(kSocialDept);
  *answer.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(kStart);
  answer.mutable_response()->set_request_id("0190a5e2-7c1b-7d3e-8f00-123456789012");
  const v1::InformationTypeRef type = Type("social.support-request");
  const std::vector<v1::Message> notices =
      rules.deadlines().Notices(store::FiredTimer{answer, type, v1::DEADLINE_EVENT_DUE_SOON, kMoscowDue}, kStart + 1);
  REQUIRE(notices.size() == 1);  // only the requester has to act
  CHECK(notices[0].recipient_code() == kSocialDept);
  CHECK(notices[0].notice().kind() == v1::DEADLINE_KIND_CITIZEN_COPY);
  CHECK(notices[0].notice().response_id() == answer.message_id());
  CHECK(notices[0].notice().request_id() == "0190a5e2-7c1b-7d3e-8f00-123456789012");
  CHECK(notices[0].notice().information_type().id() == "social.support-request");
  CHECK(notices[0].notice().text().find("4.13") != std::string::npos);
}

TEST_CASE("how late an overdue request is, in working days", "[deadlines]") {
  RulesFixture rules;
  CHECK(rules.deadlines().WorkingDaysLate(kZags, kMoscowDue, kMoscowDue - 1) == 0);
  CHECK(rules.deadlines().WorkingDaysLate(kZags, kMoscowDue, kMoscowDue) == 1);  // Wednesday, the first day late
  constexpr int64_t kDay = 24LL * 3600 * 1000;
  CHECK(rules.deadlines().WorkingDaysLate(kZags, kMoscowDue, kMoscowDue + 4 * kDay) == 3);  // Sunday: Wed-Fri
}

// --- Through the core --------------------------------------------------------------------------------------------

class DeadlineCore : public CoreFixture {
 public:
  explicit DeadlineCore(const std::function<void(config::v1::GatewayConfig&)>& adjust = {}) : CoreFixture(adjust) {}

  uint32_t Fire() {
    auto fired = Await<uint32_t>([&](Done<uint32_t> done) { gateway_->FireDeadlineTimers(done); });
    REQUIRE(fired.ok());
    return *fired;
  }
  // The notices waiting for `caller`, received and acknowledged.
  std::vector<v1::Message> NoticesFor(const std::string& caller) {
    std::vector<v1::Message> notices;
    for (v1::Message& message : Receive(caller, 100)) {
      if (message.kind() == v1::MESSAGE_KIND_NOTICE) {
        Ack(caller, {message.message_id()});
        notices.push_back(std::move(message));
      }
    }
    return notices;
  }
  v1::MessageStatus Status(const std::string& id) {
    auto status = gateway_->InspectMessage(id);
    REQUIRE(status.ok());
    return *status;
  }
};

class ClarificationStopsClock : public DeadlineCore {
 public:
  ClarificationStopsClock()
      : DeadlineCore(
            [](config::v1::GatewayConfig& config) { TestAgreement(config)->set_clarification_stops_clock(true); }) {}
};

TEST_CASE_METHOD(DeadlineCore, "the core warns both parties once, then flags the request overdue", "[deadlines]") {
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(sent.ok());
  v1::MessageStatus status = Status(sent->message_id());
  CHECK(status.deadline_status() == v1::DEADLINE_STATUS_RUNNING);
  CHECK(TimeUtil::TimestampToMilliseconds(status.answer_due_at()) == kMoscowDue);

  clock_.Set(kMoscowDueSoon - 1);
  CHECK(Fire() == 0);
  clock_.Set(kMoscowDueSoon);
  CHECK(Fire() == 1);
  CHECK(Fire() == 0);
  for (const std::string party : {kZags, kSocialDept}) {
    const std::vector<v1::Message> notices = NoticesFor(party);
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].notice().event() == v1::DEADLINE_EVENT_DUE_SOON);
    CHECK(notices[0].notice().request_id() == sent->message_id());
    // The parties may look the notice up like any message addressed to them.
    CHECK(gateway_->GetStatus(party, notices[0].message_id()).ok());
  }
  CHECK(Status(sent->message_id()).deadline_status() == v1::DEADLINE_STATUS_DUE_SOON);

  clock_.Set(kMoscowDue);
  CHECK(Fire() == 1);
  CHECK(NoticesFor(kZags).size() == 1);
  CHECK(NoticesFor(kSocialDept).size() == 1);
  CHECK(Status(sent->message_id()).deadline_status() == v1::DEADLINE_STATUS_OVERDUE);

  clock_.Set(kMoscowDue + 24 * 3600 * 1000);
  auto overdue = gateway_->ListOverdue({});
  REQUIRE(overdue.ok());
  REQUIRE(overdue->requests_size() == 1);
  const v1::OverdueRequest& late = overdue->requests(0);
  CHECK(late.message_id() == sent->message_id());
  CHECK(late.addressee_code() == kZags);
  CHECK(late.addressee_name() == "Отдел ЗАГС г. Барнаула");
  CHECK(late.agency_code() == "ZAGS");
  CHECK(late.requester_code() == kSocialDept);
  CHECK(late.working_days_late() == 2);

  // The late answer stops the clock and clears the flag.
  REQUIRE(Respond(kZags, testing::DataResponse(sent->message_id(), kZags), "resp-1").ok());
  CHECK(Status(sent->message_id()).deadline_status() == v1::DEADLINE_STATUS_STOPPED);
  CHECK(gateway_->ListOverdue({})->requests().empty());
}

TEST_CASE_METHOD(DeadlineCore, "an answer in time means no notice at all", "[deadlines]") {
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(sent.ok());
  REQUIRE(Receive(kZags).size() == 1);
  REQUIRE(Respond(kZags, testing::DataResponse(sent->message_id(), kZags), "resp-1").ok());
  clock_.Set(kMoscowDue + 1);
  CHECK(Fire() == 0);
  CHECK(NoticesFor(kSocialDept).empty());
  const v1::MessageStatus status = Status(sent->message_id());
  CHECK(status.deadline_status() == v1::DEADLINE_STATUS_STOPPED);
  CHECK(status.history(status.history_size() - 1).deadline_event() == v1::DEADLINE_EVENT_STOPPED);
}

TEST_CASE_METHOD(DeadlineCore, "an interim status does not stop the clock by default", "[deadlines]") {
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(sent.ok());
  REQUIRE(Receive(kZags).size() == 1);
  v1::ResponseEnvelope interim;
  interim.set_request_id(sent->message_id());
  interim.set_responder_code(kZags);
  interim.mutable_interim()->set_status_text("в работе");
  *interim.mutable_registration() = testing::DataResponse(sent->message_id(), kZags).registration();
  *interim.mutable_preparer() = testing::DataResponse(sent->message_id(), kZags).preparer();
  REQUIRE(Respond(kZags, interim, "interim-1").ok());
  clock_.Set(kMoscowDue);
  CHECK(Fire() == 1);  // the due-soon warning is stale by now: only the overdue notice
  CHECK(Status(sent->message_id()).deadline_status() == v1::DEADLINE_STATUS_OVERDUE);
}

TEST_CASE_METHOD(ClarificationStopsClock,
                 "under its agreement a clarification stops the clock and the supplement "
                 "starts a new period",
                 "[deadlines]") {
  auto sent = Send(kSocialDept, kZags, "req-1");
  REQUIRE(sent.ok());
  REQUIRE(Receive(kZags).size() == 1);
  v1::ResponseEnvelope question;
  question.set_request_id(sent->message_id());
  question.set_responder_code(kZags);
  question.mutable_clarification()->set_question("уточните дату рождения");
  *question.mutable_registration() = testing::DataResponse(sent->message_id(), kZags).registration();
  *question.mutable_preparer() = testing::DataResponse(sent->message_id(), kZags).preparer();
  REQUIRE(Respond(kZags, question, "question-1").ok());
  CHECK(Status(sent->message_id()).deadline_status() == v1::DEADLINE_STATUS_STOPPED);

  clock_.Set(kMoscowDue + 1);  // the first period would have ended: nothing fires
  CHECK(Fire() == 0);

  v1::SupplementEnvelope supplement;
  supplement.set_request_id(sent->message_id());
  supplement.set_text("дата рождения подтверждена");
  *supplement.mutable_registration() = testing::ValidRequest(kSocialDept, kZags).registration();
  *supplement.mutable_preparer() = testing::ValidRequest(kSocialDept, kZags).preparer();
  auto supplemented = Await<v1::SendResult>(
      [&](Done<v1::SendResult> done) { gateway_->SendSupplement(kSocialDept, "supp-1", supplement, done); });
  REQUIRE(supplemented.ok());
  const v1::MessageStatus status = Status(sent->message_id());
  CHECK(status.deadline_status() == v1::DEADLINE_STATUS_RUNNING);
  // Received on Wednesday 2026-12-02 just after midnight Moscow time: five working days end with Wednesday
  // 2026-12-09, so the period ends at midnight starting Thursday 2026-12-10.
  CHECK(TimeUtil::TimestampToMilliseconds(status.answer_due_at()) == kMoscowDue + 8 * 24 * 3600 * 1000);
  CHECK(status.history(status.history_size() - 1).deadline_event() == v1::DEADLINE_EVENT_RESTARTED);
}

class SocialSupportCore : public DeadlineCore {
 public:
  SocialSupportCore()
      : DeadlineCore([](config::v1::GatewayConfig& config) {
          TestAgreement(config)->add_information_types("social.support-request");
        }) {}

  std::string SendSupportRequest() {
    v1::RequestEnvelope request = testing::ValidRequest(kSocialDept, kZags);
    request.mutable_information_type()->set_id("social.support-request");
    request.set_payload(testing::ExampleFile("social.support-request.request.xml"));
    auto sent = Await<v1::SendResult>(
        [&](Done<v1::SendResult> done) { gateway_->SendRequest(kSocialDept, "support-1", request, done); });
    REQUIRE(sent.ok());
    REQUIRE(Receive(kZags).size() == 1);
    return sent->message_id();
  }
  std::string Answer(const std::string& request_id) {
    v1::ResponseEnvelope answer = testing::DataResponse(request_id, kZags);
    answer.mutable_data()->set_payload(testing::ExampleFile("social.support-request.response.xml"));
    auto answered = Respond(kZags, answer, "support-answer-1");
    REQUIRE(answered.ok());
    return answered->message_id();
  }
  StatusOr<v1::MessageStatus> Confirm(const std::string& caller, const std::string& answer_id) {
    v1::ConfirmCitizenCopyRequest call;
    call.set_response_id(answer_id);
    *call.mutable_sent_at() = TimeUtil::MillisecondsToTimestamp(clock_.NowMs() - 1000);
    call.set_how("почтой");
    return Await<v1::MessageStatus>(
        [&](Done<v1::MessageStatus> done) { gateway_->ConfirmCitizenCopy(caller, call, done); });
  }
};

TEST_CASE_METHOD(SocialSupportCore,
                 "the requester is reminded to forward the answer to the citizen until it "
                 "confirms",
                 "[deadlines]") {
  const std::string request_id = SendSupportRequest();
  const std::string answer_id = Answer(request_id);
  const v1::MessageStatus answer = Status(answer_id);
  CHECK(answer.deadline_kind() == v1::DEADLINE_KIND_CITIZEN_COPY);
  CHECK(answer.deadline_status() == v1::DEADLINE_STATUS_RUNNING);
  CHECK(TimeUtil::TimestampToMilliseconds(answer.answer_due_at()) == kMoscowDue);
  CHECK(Status(request_id).deadline_status() == v1::DEADLINE_STATUS_STOPPED);  // answered in time

  clock_.Set(kMoscowDue);
  CHECK(Fire() == 1);  // overdue only: the due-soon moment passed with it
  std::vector<v1::Message> inbox = Receive(kSocialDept, 10);
  REQUIRE(inbox.size() == 2);  // the answer and the notice
  CHECK(inbox[1].notice().kind() == v1::DEADLINE_KIND_CITIZEN_COPY);
  CHECK(inbox[1].notice().event() == v1::DEADLINE_EVENT_OVERDUE);
  CHECK(NoticesFor(kZags).empty());  // the addressee has done its part
  auto overdue = gateway_->ListOverdue({});
  REQUIRE(overdue.ok());
  REQUIRE(overdue->requests_size() == 1);
  CHECK(overdue->requests(0).message_id() == answer_id);
  CHECK(overdue->requests(0).addressee_code() == kSocialDept);  // the late party: the requester

  CHECK(Confirm(kZags, answer_id).status().code() == ErrorCode::kNotFound);  // not the answer's recipient
  auto confirmed = Confirm(kSocialDept, answer_id);
  REQUIRE(confirmed.ok());
  CHECK(confirmed->deadline_status() == v1::DEADLINE_STATUS_STOPPED);
  const v1::HistoryEvent& last = confirmed->history(confirmed->history_size() - 1);
  CHECK(last.deadline_event() == v1::DEADLINE_EVENT_STOPPED);
  CHECK(last.actor() == kSocialDept);
  CHECK(last.note().find("почтой") != std::string::npos);
  CHECK(gateway_->ListOverdue({})->requests().empty());
  CHECK(Confirm(kSocialDept, answer_id).status().code() == ErrorCode::kNoCitizenCopyDue);
  CHECK(Confirm(kSocialDept, request_id).status().code() == ErrorCode::kNotFound);  // a request, not an answer to it
}

TEST_CASE_METHOD(SocialSupportCore, "a confirmation needs its fields", "[deadlines]") {
  v1::ConfirmCitizenCopyRequest call;
  call.set_response_id("not-an-id");
  *call.mutable_sent_at() = TimeUtil::MillisecondsToTimestamp(clock_.NowMs() + 3600 * 1000);
  auto refused = Await<v1::MessageStatus>(
      [&](Done<v1::MessageStatus> done) { gateway_->ConfirmCitizenCopy(kSocialDept, call, done); });
  const mezhved::Status status = refused.status();
  REQUIRE(status.code() == ErrorCode::kInvalidMessage);
  std::vector<std::string> fields;
  for (const FieldError& error : status.fields()) fields.push_back(error.path + ":" + error.code);
  CHECK(fields == std::vector<std::string>{"response_id:MALFORMED", "sent_at:DATE_ORDER", "how:REQUIRED"});
}

}  // namespace
}  // namespace mezhved::gateway
