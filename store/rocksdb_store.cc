#include "store/rocksdb_store.h"

#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
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
namespace {

// Inside mezhved::store, "v1" would name the stored records' package: spell both out.
namespace api = ::mezhved::v1;
namespace records = ::mezhved::store::v1;
using google::protobuf::util::TimeUtil;

constexpr uint32_t kFormatVersion = 1;
constexpr uint64_t kFirstSequence = 1;
constexpr uint32_t kMaxPageSize = 1000;
constexpr std::string_view kGatewayActor = "gateway";
constexpr std::string_view kRequeueNote = "requeued by operator";

// ---------------------------------------------------------------------------------------------------------------
// Small conversions.

Status InternalError(std::string message) { return {ErrorCode::kInternal, std::move(message)}; }

// RocksDB's errors enter here: corruption is a bug or a damaged disk (INTERNAL); anything else is the environment
// (I/O, locks, space) and worth a retry later (UNAVAILABLE).
Status FromRocksDb(std::string_view context, const rocksdb::Status& status) {
  const ErrorCode code = status.IsCorruption() ? ErrorCode::kInternal : ErrorCode::kUnavailable;
  return {code, std::string(context) + ": " + status.ToString()};
}

UnixMillis ToMillis(const google::protobuf::Timestamp& timestamp) {
  return TimeUtil::TimestampToMilliseconds(timestamp);
}

std::string CorruptRecord(ColumnFamily family) {
  return "corrupt record in column family '" + std::string(ColumnFamilyName(family)) + "'";
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

StatusOr<std::optional<std::string>> ValueOrAbsent(ColumnFamily family, const rocksdb::Status& status,
                                                   std::string value) {
  if (status.IsNotFound()) {
    return std::optional<std::string>();
  }
  if (!status.ok()) {
    return FromRocksDb("reading column family '" + std::string(ColumnFamilyName(family)) + "'", status);
  }
  return std::optional<std::string>(std::move(value));
}

api::HistoryEvent MakeEvent(api::MessageState state, UnixMillis at_ms, std::string_view actor,
                            std::string_view note = {}) {
  api::HistoryEvent event;
  *event.mutable_at() = TimeUtil::MillisecondsToTimestamp(at_ms);
  event.set_state(state);
  event.set_actor(std::string(actor));
  event.set_note(std::string(note));
  return event;
}

bool IsAcknowledgedOrAnswered(api::MessageState state) {
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

Status CheckOrganisationCode(std::string_view field, std::string_view code) {
  if (keys::IsValidOrganisationCode(code)) {
    return Status::Ok();
  }
  return {ErrorCode::kInvalidArgument, std::string(field) + " must be a non-empty organisation code"};
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

  bool Empty() const { return pending.empty() && dead_letters == 0; }
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
};

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
  std::unique_ptr<rocksdb::Iterator> NewIterator(ColumnFamily family) {
    rocksdb::ColumnFamilyHandle* handle = Handle(family);
    return std::unique_ptr<rocksdb::Iterator>(
        batch_.NewIteratorWithBase(handle, db_->NewIterator(rocksdb::ReadOptions(), handle)));
  }

  Status Put(ColumnFamily family, std::string_view key, std::string_view value) {
    return Checked(batch_.Put(Handle(family), rocksdb::Slice(key), rocksdb::Slice(value)));
  }

  Status PutRecord(ColumnFamily family, std::string_view key, const google::protobuf::MessageLite& record) {
    return Put(family, key, record.SerializeAsString());
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

rocksdb::ColumnFamilyOptions PointLookupOptions() {
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions options;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

// Column families read by key get bloom filters; those only iterated by prefix do not need them.
rocksdb::ColumnFamilyOptions OptionsFor(ColumnFamily family) {
  switch (family) {
    case ColumnFamily::kMeta:
    case ColumnFamily::kMessages:
    case ColumnFamily::kStates:
    case ColumnFamily::kIdempotency:
      return PointLookupOptions();
    default:
      return {};
  }
}

}  // namespace

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
                                          const std::vector<MessageId>& ids, UnixMillis now_ms);
  StatusOr<std::vector<RequeueItem>> ApplyRequeue(GroupBatch& batch, const std::vector<MessageId>& ids,
                                                  const std::string& actor, UnixMillis now_ms);
  StatusOr<SweepOutcome> ApplySweep(GroupBatch& batch, UnixMillis now_ms, uint32_t max_attempts);

  // Reads: any thread, committed state.
  StatusOr<MessageRecord> Get(const MessageId& id) const;
  std::vector<QueueStat> QueueStats() const;
  StatusOr<MessagePage> ListQueue(const ListQuery& query) const;
  StatusOr<RejectionPage> ListRejections(uint32_t limit, const std::string& page_token) const;
  StatusOr<bool> ApplyRecordRejection(GroupBatch& batch, const api::Rejection& rejection);
  StatusOr<bool> ApplyAnnotate(GroupBatch& batch, const MessageId& id, api::HistoryEvent event);
  StatusOr<AgreementSync> ApplyRecordAgreements(GroupBatch& batch, const std::vector<config::v1::Agreement>& agreements,
                                                UnixMillis now_ms);
  StatusOr<std::vector<AgreementVersion>> AgreementVersions(const std::string& agreement_id) const;

 private:
  // Opening.
  Status OpenDatabase();
  Status CheckFormatVersion();
  Status LoadNextSequence();
  Status LoadPendingQueues();
  Status LoadDeadLetterCounts();

  // The writer thread.
  void RunWriter();
  void CommitGroup(std::vector<std::unique_ptr<Mutation>>& group);
  void PublishQueueStats();

  // Building blocks of the mutations.
  StatusOr<std::optional<AcceptOutcome>> FindIdempotentDuplicate(GroupBatch& batch, const NewMessage& message);
  StatusOr<AcceptOutcome> StoreNewMessage(GroupBatch& batch, const NewMessage& message, const MessageId& id);
  Status RecordResponseOnRequest(GroupBatch& batch, const MessageId& request_id, records::StoredState state,
                                 api::MessageState next_state, const api::Message& response);
  StatusOr<bool> EndLease(GroupBatch& batch, const std::string& recipient_code, uint64_t sequence, UnixMillis now_ms,
                          uint32_t max_attempts);
  Status DeadLetter(GroupBatch& batch, const std::string& recipient_code, uint64_t sequence, const Slot& slot,
                    UnixMillis now_ms);
  StatusOr<api::Message> Deliver(GroupBatch& batch, const std::string& recipient_code, uint64_t sequence, Slot slot,
                                 records::StoredMessage stored, const LeaseOptions& options);
  StatusOr<AckOutcome> AckOne(GroupBatch& batch, const std::string& recipient_code, const MessageId& id,
                              UnixMillis now_ms);
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
  StatusOr<std::vector<api::HistoryEvent>> ReadHistory(const rocksdb::ReadOptions& read_options,
                                                       const MessageId& id) const;
  StatusOr<MessageSummary> ReadSummary(const rocksdb::ReadOptions& read_options, const MessageId& id) const;

  rocksdb::ColumnFamilyHandle* Handle(ColumnFamily family) const { return handles_[ColumnFamilyIndex(family)]; }

  RocksDbStoreOptions options_;

  // The database. Reads hold db_mutex_ shared; Close holds it exclusively to close the database.
  mutable std::shared_mutex db_mutex_;
  std::unique_ptr<rocksdb::DB> db_;
  Handles handles_;        // indexed by ColumnFamily
  Handles extra_handles_;  // column families of a newer version, opened only because RocksDB requires it

  // Submitted mutations.
  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<std::unique_ptr<Mutation>> queue_;
  bool closing_ = false;
  std::optional<Status> broken_;  // set when a write failed: every later mutation gets it

  std::mutex close_mutex_;
  std::thread writer_;
  std::atomic<uint64_t> committed_batches_{0};

  QueueIndex index_;  // writer thread only (and Open, before the thread starts)

  // QueueStats as of the last commit, so readers never see a group that is not yet durable.
  mutable std::mutex stats_mutex_;
  std::map<std::string, QueueStat, std::less<>> published_stats_;
};

// --- Opening -----------------------------------------------------------------------------------------------------

Status RocksDbStore::Impl::Open() {
  if (options_.data_dir.empty()) {
    return {ErrorCode::kInvalidArgument, "the store's data_dir is empty"};
  }
  MEZHVED_RETURN_IF_ERROR(OpenDatabase());
  MEZHVED_RETURN_IF_ERROR(CheckFormatVersion());
  MEZHVED_RETURN_IF_ERROR(LoadNextSequence());
  MEZHVED_RETURN_IF_ERROR(LoadPendingQueues());
  MEZHVED_RETURN_IF_ERROR(LoadDeadLetterCounts());
  PublishQueueStats();
  writer_ = std::thread([this] { RunWriter(); });
  return Status::Ok();
}

Status RocksDbStore::Impl::OpenDatabase() {
  std::error_code error;
  std::filesystem::create_directories(options_.data_dir, error);
  if (error) {
    return {ErrorCode::kUnavailable, "creating " + options_.data_dir + ": " + error.message()};
  }
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;

  // RocksDB refuses to open a database without naming all its column families: open those of a newer version too,
  // so that the format version check below can explain the refusal.
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(db_options, options_.data_dir, &existing).ok()) {
    existing.clear();  // a new database
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kColumnFamilyCount; ++i) {
    descriptors.emplace_back(std::string(kColumnFamilyNames[i]), OptionsFor(static_cast<ColumnFamily>(i)));
  }
  for (const std::string& name : existing) {
    if (std::find(kColumnFamilyNames.begin(), kColumnFamilyNames.end(), name) == kColumnFamilyNames.end()) {
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
  }

  rocksdb::DB* raw_db = nullptr;
  Handles handles;
  const rocksdb::Status status = rocksdb::DB::Open(db_options, options_.data_dir, descriptors, &handles, &raw_db);
  if (!status.ok()) {
    return FromRocksDb("opening the store at " + options_.data_dir, status);
  }
  db_.reset(raw_db);
  handles_.assign(handles.begin(), handles.begin() + kColumnFamilyCount);
  extra_handles_.assign(handles.begin() + kColumnFamilyCount, handles.end());
  return Status::Ok();
}

Status RocksDbStore::Impl::CheckFormatVersion() {
  STORE_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                         ReadCommitted(rocksdb::ReadOptions(), ColumnFamily::kMeta, keys::kFormatVersionKey));
  const std::string current = std::to_string(kFormatVersion);
  if (!stored) {
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    const rocksdb::Status status =
        db_->Put(write_options, Handle(ColumnFamily::kMeta), rocksdb::Slice(keys::kFormatVersionKey), current);
    return status.ok() ? Status::Ok() : FromRocksDb("writing the store's format version", status);
  }
  if (*stored == current) {
    return Status::Ok();
  }
  const bool is_number = !stored->empty() && stored->size() <= 9 &&
                         std::all_of(stored->begin(), stored->end(), [](char c) { return c >= '0' && c <= '9'; });
  if (is_number && std::stoul(*stored) > kFormatVersion) {
    return InternalError("the store at " + options_.data_dir + " has format version " + *stored +
                         ", newer than version " + current + " that this build reads");
  }
  return InternalError("the store at " + options_.data_dir + " has format version '" + *stored +
                       "', which this build (version " + current + ") does not know");
}

Status RocksDbStore::Impl::LoadNextSequence() {
  STORE_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                         ReadCommitted(rocksdb::ReadOptions(), ColumnFamily::kMeta, keys::kNextSequenceKey));
  if (!stored) {
    index_.SetNextSequence(kFirstSequence);
    return Status::Ok();
  }
  const std::optional<uint64_t> next = keys::DecodeBigEndian64(*stored);
  if (!next) {
    return InternalError("the store's next_sequence is not 8 bytes");
  }
  index_.SetNextSequence(*next);
  return Status::Ok();
}

