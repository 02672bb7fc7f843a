// The store's bookkeeping of the reports' daily tallies (message_store.h, "The reports' daily tallies"): written with
// the request, changed by the events the tallier names and by nothing else, distinct members over any range of days,
// and counted again from the histories when the basis changes. A tallier of its own keeps these tests about the
// store, whatever the reports count (tests/gateway/report_tallies_test.cc checks the reports' tallier on this store).
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "store/rocksdb_store.h"
#include "tests/store/store_fixture.h"

namespace mezhved::store {
namespace {

using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary

constexpr int64_t kDay = 24LL * 3600 * 1000;
constexpr uint8_t kRequests = 1;  // one per request (times the weight)
constexpr uint8_t kMarks = 2;     // detail: how many affecting events its history has
constexpr char kCitizens[] = "citizens";

int32_t DayOf(UnixMillis at_ms) { return static_cast<int32_t>(at_ms / kDay); }

// Counts each request on its UTC day of receipt, its ANSWERED and STOPPED events, and its citizen.
class CountingTallier final : public RequestTallier {
 public:
  explicit CountingTallier(std::string basis, int64_t weight = 1) : basis_(std::move(basis)), weight_(weight) {}

  std::string Basis() const override { return basis_; }
  RequestTally Tally(const RequestFacts& request) const override {
    RequestTally tally;
    const int32_t day = DayOf(request.received_at_ms);
    int64_t marks = 0;
    for (const api::HistoryEvent& event : request.history) {
      marks += Affects(event) ? 1 : 0;
    }
    tally.counts.push_back({kRequests, request.addressee_code, day, 0, weight_});
    tally.counts.push_back({kMarks, request.addressee_code, day, marks, 1});
    if (!request.citizen_key.empty()) {
      tally.members.push_back({kCitizens, day, request.citizen_key});
    }
    return tally;
  }
  bool Affects(const api::HistoryEvent& event) const override {
    return event.state() == api::MESSAGE_STATE_ANSWERED || event.deadline_event() == api::DEADLINE_EVENT_STOPPED;
  }

 private:
  std::string basis_;
  int64_t weight_;
};

using Sums = std::map<std::tuple<uint8_t, std::string, int32_t, int64_t>, int64_t>;

Sums SumsOf(const TallyRange& range) {
  Sums sums;
  for (const TallyCount& count : range.counts) {
    sums[{count.figure, count.scope, count.day, count.detail}] += count.count;
  }
  return sums;
}

TallyRange MustRead(TestStore& test, int32_t first_day, int32_t last_day) {
  StatusOr<TallyRange> range = test.store().ReadTallies(first_day, last_day);
  REQUIRE(range.ok());
  return std::move(range).value();
}

NewMessage RequestReceived(UnixMillis received_ms, UnixMillis accepted_ms, const std::string& citizen = "") {
  NewMessage message = MakeRequest(kRequester, kAddressee, accepted_ms);
  *message.message.mutable_received_at() = TimeUtil::MillisecondsToTimestamp(received_ms);
  message.citizen_key = citizen;
  return message;
}

api::HistoryEvent EventAt(UnixMillis at_ms) {
  api::HistoryEvent event;
  *event.mutable_at() = TimeUtil::MillisecondsToTimestamp(at_ms);
  event.set_actor("operator:test");
  return event;
}

TEST_CASE("a request's tally is written with it and moved only by the events that affect it", "[store][tallies]") {
  TestStore test;
  test.SetTallier(std::make_shared<CountingTallier>("basis-1"));
  test.Reopen();
  CHECK(test.store().TallyBasis() == "basis-1");
  const int32_t day = DayOf(kStart);
  const std::string addressee(kAddressee);

  const MessageId first = test.MustAccept(RequestReceived(kStart, kStart));
  const MessageId second = test.MustAccept(RequestReceived(kStart + kDay, kStart + kDay));
  CHECK(SumsOf(MustRead(test, day, day + 1)) == Sums{{{kRequests, addressee, day, 0}, 1},
                                                     {{kRequests, addressee, day + 1, 0}, 1},
                                                     {{kMarks, addressee, day, 0}, 1},
                                                     {{kMarks, addressee, day + 1, 0}, 1}});
  CHECK(SumsOf(MustRead(test, day + 1, day + 1)) ==
        Sums{{{kRequests, addressee, day + 1, 0}, 1}, {{kMarks, addressee, day + 1, 0}, 1}});
  CHECK(MustRead(test, day + 2, day + 9).counts.empty());
  CHECK(test.store().ReadTallies(day + 1, day).status().code() == ErrorCode::kInvalidArgument);

  // Deliveries, acks and annotations leave the tallies as they are.
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 2 * kDay)).size() == 2);
  CHECK(test.AckOne(kAddressee, first, kStart + 2 * kDay) == AckOutcome::kAcknowledged);
  const Sums before_events = SumsOf(MustRead(test, day, day + 1));

  // A response that answers, and an answer that stops nothing: the marks move from detail 0 to 1.
  REQUIRE(test.AcceptResponse(MakeResponse(first, kAddressee, kRequester, kStart + 3 * kDay), first,
                              MoveTo(api::MESSAGE_STATE_ANSWERED))
              .ok());
  Sums expected = before_events;
  expected.erase({kMarks, addressee, day, 0});
  expected[{kMarks, addressee, day, 1}] = 1;
  CHECK(SumsOf(MustRead(test, day, day + 1)) == expected);

  // A response that changes nothing the tallier counts writes nothing.
  REQUIRE(test.AcceptResponse(MakeResponse(second, kAddressee, kRequester, kStart + 3 * kDay), second,
                              MoveTo(api::MESSAGE_STATE_IN_PROGRESS))
              .ok());
  CHECK(SumsOf(MustRead(test, day, day + 1)) == expected);
}

