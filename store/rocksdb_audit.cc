// The operators' audit log (docs/ARCHITECTURE.md, "Storage layout", column family "audit"): every action an operator
// takes, appended like the rejection log and read back newest first.
#include "store/rocksdb_store_impl.h"

namespace mezhved::store {

StatusOr<bool> RocksDbStore::Impl::ApplyRecordAudit(GroupBatch& batch, const api::AuditEntry& entry) {
  // The instant is the key: an entry without one would sort before every other and read as 1970.
  if (!entry.has_at() || entry.at().seconds() < 0) {
    return Status(ErrorCode::kInvalidArgument, "an audit entry needs the instant of the action (at)");
  }
  const uint64_t sequence = index_.TakeSequence();
  MEZHVED_RETURN_IF_ERROR(batch.PutRecord(ColumnFamily::kAudit, keys::AuditKey(ToMillis(entry.at()), sequence), entry));
  MEZHVED_RETURN_IF_ERROR(
      batch.Put(ColumnFamily::kMeta, keys::kNextSequenceKey, keys::EncodeBigEndian64(sequence + 1)));
  return true;
}

StatusOr<AuditPage> RocksDbStore::Impl::ListAudit(uint32_t limit, const std::string& page_token) const {
  AuditPage page;
  STORE_ASSIGN_OR_RETURN(
      page.next_page_token,
      ReadPageBackward(ColumnFamily::kAudit, page_token, keys::kAuditKeySize, limit, "listing the audit log",
                       [&page](const rocksdb::ReadOptions&, rocksdb::Slice, rocksdb::Slice value) {
                         api::AuditEntry& entry = page.entries.emplace_back();
                         if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                           return InternalError(CorruptRecord(ColumnFamily::kAudit));
                         }
                         return Status::Ok();
                       }));
  return page;
}

}  // namespace mezhved::store