// Rebuilds the pending slots from "queues", with attempts and leases from "states": a lease survives a restart and
// ends when it would have.
Status RocksDbStore::Impl::LoadPendingQueues() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(ColumnFamily::kQueues)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::optional<keys::QueueKeyParts> key = keys::DecodeQueueKey(it->key().ToStringView());
    const std::optional<MessageId> id = MessageId::FromBytes(it->value().ToStringView());
    if (!key || !id) {
      return InternalError(CorruptRecord(ColumnFamily::kQueues));
    }
    STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                           ReadCommittedRecord<records::StoredState>(rocksdb::ReadOptions(), ColumnFamily::kStates,
                                                                     keys::MessageKey(*id)));
    if (!state) {
      return InternalError("queued message " + id->ToString() + " has no state");
    }
    Slot slot;
    slot.id = *id;
    slot.attempts = state->attempts();
    slot.leased = state->state() == api::MESSAGE_STATE_DELIVERED;
    slot.lease_until_ms = slot.leased ? state->lease_until_ms() : 0;
    slot.accepted_ms = state->accepted_at_ms();
    index_.PutSlot(std::string(key->recipient_code), key->sequence, slot);
  }
  return it->status().ok() ? Status::Ok() : FromRocksDb("reading the queues", it->status());
}

Status RocksDbStore::Impl::LoadDeadLetterCounts() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(ColumnFamily::kDeadLetters)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::optional<keys::QueueKeyParts> key = keys::DecodeQueueKey(it->key().ToStringView());
    if (!key) {
      return InternalError(CorruptRecord(ColumnFamily::kDeadLetters));
    }
    index_.AddDeadLetters(std::string(key->recipient_code), 1);
  }
  return it->status().ok() ? Status::Ok() : FromRocksDb("reading the dead letters", it->status());
}

// --- Closing -----------------------------------------------------------------------------------------------------

