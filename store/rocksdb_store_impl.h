// Internal to store/: the pieces of the RocksDB store that its .cc files share (rocksdb_store.cc: opening,
// the writer thread, delivery; rocksdb_deadlines.cc: deadline timers and the report index; rocksdb_queue_list.cc:
// ListQueue and its filters; rocksdb_audit.cc: the operators' audit log). Nothing outside store/ includes it.
#pragma once

// First: message_store.h names mezhved::v1 as "v1" inside mezhved::store, which records.pb.h's
// mezhved::store::v1 would shadow if it came first.
#include "store/rocksdb_store.h"  // IWYU pragma: keep

#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>
#include "common/metrics.h"
#include "common/wire_names.h"
#include "mezhved/store/v1/records.pb.h"
#include "store/column_families.h"
#include "store/key_codec.h"

// Returns early with the error of a StatusOr expression, else moves its value into `lhs` (a declaration or an
// lvalue, which is why the arguments are not parenthesised).
// NOLINTBEGIN(bugprone-macro-parentheses)
#define STORE_CONCAT_INNER(a, b) a##b
#define STORE_CONCAT(a, b) STORE_CONCAT_INNER(a, b)
#define STORE_ASSIGN_OR_RETURN(lhs, expr) STORE_ASSIGN_OR_RETURN_IMPL(STORE_CONCAT(store_result_, __LINE__), lhs, expr)
#define STORE_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                                \
  if (!result.ok()) {                                  \
    return result.status();                            \
  }                                                    \
  lhs = std::move(result).value()
// NOLINTEND(bugprone-macro-parentheses)

namespace mezhved::store {

// Inside mezhved::store, "v1" would name the stored records' package: spell both out.
namespace api = ::mezhved::v1;
namespace records = ::mezhved::store::v1;
using google::protobuf::util::TimeUtil;

// The format this build writes (rocksdb_format.cc; docs/ARCHITECTURE.md, "Store formats"): 1, the first released
// one; 2, the report tallies and the copies every state keeps of its message's kind, recipient, type and receipt.
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint64_t kFirstSequence = 1;
inline constexpr uint32_t kMaxPageSize = 1000;
inline constexpr std::string_view kGatewayActor = wire::kGatewaySender;
inline constexpr std::string_view kRequeueNote = "requeued by operator";

// ---------------------------------------------------------------------------------------------------------------
// Small conversions.

inline Status InternalError(std::string message) { return {ErrorCode::kInternal, std::move(message)}; }

// RocksDB's errors enter here: corruption is a bug or a damaged disk (INTERNAL); anything else is the environment
// (I/O, locks, space) and worth a retry later (UNAVAILABLE).
inline Status FromRocksDb(std::string_view context, const rocksdb::Status& status) {
  const ErrorCode code = status.IsCorruption() ? ErrorCode::kInternal : ErrorCode::kUnavailable;
  return {code, std::string(context) + ": " + status.ToString()};
}

inline UnixMillis ToMillis(const google::protobuf::Timestamp& timestamp) {
  return TimeUtil::TimestampToMilliseconds(timestamp);
}

inline std::string CorruptRecord(ColumnFamily family) {
  return "corrupt record in column family '" + std::string(ColumnFamilyName(family)) + "'";
}

// What the operator API shows of a message, from its two records.
inline MessageSummary SummaryOf(const MessageId& id, const records::StoredMessage& stored,
                                const records::StoredState& state) {
  MessageSummary summary;
  summary.id = id;
  summary.kind = stored.message().kind();
  summary.state = state.state();
  summary.sender_code = stored.message().sender_code();
  summary.recipient_code = stored.message().recipient_code();
  summary.information_type = stored.information_type();
  summary.accepted_at_ms = ToMillis(stored.message().accepted_at());
  summary.attempts = state.attempts();
  summary.answer_due_at_ms = state.due_at_ms();
  summary.deadline_status = state.deadline_status();
  return summary;
}

template <typename Record>
StatusOr<std::optional<Record>> ParseRecord(ColumnFamily family, StatusOr<std::optional<std::string>> bytes) {
  if (!bytes.ok()) {
    return bytes.status();
  }
  if (!bytes->has_value()) {
    return std::optional<Record>();
  }
  Record record;
  if (!record.ParseFromString(**bytes)) {
    return InternalError(CorruptRecord(family));
  }
  return std::optional<Record>(std::move(record));
}

inline StatusOr<std::optional<std::string>> ValueOrAbsent(ColumnFamily family, const rocksdb::Status& status,
                                                          std::string value) {
  if (status.IsNotFound()) {
    return std::optional<std::string>();
  }
  if (!status.ok()) {
    return FromRocksDb("reading column family '" + std::string(ColumnFamilyName(family)) + "'", status);
  }
  return std::optional<std::string>(std::move(value));
}

inline api::HistoryEvent MakeEvent(api::MessageState state, UnixMillis at_ms, std::string_view actor,
                                   std::string_view note = {}) {
  api::HistoryEvent event;
  *event.mutable_at() = TimeUtil::MillisecondsToTimestamp(at_ms);
  event.set_state(state);
  event.set_actor(std::string(actor));
  event.set_note(std::string(note));
  return event;
}

inline bool IsAcknowledgedOrAnswered(api::MessageState state) {
  switch (state) {
    case api::MESSAGE_STATE_ACKNOWLEDGED:
    case api::MESSAGE_STATE_IN_PROGRESS:
    case api::MESSAGE_STATE_CLARIFICATION_REQUESTED:
    case api::MESSAGE_STATE_ANSWERED:
    case api::MESSAGE_STATE_REFUSED:
    case api::MESSAGE_STATE_CANNOT_ANSWER:
      return true;
    default:
      return false;
  }
}

inline Status CheckOrganisationCode(std::string_view field, std::string_view code) {
  if (keys::IsValidOrganisationCode(code)) {
    return Status::Ok();
  }
  return {ErrorCode::kInvalidArgument, std::string(field) + " must be a non-empty organisation code"};
}

// A new message's id and parties as the store needs them.
inline StatusOr<MessageId> ValidateNewMessage(const NewMessage& message) {
  const std::optional<MessageId> id = MessageId::Parse(message.message.message_id());
  if (!id || id->IsNil()) {
    return Status(ErrorCode::kInvalidArgument, "message_id '" + message.message.message_id() + "' is not a UUID");
  }
  MEZHVED_RETURN_IF_ERROR(CheckOrganisationCode("sender_code", message.message.sender_code()));
  MEZHVED_RETURN_IF_ERROR(CheckOrganisationCode("recipient_code", message.message.recipient_code()));
  return *id;
}

// ---------------------------------------------------------------------------------------------------------------
// The in-memory queue index: what is pending (ready or leased) per recipient, in sequence order, and how many
// dead letters each has. Owned by the writer thread. Every change made while a mutation is applied is journaled,
// so that a mutation that fails half-way leaves the index as it found it, just as it leaves the batch.

struct Slot {
  MessageId id;
  uint32_t attempts = 0;
  bool leased = false;
  UnixMillis lease_until_ms = 0;  // while leased
  UnixMillis accepted_ms = 0;
};

struct RecipientQueue {
  std::map<uint64_t, Slot> pending;                  // sequence -> slot
  std::set<uint64_t> ready;                          // sequences not leased
  std::set<std::pair<UnixMillis, uint64_t>> leases;  // (lease_until_ms, sequence)
  uint64_t dead_letters = 0;
  // Running answer clocks of messages addressed to this recipient, by status (QueueStat).
  uint64_t due_soon = 0;
  uint64_t overdue = 0;

