// Shared by the store's tests: a store in a fresh directory with synchronous wrappers, and message builders.
#pragma once

#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>
#include <future>
#include <string>
#include <string_view>
#include <vector>

#include "store/rocksdb_store.h"
#include "tests/support/temp_dir.h"

namespace mezhved::store::test_fixture {

namespace api = ::mezhved::v1;
using google::protobuf::util::TimeUtil;

inline constexpr UnixMillis kStart = 1'700'000'000'000;
inline constexpr std::string_view kRequester = "1027700000001";
inline constexpr std::string_view kAddressee = "1027700000002";
inline constexpr std::string_view kOther = "1027700000003";

inline std::string CodeOf(const Status& status) { return std::string(ErrorCodeName(status.code())); }

// Turns an asynchronous store call into a synchronous one: `call` receives the callback to pass on.
template <typename T, typename Call>
StatusOr<T> Await(Call call) {
  std::promise<StatusOr<T>> promise;
  std::future<StatusOr<T>> future = promise.get_future();
  call([&promise](StatusOr<T> result) { promise.set_value(std::move(result)); });
  return future.get();
}

inline NewMessage MakeRequest(std::string_view sender, std::string_view recipient, UnixMillis accepted_ms,
                              std::string idempotency_key = "", std::string digest = "digest") {
  NewMessage message;
  message.message.set_message_id(MessageId::Generate(accepted_ms).ToString());
  message.message.set_kind(api::MESSAGE_KIND_REQUEST);
  message.message.set_sender_code(std::string(sender));
  message.message.set_recipient_code(std::string(recipient));
  *message.message.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(accepted_ms);
  api::RequestEnvelope* request = message.message.mutable_request();
  request->set_requester_code(std::string(sender));
  request->set_addressee_code(std::string(recipient));
  request->mutable_information_type()->set_id("zags.civil-status-record");
  request->mutable_information_type()->set_version("1.0");
  request->set_payload("<request/>");
  message.idempotency_key = std::move(idempotency_key);
  message.content_digest = std::move(digest);
  message.information_type = request->information_type();
  return message;
}

inline NewMessage MakeResponse(const MessageId& request_id, std::string_view responder, std::string_view requester,
                               UnixMillis accepted_ms, std::string idempotency_key = "") {
  NewMessage message;
  message.message.set_message_id(MessageId::Generate(accepted_ms).ToString());
  message.message.set_kind(api::MESSAGE_KIND_RESPONSE);
  message.message.set_sender_code(std::string(responder));
  message.message.set_recipient_code(std::string(requester));
  *message.message.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(accepted_ms);
  api::ResponseEnvelope* response = message.message.mutable_response();
  response->set_request_id(request_id.ToString());
  response->set_responder_code(std::string(responder));
  response->set_requester_code(std::string(requester));
  response->mutable_data()->set_payload("<answer/>");
  message.idempotency_key = std::move(idempotency_key);
  message.content_digest = "response-digest";
  return message;
}

inline RequestTransition MoveTo(api::MessageState state) {
  return [state](const RequestView&) -> StatusOr<RequestChange> { return RequestChange::StateOnly(state); };
}

inline LeaseOptions LeaseAt(UnixMillis now_ms, uint32_t max_messages = 10, uint32_t max_attempts = 5,
                            int64_t lease_ms = 1000) {
  LeaseOptions options;
  options.max_messages = max_messages;
  options.now_ms = now_ms;
  options.lease_ms = lease_ms;
  options.max_attempts = max_attempts;
  return options;
}

inline std::vector<std::string> IdsOf(const std::vector<api::Message>& messages) {
  std::vector<std::string> ids;
  ids.reserve(messages.size());
  for (const api::Message& message : messages) {
    ids.push_back(message.message_id());
  }
  return ids;
}

inline std::vector<std::string> IdsOf(const MessagePage& page) {
  std::vector<std::string> ids;
  ids.reserve(page.messages.size());
  for (const MessageSummary& summary : page.messages) {
    ids.push_back(summary.id.ToString());
  }
  return ids;
}

// A store in a fresh directory, with synchronous wrappers around the asynchronous calls.
class TestStore {
 public:
  explicit TestStore(uint32_t max_batch_operations = 1000) : max_batch_operations_(max_batch_operations) { Reopen(); }

  std::string path() const { return (dir_ / "store").string(); }
  RocksDbStore& store() { return *store_; }