void RocksDbStore::Impl::Close() {
  std::lock_guard close_lock(close_mutex_);
  {
    std::lock_guard lock(queue_mutex_);
    closing_ = true;
  }
  queue_changed_.notify_all();
  if (writer_.joinable()) {
    writer_.join();  // the writer drains the queue first: every submitted mutation gets its callback
  }
  std::unique_lock db_lock(db_mutex_);
  if (db_ != nullptr) {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle);
    }
    for (rocksdb::ColumnFamilyHandle* handle : extra_handles_) {
      db_->DestroyColumnFamilyHandle(handle);
    }
    handles_.clear();
    extra_handles_.clear();
    // Every batch was synced when written: a failure to close loses nothing, and there is no one to tell.
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  std::lock_guard stats_lock(stats_mutex_);
  published_stats_.clear();
}

// --- The writer thread -------------------------------------------------------------------------------------------

template <typename T>
void RocksDbStore::Impl::Submit(typename TypedMutation<T>::Body body, Done<T> done) {
  Status refusal;
  {
    std::lock_guard lock(queue_mutex_);
    if (!closing_ && !broken_) {
      queue_.push_back(std::make_unique<TypedMutation<T>>(std::move(body), std::move(done)));
      queue_changed_.notify_one();
      return;
    }
    refusal = broken_ ? *broken_ : Status(ErrorCode::kUnavailable, "the store is closed");
  }
  done(std::move(refusal));
}