  bool Empty() const { return pending.empty() && dead_letters == 0 && due_soon == 0 && overdue == 0; }
};

struct SlotRef {
  std::string recipient_code;
  uint64_t sequence = 0;
};

class QueueIndex {
 public:
  const RecipientQueue* Find(std::string_view recipient_code) const {
    const auto it = queues_.find(recipient_code);
    return it == queues_.end() ? nullptr : &it->second;
  }

  // Where a pending message waits; nullopt when it is not pending.
  std::optional<SlotRef> FindPending(const MessageId& id) const {
    const auto it = pending_by_id_.find(id);
    return it == pending_by_id_.end() ? std::nullopt : std::optional<SlotRef>(it->second);
  }

  std::optional<Slot> FindSlot(std::string_view recipient_code, uint64_t sequence) const {
    const RecipientQueue* queue = Find(recipient_code);
    if (queue == nullptr) {
      return std::nullopt;
    }
    const auto it = queue->pending.find(sequence);
    return it == queue->pending.end() ? std::nullopt : std::optional<Slot>(it->second);
  }

  // The first ready sequence after `after` (from the start when absent).
  std::optional<uint64_t> NextReady(std::string_view recipient_code, std::optional<uint64_t> after) const {
    const RecipientQueue* queue = Find(recipient_code);
    if (queue == nullptr) {
      return std::nullopt;
    }
    const auto it = after ? queue->ready.upper_bound(*after) : queue->ready.begin();
    return it == queue->ready.end() ? std::nullopt : std::optional<uint64_t>(*it);
  }

  std::vector<uint64_t> ExpiredLeasesOf(std::string_view recipient_code, UnixMillis now_ms) const {
    std::vector<uint64_t> sequences;
    if (const RecipientQueue* queue = Find(recipient_code)) {
      for (auto it = queue->leases.begin(); it != queue->leases.end() && it->first <= now_ms; ++it) {
        sequences.push_back(it->second);
      }
    }
    return sequences;
  }

