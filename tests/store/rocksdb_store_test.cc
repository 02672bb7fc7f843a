#include "store/rocksdb_store.h"

#include <google/protobuf/util/time_util.h>
#include <rocksdb/db.h>

#include <sys/resource.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <csignal>
#include <future>
#include <mutex>
#include <thread>

#include "mezhved/store/v1/records.pb.h"
#include "store/column_families.h"
#include "store/key_codec.h"
#include "tests/store/raw_database.h"
#include "tests/store/store_fixture.h"
#include "tests/support/temp_dir.h"

namespace mezhved::store {
namespace {

using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary

namespace api = ::mezhved::v1;
using google::protobuf::util::TimeUtil;

// Holds the writer thread inside a callback so that the mutations submitted meanwhile form one group.
class WriterGate {
 public:
  // Submits a mutation whose callback waits for Open().
  void Hold(RocksDbStore& store) {
    store.SweepExpiredLeases(0, 1, [this](const StatusOr<SweepOutcome>&) {
      std::unique_lock lock(mutex_);
      held_ = true;
      changed_.notify_all();
      changed_.wait(lock, [this] { return open_; });
    });
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return held_; });
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  bool open_ = false;
};

TEST_CASE("a message is accepted, leased and acknowledged, with its history", "[store]") {
  TestStore test;
  const MessageId id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));

  MessageRecord record = test.MustGet(id);
  CHECK(record.state == api::MESSAGE_STATE_ACCEPTED);
  CHECK(record.attempts == 0);
  CHECK(record.message.sender_code() == kRequester);
  CHECK(record.information_type.id() == "zags.civil-status-record");

  const std::vector<api::Message> leased = test.MustLease(kAddressee, LeaseAt(kStart + 10, 10, 5, 30'000));
  REQUIRE(leased.size() == 1);
  CHECK(leased[0].message_id() == id.ToString());
  CHECK(leased[0].delivery_attempt() == 1);
  CHECK(leased[0].request().payload() == "<request/>");

  record = test.MustGet(id);
  CHECK(record.state == api::MESSAGE_STATE_DELIVERED);
  CHECK(record.attempts == 1);
  CHECK(record.message.delivery_attempt() == 1);
  CHECK(record.lease_until_ms == kStart + 10 + 30'000);

  CHECK(test.AckOne(kAddressee, id, kStart + 20) == AckOutcome::kAcknowledged);
  CHECK(test.MustLease(kAddressee, LeaseAt(kStart + 100'000)).empty());

  record = test.MustGet(id);
  CHECK(record.state == api::MESSAGE_STATE_ACKNOWLEDGED);
  CHECK(record.lease_until_ms == 0);
  REQUIRE(record.history.size() == 3);
  CHECK(record.history[0].state() == api::MESSAGE_STATE_ACCEPTED);
  CHECK(record.history[0].actor() == kRequester);
  CHECK(TimeUtil::TimestampToMilliseconds(record.history[0].at()) == kStart);
  CHECK(record.history[1].state() == api::MESSAGE_STATE_DELIVERED);
  CHECK(record.history[1].actor() == kAddressee);
  CHECK(record.history[1].attempt() == 1);
  CHECK(TimeUtil::TimestampToMilliseconds(record.history[1].at()) == kStart + 10);
  CHECK(record.history[2].state() == api::MESSAGE_STATE_ACKNOWLEDGED);
  CHECK(record.history[2].actor() == kAddressee);
  CHECK(TimeUtil::TimestampToMilliseconds(record.history[2].at()) == kStart + 20);
}

TEST_CASE("Get of an unknown id is NOT_FOUND", "[store]") {
  TestStore test;
  CHECK(CodeOf(test.store().Get(MessageId::Generate(kStart)).status()) == "NOT_FOUND");
}

TEST_CASE("each recipient's queue is delivered in acceptance order", "[store]") {
  TestStore test;
  std::vector<std::string> expected;
  for (int i = 0; i < 6; ++i) {
    expected.push_back(test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + i)).ToString());
    test.MustAccept(MakeRequest(kRequester, kOther, kStart + i));
  }
  const std::vector<api::Message> first = test.MustLease(kAddressee, LeaseAt(kStart + 10, 4));
  const std::vector<api::Message> rest = test.MustLease(kAddressee, LeaseAt(kStart + 10, 4));
  CHECK(IdsOf(first) == std::vector<std::string>(expected.begin(), expected.begin() + 4));
  CHECK(IdsOf(rest) == std::vector<std::string>(expected.begin() + 4, expected.end()));
  CHECK(test.MustLease(kOther, LeaseAt(kStart + 10)).size() == 6);
}

TEST_CASE("a lease stops before the message that would overflow max_bytes, but always leases one", "[store]") {
  TestStore test;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    NewMessage message = MakeRequest(kRequester, kAddressee, kStart + i);
    message.message.mutable_request()->set_payload(std::string(1000, 'x'));
    ids.push_back(test.MustAccept(std::move(message)).ToString());
  }
  LeaseOptions two_fit = LeaseAt(kStart + 10);
  two_fit.max_bytes = 2500;  // two messages of a little over 1000 bytes each, not three
  CHECK(IdsOf(test.MustLease(kAddressee, two_fit)) == std::vector<std::string>{ids[0], ids[1]});
  LeaseOptions tiny = LeaseAt(kStart + 10);
  tiny.max_bytes = 10;
  CHECK(IdsOf(test.MustLease(kAddressee, tiny)) == std::vector<std::string>{ids[2]});
}

TEST_CASE("a filtered lease takes only the messages it accepts and leaves the others ready, in order", "[store]") {
  TestStore test;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    NewMessage message = MakeRequest(kRequester, kAddressee, kStart + i);
    message.message.mutable_request()->set_payload(i % 2 == 0 ? "<even/>" : "<odd/>");
    ids.push_back(test.MustAccept(std::move(message)).ToString());
  }
  LeaseOptions odd = LeaseAt(kStart + 10, 10);
  odd.accepts = [](const api::Message& message) { return message.request().payload() == "<odd/>"; };
  CHECK(IdsOf(test.MustLease(kAddressee, odd)) == std::vector<std::string>{ids[1], ids[3]});
  CHECK(IdsOf(test.MustLease(kAddressee, LeaseAt(kStart + 10, 10))) ==
        std::vector<std::string>{ids[0], ids[2], ids[4]});
}

TEST_CASE("a filtered lease gives up after max_examined refused messages", "[store]") {
  TestStore test;
  for (int i = 0; i < 4; ++i) {
    test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + i));
  }
  NewMessage wanted = MakeRequest(kRequester, kAddressee, kStart + 4);
  wanted.message.mutable_request()->set_payload("<wanted/>");
  const std::string wanted_id = test.MustAccept(std::move(wanted)).ToString();
  LeaseOptions options = LeaseAt(kStart + 10, 10);
  options.accepts = [](const api::Message& message) { return message.request().payload() == "<wanted/>"; };
  options.max_examined = 4;
  CHECK(test.MustLease(kAddressee, options).empty());  // gave up after the 4 others
  options.max_examined = 5;
  CHECK(IdsOf(test.MustLease(kAddressee, options)) == std::vector<std::string>{wanted_id});
}