void RocksDbStore::Impl::RunWriter() {
  while (true) {
    std::vector<std::unique_ptr<Mutation>> group;
    std::optional<Status> broken;
    {
      std::unique_lock lock(queue_mutex_);
      queue_changed_.wait(lock, [this] { return !queue_.empty() || closing_; });
      if (queue_.empty()) {
        return;  // closing, and every submitted mutation is done
      }
      const size_t taken = std::min<size_t>(queue_.size(), options_.max_batch_operations);
      for (size_t i = 0; i < taken; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      broken = broken_;
    }
    if (broken) {
      for (auto& mutation : group) {
        mutation->Fail(*broken);
      }
      continue;
    }
    CommitGroup(group);
  }
}

void RocksDbStore::Impl::CommitGroup(std::vector<std::unique_ptr<Mutation>>& group) {
  GroupBatch batch(db_.get(), handles_);
  Status failure;
  for (auto& mutation : group) {
    batch.BeginMutation();
    index_.BeginMutation();
    if (mutation->Apply(batch).ok()) {
      failure = batch.KeepMutation();
      index_.KeepMutation();
    } else {
      failure = batch.DiscardMutation();
      index_.UndoMutation();
    }
    if (!failure.ok()) {
      break;
    }
  }
  if (failure.ok() && !batch.Empty()) {
    const rocksdb::Status written = batch.Commit();
    if (written.ok()) {
      committed_batches_.fetch_add(1);
    } else {
      failure = {ErrorCode::kUnavailable, "writing to the store failed: " + written.ToString()};
    }
  }
  if (!failure.ok()) {
    // The index may now hold changes that never reached the disk: it is never used or published again.
    failure = Status(ErrorCode::kUnavailable, failure.message());
    {
      std::lock_guard lock(queue_mutex_);
      broken_ = failure;
    }
    for (auto& mutation : group) {
      mutation->Fail(failure);
    }
    return;
  }
  PublishQueueStats();
  for (auto& mutation : group) {
    mutation->Complete();
  }
}

void RocksDbStore::Impl::PublishQueueStats() {
  const std::set<std::string> changed = index_.TakeChangedRecipients();
  std::lock_guard lock(stats_mutex_);
  for (const std::string& recipient_code : changed) {
    if (std::optional<QueueStat> stat = index_.StatOf(recipient_code)) {
      published_stats_[recipient_code] = std::move(*stat);
    } else {
      published_stats_.erase(recipient_code);
    }
  }
}

// --- Accept ------------------------------------------------------------------------------------------------------

namespace {

StatusOr<MessageId> ValidateNewMessage(const NewMessage& message) {
  const std::optional<MessageId> id = MessageId::Parse(message.message.message_id());
  if (!id || id->IsNil()) {
    return Status(ErrorCode::kInvalidArgument, "message_id '" + message.message.message_id() + "' is not a UUID");
  }
  MEZHVED_RETURN_IF_ERROR(CheckOrganisationCode("sender_code", message.message.sender_code()));
  MEZHVED_RETURN_IF_ERROR(CheckOrganisationCode("recipient_code", message.message.recipient_code()));
  return *id;
}

}  // namespace

StatusOr<AcceptOutcome> RocksDbStore::Impl::ApplyAccept(GroupBatch& batch, const NewMessage& message) {
  STORE_ASSIGN_OR_RETURN(const MessageId id, ValidateNewMessage(message));
  STORE_ASSIGN_OR_RETURN(std::optional<AcceptOutcome> duplicate, FindIdempotentDuplicate(batch, message));
  if (duplicate) {
    return *duplicate;
  }
  return StoreNewMessage(batch, message, id);
}

// The original message when the sender used this idempotency key before for the same content.
StatusOr<std::optional<AcceptOutcome>> RocksDbStore::Impl::FindIdempotentDuplicate(GroupBatch& batch,
                                                                                   const NewMessage& message) {
  if (message.idempotency_key.empty()) {
    return std::optional<AcceptOutcome>();
  }
  STORE_ASSIGN_OR_RETURN(
      std::optional<records::IdempotencyRecord> record,
      batch.ReadRecord<records::IdempotencyRecord>(
          ColumnFamily::kIdempotency, keys::IdempotencyKey(message.message.sender_code(), message.idempotency_key)));
  if (!record) {
    return std::optional<AcceptOutcome>();
  }
  if (record->content_digest() != message.content_digest) {
    return Status(ErrorCode::kIdempotencyConflict, "idempotency key '" + message.idempotency_key +
                                                       "' was already used for different content by message " +
                                                       record->message_id());
  }
  const std::optional<MessageId> original_id = MessageId::Parse(record->message_id());
  if (!original_id) {
    return InternalError(CorruptRecord(ColumnFamily::kIdempotency));
  }
  STORE_ASSIGN_OR_RETURN(records::StoredMessage original,
                         batch.ReadExisting<records::StoredMessage>(ColumnFamily::kMessages, *original_id));
  AcceptOutcome outcome;
  outcome.id = *original_id;
  outcome.duplicate = true;
  outcome.accepted_at_ms = ToMillis(original.message().accepted_at());
  return std::optional<AcceptOutcome>(outcome);
}

// Writes a new message, its first state and history event, its queue entry, its idempotency record and the next
// sequence, and queues it as ready.
StatusOr<AcceptOutcome> RocksDbStore::Impl::StoreNewMessage(GroupBatch& batch, const NewMessage& message,
                                                            const MessageId& id) {
  const std::string message_key = keys::MessageKey(id);
  STORE_ASSIGN_OR_RETURN(std::optional<std::string> existing, batch.Read(ColumnFamily::kMessages, message_key));
  if (existing) {
    return InternalError("message id " + id.ToString() + " is already stored");  // would overwrite a message
  }
  const api::Message& body = message.message;
  const UnixMillis accepted_ms = ToMillis(body.accepted_at());
  const uint64_t sequence = index_.TakeSequence();

  records::StoredMessage stored;
  *stored.mutable_message() = body;
  stored.mutable_message()->set_delivery_attempt(0);
  stored.set_sequence(sequence);
  stored.set_idempotency_key(message.idempotency_key);
  *stored.mutable_information_type() = message.information_type;
  stored.set_agreement_id(message.agreement_id);
  MEZHVED_RETURN_IF_ERROR(batch.PutRecord(ColumnFamily::kMessages, message_key, stored));

  records::StoredState state;
  state.set_state(api::MESSAGE_STATE_ACCEPTED);
  state.set_updated_at_ms(accepted_ms);
  state.set_in_queue(true);
  state.set_accepted_at_ms(accepted_ms);
  MEZHVED_RETURN_IF_ERROR(WriteStateWithEvent(
      batch, id, state,
      MakeEvent(api::MESSAGE_STATE_ACCEPTED, accepted_ms,
                message.accepted_by.empty() ? body.sender_code() : message.accepted_by, message.accepted_note)));

  MEZHVED_RETURN_IF_ERROR(
      batch.Put(ColumnFamily::kQueues, keys::QueueKey(body.recipient_code(), sequence), id.bytes()));
  if (!message.idempotency_key.empty()) {
    records::IdempotencyRecord record;
    record.set_message_id(id.ToString());
    record.set_content_digest(message.content_digest);
    MEZHVED_RETURN_IF_ERROR(batch.PutRecord(ColumnFamily::kIdempotency,
                                            keys::IdempotencyKey(body.sender_code(), message.idempotency_key), record));
  }
  MEZHVED_RETURN_IF_ERROR(
      batch.Put(ColumnFamily::kMeta, keys::kNextSequenceKey, keys::EncodeBigEndian64(sequence + 1)));

  Slot slot;
  slot.id = id;
  slot.accepted_ms = accepted_ms;
  index_.PutSlot(body.recipient_code(), sequence, slot);
  AcceptOutcome outcome;
  outcome.id = id;
  outcome.accepted_at_ms = accepted_ms;
  return outcome;
}

Status RocksDbStore::Impl::WriteStateWithEvent(GroupBatch& batch, const MessageId& id, records::StoredState& state,
                                               const api::HistoryEvent& event) {
  MEZHVED_RETURN_IF_ERROR(batch.PutRecord(ColumnFamily::kHistory, keys::HistoryKey(id, state.history_length()), event));
  state.set_history_length(state.history_length() + 1);
  return batch.PutRecord(ColumnFamily::kStates, keys::MessageKey(id), state);
}

// --- AcceptResponse ----------------------------------------------------------------------------------------------

StatusOr<AcceptOutcome> RocksDbStore::Impl::ApplyAcceptResponse(GroupBatch& batch, const NewMessage& response,
                                                                const MessageId& request_id,
                                                                const RequestTransition& transition) {
  STORE_ASSIGN_OR_RETURN(const MessageId response_id, ValidateNewMessage(response));
  if (!transition) {
    return Status(ErrorCode::kInvalidArgument, "a response needs a request transition");
  }
  STORE_ASSIGN_OR_RETURN(std::optional<AcceptOutcome> duplicate, FindIdempotentDuplicate(batch, response));
  if (duplicate) {
    return *duplicate;  // the transition already happened with the original
  }
  STORE_ASSIGN_OR_RETURN(
      std::optional<records::StoredMessage> request,
      batch.ReadRecord<records::StoredMessage>(ColumnFamily::kMessages, keys::MessageKey(request_id)));
  if (!request) {
    return Status(ErrorCode::kNotFound, "request " + request_id.ToString() + " not found");
  }
  if (request->message().kind() != api::MESSAGE_KIND_REQUEST) {
    return Status(ErrorCode::kNotARequest, "message " + request_id.ToString() + " is not a request");
  }
  STORE_ASSIGN_OR_RETURN(records::StoredState request_state,
                         batch.ReadExisting<records::StoredState>(ColumnFamily::kStates, request_id));
  STORE_ASSIGN_OR_RETURN(const api::MessageState next_state,
                         transition(RequestView{request->message(), request_state.state()}));
  STORE_ASSIGN_OR_RETURN(AcceptOutcome outcome, StoreNewMessage(batch, response, response_id));
  MEZHVED_RETURN_IF_ERROR(
      RecordResponseOnRequest(batch, request_id, std::move(request_state), next_state, response.message));
  return outcome;
}

// The request takes the state the response gives it, lists the response and, if it still waits in its recipient's
// queue, leaves it: answering a request acknowledges it.
Status RocksDbStore::Impl::RecordResponseOnRequest(GroupBatch& batch, const MessageId& request_id,
                                                   records::StoredState state, api::MessageState next_state,
                                                   const api::Message& response) {
  const UnixMillis at_ms = ToMillis(response.accepted_at());
  state.set_state(next_state);
  state.add_response_ids(response.message_id());
  state.set_updated_at_ms(at_ms);
  if (const std::optional<SlotRef> pending = index_.FindPending(request_id)) {
    MEZHVED_RETURN_IF_ERROR(
        batch.Delete(ColumnFamily::kQueues, keys::QueueKey(pending->recipient_code, pending->sequence)));
    index_.PutSlot(pending->recipient_code, pending->sequence, std::nullopt);
    state.set_in_queue(false);
    state.set_lease_until_ms(0);
  }
  api::HistoryEvent event = MakeEvent(next_state, at_ms, response.sender_code());
  event.set_related_message_id(response.message_id());
  return WriteStateWithEvent(batch, request_id, state, event);
}

// --- Lease and lease ends ----------------------------------------------------------------------------------------

StatusOr<std::vector<api::Message>> RocksDbStore::Impl::ApplyLease(GroupBatch& batch, const std::string& recipient_code,
                                                                   const LeaseOptions& options) {
  MEZHVED_RETURN_IF_ERROR(CheckOrganisationCode("recipient_code", recipient_code));
  if (options.lease_ms < 0) {
    return Status(ErrorCode::kInvalidArgument, "lease_ms must not be negative");
  }
  // A message is delivered at least once before it can be dead-lettered.
  const uint32_t max_attempts = std::max<uint32_t>(options.max_attempts, 1);
  for (uint64_t sequence : index_.ExpiredLeasesOf(recipient_code, options.now_ms)) {
    const StatusOr<bool> ended = EndLease(batch, recipient_code, sequence, options.now_ms, max_attempts);
    if (!ended.ok()) {
      return ended.status();
    }
  }
  std::vector<api::Message> delivered;
  size_t delivered_bytes = 0;
  std::optional<uint64_t> cursor;
  while (delivered.size() < options.max_messages) {
    cursor = index_.NextReady(recipient_code, cursor);
    if (!cursor) {
      break;
    }
    const Slot slot = *index_.FindSlot(recipient_code, *cursor);
    if (slot.attempts >= max_attempts) {
      // Delivered max_attempts times already (a restart or a lower limit since): no further delivery.
      MEZHVED_RETURN_IF_ERROR(DeadLetter(batch, recipient_code, *cursor, slot, options.now_ms));
      continue;
    }
    STORE_ASSIGN_OR_RETURN(records::StoredMessage stored,
                           batch.ReadExisting<records::StoredMessage>(ColumnFamily::kMessages, slot.id));
    const size_t size = stored.message().ByteSizeLong();
    if (!delivered.empty() && options.max_bytes > 0 && delivered_bytes + size > options.max_bytes) {
      break;  // the next message would not fit into one answer: it waits for the next Receive
    }
    STORE_ASSIGN_OR_RETURN(api::Message message,
                           Deliver(batch, recipient_code, *cursor, slot, std::move(stored), options));
    delivered_bytes += size;
    delivered.push_back(std::move(message));
  }
  return delivered;
}

StatusOr<api::Message> RocksDbStore::Impl::Deliver(GroupBatch& batch, const std::string& recipient_code,
                                                   uint64_t sequence, Slot slot, records::StoredMessage stored,
                                                   const LeaseOptions& options) {
  STORE_ASSIGN_OR_RETURN(records::StoredState state,
                         batch.ReadExisting<records::StoredState>(ColumnFamily::kStates, slot.id));
  slot.attempts += 1;
  slot.leased = true;
  slot.lease_until_ms = options.now_ms + options.lease_ms;
  state.set_state(api::MESSAGE_STATE_DELIVERED);
  state.set_attempts(slot.attempts);
  state.set_lease_until_ms(slot.lease_until_ms);
  state.set_updated_at_ms(options.now_ms);
  api::HistoryEvent event = MakeEvent(api::MESSAGE_STATE_DELIVERED, options.now_ms, recipient_code);
  event.set_attempt(slot.attempts);
  MEZHVED_RETURN_IF_ERROR(WriteStateWithEvent(batch, slot.id, state, event));
  index_.PutSlot(recipient_code, sequence, slot);

  api::Message message = std::move(*stored.mutable_message());
  message.set_delivery_attempt(slot.attempts);
  return message;
}

// A lease has ended: the message is ready again (true), or dead-lettered after max_attempts deliveries (false).
// Becoming ready writes nothing: the state stays DELIVERED with its past lease_until_ms until the next delivery,
// ack or dead-lettering, and on reopen the slot is loaded as leased and ends again here.
StatusOr<bool> RocksDbStore::Impl::EndLease(GroupBatch& batch, const std::string& recipient_code, uint64_t sequence,
                                            UnixMillis now_ms, uint32_t max_attempts) {
  Slot slot = *index_.FindSlot(recipient_code, sequence);
  if (slot.attempts >= max_attempts) {
    MEZHVED_RETURN_IF_ERROR(DeadLetter(batch, recipient_code, sequence, slot, now_ms));
    return false;
  }
  slot.leased = false;
  slot.lease_until_ms = 0;
  index_.PutSlot(recipient_code, sequence, slot);
  return true;
}

Status RocksDbStore::Impl::DeadLetter(GroupBatch& batch, const std::string& recipient_code, uint64_t sequence,
                                      const Slot& slot, UnixMillis now_ms) {
  STORE_ASSIGN_OR_RETURN(records::StoredState state,
                         batch.ReadExisting<records::StoredState>(ColumnFamily::kStates, slot.id));
  const std::string queue_key = keys::QueueKey(recipient_code, sequence);
  MEZHVED_RETURN_IF_ERROR(batch.Delete(ColumnFamily::kQueues, queue_key));
  MEZHVED_RETURN_IF_ERROR(batch.Put(ColumnFamily::kDeadLetters, queue_key, slot.id.bytes()));
  state.set_state(api::MESSAGE_STATE_DEAD_LETTERED);
  state.set_in_queue(false);
  state.set_lease_until_ms(0);
  state.set_updated_at_ms(now_ms);
  const std::string note = "lease ended after " + std::to_string(slot.attempts) + " deliveries";
  MEZHVED_RETURN_IF_ERROR(WriteStateWithEvent(
      batch, slot.id, state, MakeEvent(api::MESSAGE_STATE_DEAD_LETTERED, now_ms, kGatewayActor, note)));
  index_.PutSlot(recipient_code, sequence, std::nullopt);
  index_.AddDeadLetters(recipient_code, 1);
  return Status::Ok();
}

StatusOr<SweepOutcome> RocksDbStore::Impl::ApplySweep(GroupBatch& batch, UnixMillis now_ms, uint32_t max_attempts) {
  max_attempts = std::max<uint32_t>(max_attempts, 1);
  std::set<std::string> recipients_with_ready;
  SweepOutcome outcome;
  for (const MessageId& id : index_.ExpiredLeases(now_ms)) {
    const SlotRef slot = *index_.FindPending(id);
    STORE_ASSIGN_OR_RETURN(const bool ready, EndLease(batch, slot.recipient_code, slot.sequence, now_ms, max_attempts));
    if (ready) {
      recipients_with_ready.insert(slot.recipient_code);
    } else {
      ++outcome.dead_lettered;
    }
  }
  outcome.recipients_with_ready.assign(recipients_with_ready.begin(), recipients_with_ready.end());
  return outcome;
}

// --- Ack ---------------------------------------------------------------------------------------------------------

StatusOr<std::vector<AckItem>> RocksDbStore::Impl::ApplyAck(GroupBatch& batch, const std::string& recipient_code,
                                                            const std::vector<MessageId>& ids, UnixMillis now_ms) {
  MEZHVED_RETURN_IF_ERROR(CheckOrganisationCode("recipient_code", recipient_code));
  std::vector<AckItem> items;
  items.reserve(ids.size());
  for (const MessageId& id : ids) {
    STORE_ASSIGN_OR_RETURN(const AckOutcome outcome, AckOne(batch, recipient_code, id, now_ms));
    items.push_back(AckItem{id, outcome});
  }
  return items;
}

StatusOr<AckOutcome> RocksDbStore::Impl::AckOne(GroupBatch& batch, const std::string& recipient_code,
                                                const MessageId& id, UnixMillis now_ms) {
  const std::optional<SlotRef> pending = index_.FindPending(id);
  if (!pending || pending->recipient_code != recipient_code) {
    return ClassifyUnpendingAck(batch, recipient_code, id);
  }
  const Slot slot = *index_.FindSlot(recipient_code, pending->sequence);
  if (slot.attempts == 0) {
    return AckOutcome::kNotDelivered;
  }
  // An ended lease not yet redelivered still counts: the recipient did get the message.
  STORE_ASSIGN_OR_RETURN(records::StoredState state,
                         batch.ReadExisting<records::StoredState>(ColumnFamily::kStates, id));
  MEZHVED_RETURN_IF_ERROR(batch.Delete(ColumnFamily::kQueues, keys::QueueKey(recipient_code, pending->sequence)));
  if (!IsAcknowledgedOrAnswered(state.state())) {
    state.set_state(api::MESSAGE_STATE_ACKNOWLEDGED);  // a response may already have moved a request further
  }
  state.set_in_queue(false);
  state.set_lease_until_ms(0);
  state.set_updated_at_ms(now_ms);
  MEZHVED_RETURN_IF_ERROR(
      WriteStateWithEvent(batch, id, state, MakeEvent(api::MESSAGE_STATE_ACKNOWLEDGED, now_ms, recipient_code)));
  index_.PutSlot(recipient_code, pending->sequence, std::nullopt);
  return AckOutcome::kAcknowledged;
}

// Why an ack of a message that is not pending for this recipient does nothing. Another recipient's message is
// NOT_FOUND, as if it did not exist.
StatusOr<AckOutcome> RocksDbStore::Impl::ClassifyUnpendingAck(GroupBatch& batch, const std::string& recipient_code,
                                                              const MessageId& id) {
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredMessage> stored,
                         batch.ReadRecord<records::StoredMessage>(ColumnFamily::kMessages, keys::MessageKey(id)));
  if (!stored || stored->message().recipient_code() != recipient_code) {
    return AckOutcome::kNotFound;
  }
  STORE_ASSIGN_OR_RETURN(records::StoredState state,
                         batch.ReadExisting<records::StoredState>(ColumnFamily::kStates, id));
  if (IsAcknowledgedOrAnswered(state.state())) {
    return AckOutcome::kAlreadyAcknowledged;
  }
  if (state.state() == api::MESSAGE_STATE_DEAD_LETTERED) {
    return AckOutcome::kNotDelivered;
  }
  return AckOutcome::kNotFound;
}

