// The RocksDB store's figures for /metrics (docs/MONITORING.md): how long each group commit's synced write takes,
// and what RocksDB itself counts about stalls and its write-ahead log. Read at scrape time; the hot path only adds
// one histogram observation per group commit.

#include "store/rocksdb_store_impl.h"

namespace mezhved::store {

void RocksDbStore::Impl::RegisterMetrics() {
  metrics::Registry* registry = options_.metrics;
  if (registry == nullptr) {
    return;
  }
  commit_seconds_ = &registry->AddHistogram(
      "mezhved_store_wal_sync_duration_seconds",
      "Time of each group commit's synced write to the store: the write-ahead log append and its fsync.",
      metrics::Histogram::LatencyBounds());
  metrics_collector_ = registry->AddCollector([this](metrics::TextWriter& writer) { WriteMetrics(writer); });
}

void RocksDbStore::Impl::WriteMetrics(metrics::TextWriter& writer) const {
  std::shared_lock db_lock(db_mutex_);
  if (db_ == nullptr) {
    return;
  }
  const auto ticker = [this](rocksdb::Tickers which) {
    return statistics_ != nullptr ? statistics_->getTickerCount(which) : 0;
  };
  writer.Family("mezhved_store_write_stall_seconds_total",
                "Time writes to the store were delayed or stopped by RocksDB (compaction falling behind).", "counter");
  writer.Sample("mezhved_store_write_stall_seconds_total", static_cast<double>(ticker(rocksdb::STALL_MICROS)) / 1e6);
  writer.Family("mezhved_store_wal_syncs_total", "Syncs of the store's write-ahead log.", "counter");
  writer.Sample("mezhved_store_wal_syncs_total", ticker(rocksdb::WAL_FILE_SYNCED));
  writer.Family("mezhved_store_wal_written_bytes_total", "Bytes written to the store's write-ahead log.", "counter");
  writer.Sample("mezhved_store_wal_written_bytes_total", ticker(rocksdb::WAL_FILE_BYTES));

  const auto property = [this](const char* name) {
    uint64_t value = 0;
    return db_->GetIntProperty(rocksdb::Slice(name), &value) ? value : 0;
  };
  const auto aggregated = [this](const char* name) {
    uint64_t value = 0;
    return db_->GetAggregatedIntProperty(rocksdb::Slice(name), &value) ? value : 0;
  };
  writer.Family("mezhved_store_writes_stopped", "1 while RocksDB stops writes to the store.", "gauge");
  writer.Sample("mezhved_store_writes_stopped", property("rocksdb.is-write-stopped"));
  writer.Family("mezhved_store_delayed_write_rate_bytes",
                "The write rate RocksDB delays writes to, in bytes per second; 0 when writes are not delayed.",
                "gauge");
  writer.Sample("mezhved_store_delayed_write_rate_bytes", property("rocksdb.actual-delayed-write-rate"));
  writer.Family("mezhved_store_live_sst_bytes", "Size of the store's live SST files.", "gauge");
  writer.Sample("mezhved_store_live_sst_bytes", aggregated("rocksdb.live-sst-files-size"));
  writer.Family("mezhved_store_memtable_bytes", "Size of the store's memtables.", "gauge");
  writer.Sample("mezhved_store_memtable_bytes", aggregated("rocksdb.cur-size-all-mem-tables"));
  writer.Family("mezhved_store_pending_compaction_bytes", "Bytes RocksDB estimates compaction still has to rewrite.",
                "gauge");
  writer.Sample("mezhved_store_pending_compaction_bytes", aggregated("rocksdb.estimate-pending-compaction-bytes"));
}

Status RocksDbStore::Impl::Health() const {
  {
    std::lock_guard lock(queue_mutex_);
    if (broken_) {
      return *broken_;
    }
    if (closing_) {
      return {ErrorCode::kUnavailable, "the store is closed"};
    }
  }
  return Status::Ok();
}

}  // namespace mezhved::store