  // The tallier of the next Reopen (none by default).
  void SetTallier(std::shared_ptr<const RequestTallier> tallier) { tallier_ = std::move(tallier); }

  void Reopen() {
    store_.reset();
    RocksDbStoreOptions options;
    options.data_dir = path();
    options.max_batch_operations = max_batch_operations_;
    options.tallier = tallier_;
    auto opened = RocksDbStore::Open(options);
    REQUIRE(opened.ok());
    store_ = std::move(opened).value();
  }
  void Destroy() { store_.reset(); }

  StatusOr<AcceptOutcome> Accept(NewMessage message) {
    return Await<AcceptOutcome>([&](Done<AcceptOutcome> done) { store_->Accept(std::move(message), std::move(done)); });
  }
  // Accepts and returns the id, failing the test on error.
  MessageId MustAccept(NewMessage message) {
    const StatusOr<AcceptOutcome> outcome = Accept(std::move(message));
    REQUIRE(outcome.ok());
    return outcome->id;
  }
  StatusOr<AcceptOutcome> AcceptResponse(NewMessage response, const MessageId& request_id,
                                         RequestTransition transition) {
    return Await<AcceptOutcome>([&](Done<AcceptOutcome> done) {
      store_->AcceptResponse(std::move(response), request_id, std::move(transition), std::move(done));
    });
  }
  StatusOr<std::vector<api::Message>> Lease(std::string_view recipient, LeaseOptions options) {
    return Await<std::vector<api::Message>>(
        [&](Done<std::vector<api::Message>> done) { store_->Lease(std::string(recipient), options, std::move(done)); });
  }
  std::vector<api::Message> MustLease(std::string_view recipient, LeaseOptions options) {
    auto leased = Lease(recipient, options);
    REQUIRE(leased.ok());
    return std::move(leased).value();
  }
  std::vector<AckItem> MustAck(std::string_view recipient, std::vector<MessageId> ids, UnixMillis now_ms) {
    auto acked = Await<std::vector<AckItem>>([&](Done<std::vector<AckItem>> done) {
      store_->Ack(std::string(recipient), std::move(ids), now_ms, {}, std::move(done));
    });
    REQUIRE(acked.ok());
    return std::move(acked).value();
  }
  AckOutcome AckOne(std::string_view recipient, const MessageId& id, UnixMillis now_ms) {
    const std::vector<AckItem> items = MustAck(recipient, {id}, now_ms);
    REQUIRE(items.size() == 1);
    CHECK(items[0].id == id);
    return items[0].outcome;
  }
  std::vector<RequeueItem> MustRequeue(std::vector<MessageId> ids, std::string actor, UnixMillis now_ms) {
    auto requeued = Await<std::vector<RequeueItem>>([&](Done<std::vector<RequeueItem>> done) {
      store_->Requeue(std::move(ids), std::move(actor), now_ms, std::move(done));
    });
    REQUIRE(requeued.ok());
    return std::move(requeued).value();
  }
  SweepOutcome MustSweep(UnixMillis now_ms, uint32_t max_attempts) {
    auto swept = Await<SweepOutcome>(
        [&](Done<SweepOutcome> done) { store_->SweepExpiredLeases(now_ms, max_attempts, std::move(done)); });
    REQUIRE(swept.ok());
    return std::move(swept).value();
  }
  MessageRecord MustGet(const MessageId& id) {
    auto record = store_->Get(id);
    REQUIRE(record.ok());
    return std::move(record).value();
  }
  MessagePage MustList(const ListQuery& query) {
    auto page = store_->ListQueue(query);
    REQUIRE(page.ok());
    return std::move(page).value();
  }
  // The recipient's entry in QueueStats; all zero (and no recipient_code) when it has none.
  QueueStat StatOf(std::string_view recipient) {
    for (const QueueStat& stat : store_->QueueStats()) {
      if (stat.recipient_code == recipient) {
        return stat;
      }
    }
    return QueueStat{};
  }
  bool Listed(std::string_view recipient) { return !StatOf(recipient).recipient_code.empty(); }

 private:
  testing::TempDir dir_;
  uint32_t max_batch_operations_;
  std::shared_ptr<const RequestTallier> tallier_;
  std::unique_ptr<RocksDbStore> store_;
};

}  // namespace mezhved::store::test_fixture