// --- Requeue -----------------------------------------------------------------------------------------------------

StatusOr<std::vector<RequeueItem>> RocksDbStore::Impl::ApplyRequeue(GroupBatch& batch,
                                                                    const std::vector<MessageId>& ids,
                                                                    const std::string& actor, UnixMillis now_ms) {
  std::vector<RequeueItem> items;
  items.reserve(ids.size());
  for (const MessageId& id : ids) {
    STORE_ASSIGN_OR_RETURN(RequeueItem item, RequeueOne(batch, id, actor, now_ms));
    items.push_back(std::move(item));
  }
  return items;
}

// An error fails the whole requeue (a read error); the item's status is this message's outcome.
StatusOr<RequeueItem> RocksDbStore::Impl::RequeueOne(GroupBatch& batch, const MessageId& id, const std::string& actor,
                                                     UnixMillis now_ms) {
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                         batch.ReadRecord<records::StoredState>(ColumnFamily::kStates, keys::MessageKey(id)));
  if (!state) {
    return RequeueItem{id, Status(ErrorCode::kNotFound, "message " + id.ToString() + " not found")};
  }
  if (state->state() != api::MESSAGE_STATE_DEAD_LETTERED) {
    return RequeueItem{id, Status(ErrorCode::kNotDeadLettered, "message " + id.ToString() + " is not dead-lettered")};
  }
  STORE_ASSIGN_OR_RETURN(records::StoredMessage stored,
                         batch.ReadExisting<records::StoredMessage>(ColumnFamily::kMessages, id));
  const std::string& recipient_code = stored.message().recipient_code();
  const std::string queue_key = keys::QueueKey(recipient_code, stored.sequence());
  MEZHVED_RETURN_IF_ERROR(batch.Delete(ColumnFamily::kDeadLetters, queue_key));
  MEZHVED_RETURN_IF_ERROR(batch.Put(ColumnFamily::kQueues, queue_key, id.bytes()));
  state->set_state(api::MESSAGE_STATE_ACCEPTED);
  state->set_attempts(0);
  state->set_lease_until_ms(0);
  state->set_in_queue(true);
  state->set_updated_at_ms(now_ms);
  MEZHVED_RETURN_IF_ERROR(
      WriteStateWithEvent(batch, id, *state, MakeEvent(api::MESSAGE_STATE_ACCEPTED, now_ms, actor, kRequeueNote)));

  Slot slot;
  slot.id = id;
  slot.accepted_ms = ToMillis(stored.message().accepted_at());
  index_.PutSlot(recipient_code, stored.sequence(), slot);
  index_.AddDeadLetters(recipient_code, -1);
  return RequeueItem{id, Status::Ok()};
}