TEST_CASE("an ack's note goes into the ACKNOWLEDGED event", "[store][ack]") {
  TestStore test;
  const MessageId id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 10)).size() == 1);
  auto acked = Await<std::vector<AckItem>>([&](Done<std::vector<AckItem>> done) {
    test.store().Ack(std::string(kAddressee), {id}, kStart + 20, "rejected by the recipient: no such citizen",
                     std::move(done));
  });
  REQUIRE(acked.ok());
  CHECK(acked->at(0).outcome == AckOutcome::kAcknowledged);
  const MessageRecord record = test.MustGet(id);
  CHECK(record.history.back().state() == api::MESSAGE_STATE_ACKNOWLEDGED);
  CHECK(record.history.back().note() == "rejected by the recipient: no such citizen");
}

TEST_CASE("a lease hides a message until it ends, then it is delivered again", "[store]") {
  TestStore test;
  const MessageId id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart, 1, 5, 500)).size() == 1);
  CHECK(test.MustLease(kAddressee, LeaseAt(kStart + 499, 1, 5, 500)).empty());

  const std::vector<api::Message> again = test.MustLease(kAddressee, LeaseAt(kStart + 500, 1, 5, 500));
  REQUIRE(again.size() == 1);
  CHECK(again[0].message_id() == id.ToString());
  CHECK(again[0].delivery_attempt() == 2);
  const MessageRecord record = test.MustGet(id);
  CHECK(record.attempts == 2);
  CHECK(record.history.back().attempt() == 2);
}

TEST_CASE("a message whose lease ends after max_attempts deliveries is dead-lettered", "[store]") {
  TestStore test;
  const MessageId id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart, 1, 2, 100)).size() == 1);
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 100, 1, 2, 100)).size() == 1);
  CHECK(test.MustLease(kAddressee, LeaseAt(kStart + 200, 1, 2, 100)).empty());

  const MessageRecord record = test.MustGet(id);
  CHECK(record.state == api::MESSAGE_STATE_DEAD_LETTERED);
  CHECK(record.attempts == 2);
  REQUIRE(record.history.size() == 4);
  CHECK(record.history[3].state() == api::MESSAGE_STATE_DEAD_LETTERED);
  CHECK(record.history[3].actor() == "gateway");
  CHECK(record.history[3].note() == "lease ended after 2 deliveries");
  CHECK(TimeUtil::TimestampToMilliseconds(record.history[3].at()) == kStart + 200);

  const QueueStat stat = test.StatOf(kAddressee);
  CHECK(test.Listed(kAddressee));
  CHECK(stat.pending == 0);
  CHECK(stat.dead_letters == 1);
}

TEST_CASE("a ready message that already had max_attempts deliveries is dead-lettered, not delivered", "[store]") {
  TestStore test;
  const MessageId first = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  const MessageId second = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 1));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart, 1, 3, 100)).size() == 1);
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 100, 1, 3, 100)).size() == 1);  // first, attempt 2
  // The limit drops to 1: the first message's ended lease dead-letters it and the second is delivered instead.
  const std::vector<api::Message> leased = test.MustLease(kAddressee, LeaseAt(kStart + 200, 1, 1, 100));
  CHECK(IdsOf(leased) == std::vector<std::string>{second.ToString()});
  CHECK(test.MustGet(first).state == api::MESSAGE_STATE_DEAD_LETTERED);
}