  std::vector<MessageId> ExpiredLeases(UnixMillis now_ms) const {
    std::vector<MessageId> ids;
    for (auto it = leases_.begin(); it != leases_.end() && it->first <= now_ms; ++it) {
      ids.push_back(it->second);
    }
    return ids;
  }

  void SetNextSequence(uint64_t next) { next_sequence_ = next; }

  // The sequence for a newly accepted message.
  uint64_t TakeSequence() {
    const uint64_t taken = next_sequence_++;
    Journal([this, taken] { next_sequence_ = taken; });
    return taken;
  }

  // Sets a slot to `slot`, or removes it when absent, keeping the ready, lease and id indexes in step.
  void PutSlot(const std::string& recipient_code, uint64_t sequence, std::optional<Slot> slot) {
    std::optional<Slot> previous = FindSlot(recipient_code, sequence);
    Journal([this, recipient_code, sequence, previous] { ReplaceSlot(recipient_code, sequence, previous); });
    ReplaceSlot(recipient_code, sequence, slot);
  }

  void AddDeadLetters(const std::string& recipient_code, int64_t delta) {
    Journal([this, recipient_code, delta] { AdjustDeadLetters(recipient_code, -delta); });
    AdjustDeadLetters(recipient_code, delta);
  }

  void AddDeadlineCounts(const std::string& recipient_code, int64_t due_soon_delta, int64_t overdue_delta) {
    Journal([this, recipient_code, due_soon_delta, overdue_delta] {
      AdjustDeadlineCounts(recipient_code, -due_soon_delta, -overdue_delta);
    });
    AdjustDeadlineCounts(recipient_code, due_soon_delta, overdue_delta);
  }

  // A fact for the store's observer, reported after the commit (undone with its mutation).
  void NoteFact(MessageFact fact) {
    Journal([this] { facts_.pop_back(); });
    facts_.push_back(std::move(fact));
  }
  std::vector<MessageFact> TakeFacts() { return std::exchange(facts_, {}); }

  // A mutation starts: journal its changes until it is kept or undone.
  void BeginMutation() {
    undo_.clear();
    journaling_ = true;
  }
  void KeepMutation() {
    undo_.clear();
    journaling_ = false;
  }
  void UndoMutation() {
    journaling_ = false;
    while (!undo_.empty()) {  // newest change first
      undo_.back()();
      undo_.pop_back();
    }
  }

  // Recipients whose counts changed since the last call.
  std::set<std::string> TakeChangedRecipients() { return std::exchange(changed_, {}); }

  std::optional<QueueStat> StatOf(const std::string& recipient_code) const {
    const RecipientQueue* queue = Find(recipient_code);
    if (queue == nullptr) {
      return std::nullopt;
    }
    QueueStat stat;
    stat.recipient_code = recipient_code;
    stat.pending = queue->pending.size();
    stat.leased = queue->leases.size();
    stat.dead_letters = queue->dead_letters;
    stat.due_soon = queue->due_soon;
    stat.overdue = queue->overdue;
    // Sequence order is acceptance order, and a requeued message keeps its sequence.
    stat.oldest_pending_accepted_ms = queue->pending.empty() ? 0 : queue->pending.begin()->second.accepted_ms;
    return stat;
  }

 private:
  void Journal(std::function<void()> undo) {
    if (journaling_) {
      undo_.push_back(std::move(undo));
    }
  }

  void ReplaceSlot(const std::string& recipient_code, uint64_t sequence, std::optional<Slot> slot) {
    RecipientQueue& queue = queues_[recipient_code];
    if (const auto it = queue.pending.find(sequence); it != queue.pending.end()) {
      const Slot& old = it->second;
      if (old.leased) {
        queue.leases.erase({old.lease_until_ms, sequence});
        leases_.erase({old.lease_until_ms, old.id});
      } else {
        queue.ready.erase(sequence);
      }
      pending_by_id_.erase(old.id);
      queue.pending.erase(it);
    }
    if (slot) {
      if (slot->leased) {
        queue.leases.emplace(slot->lease_until_ms, sequence);
        leases_.emplace(slot->lease_until_ms, slot->id);
      } else {
        queue.ready.insert(sequence);
      }
      pending_by_id_[slot->id] = SlotRef{recipient_code, sequence};
      queue.pending[sequence] = *slot;
    }
    ForgetIfEmpty(recipient_code, queue);
  }

  void AdjustDeadLetters(const std::string& recipient_code, int64_t delta) {
    RecipientQueue& queue = queues_[recipient_code];
    queue.dead_letters = static_cast<uint64_t>(static_cast<int64_t>(queue.dead_letters) + delta);
    ForgetIfEmpty(recipient_code, queue);
  }

