// The store's answer clocks: timers kept across restarts, fired exactly once, stopped and restarted by responses;
// the overdue list; the requests index the reports read.
#include <catch2/catch.hpp>

#include "store/rocksdb_store.h"
#include "tests/store/store_fixture.h"

namespace mezhved::store {
namespace {

using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary

constexpr int64_t kDay = 24LL * 3600 * 1000;
constexpr UnixMillis kDueSoon = kStart + 4 * kDay;
constexpr UnixMillis kDue = kStart + 5 * kDay;

NewMessage RequestWithClock(UnixMillis accepted_ms, UnixMillis due_soon_ms = kDueSoon, UnixMillis due_ms = kDue) {
  NewMessage message = MakeRequest(kRequester, kAddressee, accepted_ms);
  message.timers.due_soon_at_ms = due_soon_ms;
  message.timers.due_at_ms = due_ms;
  message.message.set_answer_working_days(5);
  message.citizen_key = "citizen-1";
  return message;
}

// What the core's rules would send: one notice to the addressee, one to the requester.
NoticeBuilder TwoNotices(UnixMillis now_ms) {
  return [now_ms](const FiredTimer& timer) {
    std::vector<api::Message> notices;
    for (const std::string& recipient : {timer.request.recipient_code(), timer.request.sender_code()}) {
      api::Message& notice = notices.emplace_back();
      notice.set_message_id(MessageId::Generate(now_ms).ToString());
      notice.set_kind(api::MESSAGE_KIND_NOTICE);
      notice.set_sender_code("gateway");
      notice.set_recipient_code(recipient);
      *notice.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(now_ms);
      notice.mutable_notice()->set_request_id(timer.request.message_id());
      notice.mutable_notice()->set_event(timer.event);
      *notice.mutable_notice()->mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(timer.due_at_ms);
    }
    return notices;
  };
}

TimerSweep MustFire(TestStore& test, UnixMillis now_ms, uint32_t max_timers = 100) {
  auto sweep = Await<TimerSweep>([&](Done<TimerSweep> done) {
    test.store().FireDueTimers(now_ms, max_timers, TwoNotices(now_ms), std::move(done));
  });
  REQUIRE(sweep.ok());
  return std::move(sweep).value();
}

// The notices leased from a recipient's queue.
std::vector<api::Message> NoticesFor(TestStore& test, std::string_view recipient, UnixMillis now_ms) {
  std::vector<api::Message> notices;
  for (api::Message& message : test.MustLease(recipient, LeaseAt(now_ms, 100))) {
    if (message.kind() == api::MESSAGE_KIND_NOTICE) {
      notices.push_back(std::move(message));
    }
  }
  return notices;
}

std::vector<api::DeadlineEvent> DeadlineEventsOf(const MessageRecord& record) {
  std::vector<api::DeadlineEvent> events;
  for (const api::HistoryEvent& event : record.history) {
    if (event.deadline_event() != api::DEADLINE_EVENT_UNSPECIFIED) {
      events.push_back(event.deadline_event());
    }
  }
  return events;
}

RequestTransition Answer(api::MessageState state, ClockChange clock, AnswerTimers restarted = {}) {
  return [=](const RequestView&) -> StatusOr<RequestChange> {
    RequestChange change = RequestChange::StateOnly(state);
    change.clock = clock;
    change.restarted = restarted;
    return change;
  };
}

OverduePage MustListOverdue(TestStore& test, uint32_t limit = 50, const std::string& token = "") {
  auto page = test.store().ListOverdue(limit, token);
  REQUIRE(page.ok());
  return std::move(page).value();
}

TEST_CASE("a request's clock starts at acceptance and its timers fire once each, across restarts", "[store]") {
  TestStore test;
  const MessageId id = test.MustAccept(RequestWithClock(kStart));
  MessageRecord record = test.MustGet(id);
  CHECK(record.deadline_status == api::DEADLINE_STATUS_RUNNING);
  CHECK(record.timers.due_soon_at_ms == kDueSoon);
  CHECK(record.timers.due_at_ms == kDue);

  CHECK(MustFire(test, kDueSoon - 1).fired == 0);
  const TimerSweep due_soon = MustFire(test, kDueSoon);
  CHECK(due_soon.fired == 1);
  CHECK(due_soon.recipients_with_ready == std::vector<std::string>{std::string(kRequester), std::string(kAddressee)});
  CHECK(MustFire(test, kDueSoon + 1).fired == 0);
  test.Reopen();
  CHECK(MustFire(test, kDue - 1).fired == 0);  // the fired timer is gone for good

  record = test.MustGet(id);
  CHECK(record.deadline_status == api::DEADLINE_STATUS_DUE_SOON);
  CHECK(DeadlineEventsOf(record) == std::vector{api::DEADLINE_EVENT_DUE_SOON});
  CHECK(MustListOverdue(test).requests.empty());

  CHECK(MustFire(test, kDue).fired == 1);
  test.Reopen();
  CHECK(MustFire(test, kDue + kDay).fired == 0);
  record = test.MustGet(id);
  CHECK(record.deadline_status == api::DEADLINE_STATUS_OVERDUE);
  CHECK(DeadlineEventsOf(record) == std::vector{api::DEADLINE_EVENT_DUE_SOON, api::DEADLINE_EVENT_OVERDUE});
  const api::HistoryEvent& overdue = record.history.back();
  CHECK(overdue.actor() == "gateway");
  CHECK(TimeUtil::TimestampToMilliseconds(overdue.answer_due_at()) == kDue);
  CHECK(overdue.state() == api::MESSAGE_STATE_ACCEPTED);  // the delivery state is untouched

  // Each party got each notice once, and each notice is a message of its own with its own history.
  for (std::string_view party : {kRequester, kAddressee}) {
    const std::vector<api::Message> notices = NoticesFor(test, party, kDue + kDay);
    REQUIRE(notices.size() == 2);
    CHECK(notices[0].notice().event() == api::DEADLINE_EVENT_DUE_SOON);
    CHECK(notices[1].notice().event() == api::DEADLINE_EVENT_OVERDUE);
    CHECK(notices[1].notice().request_id() == id.ToString());
    CHECK(notices[1].sender_code() == "gateway");
    CHECK(test.MustGet(*MessageId::Parse(notices[1].message_id())).state == api::MESSAGE_STATE_DELIVERED);
  }
  const OverduePage page = MustListOverdue(test);
  REQUIRE(page.requests.size() == 1);
  CHECK(page.requests[0].request.id == id);
  CHECK(page.requests[0].request.recipient_code == kAddressee);
  CHECK(page.requests[0].due_at_ms == kDue);
}

TEST_CASE("a final answer stops the clock: no notice fires and the request leaves the overdue list", "[store]") {
  TestStore test;
  const MessageId answered = test.MustAccept(RequestWithClock(kStart));
  const MessageId late = test.MustAccept(RequestWithClock(kStart + 1));
  test.MustLease(kAddressee, LeaseAt(kStart + 10));

  REQUIRE(test.AcceptResponse(MakeResponse(answered, kAddressee, kRequester, kStart + kDay), answered,
                              Answer(api::MESSAGE_STATE_ANSWERED, ClockChange::kStop))
              .ok());
  MessageRecord record = test.MustGet(answered);
  CHECK(record.deadline_status == api::DEADLINE_STATUS_STOPPED);
  CHECK(record.history.back().deadline_event() == api::DEADLINE_EVENT_STOPPED);
  CHECK(record.history.back().state() == api::MESSAGE_STATE_ANSWERED);

  CHECK(MustFire(test, kDueSoon).fired == 1);  // only the other request's timers
  CHECK(MustFire(test, kDue).fired == 1);
  CHECK(DeadlineEventsOf(test.MustGet(answered)) == std::vector{api::DEADLINE_EVENT_STOPPED});
  REQUIRE(MustListOverdue(test).requests.size() == 1);

  // Answered late: the clock stops and the request is no longer overdue.
  REQUIRE(test.AcceptResponse(MakeResponse(late, kAddressee, kRequester, kDue + 2 * kDay), late,
                              Answer(api::MESSAGE_STATE_REFUSED, ClockChange::kStop))
              .ok());
  CHECK(MustListOverdue(test).requests.empty());
  CHECK(test.MustGet(late).deadline_status == api::DEADLINE_STATUS_STOPPED);
}

TEST_CASE("a kept clock runs on through an interim status", "[store]") {
  TestStore test;
  const MessageId id = test.MustAccept(RequestWithClock(kStart));
  test.MustLease(kAddressee, LeaseAt(kStart + 10));
  REQUIRE(test.AcceptResponse(MakeResponse(id, kAddressee, kRequester, kStart + kDay), id,
                              Answer(api::MESSAGE_STATE_IN_PROGRESS, ClockChange::kKeep))
              .ok());
  CHECK(test.MustGet(id).deadline_status == api::DEADLINE_STATUS_RUNNING);
  CHECK(MustFire(test, kDueSoon).fired == 1);
  CHECK(MustFire(test, kDue).fired == 1);
  CHECK(test.MustGet(id).deadline_status == api::DEADLINE_STATUS_OVERDUE);
}

TEST_CASE("a restarted clock drops the old timers and fires the new ones", "[store]") {
  TestStore test;
  const MessageId id = test.MustAccept(RequestWithClock(kStart));
  test.MustLease(kAddressee, LeaseAt(kStart + 10));
  REQUIRE(test.AcceptResponse(MakeResponse(id, kAddressee, kRequester, kStart + kDay), id,
                              Answer(api::MESSAGE_STATE_CLARIFICATION_REQUESTED, ClockChange::kStop))
              .ok());
  CHECK(MustFire(test, kDue).fired == 0);

  const AnswerTimers restarted{kDue + 3 * kDay, kDue + 4 * kDay};
  REQUIRE(test.AcceptResponse(MakeResponse(id, kRequester, kAddressee, kDue + kDay), id,
                              Answer(api::MESSAGE_STATE_SUPPLEMENTED, ClockChange::kRestart, restarted))
              .ok());
  MessageRecord record = test.MustGet(id);
  CHECK(record.deadline_status == api::DEADLINE_STATUS_RUNNING);
  CHECK(record.timers.due_at_ms == restarted.due_at_ms);
  CHECK(record.history.back().deadline_event() == api::DEADLINE_EVENT_RESTARTED);
  CHECK(TimeUtil::TimestampToMilliseconds(record.history.back().answer_due_at()) == restarted.due_at_ms);

  CHECK(MustFire(test, restarted.due_soon_at_ms - 1).fired == 0);
  CHECK(MustFire(test, restarted.due_soon_at_ms).fired == 1);
  CHECK(MustFire(test, restarted.due_at_ms).fired == 1);
  const OverduePage page = MustListOverdue(test);
  REQUIRE(page.requests.size() == 1);
  CHECK(page.requests[0].due_at_ms == restarted.due_at_ms);
}

TEST_CASE("a restart of a running clock replaces its timers", "[store]") {
  TestStore test;
  const MessageId id = test.MustAccept(RequestWithClock(kStart));
  test.MustLease(kAddressee, LeaseAt(kStart + 10));
  const AnswerTimers later{kDue + kDay, kDue + 2 * kDay};
  REQUIRE(test.AcceptResponse(MakeResponse(id, kRequester, kAddressee, kStart + kDay), id,
                              Answer(api::MESSAGE_STATE_SUPPLEMENTED, ClockChange::kRestart, later))
              .ok());
  CHECK(MustFire(test, kDue).fired == 0);
  CHECK(MustFire(test, later.due_soon_at_ms).fired == 1);
  CHECK(MustFire(test, later.due_at_ms).fired == 1);
}

TEST_CASE("a due-soon warning that comes after the end sends nothing: the overdue one does", "[store]") {
  TestStore test;
  const MessageId id = test.MustAccept(RequestWithClock(kStart));
  const TimerSweep sweep = MustFire(test, kDue + kDay);  // the gateway was down over both instants
  CHECK(sweep.fired == 1);
  CHECK(DeadlineEventsOf(test.MustGet(id)) == std::vector{api::DEADLINE_EVENT_OVERDUE});
  CHECK(NoticesFor(test, kRequester, kDue + kDay).size() == 1);
}

TEST_CASE("a sweep fires at most max_timers and says more are due", "[store]") {
  TestStore test;
  for (int i = 0; i < 5; ++i) {
    test.MustAccept(RequestWithClock(kStart + i, 0, kDue + i));
  }
  TimerSweep first = MustFire(test, kDue + kDay, 3);
  CHECK(first.fired == 3);
  CHECK(first.more);
  TimerSweep second = MustFire(test, kDue + kDay, 3);
  CHECK(second.fired == 2);
  CHECK_FALSE(second.more);
  const OverduePage page = MustListOverdue(test, 2);
  REQUIRE(page.requests.size() == 2);
  CHECK(page.requests[0].due_at_ms == kDue);  // the longest overdue first
  CHECK(page.requests[1].due_at_ms == kDue + 1);
  REQUIRE_FALSE(page.next_page_token.empty());
  const OverduePage rest = MustListOverdue(test, 10, page.next_page_token);
  REQUIRE(rest.requests.size() == 3);
  CHECK(rest.requests[2].due_at_ms == kDue + 4);
  CHECK(rest.next_page_token.empty());
  CHECK(CodeOf(test.store().ListOverdue(10, "zz").status()) == "INVALID_ARGUMENT");
}

TEST_CASE("a timer put earlier than the last sweep still fires", "[store]") {
  TestStore test;
  CHECK(MustFire(test, kDue + 10 * kDay).fired == 0);
  // A paper request registered late: its period ended before the sweep that already ran.
  test.MustAccept(RequestWithClock(kStart));
  CHECK(MustFire(test, kDue + 10 * kDay + 1).fired == 1);
}

TEST_CASE("a clock stopped on its own drops its timers and its overdue entry once", "[store]") {
  TestStore test;
  const MessageId id = test.MustAccept(RequestWithClock(kStart));
  const MessageId no_clock = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 1));
  CHECK(MustFire(test, kDue).fired == 1);
  REQUIRE(MustListOverdue(test).requests.size() == 1);
  const auto stop = [&](const MessageId& target) {
    api::HistoryEvent event;
    *event.mutable_at() = TimeUtil::MillisecondsToTimestamp(kDue + kDay);
    event.set_actor(std::string(kRequester));
    event.set_note("copy sent");
    return Await<bool>([&](Done<bool> done) { test.store().StopClock(target, event, std::move(done)); });
  };
  const StatusOr<bool> stopped = stop(id);
  REQUIRE(stopped.ok());
  CHECK(*stopped);
  CHECK(MustListOverdue(test).requests.empty());
  const MessageRecord record = test.MustGet(id);
  CHECK(record.deadline_status == api::DEADLINE_STATUS_STOPPED);
  CHECK(record.history.back().deadline_event() == api::DEADLINE_EVENT_STOPPED);
  CHECK(record.history.back().state() == api::MESSAGE_STATE_ACCEPTED);
  CHECK(record.history.back().note() == "copy sent");
  const size_t events = record.history.size();