TEST_CASE("SweepExpiredLeases dead-letters exhausted messages and reports queues with ready ones", "[store]") {
  TestStore test;
  const MessageId once = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  const MessageId twice = test.MustAccept(MakeRequest(kRequester, kOther, kStart));
  const MessageId still_leased = test.MustAccept(MakeRequest(kAddressee, kRequester, kStart));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart, 1, 5, 100)).size() == 1);
  REQUIRE(test.MustLease(kOther, LeaseAt(kStart, 1, 5, 100)).size() == 1);
  REQUIRE(test.MustLease(kOther, LeaseAt(kStart + 100, 1, 5, 100)).size() == 1);
  REQUIRE(test.MustLease(kRequester, LeaseAt(kStart, 1, 5, 10'000)).size() == 1);

  const SweepOutcome outcome = test.MustSweep(kStart + 200, 2);
  CHECK(outcome.dead_lettered == 1);
  CHECK(outcome.recipients_with_ready == std::vector<std::string>{std::string(kAddressee)});
  CHECK(test.MustGet(twice).state == api::MESSAGE_STATE_DEAD_LETTERED);
  CHECK(test.MustGet(still_leased).state == api::MESSAGE_STATE_DELIVERED);
  CHECK(test.StatOf(kAddressee).leased == 0);
  CHECK(test.StatOf(kAddressee).pending == 1);
  CHECK(test.StatOf(kRequester).leased == 1);

  const std::vector<api::Message> again = test.MustLease(kAddressee, LeaseAt(kStart + 200));
  REQUIRE(again.size() == 1);
  CHECK(again[0].message_id() == once.ToString());
  CHECK(again[0].delivery_attempt() == 2);
  CHECK(test.MustSweep(kStart + 200, 2).recipients_with_ready.empty());
}

TEST_CASE("requeue puts a dead letter back at its original position with attempts reset", "[store]") {
  TestStore test;
  const MessageId first = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  const MessageId second = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 1));
  const MessageId third = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 2));
  REQUIRE(IdsOf(test.MustLease(kAddressee, LeaseAt(kStart, 1, 1, 100))) == std::vector<std::string>{first.ToString()});
  CHECK(test.MustLease(kAddressee, LeaseAt(kStart + 100, 0, 1, 100)).empty());  // only ends the lease
  REQUIRE(test.MustGet(first).state == api::MESSAGE_STATE_DEAD_LETTERED);
  REQUIRE(IdsOf(test.MustLease(kAddressee, LeaseAt(kStart + 100, 1, 1, 10'000))) ==
          std::vector<std::string>{second.ToString()});

  const MessageId unknown = MessageId::Generate(kStart);
  const std::vector<RequeueItem> items = test.MustRequeue({first, third, unknown}, "operator:ivanov", kStart + 500);
  REQUIRE(items.size() == 3);
  CHECK(items[0].status.ok());
  CHECK(CodeOf(items[1].status) == "NOT_DEAD_LETTERED");
  CHECK(CodeOf(items[2].status) == "NOT_FOUND");
  CHECK(test.StatOf(kAddressee).dead_letters == 0);
  CHECK(test.StatOf(kAddressee).pending == 3);

  const std::vector<api::Message> leased = test.MustLease(kAddressee, LeaseAt(kStart + 600));
  CHECK(IdsOf(leased) == std::vector<std::string>{first.ToString(), third.ToString()});
  CHECK(leased[0].delivery_attempt() == 1);

  const MessageRecord record = test.MustGet(first);
  REQUIRE(record.history.size() == 5);
  CHECK(record.history[3].state() == api::MESSAGE_STATE_ACCEPTED);
  CHECK(record.history[3].actor() == "operator:ivanov");
  CHECK(record.history[3].note() == "requeued by operator");
  CHECK(TimeUtil::TimestampToMilliseconds(record.history[3].at()) == kStart + 500);
  CHECK(record.history[4].state() == api::MESSAGE_STATE_DELIVERED);
}

TEST_CASE("an idempotency key returns the original message for the same content", "[store][idempotency]") {
  TestStore test;
  const StatusOr<AcceptOutcome> original = test.Accept(MakeRequest(kRequester, kAddressee, kStart, "key-1", "d1"));
  REQUIRE(original.ok());
  CHECK_FALSE(original->duplicate);

  NewMessage retry = MakeRequest(kRequester, kAddressee, kStart + 5000, "key-1", "d1");
  const MessageId retry_id = *MessageId::Parse(retry.message.message_id());
  const StatusOr<AcceptOutcome> duplicate = test.Accept(std::move(retry));
  REQUIRE(duplicate.ok());
  CHECK(duplicate->duplicate);
  CHECK(duplicate->id == original->id);
  CHECK(duplicate->accepted_at_ms == kStart);
  CHECK(CodeOf(test.store().Get(retry_id).status()) == "NOT_FOUND");
  CHECK(test.StatOf(kAddressee).pending == 1);

  const StatusOr<AcceptOutcome> conflict = test.Accept(MakeRequest(kRequester, kAddressee, kStart, "key-1", "d2"));
  CHECK(CodeOf(conflict.status()) == "IDEMPOTENCY_CONFLICT");

  // Keys belong to their sender.
  const StatusOr<AcceptOutcome> other_sender = test.Accept(MakeRequest(kOther, kAddressee, kStart, "key-1", "d1"));
  REQUIRE(other_sender.ok());
  CHECK_FALSE(other_sender->duplicate);
  CHECK(test.StatOf(kAddressee).pending == 2);
}

TEST_CASE("two accepts with one key in one group behave as if sequential", "[store][idempotency][group]") {
  TestStore test;
  WriterGate gate;
  gate.Hold(test.store());
  const uint64_t batches_before = test.store().CommittedBatches();
  std::promise<StatusOr<AcceptOutcome>> first_done;
  std::promise<StatusOr<AcceptOutcome>> second_done;
  std::promise<StatusOr<AcceptOutcome>> conflict_done;
  test.store().Accept(MakeRequest(kRequester, kAddressee, kStart, "same", "d"),
                      [&](StatusOr<AcceptOutcome> result) { first_done.set_value(std::move(result)); });
  test.store().Accept(MakeRequest(kRequester, kAddressee, kStart + 1, "same", "d"),
                      [&](StatusOr<AcceptOutcome> result) { second_done.set_value(std::move(result)); });
  test.store().Accept(MakeRequest(kRequester, kAddressee, kStart + 2, "same", "other"),
                      [&](StatusOr<AcceptOutcome> result) { conflict_done.set_value(std::move(result)); });
  gate.Open();

  const StatusOr<AcceptOutcome> first = first_done.get_future().get();
  const StatusOr<AcceptOutcome> second = second_done.get_future().get();
  const StatusOr<AcceptOutcome> conflict = conflict_done.get_future().get();
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK_FALSE(first->duplicate);
  CHECK(second->duplicate);
  CHECK(second->id == first->id);
  CHECK(second->accepted_at_ms == kStart);
  CHECK(CodeOf(conflict.status()) == "IDEMPOTENCY_CONFLICT");
  CHECK(test.store().CommittedBatches() == batches_before + 1);
  CHECK(test.StatOf(kAddressee).pending == 1);
}

TEST_CASE("a response moves its request, acknowledges it and is queued for the requester", "[store][response]") {
  TestStore test;
  const MessageId request_id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 10)).size() == 1);

  std::optional<api::MessageState> seen_state;
  std::string seen_request_id;
  NewMessage response = MakeResponse(request_id, kAddressee, kRequester, kStart + 20);
  const std::string response_text_id = response.message.message_id();
  const StatusOr<AcceptOutcome> outcome =
      test.AcceptResponse(std::move(response), request_id, [&](const RequestView& view) -> StatusOr<RequestChange> {
        seen_state = view.state;
        seen_request_id = view.request.message_id();
        return RequestChange::StateOnly(api::MESSAGE_STATE_ANSWERED);
      });
  REQUIRE(outcome.ok());
  CHECK(outcome->id.ToString() == response_text_id);
  CHECK(seen_state == api::MESSAGE_STATE_DELIVERED);
  CHECK(seen_request_id == request_id.ToString());

  const MessageRecord request = test.MustGet(request_id);
  CHECK(request.state == api::MESSAGE_STATE_ANSWERED);
  CHECK(request.response_ids == std::vector<std::string>{response_text_id});
  REQUIRE(request.history.size() == 3);
  CHECK(request.history[2].state() == api::MESSAGE_STATE_ANSWERED);
  CHECK(request.history[2].actor() == kAddressee);
  CHECK(request.history[2].related_message_id() == response_text_id);
  CHECK(TimeUtil::TimestampToMilliseconds(request.history[2].at()) == kStart + 20);

  // Responding took the request out of the addressee's queue.
  CHECK_FALSE(test.Listed(kAddressee));
  CHECK(test.AckOne(kAddressee, request_id, kStart + 30) == AckOutcome::kAlreadyAcknowledged);
  const std::vector<api::Message> for_requester = test.MustLease(kRequester, LeaseAt(kStart + 40));
  REQUIRE(for_requester.size() == 1);
  CHECK(for_requester[0].message_id() == response_text_id);
  CHECK(for_requester[0].response().data().payload() == "<answer/>");
}