  void AdjustDeadlineCounts(const std::string& recipient_code, int64_t due_soon_delta, int64_t overdue_delta) {
    RecipientQueue& queue = queues_[recipient_code];
    queue.due_soon = static_cast<uint64_t>(static_cast<int64_t>(queue.due_soon) + due_soon_delta);
    queue.overdue = static_cast<uint64_t>(static_cast<int64_t>(queue.overdue) + overdue_delta);
    ForgetIfEmpty(recipient_code, queue);
  }

  void ForgetIfEmpty(const std::string& recipient_code, const RecipientQueue& queue) {
    changed_.insert(recipient_code);
    if (queue.Empty()) {
      queues_.erase(recipient_code);
    }
  }

  std::map<std::string, RecipientQueue, std::less<>> queues_;
  std::unordered_map<MessageId, SlotRef> pending_by_id_;
  std::set<std::pair<UnixMillis, MessageId>> leases_;  // every recipient's leases, for the sweep
  uint64_t next_sequence_ = kFirstSequence;
  bool journaling_ = false;
  std::vector<std::function<void()>> undo_;
  std::set<std::string> changed_;
  std::vector<MessageFact> facts_;
};

// The instant a request's deadlines count from: the receipt of a paper or fax request, else its acceptance.
inline UnixMillis ReceivedAtOf(const api::Message& message) {
  return message.has_received_at() ? ToMillis(message.received_at()) : ToMillis(message.accepted_at());
}

// One synced RocksDB write outside the group commit (opening: upgrades, the tallies' count); `what` names it in errors.
inline Status WriteSynced(rocksdb::DB& db, rocksdb::WriteBatch& batch, std::string_view what) {
  rocksdb::WriteOptions options;
  options.sync = true;
  const rocksdb::Status status = db.Write(options, &batch);
  return status.ok() ? Status::Ok() : FromRocksDb(std::string(what), status);
}

// The number a "meta.format_version" value holds; nullopt for anything but 1 to 9 decimal digits.
std::optional<uint32_t> ParseFormatVersion(const std::string& text);

// A message's history events read through `it` (over "history"): from where it stands when the events are a few keys
// ahead, else after a seek (rocksdb_deadlines.cc). Every read of a history goes through it.
StatusOr<std::vector<api::HistoryEvent>> ReadHistoryFrom(rocksdb::Iterator& it, const MessageId& id);

// A request's entry in the "requests" index as the reports see it, without its history.
RequestFacts FactsOf(const MessageId& id, const records::RequestReportEntry& entry);

// ---------------------------------------------------------------------------------------------------------------
// One group commit's write batch. Reads see the writes of earlier mutations of the group; a save point per
// mutation lets a mutation that fails drop its own writes.

using Handles = std::vector<rocksdb::ColumnFamilyHandle*>;

class GroupBatch {
 public:
  GroupBatch(rocksdb::DB* db, const Handles& handles)
      : db_(db), handles_(handles), batch_(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true) {}

  StatusOr<std::optional<std::string>> Read(ColumnFamily family, std::string_view key) {
    std::string value;
    const rocksdb::Status status =
        batch_.GetFromBatchAndDB(db_, rocksdb::ReadOptions(), Handle(family), rocksdb::Slice(key), &value);
    return ValueOrAbsent(family, status, std::move(value));
  }

  template <typename Record>
  StatusOr<std::optional<Record>> ReadRecord(ColumnFamily family, std::string_view key) {
    return ParseRecord<Record>(family, Read(family, key));
  }

  // For records that must exist because the index or another record points at them.
  template <typename Record>
  StatusOr<Record> ReadExisting(ColumnFamily family, const MessageId& id) {
    STORE_ASSIGN_OR_RETURN(std::optional<Record> record, ReadRecord<Record>(family, keys::MessageKey(id)));
    if (!record) {
      return InternalError("message " + id.ToString() + " has no record in column family '" +
                           std::string(ColumnFamilyName(family)) + "'");
    }
    return std::move(*record);
  }

  // Iterates the committed data of `family` with this group's writes on top.
  // With `upper_bound` (which must outlive the iterator), the committed data is read only below it, so that a seek
  // never walks the tombstones beyond; the group's own writes are not bounded.
  std::unique_ptr<rocksdb::Iterator> NewIterator(ColumnFamily family, const rocksdb::Slice* upper_bound = nullptr) {
    rocksdb::ColumnFamilyHandle* handle = Handle(family);
    rocksdb::ReadOptions options;
    options.iterate_upper_bound = upper_bound;
    return std::unique_ptr<rocksdb::Iterator>(batch_.NewIteratorWithBase(handle, db_->NewIterator(options, handle)));
  }