TEST_CASE("a stopped clock retallies its request, and test messages are never tallied", "[store][tallies]") {
  TestStore test;
  test.SetTallier(std::make_shared<CountingTallier>("basis-1"));
  test.Reopen();
  const int32_t day = DayOf(kStart);
  const std::string addressee(kAddressee);

  NewMessage timed = RequestReceived(kStart, kStart);
  timed.timers.due_at_ms = kStart + 5 * kDay;
  const MessageId id = test.MustAccept(std::move(timed));
  NewMessage trial = RequestReceived(kStart, kStart, "citizen-of-a-test");
  trial.message.mutable_request()->set_test_message(true);
  trial.timers.due_at_ms = kStart + 5 * kDay;
  const MessageId trial_id = test.MustAccept(std::move(trial));

  for (const MessageId& stopped : {id, trial_id}) {
    auto result =
        Await<bool>([&](Done<bool> done) { test.store().StopClock(stopped, EventAt(kStart + kDay), std::move(done)); });
    REQUIRE(result.ok());
    CHECK(*result);
  }
  const TallyRange range = MustRead(test, day - 10, day + 10);
  CHECK(SumsOf(range) == Sums{{{kRequests, addressee, day, 0}, 1}, {{kMarks, addressee, day, 1}, 1}});
  CHECK(range.distinct_members.empty());
}

TEST_CASE("distinct members are counted once over any range of days, whatever order their days come in",
          "[store][tallies]") {
  TestStore test;
  test.SetTallier(std::make_shared<CountingTallier>("basis-1"));
  test.Reopen();
  constexpr int kDays = 12;
  const int32_t first_day = DayOf(kStart);
  // Paper requests registered in any order: the day of receipt goes back and forth while acceptance moves on.
  std::mt19937 random(20261124);
  std::map<std::string, std::set<int32_t>> seen;  // citizen -> days
  UnixMillis accepted = kStart + kDays * kDay;
  for (int i = 0; i < 60; ++i) {
    const std::string citizen = "citizen-" + std::to_string(random() % 5);
    const int32_t day = first_day + static_cast<int32_t>(random() % kDays);
    test.MustAccept(
        RequestReceived(static_cast<UnixMillis>(day) * kDay + UnixMillis{3600} * 1000, ++accepted, citizen));
    seen[citizen].insert(day);
  }
  const auto expected = [&seen](int32_t first, int32_t last) {
    uint64_t citizens = 0;
    for (const auto& [citizen, days] : seen) {
      const auto it = days.lower_bound(first);
      citizens += it != days.end() && *it <= last ? 1 : 0;
    }
    return citizens;
  };
  for (int32_t first = first_day - 1; first <= first_day + kDays; ++first) {
    for (int32_t last = first; last <= first_day + kDays; ++last) {
      const TallyRange range = MustRead(test, first, last);
      const auto it = range.distinct_members.find(kCitizens);
      INFO("days " << first - first_day << ".." << last - first_day);
      CHECK((it == range.distinct_members.end() ? 0 : it->second) == expected(first, last));
    }
  }
}

TEST_CASE("tallies are kept across opens, and counted again from the histories when their basis changes",
          "[store][tallies]") {
  TestStore test;
  test.SetTallier(std::make_shared<CountingTallier>("basis-1"));
  test.Reopen();
  const int32_t day = DayOf(kStart);
  const std::string addressee(kAddressee);
  const MessageId answered = test.MustAccept(RequestReceived(kStart, kStart, "citizen-1"));
  test.MustAccept(RequestReceived(kStart + kDay, kStart + kDay, "citizen-1"));
  REQUIRE(test.AcceptResponse(MakeResponse(answered, kAddressee, kRequester, kStart + 2 * kDay), answered,
                              MoveTo(api::MESSAGE_STATE_ANSWERED))
              .ok());
  const Sums counted = SumsOf(MustRead(test, day, day + 1));
  REQUIRE(counted.size() == 4);

  SECTION("the same basis: kept as they are") {
    test.Reopen();
    CHECK(test.store().TallyBasis() == "basis-1");
    CHECK(SumsOf(MustRead(test, day, day + 1)) == counted);
  }

  SECTION("another basis: counted again by the new rules, from the histories") {
    test.SetTallier(std::make_shared<CountingTallier>("basis-2", 10));
    test.Reopen();
    CHECK(test.store().TallyBasis() == "basis-2");
    const TallyRange range = MustRead(test, day, day + 1);
    CHECK(SumsOf(range) == Sums{{{kRequests, addressee, day, 0}, 10},
                                {{kRequests, addressee, day + 1, 0}, 10},
                                {{kMarks, addressee, day, 1}, 1},
                                {{kMarks, addressee, day + 1, 0}, 1}});
    CHECK(range.distinct_members.at(kCitizens) == 1);
  }

  SECTION("opened without a tallier in between: untrusted, then counted again with what came meanwhile") {
    test.SetTallier(nullptr);
    test.Reopen();
    CHECK(test.store().TallyBasis().empty());
    test.MustAccept(RequestReceived(kStart + kDay, kStart + 3 * kDay, "citizen-2"));
    test.SetTallier(std::make_shared<CountingTallier>("basis-1"));
    test.Reopen();
    CHECK(test.store().TallyBasis() == "basis-1");
    Sums expected = counted;
    expected[{kRequests, addressee, day + 1, 0}] = 2;
    expected[{kMarks, addressee, day + 1, 0}] = 2;
    const TallyRange range = MustRead(test, day, day + 1);
    CHECK(SumsOf(range) == expected);
    CHECK(range.distinct_members.at(kCitizens) == 2);
  }
}

}  // namespace
}  // namespace mezhved::store