TEST_CASE("an interim response moves a request that was never leased out of the queue", "[store][response]") {
  TestStore test;
  const MessageId request_id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  REQUIRE(test.AcceptResponse(MakeResponse(request_id, kAddressee, kRequester, kStart + 1), request_id,
                              MoveTo(api::MESSAGE_STATE_IN_PROGRESS))
              .ok());
  CHECK(test.MustLease(kAddressee, LeaseAt(kStart + 2)).empty());
  // A second response finds the request in its new state.
  std::optional<api::MessageState> seen_state;
  const auto outcome = test.AcceptResponse(MakeResponse(request_id, kAddressee, kRequester, kStart + 3), request_id,
                                           [&](const RequestView& view) -> StatusOr<RequestChange> {
                                             seen_state = view.state;
                                             return RequestChange::StateOnly(api::MESSAGE_STATE_REFUSED);
                                           });
  REQUIRE(outcome.ok());
  CHECK(seen_state == api::MESSAGE_STATE_IN_PROGRESS);
  const MessageRecord request = test.MustGet(request_id);
  CHECK(request.state == api::MESSAGE_STATE_REFUSED);
  CHECK(request.response_ids.size() == 2);
  CHECK(test.StatOf(kRequester).pending == 2);
}

TEST_CASE("a refused transition stores nothing", "[store][response]") {
  TestStore test;
  const MessageId request_id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  NewMessage response = MakeResponse(request_id, kAddressee, kRequester, kStart + 1, "resp-key");
  const MessageId response_id = *MessageId::Parse(response.message.message_id());
  const StatusOr<AcceptOutcome> refused = test.AcceptResponse(
      std::move(response), request_id,
      [](const RequestView&) -> StatusOr<RequestChange> { return Status(ErrorCode::kRequestClosed, "closed"); });
  CHECK(CodeOf(refused.status()) == "REQUEST_CLOSED");
  CHECK(CodeOf(test.store().Get(response_id).status()) == "NOT_FOUND");
  const MessageRecord request = test.MustGet(request_id);
  CHECK(request.state == api::MESSAGE_STATE_ACCEPTED);
  CHECK(request.history.size() == 1);
  CHECK(request.response_ids.empty());
  CHECK_FALSE(test.Listed(kRequester));
  CHECK(test.StatOf(kAddressee).pending == 1);

  // The idempotency key was not remembered: a retry is a new response.
  const StatusOr<AcceptOutcome> retried =
      test.AcceptResponse(MakeResponse(request_id, kAddressee, kRequester, kStart + 2, "resp-key"), request_id,
                          MoveTo(api::MESSAGE_STATE_ANSWERED));
  REQUIRE(retried.ok());
  CHECK_FALSE(retried->duplicate);
}

TEST_CASE("a duplicate response returns the original without running the transition", "[store][response]") {
  TestStore test;
  const MessageId request_id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  int transitions = 0;
  const auto counting = [&](const RequestView&) -> StatusOr<RequestChange> {
    ++transitions;
    return RequestChange::StateOnly(api::MESSAGE_STATE_ANSWERED);
  };
  const auto first =
      test.AcceptResponse(MakeResponse(request_id, kAddressee, kRequester, kStart + 1, "r"), request_id, counting);
  const auto second =
      test.AcceptResponse(MakeResponse(request_id, kAddressee, kRequester, kStart + 2, "r"), request_id, counting);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(second->duplicate);
  CHECK(second->id == first->id);
  CHECK(transitions == 1);
  CHECK(test.MustGet(request_id).response_ids.size() == 1);
}

TEST_CASE("a response to a response or to nothing is refused", "[store][response]") {
  TestStore test;
  const MessageId request_id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  const auto response = test.AcceptResponse(MakeResponse(request_id, kAddressee, kRequester, kStart + 1), request_id,
                                            MoveTo(api::MESSAGE_STATE_ANSWERED));
  REQUIRE(response.ok());

  const auto to_response = test.AcceptResponse(MakeResponse(response->id, kRequester, kAddressee, kStart + 2),
                                               response->id, MoveTo(api::MESSAGE_STATE_ANSWERED));
  CHECK(CodeOf(to_response.status()) == "NOT_A_REQUEST");
  const MessageId unknown = MessageId::Generate(kStart);
  const auto to_nothing = test.AcceptResponse(MakeResponse(unknown, kAddressee, kRequester, kStart + 3), unknown,
                                              MoveTo(api::MESSAGE_STATE_ANSWERED));
  CHECK(CodeOf(to_nothing.status()) == "NOT_FOUND");
  CHECK_FALSE(test.Listed(kAddressee));         // the request left the queue with the first response
  CHECK(test.StatOf(kRequester).pending == 1);  // only the first response was queued
}

TEST_CASE("ack outcomes never reveal another recipient's message", "[store][ack]") {
  TestStore test;
  const MessageId delivered = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  const MessageId undelivered = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 1));
  const MessageId for_other = test.MustAccept(MakeRequest(kRequester, kOther, kStart + 2));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 10, 1)).size() == 1);
  REQUIRE(test.MustLease(kOther, LeaseAt(kStart + 10, 1)).size() == 1);

  const std::vector<AckItem> items = test.MustAck(
      kAddressee, {for_other, undelivered, MessageId::Generate(kStart), delivered, delivered}, kStart + 20);
  REQUIRE(items.size() == 5);
  CHECK(items[0].outcome == AckOutcome::kNotFound);
  CHECK(items[1].outcome == AckOutcome::kNotDelivered);
  CHECK(items[2].outcome == AckOutcome::kNotFound);
  CHECK(items[3].outcome == AckOutcome::kAcknowledged);
  CHECK(items[4].outcome == AckOutcome::kAlreadyAcknowledged);
  CHECK(test.MustGet(for_other).state == api::MESSAGE_STATE_DELIVERED);
  CHECK(test.AckOne(kAddressee, delivered, kStart + 30) == AckOutcome::kAlreadyAcknowledged);
}