  CHECK_FALSE(*stop(id));        // stopped already: nothing written
  CHECK_FALSE(*stop(no_clock));  // never had one
  CHECK(test.MustGet(id).history.size() == events);
  CHECK(CodeOf(stop(MessageId::Generate(kStart)).status()) == "NOT_FOUND");
}

TEST_CASE("invalid timers are refused with the request", "[store]") {
  TestStore test;
  CHECK(CodeOf(test.Accept(RequestWithClock(kStart, kDue, kDue)).status()) == "INVALID_ARGUMENT");
  CHECK(CodeOf(test.Accept(RequestWithClock(kStart, -1, kDue)).status()) == "INVALID_ARGUMENT");
}

TEST_CASE("the requests index lists requests by receipt with their history", "[store]") {
  TestStore test;
  const MessageId first = test.MustAccept(RequestWithClock(kStart));
  NewMessage paper = RequestWithClock(kStart + 3 * kDay);
  *paper.message.mutable_received_at() = TimeUtil::MillisecondsToTimestamp(kStart - kDay);  // received earlier
  const MessageId received_earlier = test.MustAccept(std::move(paper));
  NewMessage no_answer_due = MakeRequest(kRequester, kOther, kStart + kDay);
  const MessageId referral = test.MustAccept(std::move(no_answer_due));
  test.MustAccept(MakeResponse(first, kAddressee, kRequester, kStart + 2));  // responses are not indexed

  std::vector<RequestFacts> seen;
  const auto collect = [&seen](const RequestFacts& facts) { seen.push_back(facts); };
  REQUIRE(test.store().VisitRequestsReceived(kStart - kDay, kStart + 2 * kDay, collect).ok());
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].id == received_earlier);
  CHECK(seen[0].received_at_ms == kStart - kDay);
  CHECK(seen[1].id == first);
  CHECK(seen[1].requester_code == kRequester);
  CHECK(seen[1].addressee_code == kAddressee);
  CHECK(seen[1].information_type.id() == "zags.civil-status-record");
  CHECK(seen[1].answer_working_days == 5);
  CHECK(seen[1].due_at_ms == kDue);
  CHECK(seen[1].citizen_key == "citizen-1");
  REQUIRE(seen[1].history.size() == 1);
  CHECK(seen[1].history[0].state() == api::MESSAGE_STATE_ACCEPTED);
  CHECK(seen[2].id == referral);
  CHECK(seen[2].due_at_ms == 0);

  seen.clear();
  REQUIRE(test.store().VisitRequestsReceived(kStart, kStart + 1, collect).ok());  // [from, to)
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].id == first);
  CHECK(CodeOf(test.store().VisitRequestsReceived(kStart, kStart - 1, collect)) == "INVALID_ARGUMENT");
}