  Status Put(ColumnFamily family, std::string_view key, std::string_view value) {
    return Checked(batch_.Put(Handle(family), rocksdb::Slice(key), rocksdb::Slice(value)));
  }

  Status PutRecord(ColumnFamily family, std::string_view key, const google::protobuf::MessageLite& record) {
    return Put(family, key, record.SerializeAsString());
  }

  Status Merge(ColumnFamily family, std::string_view key, std::string_view operand) {
    return Checked(batch_.Merge(Handle(family), rocksdb::Slice(key), rocksdb::Slice(operand)));
  }

  Status Delete(ColumnFamily family, std::string_view key) {
    return Checked(batch_.Delete(Handle(family), rocksdb::Slice(key)));
  }

  void BeginMutation() {
    batch_.SetSavePoint();
    size_at_save_point_ = batch_.GetWriteBatch()->GetDataSize();
  }
  Status KeepMutation() { return Checked(batch_.PopSavePoint()); }
  Status DiscardMutation() {
    // A rollback rebuilds the whole index of the batch: skip it when the mutation failed before writing anything,
    // as most failures (NOT_FOUND, IDEMPOTENCY_CONFLICT, a refused transition) do.
    if (batch_.GetWriteBatch()->GetDataSize() == size_at_save_point_) {
      return Checked(batch_.PopSavePoint());
    }
    return Checked(batch_.RollbackToSavePoint());
  }

  bool Empty() { return batch_.GetWriteBatch()->Count() == 0; }

  // The one durable write of the group.
  rocksdb::Status Commit() {
    rocksdb::WriteOptions options;
    options.sync = true;  // a callback promises durability: never turn this off
    return db_->Write(options, batch_.GetWriteBatch());
  }

 private:
  rocksdb::ColumnFamilyHandle* Handle(ColumnFamily family) const { return handles_[ColumnFamilyIndex(family)]; }

  static Status Checked(const rocksdb::Status& status) {
    return status.ok() ? Status::Ok() : InternalError("building the write batch: " + status.ToString());
  }

  rocksdb::DB* db_;
  const Handles& handles_;
  rocksdb::WriteBatchWithIndex batch_;
  size_t size_at_save_point_ = 0;
};

// ---------------------------------------------------------------------------------------------------------------
// A submitted mutation, its result type erased so that one queue holds them all.

class Mutation {
 public:
  virtual ~Mutation() = default;
  // Runs on the writer thread; returns the mutation's own error, if any.
  virtual Status Apply(GroupBatch& batch) = 0;
  // After the commit: hands the result of Apply to the callback.
  virtual void Complete() = 0;
  // Instead of Complete, when the group could not be written.
  virtual void Fail(Status status) = 0;
};

template <typename T>
class TypedMutation final : public Mutation {
 public:
  using Body = std::function<StatusOr<T>(GroupBatch&)>;

  TypedMutation(Body body, Done<T> done) : body_(std::move(body)), done_(std::move(done)) {}

  Status Apply(GroupBatch& batch) override {
    result_.emplace(body_(batch));
    if (!result_->ok() && result_->status().ok()) {
      // A StatusOr built from an OK status holds no value: never pass that to a callback as success.
      result_.emplace(InternalError("a store operation returned OK without a value"));
    }
    return result_->status();
  }

  void Complete() override { done_(std::move(*result_)); }
  void Fail(Status status) override { done_(std::move(status)); }