TEST_CASE("an ack after the lease ended but before redelivery is accepted", "[store][ack]") {
  TestStore test;
  const MessageId id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart, 1, 5, 100)).size() == 1);
  CHECK(test.MustSweep(kStart + 1000, 5).recipients_with_ready.size() == 1);
  CHECK(test.AckOne(kAddressee, id, kStart + 1000) == AckOutcome::kAcknowledged);
  CHECK(test.MustLease(kAddressee, LeaseAt(kStart + 1001)).empty());
}

TEST_CASE("an ack of a dead letter is NOT_DELIVERED", "[store][ack]") {
  TestStore test;
  const MessageId id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart, 1, 1, 100)).size() == 1);
  REQUIRE(test.MustSweep(kStart + 100, 1).dead_lettered == 1);
  CHECK(test.AckOne(kAddressee, id, kStart + 200) == AckOutcome::kNotDelivered);
  CHECK(test.AckOne(kOther, id, kStart + 200) == AckOutcome::kNotFound);
}

TEST_CASE("ListQueue pages forward and backward with tokens", "[store][list]") {
  TestStore test;
  std::vector<std::string> ids(5);
  for (size_t i = 0; i < ids.size(); ++i) {
    ids[i] = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + static_cast<UnixMillis>(i))).ToString();
  }
  // A recipient whose code extends kAddressee's must not leak into its listing.
  test.MustAccept(MakeRequest(kRequester, std::string(kAddressee) + "9", kStart));

  ListQuery query;
  query.recipient_code = std::string(kAddressee);
  query.limit = 2;
  std::vector<std::vector<std::string>> pages;
  do {
    const MessagePage page = test.MustList(query);
    pages.push_back(IdsOf(page));
    query.page_token = page.next_page_token;
  } while (!query.page_token.empty());
  CHECK(pages == std::vector<std::vector<std::string>>{{ids[0], ids[1]}, {ids[2], ids[3]}, {ids[4]}});

  query.newest_first = true;
  pages.clear();
  do {
    const MessagePage page = test.MustList(query);
    pages.push_back(IdsOf(page));
    query.page_token = page.next_page_token;
  } while (!query.page_token.empty());
  CHECK(pages == std::vector<std::vector<std::string>>{{ids[4], ids[3]}, {ids[2], ids[1]}, {ids[0]}});

  query.limit = 5;
  query.newest_first = false;
  const MessagePage exact = test.MustList(query);
  CHECK(exact.messages.size() == 5);
  CHECK(exact.next_page_token.empty());
  const MessageSummary& summary = exact.messages[0];
  CHECK(summary.kind == api::MESSAGE_KIND_REQUEST);
  CHECK(summary.state == api::MESSAGE_STATE_ACCEPTED);
  CHECK(summary.sender_code == kRequester);
  CHECK(summary.information_type.id() == "zags.civil-status-record");
  CHECK(summary.accepted_at_ms == kStart);
  CHECK(summary.attempts == 0);

  query.page_token = "not-a-token";
  CHECK(CodeOf(test.store().ListQueue(query).status()) == "INVALID_ARGUMENT");
  query.page_token.clear();
  query.recipient_code.clear();
  CHECK(CodeOf(test.store().ListQueue(query).status()) == "INVALID_ARGUMENT");

  query.recipient_code = "nobody";
  const MessagePage empty = test.MustList(query);
  CHECK(empty.messages.empty());
  CHECK(empty.next_page_token.empty());
}

TEST_CASE("ListQueue shows dead letters in their own view", "[store][list]") {
  TestStore test;
  const MessageId dead = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  const MessageId pending = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 1));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart, 1, 1, 100)).size() == 1);
  REQUIRE(test.MustSweep(kStart + 100, 1).dead_lettered == 1);

  ListQuery query;
  query.recipient_code = std::string(kAddressee);
  query.view = QueueView::kDeadLetters;
  const MessagePage dead_letters = test.MustList(query);
  CHECK(IdsOf(dead_letters) == std::vector<std::string>{dead.ToString()});
  CHECK(dead_letters.messages[0].state == api::MESSAGE_STATE_DEAD_LETTERED);
  CHECK(dead_letters.messages[0].attempts == 1);
  query.view = QueueView::kPending;
  CHECK(IdsOf(test.MustList(query)) == std::vector<std::string>{pending.ToString()});
}

TEST_CASE("QueueStats counts pending, leased and dead-lettered messages per recipient", "[store][stats]") {
  TestStore test;
  CHECK(test.store().QueueStats().empty());
  test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 5));
  test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 6));
  test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 7));
  const MessageId other = test.MustAccept(MakeRequest(kAddressee, kOther, kStart + 8));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 10, 1, 1, 100)).size() == 1);
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 110, 1, 1, 100)).size() == 1);  // dead-letters the first

  const std::vector<QueueStat> stats = test.store().QueueStats();
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].recipient_code == kAddressee);  // sorted by code
  CHECK(stats[0].pending == 2);
  CHECK(stats[0].leased == 1);
  CHECK(stats[0].dead_letters == 1);
  CHECK(stats[0].oldest_pending_accepted_ms == kStart + 6);
  CHECK(stats[1].recipient_code == kOther);
  CHECK(stats[1].pending == 1);
  CHECK(stats[1].oldest_pending_accepted_ms == kStart + 8);

  REQUIRE(test.MustLease(kOther, LeaseAt(kStart + 10)).size() == 1);
  REQUIRE(test.AckOne(kOther, other, kStart + 20) == AckOutcome::kAcknowledged);
  CHECK_FALSE(test.Listed(kOther));
}