// --- Reads -------------------------------------------------------------------------------------------------------

StatusOr<std::optional<std::string>> RocksDbStore::Impl::ReadCommitted(const rocksdb::ReadOptions& read_options,
                                                                       ColumnFamily family,
                                                                       std::string_view key) const {
  std::string value;
  const rocksdb::Status status = db_->Get(read_options, Handle(family), rocksdb::Slice(key), &value);
  return ValueOrAbsent(family, status, std::move(value));
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

StatusOr<MessageRecord> RocksDbStore::Impl::Get(const MessageId& id) const {
  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return Status(ErrorCode::kUnavailable, "the store is closed");
  }
  const rocksdb::ReadOptions& read_options = read.options();
  const std::string key = keys::MessageKey(id);
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredMessage> stored,
                         ReadCommittedRecord<records::StoredMessage>(read_options, ColumnFamily::kMessages, key));
  if (!stored) {
    return Status(ErrorCode::kNotFound, "message " + id.ToString() + " not found");
  }
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                         ReadCommittedRecord<records::StoredState>(read_options, ColumnFamily::kStates, key));
  if (!state) {
    return InternalError("message " + id.ToString() + " has no state");
  }
  MessageRecord record;
  STORE_ASSIGN_OR_RETURN(record.history, ReadHistory(read_options, id));
  record.message = std::move(*stored->mutable_message());
  record.message.set_delivery_attempt(state->attempts());
  record.information_type = std::move(*stored->mutable_information_type());
  record.agreement_id = stored->agreement_id();
  record.state = state->state();
  record.attempts = state->attempts();
  record.lease_until_ms = state->state() == api::MESSAGE_STATE_DELIVERED ? state->lease_until_ms() : 0;
  record.response_ids.assign(state->response_ids().begin(), state->response_ids().end());
  return record;
}

StatusOr<std::vector<api::HistoryEvent>> RocksDbStore::Impl::ReadHistory(const rocksdb::ReadOptions& read_options,
                                                                         const MessageId& id) const {
  const std::string prefix = keys::HistoryPrefix(id);
  const std::string upper = keys::PrefixUpperBound(prefix);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions bounded = read_options;
  if (!upper.empty()) {
    bounded.iterate_upper_bound = &upper_slice;
  }
  std::vector<api::HistoryEvent> history;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(bounded, Handle(ColumnFamily::kHistory)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    api::HistoryEvent& event = history.emplace_back();
    if (!event.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return InternalError(CorruptRecord(ColumnFamily::kHistory));
    }
  }
  if (!it->status().ok()) {
    return FromRocksDb("reading the history of " + id.ToString(), it->status());
  }
  return history;
}

