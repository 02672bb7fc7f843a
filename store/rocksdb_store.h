// The MessageStore on RocksDB: one database per gateway, column families and keys as docs/ARCHITECTURE.md lays them
// out. RocksDB stays behind a pimpl so that nothing outside store/ compiles against its headers.
//
// Mutations are group-committed by one writer thread: it takes every mutation waiting (up to
// max_batch_operations), applies them in submission order to one write batch, writes that batch once with
// sync = true and only then runs their callbacks, in submission order, on the writer thread. A mutation that fails
// its own checks (NOT_FOUND, IDEMPOTENCY_CONFLICT...) leaves nothing in the batch and gets its error with the
// others, after the commit. If the write fails, every mutation of the group gets UNAVAILABLE with RocksDB's error
// text, and so does every later mutation: the store must be reopened. A mutation refused on submission (after a
// failed write or Close) gets its callback at once, on the caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "common/status.h"
#include "store/message_store.h"

namespace mezhved::store {

struct RocksDbStoreOptions {
  std::string data_dir;                  // created if missing
  uint32_t max_batch_operations = 1000;  // most mutations in one group commit (at least 1)
  // Where the store's own figures go (docs/MONITORING.md): the time of each synced write, RocksDB's write stalls,
  // WAL syncs and sizes. Optional; it must outlive the store.
  metrics::Registry* metrics = nullptr;
  // What each request adds to the reports' daily tallies (MessageStore::ReadTallies). Without one, no tallies are
  // kept and the stored ones are marked untrusted, so that the next open with a tallier counts them again.
  std::shared_ptr<const RequestTallier> tallier;
  // Told after each synced batch of an upgrade of an older store's format, with the number of batches so far (for
  // progress, and for tests that crash part way).
  std::function<void(uint32_t batches)> upgrade_progress;
};

class RocksDbStore final : public MessageStore {
 public:
  // Opens or creates the store, upgrades an older format in place, and rebuilds its queue index from the "queues"
  // and "dead_letters" column families. INTERNAL when the store was written by a newer format version (it is then
  // not opened for writing at all) or a record is corrupt; UNAVAILABLE when RocksDB
  // cannot open the directory (e.g. another process holds it).
  static StatusOr<std::unique_ptr<RocksDbStore>> Open(const RocksDbStoreOptions& options);

  // Finishes every submitted mutation (its callback runs) and closes the database.
  ~RocksDbStore() override;
  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  // The same as the destructor, earlier: later mutations complete at once, on the caller's thread, with
  // UNAVAILABLE, and reads return UNAVAILABLE (QueueStats: empty). Idempotent. Must not be called from a callback.
  void Close();

  // Write batches committed so far: fewer than the mutations when group commit batches them.
  uint64_t CommittedBatches() const;

  void Accept(NewMessage message, Done<AcceptOutcome> done) override;
  void AcceptResponse(NewMessage response, MessageId request_id, RequestTransition transition,
                      Done<AcceptOutcome> done) override;
  void Lease(std::string recipient_code, LeaseOptions options, Done<std::vector<v1::Message>> done) override;
  void Ack(std::string recipient_code, std::vector<MessageId> ids, UnixMillis now_ms, std::string note,
           Done<std::vector<AckItem>> done) override;
  void Requeue(std::vector<MessageId> ids, std::string actor, UnixMillis now_ms,
               Done<std::vector<RequeueItem>> done) override;
  void SweepExpiredLeases(UnixMillis now_ms, uint32_t max_attempts, Done<SweepOutcome> done) override;

  void FireDueTimers(UnixMillis now_ms, uint32_t max_timers, NoticeBuilder build, Done<TimerSweep> done) override;
  void StopClock(MessageId id, v1::HistoryEvent event, Done<bool> done) override;
  void Annotate(MessageId id, v1::HistoryEvent event, Done<bool> done) override;
  void RecordRejection(v1::Rejection rejection, Done<bool> done) override;
  void RecordAudit(v1::AuditEntry entry, Done<bool> done) override;
  void RecordAgreements(std::vector<config::v1::Agreement> agreements, UnixMillis now_ms,
                        Done<AgreementSync> done) override;
  StatusOr<std::vector<AgreementVersion>> AgreementVersions(const std::string& agreement_id) const override;

  void SetObserver(StoreObserver* observer) override;
  Status Health() const override;

  StatusOr<MessageRecord> Get(const MessageId& id) const override;
  StatusOr<RejectionPage> ListRejections(uint32_t limit, const std::string& page_token) const override;
  StatusOr<AuditPage> ListAudit(uint32_t limit, const std::string& page_token) const override;
  std::vector<QueueStat> QueueStats() const override;
  StatusOr<MessagePage> ListQueue(const ListQuery& query) const override;
  StatusOr<OverduePage> ListOverdue(uint32_t limit, const std::string& page_token) const override;
  Status VisitRequestsReceived(UnixMillis from_ms, UnixMillis to_ms, const RequestVisitor& visit) const override;
  StatusOr<StoredMessagePage> ScanMessages(const std::string& page_token, uint32_t limit) const override;
  std::string TallyBasis() const override;
  StatusOr<BackupSummary> Backup(const std::string& directory) const override;
  StatusOr<TallyRange> ReadTallies(int32_t first_day, int32_t last_day) const override;

 private:
  class Impl;
  explicit RocksDbStore(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

// ---- Backups, with the store closed (store/rocksdb_backup.cc) ----

// Checks that `directory` holds a backup this build can open: a store of this format or an older one, whose column
// families open read-only. INVALID_ARGUMENT naming what is wrong otherwise.
StatusOr<BackupSummary> InspectBackup(const std::string& directory);

struct RestoreOutcome {
  BackupSummary backup;
  std::string previous_data_moved_to;  // where the data directory's earlier contents went; empty: there were none
};

// Puts a copy of the backup in `directory` at `data_dir`, for a daemon that is stopped: UNAVAILABLE while a process
// holds the store there open. Nothing is deleted: earlier contents of data_dir are moved beside it first
// (data_dir + ".before-restore-" + a UTC timestamp), and the backup itself is copied, not moved. Every copied file
// is synced before RestoreBackup returns.
StatusOr<RestoreOutcome> RestoreBackup(const std::string& directory, const std::string& data_dir);

}  // namespace mezhved::store