TEST_CASE("everything survives closing and reopening the store", "[store][durability]") {
  TestStore test;
  const MessageId leased = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart, "key-a", "da"));
  const MessageId ready = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 1));
  const MessageId dead = test.MustAccept(MakeRequest(kRequester, kOther, kStart + 2));
  REQUIRE(test.MustLease(kOther, LeaseAt(kStart, 1, 1, 10)).size() == 1);
  REQUIRE(test.MustSweep(kStart + 10, 1).dead_lettered == 1);
  REQUIRE(IdsOf(test.MustLease(kAddressee, LeaseAt(kStart + 100, 1, 5, 60'000))) ==
          std::vector<std::string>{leased.ToString()});
  const std::vector<QueueStat> stats_before = test.store().QueueStats();

  test.Reopen();

  const std::vector<QueueStat> stats_after = test.store().QueueStats();
  REQUIRE(stats_after.size() == stats_before.size());
  for (size_t i = 0; i < stats_after.size(); ++i) {
    CHECK(stats_after[i].recipient_code == stats_before[i].recipient_code);
    CHECK(stats_after[i].pending == stats_before[i].pending);
    CHECK(stats_after[i].leased == stats_before[i].leased);
    CHECK(stats_after[i].dead_letters == stats_before[i].dead_letters);
    CHECK(stats_after[i].oldest_pending_accepted_ms == stats_before[i].oldest_pending_accepted_ms);
  }
  CHECK(test.MustGet(dead).state == api::MESSAGE_STATE_DEAD_LETTERED);
  CHECK(test.MustGet(leased).lease_until_ms == kStart + 100 + 60'000);

  // The lease still holds: only the ready message is delivered, and a new one queues after the old ones.
  const MessageId newer = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 3));
  CHECK(IdsOf(test.MustLease(kAddressee, LeaseAt(kStart + 200, 1, 5, 600'000))) ==
        std::vector<std::string>{ready.ToString()});
  // When it ends, the leased message comes back before the newer one.
  const std::vector<api::Message> after_lease = test.MustLease(kAddressee, LeaseAt(kStart + 100 + 60'000, 10));
  CHECK(IdsOf(after_lease) == std::vector<std::string>{leased.ToString(), newer.ToString()});
  CHECK(after_lease[0].delivery_attempt() == 2);

  // The idempotency key is remembered.
  const auto duplicate = test.Accept(MakeRequest(kRequester, kAddressee, kStart + 4, "key-a", "da"));
  REQUIRE(duplicate.ok());
  CHECK(duplicate->duplicate);
  CHECK(duplicate->id == leased);

  // The dead letter can still be requeued.
  REQUIRE(test.MustRequeue({dead}, "operator:petrov", kStart + 5)[0].status.ok());
  CHECK(test.MustLease(kOther, LeaseAt(kStart + 6)).size() == 1);
}

TEST_CASE("concurrent accepts from several threads are all stored, in fewer batches", "[store][group]") {
  TestStore test;
  constexpr int64_t kThreads = 4;
  constexpr int64_t kPerThread = 100;
  std::atomic<int> succeeded{0};
  std::atomic<int> completed{0};
  std::mutex mutex;
  std::condition_variable all_done;
  std::vector<std::thread> threads;
  for (int64_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = 0; i < kPerThread; ++i) {
        test.store().Accept(MakeRequest(kRequester, kAddressee, kStart + t * kPerThread + i),
                            [&](const StatusOr<AcceptOutcome>& result) {
                              if (result.ok()) {
                                succeeded.fetch_add(1);
                              }
                              std::lock_guard lock(mutex);
                              completed.fetch_add(1);
                              all_done.notify_all();
                            });
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  {
    std::unique_lock lock(mutex);
    all_done.wait(lock, [&] { return completed.load() == kThreads * kPerThread; });
  }
  CHECK(succeeded.load() == kThreads * kPerThread);
  CHECK(test.StatOf(kAddressee).pending == kThreads * kPerThread);
  CHECK(test.store().CommittedBatches() < static_cast<uint64_t>(kThreads * kPerThread));

  ListQuery query;
  query.recipient_code = std::string(kAddressee);
  query.limit = 1000;
  CHECK(test.MustList(query).messages.size() == kThreads * kPerThread);
}

TEST_CASE("max_batch_operations bounds a group", "[store][group]") {
  TestStore test(/*max_batch_operations=*/1);
  WriterGate gate;
  gate.Hold(test.store());
  const uint64_t batches_before = test.store().CommittedBatches();
  std::vector<std::future<StatusOr<AcceptOutcome>>> results;
  std::vector<std::shared_ptr<std::promise<StatusOr<AcceptOutcome>>>> promises;
  for (int i = 0; i < 3; ++i) {
    auto promise = std::make_shared<std::promise<StatusOr<AcceptOutcome>>>();
    results.push_back(promise->get_future());
    test.store().Accept(MakeRequest(kRequester, kAddressee, kStart + i),
                        [promise](StatusOr<AcceptOutcome> result) { promise->set_value(std::move(result)); });
  }
  gate.Open();
  for (auto& result : results) {
    CHECK(result.get().ok());
  }
  CHECK(test.store().CommittedBatches() == batches_before + 3);
}

TEST_CASE("destroying the store finishes every submitted mutation", "[store][lifecycle]") {
  TestStore test;
  std::atomic<int> succeeded{0};
  for (int i = 0; i < 50; ++i) {
    test.store().Accept(MakeRequest(kRequester, kAddressee, kStart + i), [&](const StatusOr<AcceptOutcome>& result) {
      if (result.ok()) {
        succeeded.fetch_add(1);
      }
    });
  }
  test.Destroy();
  CHECK(succeeded.load() == 50);
  test.Reopen();
  CHECK(test.StatOf(kAddressee).pending == 50);
}

// Makes writes that grow a file past `max_bytes` fail with EFBIG, for this whole process, while it lives: a disk
// that fills up, without a small filesystem.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t max_bytes) {
    REQUIRE(getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    saved_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // else the kernel kills the process instead of failing the write
    rlimit limited = saved_;
    limited.rlim_cur = max_bytes;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limited) == 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, saved_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*saved_handler_)(int) = nullptr;
};

TEST_CASE("a failed write fails its group and every later mutation, and loses nothing committed", "[store][failure]") {
  TestStore test;
  const MessageId committed = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  NewMessage too_big = MakeRequest(kRequester, kAddressee, kStart + 1);
  too_big.message.mutable_request()->set_payload(std::string(8 << 20, 'x'));
  const MessageId lost = *MessageId::Parse(too_big.message.message_id());
  {
    const FileSizeLimit limit(4 << 20);
    const Status failed = test.Accept(std::move(too_big)).status();
    CHECK(CodeOf(failed) == "UNAVAILABLE");
    CHECK_THAT(failed.message(), Catch::Contains("writing to the store failed"));
    const Status refused = test.Accept(MakeRequest(kRequester, kAddressee, kStart + 2)).status();
    CHECK(CodeOf(refused) == "UNAVAILABLE");
    CHECK(refused.message() == failed.message());
    CHECK(CodeOf(test.Lease(kAddressee, LeaseAt(kStart)).status()) == "UNAVAILABLE");
    CHECK(test.StatOf(kAddressee).pending == 1);  // the failed group was never published
    test.Destroy();
  }
  test.Reopen();
  CHECK(test.MustGet(committed).state == api::MESSAGE_STATE_ACCEPTED);
  CHECK(CodeOf(test.store().Get(lost).status()) == "NOT_FOUND");
  CHECK(test.StatOf(kAddressee).pending == 1);
  test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 3));
  CHECK(test.StatOf(kAddressee).pending == 2);
}

TEST_CASE("after Close, mutations and reads are UNAVAILABLE", "[store][lifecycle]") {
  TestStore test;
  const MessageId id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  test.store().Close();
  test.store().Close();  // idempotent
  CHECK(CodeOf(test.Accept(MakeRequest(kRequester, kAddressee, kStart)).status()) == "UNAVAILABLE");
  CHECK(CodeOf(test.Lease(kAddressee, LeaseAt(kStart)).status()) == "UNAVAILABLE");
  CHECK(CodeOf(test.store().Get(id).status()) == "UNAVAILABLE");
  ListQuery query;
  query.recipient_code = std::string(kAddressee);
  CHECK(CodeOf(test.store().ListQueue(query).status()) == "UNAVAILABLE");
  CHECK(test.store().QueueStats().empty());
}

TEST_CASE("Get reports a corrupt record as INTERNAL", "[store]") {
  TestStore test;
  const MessageId id = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  test.Destroy();
  WithRawDatabase(test.path(), [&](rocksdb::DB& db, RawFamilies& families) {
    REQUIRE(
        db.Put(rocksdb::WriteOptions(), families.at("history"), keys::HistoryKey(id, 1), std::string("\xff\xff\xff", 3))
            .ok());
  });
  test.Reopen();
  CHECK(CodeOf(test.store().Get(id).status()) == "INTERNAL");
}

TEST_CASE("a mutation that fails half-way leaves neither its writes nor its queue changes", "[store][failure]") {
  TestStore test;
  const MessageId first = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  const MessageId second = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 1));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart, 2, 1, 100)).size() == 2);
  REQUIRE(test.MustSweep(kStart + 100, 1).dead_lettered == 2);
  test.Destroy();
  WithRawDatabase(test.path(), [&](rocksdb::DB& db, RawFamilies& families) {
    REQUIRE(
        db.Put(rocksdb::WriteOptions(), families.at("states"), keys::MessageKey(second), std::string("\xff\xff\xff", 3))
            .ok());
  });
  test.Reopen();

  // The first message is requeued into the batch and the index before the second one's state fails to parse.
  const auto failed = Await<std::vector<RequeueItem>>([&](Done<std::vector<RequeueItem>> done) {
    test.store().Requeue({first, second}, "operator:x", 1, done);
  });
  CHECK(CodeOf(failed.status()) == "INTERNAL");
  CHECK(test.MustGet(first).state == api::MESSAGE_STATE_DEAD_LETTERED);
  CHECK(test.MustGet(first).history.size() == 3);
  CHECK(test.StatOf(kAddressee).pending == 0);
  CHECK(test.StatOf(kAddressee).dead_letters == 2);
  CHECK(test.MustLease(kAddressee, LeaseAt(kStart + 200)).empty());

  REQUIRE(test.MustRequeue({first}, "operator:x", kStart + 300)[0].status.ok());
  CHECK(test.StatOf(kAddressee).pending == 1);
  CHECK(test.StatOf(kAddressee).dead_letters == 1);
}