StatusOr<MessageSummary> RocksDbStore::Impl::ReadSummary(const rocksdb::ReadOptions& read_options,
                                                         const MessageId& id) const {
  const std::string key = keys::MessageKey(id);
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredMessage> stored,
                         ReadCommittedRecord<records::StoredMessage>(read_options, ColumnFamily::kMessages, key));
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                         ReadCommittedRecord<records::StoredState>(read_options, ColumnFamily::kStates, key));
  if (!stored || !state) {
    return InternalError("queued message " + id.ToString() + " has no message or state record");
  }
  MessageSummary summary;
  summary.id = id;
  summary.kind = stored->message().kind();
  summary.state = state->state();
  summary.sender_code = stored->message().sender_code();
  summary.information_type = stored->information_type();
  summary.accepted_at_ms = ToMillis(stored->message().accepted_at());
  summary.attempts = state->attempts();
  return summary;
}

StatusOr<MessagePage> RocksDbStore::Impl::ListQueue(const ListQuery& query) const {
  MEZHVED_RETURN_IF_ERROR(CheckOrganisationCode("recipient_code", query.recipient_code));
  std::optional<uint64_t> after;
  if (!query.page_token.empty()) {
    after = keys::DecodePageToken(query.page_token);
    if (!after) {
      return Status(ErrorCode::kInvalidArgument, "malformed page_token");
    }
  }
  const uint32_t limit = std::clamp<uint32_t>(query.limit, 1, kMaxPageSize);
  const ColumnFamily family =
      query.view == QueueView::kDeadLetters ? ColumnFamily::kDeadLetters : ColumnFamily::kQueues;

  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return Status(ErrorCode::kUnavailable, "the store is closed");
  }
  const rocksdb::ReadOptions& read_options = read.options();
  // Bounds keep the iterator inside this recipient's keys: '\0' ends the code, so the bound is code '\x01'.
  const std::string lower = keys::QueuePrefix(query.recipient_code);
  const std::string upper = keys::PrefixUpperBound(lower);
  const rocksdb::Slice lower_slice(lower);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions bounded = read_options;
  bounded.iterate_lower_bound = &lower_slice;
  bounded.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(bounded, Handle(family)));

  const auto advance = [&] { query.newest_first ? it->Prev() : it->Next(); };
  if (!after) {
    query.newest_first ? it->SeekToLast() : it->SeekToFirst();
  } else {
    const std::string resume_key = keys::QueueKey(query.recipient_code, *after);
    query.newest_first ? it->SeekForPrev(resume_key) : it->Seek(resume_key);
    if (it->Valid() && it->key() == rocksdb::Slice(resume_key)) {
      advance();  // the token names the last message already returned
    }
  }

  MessagePage page;
  uint64_t last_sequence = 0;
  for (; it->Valid() && page.messages.size() < limit; advance()) {
    const std::optional<keys::QueueKeyParts> key = keys::DecodeQueueKey(it->key().ToStringView());
    const std::optional<MessageId> id = MessageId::FromBytes(it->value().ToStringView());
    if (!key || !id) {
      return InternalError(CorruptRecord(family));
    }
    STORE_ASSIGN_OR_RETURN(MessageSummary summary, ReadSummary(read_options, *id));
    page.messages.push_back(std::move(summary));
    last_sequence = key->sequence;
  }
  if (!it->status().ok()) {
    return FromRocksDb("listing the queue of " + query.recipient_code, it->status());
  }
  if (it->Valid()) {
    page.next_page_token = keys::EncodePageToken(last_sequence);
  }
  return page;
}

StatusOr<bool> RocksDbStore::Impl::ApplyAnnotate(GroupBatch& batch, const MessageId& id, api::HistoryEvent event) {
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                         batch.ReadRecord<records::StoredState>(ColumnFamily::kStates, keys::MessageKey(id)));
  if (!state) {
    return Status(ErrorCode::kNotFound, "message " + id.ToString() + " not found");
  }
  event.set_state(state->state());
  MEZHVED_RETURN_IF_ERROR(WriteStateWithEvent(batch, id, *state, event));
  return true;
}

namespace {

// The id of an "agreements" key: everything before the '\0' that precedes the version.
std::string AgreementIdOf(std::string_view key) { return std::string(key.substr(0, key.find('\0'))); }

AgreementVersion FromRecord(const records::AgreementVersion& record) {
  return {record.agreement(), record.version(), record.recorded_at_ms(), record.withdrawn()};
}

}  // namespace

StatusOr<AgreementSync> RocksDbStore::Impl::ApplyRecordAgreements(GroupBatch& batch,
                                                                  const std::vector<config::v1::Agreement>& agreements,
                                                                  UnixMillis now_ms) {
  // The latest recorded version of each agreement: keys sort by id, then version, so the last one read wins.
  std::map<std::string, records::AgreementVersion> latest;
  std::unique_ptr<rocksdb::Iterator> it = batch.NewIterator(ColumnFamily::kAgreements);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    records::AgreementVersion& record = latest[AgreementIdOf(it->key().ToStringView())];
    if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return InternalError(CorruptRecord(ColumnFamily::kAgreements));
    }
  }
  if (!it->status().ok()) {
    return FromRocksDb("reading the agreements", it->status());
  }
  const auto record_version = [&](const config::v1::Agreement& agreement, uint32_t version, bool withdrawn) {
    records::AgreementVersion record;
    *record.mutable_agreement() = agreement;
    record.set_version(version);
    record.set_recorded_at_ms(now_ms);
    record.set_withdrawn(withdrawn);
    return batch.PutRecord(ColumnFamily::kAgreements, keys::AgreementKey(agreement.id(), version), record);
  };
  AgreementSync sync;
  std::set<std::string> configured;
  for (const config::v1::Agreement& agreement : agreements) {
    configured.insert(agreement.id());
    auto found = latest.find(agreement.id());
    if (found == latest.end()) {
      MEZHVED_RETURN_IF_ERROR(record_version(agreement, 1, false));
      ++sync.added;
    } else if (found->second.withdrawn() ||
               !google::protobuf::util::MessageDifferencer::Equals(found->second.agreement(), agreement)) {
      MEZHVED_RETURN_IF_ERROR(record_version(agreement, found->second.version() + 1, false));
      ++sync.changed;
    }
  }
  for (const auto& [id, record] : latest) {
    if (!configured.contains(id) && !record.withdrawn()) {
      config::v1::Agreement gone;
      gone.set_id(id);
      MEZHVED_RETURN_IF_ERROR(record_version(gone, record.version() + 1, true));
      ++sync.withdrawn;
    }
  }
  return sync;
}

StatusOr<std::vector<AgreementVersion>> RocksDbStore::Impl::AgreementVersions(const std::string& agreement_id) const {
  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return Status(ErrorCode::kUnavailable, "the store is closed");
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read.options(), Handle(ColumnFamily::kAgreements)));
  const std::string prefix = agreement_id.empty() ? std::string() : keys::AgreementPrefix(agreement_id);
  std::vector<AgreementVersion> versions;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    records::AgreementVersion record;
    if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return InternalError(CorruptRecord(ColumnFamily::kAgreements));
    }
    // Without an id, only the latest version of each agreement: a later one replaces the one before.
    if (agreement_id.empty() && !versions.empty() && versions.back().agreement.id() == record.agreement().id()) {
      versions.pop_back();
    }
    versions.push_back(FromRecord(record));
  }
  if (!it->status().ok()) {
    return FromRocksDb("reading the agreements", it->status());
  }
  return versions;
}