TEST_CASE("the requests index reads every request's whole history, near or far from the one before", "[store]") {
  // VisitRequestsReceived reads the histories through one iterator that steps forward to the next request's events
  // and seeks when they are behind it (a paper request received earlier) or far ahead (many other events between).
  TestStore test;
  std::vector<MessageId> requests;
  UnixMillis at = kStart;
  for (int i = 0; i < 40; ++i) {
    requests.push_back(test.MustAccept(RequestWithClock(at += 1000)));
    // Between two requests, the histories of other messages: none, a few, or more than the iterator steps over.
    const int others = i % 4 == 0 ? 0 : i % 4 == 1 ? 2 : i % 4 == 2 ? 5 : 40;
    for (int j = 0; j < others; ++j) {
      test.MustAccept(MakeResponse(requests.back(), kAddressee, kRequester, at += 10));  // not in the index
    }
  }
  NewMessage paper = RequestWithClock(at + 1000);
  *paper.message.mutable_received_at() = TimeUtil::MillisecondsToTimestamp(kStart - 1000);  // received first
  requests.insert(requests.begin(), test.MustAccept(std::move(paper)));
  // Histories of different lengths: delivered, acknowledged, answered.
  const std::vector<api::Message> leased = test.MustLease(kAddressee, LeaseAt(at + 2000, 25));
  REQUIRE(leased.size() == 25);
  std::vector<MessageId> acked;
  for (size_t i = 0; i < leased.size(); i += 2) {
    acked.push_back(*MessageId::Parse(leased[i].message_id()));
  }
  test.MustAck(kAddressee, acked, at + 3000);
  const MessageId answered = *MessageId::Parse(leased[1].message_id());
  REQUIRE(test.AcceptResponse(MakeResponse(answered, kAddressee, kRequester, at + 4000), answered,
                              Answer(api::MESSAGE_STATE_ANSWERED, ClockChange::kStop))
              .ok());

  std::vector<RequestFacts> seen;
  REQUIRE(test.store()
              .VisitRequestsReceived(kStart - kDay, at + kDay,
                                     [&seen](const RequestFacts& facts) { seen.push_back(facts); })
              .ok());
  REQUIRE(seen.size() == requests.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    INFO("request " << i);
    CHECK(seen[i].id == requests[i]);
    const MessageRecord record = test.MustGet(requests[i]);
    REQUIRE(seen[i].history.size() == record.history.size());
    for (size_t e = 0; e < record.history.size(); ++e) {
      CHECK(seen[i].history[e].SerializeAsString() == record.history[e].SerializeAsString());
    }
  }
}

