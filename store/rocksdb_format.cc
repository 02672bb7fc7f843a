// The store's format version and its upgrades (docs/ARCHITECTURE.md, "Store formats"):
// - a store of a newer format is refused before anything is written: its version is read from a read-only open;
// - an older store is upgraded in place, one step per version, each step idempotent and written in synced batches,
//   the new version written only when the step is done: a crash (or a failed write) part way leaves a store of the
//   old version with some records already converted, and the next open runs the step again and finishes it.
#include <filesystem>

#include "store/rocksdb_store_impl.h"

namespace mezhved::store {
namespace {

constexpr size_t kUpgradeBatchRecords = 256;

Status NewerFormat(const std::string& data_dir, const std::string& stored) {
  return InternalError("the store at " + data_dir + " has format version " + stored + ", newer than version " +
                       std::to_string(kFormatVersion) +
                       " that this build reads; it was not opened. Run the build that wrote it, or restore a backup "
                       "taken before the upgrade");
}

Status WriteVersion(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta, uint32_t version) {
  rocksdb::WriteBatch batch;
  batch.Put(meta, rocksdb::Slice(keys::kFormatVersionKey), std::to_string(version));
  return WriteSynced(db, batch, "writing the store's format version");
}

// Whether a state lacks a field that format 2 keeps in every state.
bool LacksFormat2Copies(const records::StoredState& state) {
  return state.kind() == api::MESSAGE_KIND_UNSPECIFIED || state.recipient_code().empty() ||
         (state.kind() == api::MESSAGE_KIND_REQUEST && state.received_at_ms() == 0);
}

}  // namespace

std::optional<uint32_t> ParseFormatVersion(const std::string& text) {
  const bool is_number = !text.empty() && text.size() <= 9 &&
                         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  return is_number ? std::optional<uint32_t>(static_cast<uint32_t>(std::stoul(text))) : std::nullopt;
}

// A read-only look, which writes nothing (not even RocksDB's own files): a newer store is never opened for writing.
Status RocksDbStore::Impl::RefuseNewerFormat() const {
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::path(options_.data_dir) / "CURRENT", error)) {
    return Status::Ok();  // no database yet
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {std::string(rocksdb::kDefaultColumnFamilyName), rocksdb::ColumnFamilyOptions()},
      {std::string(ColumnFamilyName(ColumnFamily::kMeta)), rocksdb::ColumnFamilyOptions()}};
  rocksdb::DB* raw_db = nullptr;
  Handles handles;
  const rocksdb::Status opened =
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), options_.data_dir, descriptors, &handles, &raw_db);
  if (!opened.ok()) {
    return Status::Ok();  // no "meta" yet, or damage: the open proper reports what it finds
  }
  std::unique_ptr<rocksdb::DB> db(raw_db);
  std::string stored;
  const rocksdb::Status read =
      db->Get(rocksdb::ReadOptions(), handles[1], rocksdb::Slice(keys::kFormatVersionKey), &stored);
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle);
  }
  if (!read.ok()) {
    return Status::Ok();
  }
  const std::optional<uint32_t> version = ParseFormatVersion(stored);
  return version && *version > kFormatVersion ? NewerFormat(options_.data_dir, stored) : Status::Ok();
}

Status RocksDbStore::Impl::CheckFormatVersion() {
  STORE_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                         ReadCommitted(rocksdb::ReadOptions(), ColumnFamily::kMeta, keys::kFormatVersionKey));
  if (!stored) {
    return WriteVersion(*db_, Handle(ColumnFamily::kMeta), kFormatVersion);  // a new store
  }
  const std::optional<uint32_t> version = ParseFormatVersion(*stored);
  if (!version || *version == 0) {
    return InternalError("the store at " + options_.data_dir + " has format version '" + *stored +
                         "', which this build (version " + std::to_string(kFormatVersion) + ") does not know");
  }
  if (*version > kFormatVersion) {
    return NewerFormat(options_.data_dir, *stored);
  }
  for (uint32_t from = *version; from < kFormatVersion; ++from) {
    MEZHVED_RETURN_IF_ERROR(UpgradeFrom(from));
    MEZHVED_RETURN_IF_ERROR(WriteVersion(*db_, Handle(ColumnFamily::kMeta), from + 1));
  }
  return Status::Ok();
}

Status RocksDbStore::Impl::UpgradeFrom(uint32_t version) {
  switch (version) {
    case 1:
      return CopyIntoStates();
    default:
      return InternalError("no upgrade from store format " + std::to_string(version));
  }
}

// Format 1 to 2: every state gets the copies of its message's kind, recipient and information type, and a request's
// state the instant its deadlines count from, so that nothing reading a state needs the message body. (The column
// families "tallies" and "tally_members" were created empty by the open; the tallies are counted by their basis.)
Status RocksDbStore::Impl::CopyIntoStates() {
  rocksdb::WriteBatch batch;
  size_t in_batch = 0;
  uint32_t batches = 0;
  const auto commit = [&]() -> Status {
    MEZHVED_RETURN_IF_ERROR(WriteSynced(*db_, batch, "upgrading the store's states"));
    batch.Clear();
    in_batch = 0;
    if (options_.upgrade_progress) {
      options_.upgrade_progress(++batches);
    }
    return Status::Ok();
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(ColumnFamily::kStates)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    records::StoredState state;
    if (!state.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return InternalError(CorruptRecord(ColumnFamily::kStates));
    }
    if (!LacksFormat2Copies(state)) {
      continue;  // converted already, by a run that did not finish
    }
    STORE_ASSIGN_OR_RETURN(std::optional<records::StoredMessage> stored,
                           ReadCommittedRecord<records::StoredMessage>(rocksdb::ReadOptions(), ColumnFamily::kMessages,
                                                                       it->key().ToStringView()));
    if (!stored) {
      return InternalError("a state has no message in column family 'messages'");
    }
    const api::Message& message = stored->message();
    state.set_kind(message.kind());
    state.set_recipient_code(message.recipient_code());
    state.set_information_type_id(stored->information_type().id());
    if (message.kind() == api::MESSAGE_KIND_REQUEST) {
      state.set_received_at_ms(ReceivedAtOf(message));
    }
    batch.Put(Handle(ColumnFamily::kStates), it->key(), state.SerializeAsString());
    if (++in_batch == kUpgradeBatchRecords) {
      MEZHVED_RETURN_IF_ERROR(commit());
    }
  }
  if (!it->status().ok()) {
    return FromRocksDb("reading the states to upgrade", it->status());
  }
  return in_batch > 0 ? commit() : Status::Ok();
}

}  // namespace mezhved::store