TEST_CASE("malformed mutations are refused without touching the store", "[store]") {
  TestStore test;
  NewMessage no_id = MakeRequest(kRequester, kAddressee, kStart);
  no_id.message.set_message_id("nope");
  const Status no_id_status = test.Accept(std::move(no_id)).status();
  CHECK(CodeOf(no_id_status) == "INVALID_ARGUMENT");
  const Status no_recipient_status = test.Accept(MakeRequest(kRequester, "", kStart)).status();
  CHECK(CodeOf(no_recipient_status) == "INVALID_ARGUMENT");

  // A second message under an id already stored would overwrite the first: a bug in the caller.
  NewMessage original = MakeRequest(kRequester, kAddressee, kStart);
  NewMessage same_id = MakeRequest(kRequester, kAddressee, kStart);
  same_id.message.set_message_id(original.message.message_id());
  test.MustAccept(std::move(original));
  const Status same_id_status = test.Accept(std::move(same_id)).status();
  CHECK(CodeOf(same_id_status) == "INTERNAL");
  CHECK(CodeOf(test.Lease("", LeaseAt(kStart)).status()) == "INVALID_ARGUMENT");
  CHECK(test.StatOf(kAddressee).pending == 1);
}

}  // namespace
}  // namespace mezhved::store

namespace mezhved::store {
namespace {

api::Rejection RejectionAt(UnixMillis at_ms, const std::string& organisation) {
  api::Rejection rejection;
  *rejection.mutable_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(at_ms);
  rejection.set_organisation_code(organisation);
  rejection.set_operation("SendRequest");
  rejection.set_error_code("INVALID_MESSAGE");
  api::FieldViolation* violation = rejection.add_violations();
  violation->set_field("request.citizen.snils");
  violation->set_code("MALFORMED");
  return rejection;
}

TEST_CASE("rejections are kept, listed newest first a page at a time, and survive a restart", "[store][rejections]") {
  TestStore test;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(Await<bool>([&](Done<bool> done) {
              test.store().RecordRejection(RejectionAt(kStart + i, "ORG-" + std::to_string(i)), std::move(done));
            }).ok());
  }
  test.Reopen();
  StatusOr<RejectionPage> first = test.store().ListRejections(2, "");
  REQUIRE(first.ok());
  REQUIRE(first->rejections.size() == 2);
  CHECK(first->rejections[0].organisation_code() == "ORG-4");
  CHECK(first->rejections[1].organisation_code() == "ORG-3");
  CHECK(first->rejections[0].violations(0).field() == "request.citizen.snils");
  REQUIRE_FALSE(first->next_page_token.empty());
  StatusOr<RejectionPage> rest = test.store().ListRejections(10, first->next_page_token);
  REQUIRE(rest.ok());
  REQUIRE(rest->rejections.size() == 3);
  CHECK(rest->rejections[0].organisation_code() == "ORG-2");
  CHECK(rest->rejections[2].organisation_code() == "ORG-0");
  CHECK(rest->next_page_token.empty());
  CHECK(test.store().ListRejections(10, "zz").status().code() == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mezhved::store

namespace mezhved::store {
namespace {

config::v1::Agreement AgreementWith(const std::string& id, const std::string& type) {
  config::v1::Agreement agreement;
  agreement.set_id(id);
  agreement.set_title("test agreement " + id);
  agreement.add_requesters("SOCPROT");
  agreement.add_addressees("ZAGS");
  agreement.add_information_types(type);
  agreement.add_authorities()->set_code("social-services.recognition-of-need");
  agreement.set_valid_from("2025-01-01");
  return agreement;
}

TEST_CASE("agreements are kept with every version, change and withdrawal", "[store][agreements]") {
  TestStore test;
  const auto record = [&](std::vector<config::v1::Agreement> agreements, UnixMillis now) {
    StatusOr<AgreementSync> sync = Await<AgreementSync>(
        [&](Done<AgreementSync> done) { test.store().RecordAgreements(std::move(agreements), now, std::move(done)); });
    REQUIRE(sync.ok());
    return std::vector<uint32_t>{sync->added, sync->changed, sync->withdrawn};
  };
  const config::v1::Agreement first = AgreementWith("AGR-1", "zags.civil-status-record");
  const config::v1::Agreement second = AgreementWith("AGR-2", "mse.disability");
  CHECK(record({first, second}, kStart) == std::vector<uint32_t>{2, 0, 0});
  const uint64_t batches = test.store().CommittedBatches();
  CHECK(record({first, second}, kStart + 1) == std::vector<uint32_t>{0, 0, 0});
  CHECK(test.store().CommittedBatches() == batches);  // unchanged agreements write nothing

  config::v1::Agreement widened = first;
  widened.add_information_types("labour.employment-status");
  test.Reopen();  // versions survive a restart
  CHECK(record({widened}, kStart + 2) == std::vector<uint32_t>{0, 1, 1});
  CHECK(record({widened, second}, kStart + 3) == std::vector<uint32_t>{0, 1, 0});  // back after withdrawal

  StatusOr<std::vector<AgreementVersion>> history = test.store().AgreementVersions("AGR-1");
  REQUIRE(history.ok());
  REQUIRE(history->size() == 2);
  CHECK((*history)[0].version == 1);
  CHECK((*history)[0].agreement.information_types_size() == 1);
  CHECK((*history)[0].recorded_at_ms == kStart);
  CHECK((*history)[1].version == 2);
  CHECK((*history)[1].agreement.information_types_size() == 2);

  StatusOr<std::vector<AgreementVersion>> withdrawn = test.store().AgreementVersions("AGR-2");
  REQUIRE(withdrawn.ok());
  REQUIRE(withdrawn->size() == 3);
  CHECK((*withdrawn)[1].withdrawn);
  CHECK_FALSE((*withdrawn)[2].withdrawn);

  StatusOr<std::vector<AgreementVersion>> latest = test.store().AgreementVersions("");
  REQUIRE(latest.ok());
  REQUIRE(latest->size() == 2);
  CHECK((*latest)[0].agreement.id() == "AGR-1");
  CHECK((*latest)[0].version == 2);
  CHECK((*latest)[1].agreement.id() == "AGR-2");
  CHECK((*latest)[1].version == 3);
  CHECK(test.store().AgreementVersions("AGR-9")->empty());
}

// Records what the store reports, for the core's metrics.
class RecordingObserver final : public StoreObserver {
 public:
  void OnCommitted(const std::vector<MessageFact>& facts) override {
    std::lock_guard lock(mutex_);
    facts_.insert(facts_.end(), facts.begin(), facts.end());
  }
  std::vector<MessageFact> Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(facts_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<MessageFact> facts_;
};

TEST_CASE("the observer hears of every delivery, ack and dead letter once it is durable", "[store]") {
  TestStore test;
  RecordingObserver observer;
  test.store().SetObserver(&observer);
  const MessageId kept = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  const MessageId dropped = test.MustAccept(MakeRequest(kRequester, kOther, kStart + 1));
  CHECK(observer.Take().empty());  // acceptance is the core's own fact

  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 100, 10, 5, 1000)).size() == 1);
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 1200, 10, 5, 1000)).size() == 1);  // the lease ended
  std::vector<MessageFact> facts = observer.Take();
  REQUIRE(facts.size() == 2);
  CHECK(facts[0].event == MessageFact::Event::kDelivered);
  CHECK(facts[0].attempt == 1);
  CHECK(facts[0].recipient_code == kAddressee);
  CHECK(facts[0].kind == api::MESSAGE_KIND_REQUEST);
  CHECK(facts[0].information_type_id == "zags.civil-status-record");
  CHECK(facts[0].accepted_at_ms == kStart);
  CHECK(facts[0].at_ms == kStart + 100);
  CHECK(facts[1].attempt == 2);