StatusOr<bool> RocksDbStore::Impl::ApplyRecordRejection(GroupBatch& batch, const api::Rejection& rejection) {
  const uint64_t sequence = index_.TakeSequence();
  const UnixMillis at_ms = google::protobuf::util::TimeUtil::TimestampToMilliseconds(rejection.at());
  MEZHVED_RETURN_IF_ERROR(batch.PutRecord(ColumnFamily::kRejections, keys::RejectionKey(at_ms, sequence), rejection));
  MEZHVED_RETURN_IF_ERROR(
      batch.Put(ColumnFamily::kMeta, keys::kNextSequenceKey, keys::EncodeBigEndian64(sequence + 1)));
  return true;
}

StatusOr<RejectionPage> RocksDbStore::Impl::ListRejections(uint32_t limit, const std::string& page_token) const {
  std::optional<std::string> before;
  if (!page_token.empty()) {
    before = keys::DecodeKeyToken(page_token);
    if (!before) {
      return Status(ErrorCode::kInvalidArgument, "malformed page_token");
    }
  }
  limit = std::clamp<uint32_t>(limit, 1, kMaxPageSize);
  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return Status(ErrorCode::kUnavailable, "the store is closed");
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read.options(), Handle(ColumnFamily::kRejections)));
  if (before) {
    it->SeekForPrev(*before);
    if (it->Valid() && it->key() == rocksdb::Slice(*before)) {
      it->Prev();  // the token names the last record already returned
    }
  } else {
    it->SeekToLast();
  }
  RejectionPage page;
  std::string last_key;
  for (; it->Valid() && page.rejections.size() < limit; it->Prev()) {
    api::Rejection& rejection = page.rejections.emplace_back();
    if (!rejection.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return InternalError(CorruptRecord(ColumnFamily::kRejections));
    }
    last_key = it->key().ToString();
  }
  if (!it->status().ok()) {
    return FromRocksDb("listing rejections", it->status());
  }
  if (it->Valid()) {
    page.next_page_token = keys::EncodeKeyToken(last_key);
  }
  return page;
}

std::vector<QueueStat> RocksDbStore::Impl::QueueStats() const {
  std::lock_guard lock(stats_mutex_);
  std::vector<QueueStat> stats;
  stats.reserve(published_stats_.size());
  for (const auto& [recipient_code, stat] : published_stats_) {
    stats.push_back(stat);
  }
  return stats;
}

// -----------------------------------------------------------------------------------------------------------------
// RocksDbStore: hands each call to the Impl; mutations become closures that the writer thread applies.

StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const RocksDbStoreOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  MEZHVED_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(std::move(impl)));
}

RocksDbStore::RocksDbStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RocksDbStore::~RocksDbStore() { impl_->Close(); }

void RocksDbStore::Close() { impl_->Close(); }

uint64_t RocksDbStore::CommittedBatches() const { return impl_->CommittedBatches(); }

void RocksDbStore::Accept(NewMessage message, Done<AcceptOutcome> done) {
  impl_->Submit<AcceptOutcome>([impl = impl_.get(), message = std::move(message)](
                                   GroupBatch& batch) { return impl->ApplyAccept(batch, message); },
                               std::move(done));
}

void RocksDbStore::AcceptResponse(NewMessage response, MessageId request_id, RequestTransition transition,
                                  Done<AcceptOutcome> done) {
  impl_->Submit<AcceptOutcome>(
      [impl = impl_.get(), response = std::move(response), request_id, transition = std::move(transition)](
          GroupBatch& batch) { return impl->ApplyAcceptResponse(batch, response, request_id, transition); },
      std::move(done));
}

void RocksDbStore::Lease(std::string recipient_code, LeaseOptions options, Done<std::vector<api::Message>> done) {
  impl_->Submit<std::vector<api::Message>>(
      [impl = impl_.get(), recipient_code = std::move(recipient_code), options](GroupBatch& batch) {
        return impl->ApplyLease(batch, recipient_code, options);
      },
      std::move(done));
}

void RocksDbStore::Ack(std::string recipient_code, std::vector<MessageId> ids, UnixMillis now_ms,
                       Done<std::vector<AckItem>> done) {
  impl_->Submit<std::vector<AckItem>>(
      [impl = impl_.get(), recipient_code = std::move(recipient_code), ids = std::move(ids),
       now_ms](GroupBatch& batch) { return impl->ApplyAck(batch, recipient_code, ids, now_ms); },
      std::move(done));
}

void RocksDbStore::Requeue(std::vector<MessageId> ids, std::string actor, UnixMillis now_ms,
                           Done<std::vector<RequeueItem>> done) {
  impl_->Submit<std::vector<RequeueItem>>(
      [impl = impl_.get(), ids = std::move(ids), actor = std::move(actor), now_ms](GroupBatch& batch) {
        return impl->ApplyRequeue(batch, ids, actor, now_ms);
      },
      std::move(done));
}

void RocksDbStore::SweepExpiredLeases(UnixMillis now_ms, uint32_t max_attempts, Done<SweepOutcome> done) {
  impl_->Submit<SweepOutcome>([impl = impl_.get(), now_ms, max_attempts](
                                  GroupBatch& batch) { return impl->ApplySweep(batch, now_ms, max_attempts); },
                              std::move(done));
}

void RocksDbStore::Annotate(MessageId id, api::HistoryEvent event, Done<bool> done) {
  impl_->Submit<bool>([impl = impl_.get(), id,
                       event = std::move(event)](GroupBatch& batch) { return impl->ApplyAnnotate(batch, id, event); },
                      std::move(done));
}

void RocksDbStore::RecordAgreements(std::vector<config::v1::Agreement> agreements, UnixMillis now_ms,
                                    Done<AgreementSync> done) {
  impl_->Submit<AgreementSync>(
      [impl = impl_.get(), agreements = std::move(agreements), now_ms](GroupBatch& batch) {
        return impl->ApplyRecordAgreements(batch, agreements, now_ms);
      },
      std::move(done));
}

StatusOr<std::vector<AgreementVersion>> RocksDbStore::AgreementVersions(const std::string& agreement_id) const {
  return impl_->AgreementVersions(agreement_id);
}

void RocksDbStore::RecordRejection(api::Rejection rejection, Done<bool> done) {
  impl_->Submit<bool>([impl = impl_.get(), rejection = std::move(rejection)](
                          GroupBatch& batch) { return impl->ApplyRecordRejection(batch, rejection); },
                      std::move(done));
}

StatusOr<RejectionPage> RocksDbStore::ListRejections(uint32_t limit, const std::string& page_token) const {
  return impl_->ListRejections(limit, page_token);
}

StatusOr<MessageRecord> RocksDbStore::Get(const MessageId& id) const { return impl_->Get(id); }

std::vector<QueueStat> RocksDbStore::QueueStats() const { return impl_->QueueStats(); }

StatusOr<MessagePage> RocksDbStore::ListQueue(const ListQuery& query) const { return impl_->ListQueue(query); }

}  // namespace mezhved::store