 private:
  Body body_;
  Done<T> done_;
  std::optional<StatusOr<T>> result_;
};

// ---------------------------------------------------------------------------------------------------------------
// Column family options.

inline rocksdb::ColumnFamilyOptions PointLookupOptions() {
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions options;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

// Keys that are put, read in order from the front and deleted leave runs of tombstones that seeks would walk:
// compact a file as soon as a window of its keys is mostly deletions.
inline rocksdb::ColumnFamilyOptions QueueLikeOptions() {
  constexpr size_t kWindow = 1024;
  constexpr size_t kDeletionTrigger = 512;
  rocksdb::ColumnFamilyOptions options;
  options.table_properties_collector_factories.emplace_back(
      rocksdb::NewCompactOnDeletionCollectorFactory(kWindow, kDeletionTrigger));
  return options;
}

// Column families read by key get bloom filters; those only iterated by prefix do not need them.
// The tallies' values are int64 sums that merges add to (rocksdb_tallies.cc).
std::shared_ptr<rocksdb::MergeOperator> NewTallySumOperator();

inline rocksdb::ColumnFamilyOptions OptionsFor(ColumnFamily family) {
  switch (family) {
    case ColumnFamily::kTallies: {
      // A day's figure takes a merge per request: past this many in the memtable, the write sums them, so that a
      // read never adds up thousands of operands.
      constexpr size_t kMaxSuccessiveMerges = 64;
      rocksdb::ColumnFamilyOptions options;
      options.merge_operator = NewTallySumOperator();
      options.max_successive_merges = kMaxSuccessiveMerges;
      return options;
    }
    case ColumnFamily::kMeta:
    case ColumnFamily::kMessages:
    case ColumnFamily::kStates:
    case ColumnFamily::kIdempotency:
      return PointLookupOptions();
    case ColumnFamily::kTimers:
    case ColumnFamily::kOverdue:
      return QueueLikeOptions();
    default:
      return {};
  }
}

// One consistent read of committed data: keeps the database open (Close waits for the shared lock) and reads
// from one snapshot, so an answer never mixes two commits.
class CommittedRead {
 public:
  // `db` is read only once the lock is held: Close resets it under the exclusive lock.
  CommittedRead(std::shared_mutex& db_mutex, const std::unique_ptr<rocksdb::DB>& db) : lock_(db_mutex) {
    if (db != nullptr) {
      snapshot_.emplace(db.get());
      options_.snapshot = snapshot_->snapshot();
    }
  }
  bool closed() const { return !snapshot_.has_value(); }
  const rocksdb::ReadOptions& options() const { return options_; }

 private:
  std::shared_lock<std::shared_mutex> lock_;
  std::optional<rocksdb::ManagedSnapshot> snapshot_;
  rocksdb::ReadOptions options_;
};

// -----------------------------------------------------------------------------------------------------------------

// -----------------------------------------------------------------------------------------------------------------
// Impl

class RocksDbStore::Impl {
 public:
  explicit Impl(RocksDbStoreOptions options) : options_(std::move(options)) {
    options_.max_batch_operations = std::max<uint32_t>(options_.max_batch_operations, 1);
  }
  ~Impl() { Close(); }

  Status Open();
  void Close();
  void SetObserver(StoreObserver* observer) { observer_.store(observer); }
  Status Health() const;
  uint64_t CommittedBatches() const { return committed_batches_.load(); }

  template <typename T>
  void Submit(typename TypedMutation<T>::Body body, Done<T> done);

  // Mutations: run on the writer thread.
  StatusOr<AcceptOutcome> ApplyAccept(GroupBatch& batch, const NewMessage& message);
  StatusOr<AcceptOutcome> ApplyAcceptResponse(GroupBatch& batch, const NewMessage& response,
                                              const MessageId& request_id, const RequestTransition& transition);
  StatusOr<std::vector<api::Message>> ApplyLease(GroupBatch& batch, const std::string& recipient_code,
                                                 const LeaseOptions& options);
  StatusOr<std::vector<AckItem>> ApplyAck(GroupBatch& batch, const std::string& recipient_code,
                                          const std::vector<MessageId>& ids, UnixMillis now_ms,
                                          const std::string& note);
  StatusOr<std::vector<RequeueItem>> ApplyRequeue(GroupBatch& batch, const std::vector<MessageId>& ids,
                                                  const std::string& actor, UnixMillis now_ms);
  StatusOr<SweepOutcome> ApplySweep(GroupBatch& batch, UnixMillis now_ms, uint32_t max_attempts);

  // Reads: any thread, committed state.
  StatusOr<MessageRecord> Get(const MessageId& id) const;
  std::vector<QueueStat> QueueStats() const;
  StatusOr<MessagePage> ListQueue(const ListQuery& query) const;
  StatusOr<RejectionPage> ListRejections(uint32_t limit, const std::string& page_token) const;
  StatusOr<bool> ApplyRecordRejection(GroupBatch& batch, const api::Rejection& rejection);
  // The audit log (rocksdb_audit.cc).
  StatusOr<bool> ApplyRecordAudit(GroupBatch& batch, const api::AuditEntry& entry);
  StatusOr<AuditPage> ListAudit(uint32_t limit, const std::string& page_token) const;
  StatusOr<bool> ApplyAnnotate(GroupBatch& batch, const MessageId& id, api::HistoryEvent event);
  StatusOr<AgreementSync> ApplyRecordAgreements(GroupBatch& batch, const std::vector<config::v1::Agreement>& agreements,
                                                UnixMillis now_ms);
  StatusOr<std::vector<AgreementVersion>> AgreementVersions(const std::string& agreement_id) const;

  // Deadlines and reports (rocksdb_deadlines.cc).
  StatusOr<TimerSweep> ApplyFireTimers(GroupBatch& batch, UnixMillis now_ms, uint32_t max_timers,
                                       const NoticeBuilder& build);
  StatusOr<bool> ApplyStopClock(GroupBatch& batch, const MessageId& id, api::HistoryEvent event);
  StatusOr<StoredMessagePage> ScanMessages(const std::string& page_token, uint32_t limit) const;
  StatusOr<OverduePage> ListOverdue(uint32_t limit, const std::string& page_token) const;
  Status VisitRequestsReceived(UnixMillis from_ms, UnixMillis to_ms, const RequestVisitor& visit) const;

  // A checkpoint of the whole store (rocksdb_backup.cc).
  StatusOr<BackupSummary> Backup(const std::string& directory) const;
  // The reports' tallies (rocksdb_tallies.cc).
  std::string TallyBasis() const;
  StatusOr<TallyRange> ReadTallies(int32_t first_day, int32_t last_day) const;

 private:
  // Opening.
  Status OpenDatabase();
  // The format version (rocksdb_format.cc): a newer store refused before it is opened for writing; an older one
  // upgraded a step at a time.
  Status RefuseNewerFormat() const;
  Status CheckFormatVersion();
  Status UpgradeFrom(uint32_t version);
  Status CopyIntoStates();
  Status LoadNextSequence();
  Status LoadPendingQueues();
  Status LoadDeadLetterCounts();
  // Registers the store's figures with options_.metrics (rocksdb_metrics.cc).
  void RegisterMetrics();
  void WriteMetrics(metrics::TextWriter& writer) const;
  // The due-soon and overdue counts per organisation, from the running clocks' timers and the overdue list.
  Status LoadDeadlineCounts();
  // Counts the tallies again from every request when they were counted by another basis than the tallier's, or
  // marks them untrusted when the store runs without a tallier.
  Status PrepareTallies();
  Status RebuildTallies(const std::string& basis);

  // The writer thread.
  void RunWriter();
  void CommitGroup(std::vector<std::unique_ptr<Mutation>>& group);
  void PublishQueueStats();

  // Building blocks of the mutations.
  StatusOr<std::optional<AcceptOutcome>> FindIdempotentDuplicate(GroupBatch& batch, const NewMessage& message);
  StatusOr<AcceptOutcome> StoreNewMessage(GroupBatch& batch, const NewMessage& message, const MessageId& id);
  Status RecordResponseOnRequest(GroupBatch& batch, const MessageId& request_id, records::StoredState state,
                                 const RequestChange& change, const api::Message& response);

  // The answer clock (rocksdb_deadlines.cc). StartClock sets the state's deadline fields and puts its timers;
  // ApplyClockChange stops or restarts it as a response decided, noting it on the response's history event.
  Status StartClock(GroupBatch& batch, const MessageId& id, records::StoredState& state, const AnswerTimers& timers);
  Status ApplyClockChange(GroupBatch& batch, const MessageId& id, records::StoredState& state,
                          const RequestChange& change, api::HistoryEvent& event);
  Status DropTimers(GroupBatch& batch, const MessageId& id, const records::StoredState& state);
  // Every change of a deadline status goes through here, so that the per-organisation counts follow it.
  void SetDeadlineStatus(records::StoredState& state, api::DeadlineStatus status);
  // A fact about the message of `state` for the observer.
  void NoteFact(MessageFact::Event event, const records::StoredState& state, UnixMillis at_ms, uint32_t attempt = 0);
  Status IndexRequest(GroupBatch& batch, const NewMessage& message, const MessageId& id);
  // The tallies: a new request's, and a request's again when an event that affects it is appended.
  Status TallyNewRequest(GroupBatch& batch, const RequestFacts& request);
  Status RetallyOnEvent(GroupBatch& batch, const MessageId& id, const records::StoredState& state,
                        const api::HistoryEvent& event);
  Status WriteTallyChange(GroupBatch& batch, const RequestTally* before, const RequestTally& after);
  Status AddTallyMember(GroupBatch& batch, const TallyMember& member);
  // Fires one timer; false when it was stale and sent nothing.
  StatusOr<bool> FireTimer(GroupBatch& batch, const keys::TimerKeyParts& timer, UnixMillis now_ms,
                           const NoticeBuilder& build, std::set<std::string>& recipients);
  StatusOr<bool> EndLease(GroupBatch& batch, const std::string& recipient_code, uint64_t sequence, UnixMillis now_ms,
                          uint32_t max_attempts);
  Status DeadLetter(GroupBatch& batch, const std::string& recipient_code, uint64_t sequence, const Slot& slot,
                    UnixMillis now_ms);
  StatusOr<api::Message> Deliver(GroupBatch& batch, const std::string& recipient_code, uint64_t sequence, Slot slot,
                                 records::StoredMessage stored, const LeaseOptions& options);
  StatusOr<AckOutcome> AckOne(GroupBatch& batch, const std::string& recipient_code, const MessageId& id,
                              UnixMillis now_ms, const std::string& note);
  StatusOr<AckOutcome> ClassifyUnpendingAck(GroupBatch& batch, const std::string& recipient_code, const MessageId& id);
  StatusOr<RequeueItem> RequeueOne(GroupBatch& batch, const MessageId& id, const std::string& actor, UnixMillis now_ms);
  // Appends `event` to the message's history and writes its state (history_length counts the new event).
  Status WriteStateWithEvent(GroupBatch& batch, const MessageId& id, records::StoredState& state,
                             const api::HistoryEvent& event);

  // Reads of committed state.
  StatusOr<std::optional<std::string>> ReadCommitted(const rocksdb::ReadOptions& read_options, ColumnFamily family,
                                                     std::string_view key) const;
  template <typename Record>
  StatusOr<std::optional<Record>> ReadCommittedRecord(const rocksdb::ReadOptions& read_options, ColumnFamily family,
                                                      std::string_view key) const {
    return ParseRecord<Record>(family, ReadCommitted(read_options, family, key));
  }
  // One page of `family` in key order, after the key that `page_token` names (the hex of a `key_size`-byte key; from
  // the start when empty), read from one snapshot: `take` gets each entry until `limit` (clamped to 1..kMaxPageSize)
  // were taken. Returns the next page's token, empty after the last entry. INVALID_ARGUMENT for a malformed token;
  // an error of `take` ends the page with it; `what` names the read in RocksDB's errors.
  using PageEntry =
      std::function<Status(const rocksdb::ReadOptions& read_options, rocksdb::Slice key, rocksdb::Slice value)>;
  StatusOr<std::string> ReadPageForward(ColumnFamily family, const std::string& page_token, size_t key_size,
                                        uint32_t limit, std::string_view what, const PageEntry& take) const;
  // The same in reverse key order: from the last entry, or before the key that `page_token` names (the newest first
  // in the logs keyed by instant).
  StatusOr<std::string> ReadPageBackward(ColumnFamily family, const std::string& page_token, size_t key_size,
                                         uint32_t limit, std::string_view what, const PageEntry& take) const;
  StatusOr<std::vector<api::HistoryEvent>> ReadHistory(const rocksdb::ReadOptions& read_options,
                                                       const MessageId& id) const;
  StatusOr<MessageSummary> ReadSummary(const rocksdb::ReadOptions& read_options, const MessageId& id) const;
  // ListQueue's filters on state and information type (rocksdb_queue_list.cc): the message's summary when it passes
  // them, nullopt when it does not. Reads the state first, and the message only when it passes or when the state is
  // too old to know the information type.
  StatusOr<std::optional<MessageSummary>> ReadSummaryIfMatching(const rocksdb::ReadOptions& read_options,
                                                                const ListQuery& query, const MessageId& id) const;

  rocksdb::ColumnFamilyHandle* Handle(ColumnFamily family) const { return handles_[ColumnFamilyIndex(family)]; }

  RocksDbStoreOptions options_;

  // The database. Reads hold db_mutex_ shared; Close holds it exclusively to close the database.
  mutable std::shared_mutex db_mutex_;
  std::unique_ptr<rocksdb::DB> db_;
  Handles handles_;        // indexed by ColumnFamily
  Handles extra_handles_;  // column families of a newer version, opened only because RocksDB requires it

  // Submitted mutations.
  mutable std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<std::unique_ptr<Mutation>> queue_;
  bool closing_ = false;
  std::optional<Status> broken_;  // set when a write failed: every later mutation gets it

  std::mutex close_mutex_;
  std::thread writer_;
  std::atomic<uint64_t> committed_batches_{0};

  QueueIndex index_;  // writer thread only (and Open, before the thread starts)
  std::atomic<StoreObserver*> observer_{nullptr};
  // Metrics: the synced writes' durations, and RocksDB's own tickers (write stalls, WAL syncs and bytes), read by
  // a collector that Close unregisters.
  metrics::Histogram* commit_seconds_ = nullptr;
  std::shared_ptr<rocksdb::Statistics> statistics_;
  metrics::CollectorHandle metrics_collector_;
  // No timer fires before this instant: timers up to it have fired, and putting an earlier one lowers it. Seeks
  // for due timers start here, past the tombstones of the fired ones. Writer thread only.
  UnixMillis timer_floor_ms_ = 0;
  // The basis the stored tallies were counted by; empty when they are not to be trusted. Set at open.
  std::string tally_basis_;

  // QueueStats as of the last commit, so readers never see a group that is not yet durable.
  mutable std::mutex stats_mutex_;
  std::map<std::string, QueueStat, std::less<>> published_stats_;
};

}  // namespace mezhved::store