  CHECK(test.AckOne(kAddressee, kept, kStart + 1300) == AckOutcome::kAcknowledged);
  CHECK(test.AckOne(kAddressee, kept, kStart + 1400) == AckOutcome::kAlreadyAcknowledged);
  facts = observer.Take();
  REQUIRE(facts.size() == 1);
  CHECK(facts[0].event == MessageFact::Event::kAcknowledged);
  CHECK(facts[0].at_ms == kStart + 1300);

  REQUIRE(test.MustLease(kOther, LeaseAt(kStart + 100, 10, 1, 1000)).size() == 1);
  CHECK(test.MustSweep(kStart + 2000, 1).dead_lettered == 1);
  facts = observer.Take();
  REQUIRE(facts.size() == 2);
  CHECK(facts[1].event == MessageFact::Event::kDeadLettered);
  CHECK(facts[1].recipient_code == kOther);
  (void)dropped;

  // A request answered while still queued leaves its queue as received.
  const MessageId answered = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 3000));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 3100)).size() == 1);
  observer.Take();
  REQUIRE(test.AcceptResponse(MakeResponse(answered, kAddressee, kRequester, kStart + 3200), answered,
                              MoveTo(api::MESSAGE_STATE_ANSWERED))
              .ok());
  facts = observer.Take();
  REQUIRE(facts.size() == 1);
  CHECK(facts[0].event == MessageFact::Event::kAcknowledged);
  CHECK(facts[0].recipient_code == kAddressee);

  // A mutation that fails reports nothing.
  CHECK_FALSE(test.AcceptResponse(MakeResponse(answered, kAddressee, kRequester, kStart + 3300), answered,
                                  [](const RequestView&) -> StatusOr<RequestChange> {
                                    return Status(ErrorCode::kRequestClosed, "closed");
                                  })
                  .ok());
  CHECK(observer.Take().empty());
  test.store().SetObserver(nullptr);
}

TEST_CASE("the store is healthy while open and says why not once closed", "[store]") {
  TestStore test;
  CHECK(test.store().Health().ok());
  test.store().Close();
  CHECK(test.store().Health().code() == ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace mezhved::store