std::pair<uint64_t, uint64_t> DeadlineCountsOf(TestStore& test, std::string_view organisation) {
  const QueueStat stat = test.StatOf(organisation);
  return {stat.due_soon, stat.overdue};
}

TEST_CASE("each organisation's due-soon and overdue counts follow its clocks, also after a reopen", "[store]") {
  TestStore test;
  const MessageId first = test.MustAccept(RequestWithClock(kStart));
  const MessageId second = test.MustAccept(RequestWithClock(kStart + 1));
  NewMessage other = RequestWithClock(kStart + 2, kDueSoon + kDay, kDue + kDay);
  other.message.set_recipient_code(std::string(kOther));
  const MessageId third = test.MustAccept(std::move(other));
  using Counts = std::pair<uint64_t, uint64_t>;
  CHECK(DeadlineCountsOf(test, kAddressee) == Counts{0, 0});

  MustFire(test, kDueSoon);
  CHECK(DeadlineCountsOf(test, kAddressee) == Counts{2, 0});
  CHECK(DeadlineCountsOf(test, kRequester) == Counts{0, 0});  // the requester is not the late party
  test.Reopen();
  CHECK(DeadlineCountsOf(test, kAddressee) == Counts{2, 0});

  MustFire(test, kDue);  // both past their end: overdue; the third is due soon now
  CHECK(DeadlineCountsOf(test, kAddressee) == Counts{0, 2});
  CHECK(DeadlineCountsOf(test, kOther) == Counts{1, 0});
  test.Reopen();
  CHECK(DeadlineCountsOf(test, kAddressee) == Counts{0, 2});
  CHECK(DeadlineCountsOf(test, kOther) == Counts{1, 0});

  // A late answer stops a clock; a restart makes a clock run again from the start.
  test.MustLease(kAddressee, LeaseAt(kDue + 10));
  REQUIRE(test.AcceptResponse(MakeResponse(first, kAddressee, kRequester, kDue + 20), first,
                              Answer(api::MESSAGE_STATE_ANSWERED, ClockChange::kStop))
              .ok());
  CHECK(DeadlineCountsOf(test, kAddressee) == Counts{0, 1});
  REQUIRE(test.AcceptResponse(MakeResponse(second, kAddressee, kRequester, kDue + 30), second,
                              Answer(api::MESSAGE_STATE_IN_PROGRESS, ClockChange::kRestart,
                                     AnswerTimers{kDue + 9 * kDay, kDue + 10 * kDay}))
              .ok());
  CHECK(DeadlineCountsOf(test, kAddressee) == Counts{0, 0});
  // A response that failed its transition changes nothing.
  const auto refused = test.AcceptResponse(
      MakeResponse(third, kOther, kRequester, kDue + 40), third,
      [](const RequestView&) -> StatusOr<RequestChange> { return Status(ErrorCode::kRequestClosed, "closed"); });
  CHECK_FALSE(refused.ok());
  CHECK(DeadlineCountsOf(test, kOther) == Counts{1, 0});
  test.Reopen();
  CHECK(DeadlineCountsOf(test, kAddressee) == Counts{0, 0});
  CHECK(DeadlineCountsOf(test, kOther) == Counts{1, 0});
}

}  // namespace
}  // namespace mezhved::store
