// Backups of the RocksDB store (docs/OPERATIONS.md, "Backup and restore"):
// - Backup is a RocksDB checkpoint taken while the store serves: hard links to the immutable table files where the
//   directory is on the same file system (copies elsewhere), copies of the manifest and of the live write-ahead log.
//   The log holds every synced batch that the tables do not, so the copy opens at a point that includes every
//   mutation whose callback ran before the call (callbacks run only after their batch is synced), each whole.
// - RestoreBackup runs with the daemon stopped: it refuses while RocksDB's lock on the data directory is held, moves
//   what is there aside, and copies the backup in, syncing every file.
#include <fcntl.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/checkpoint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "store/rocksdb_store_impl.h"

namespace mezhved::store {
namespace {

namespace fs = std::filesystem;

// The size and count of the regular files under `directory`.
void MeasureDirectory(const fs::path& directory, BackupSummary& summary) {
  std::error_code error;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(directory, error)) {
    if (entry.is_regular_file(error)) {
      ++summary.files;
      summary.bytes += entry.file_size(error);
    }
  }
}

// Whether a process (this one included) holds the store in `data_dir` open: RocksDB's own lock on its LOCK file,
// taken the way RocksDB takes it, so that it sees both other processes' record locks and this process's own.
bool StoreInUse(const fs::path& data_dir) {
  std::error_code error;
  if (!fs::exists(data_dir / "LOCK", error)) {
    return false;
  }
  rocksdb::Env* env = rocksdb::Env::Default();
  rocksdb::FileLock* lock = nullptr;
  if (!env->LockFile((data_dir / "LOCK").string(), &lock).ok()) {
    return true;
  }
  env->UnlockFile(lock);
  return false;
}

Status SyncPath(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int saved = errno;
    if (fd >= 0) {
      ::close(fd);
    }
    return {ErrorCode::kUnavailable, "syncing " + path.string() + ": " + std::strerror(saved)};
  }
  ::close(fd);
  return Status::Ok();
}

// Copies the backup's files (a flat directory) into `to`, syncing each file and then the directory.
Status CopyBackup(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::create_directories(to, error);
  if (error) {
    return {ErrorCode::kUnavailable, "creating " + to.string() + ": " + error.message()};
  }
  for (const fs::directory_entry& entry : fs::directory_iterator(from, error)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    const fs::path target = to / entry.path().filename();
    fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing, error);
    if (error) {
      return {ErrorCode::kUnavailable, "copying " + entry.path().string() + ": " + error.message()};
    }
    MEZHVED_RETURN_IF_ERROR(SyncPath(target, false));
  }
  if (error) {
    return {ErrorCode::kUnavailable, "reading " + from.string() + ": " + error.message()};
  }
  MEZHVED_RETURN_IF_ERROR(SyncPath(to, true));
  return SyncPath(to.parent_path().empty() ? fs::path(".") : to.parent_path(), true);
}

std::string UtcStamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &parts);
  return text;
}

}  // namespace

StatusOr<BackupSummary> RocksDbStore::Impl::Backup(const std::string& directory) const {
  std::error_code error;
  if (directory.empty() || fs::exists(directory, error)) {
    return Status(
        ErrorCode::kInvalidArgument,
        "a backup goes into a new directory; " + (directory.empty() ? "none was named" : directory + " exists"),
        {{"directory", "EXISTS", "name a directory that does not exist yet"}});
  }
  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return Status(ErrorCode::kUnavailable, "the store is closed");
  }
  rocksdb::Checkpoint* raw_checkpoint = nullptr;
  rocksdb::Status status = rocksdb::Checkpoint::Create(db_.get(), &raw_checkpoint);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw_checkpoint);
  if (status.ok()) {
    status = checkpoint->CreateCheckpoint(directory);
  }
  if (!status.ok()) {
    return FromRocksDb("taking a backup into " + directory, status);
  }
  BackupSummary summary;
  summary.directory = directory;
  summary.format_version = kFormatVersion;
  MeasureDirectory(directory, summary);
  return summary;
}

StatusOr<BackupSummary> InspectBackup(const std::string& directory) {
  std::vector<std::string> families;
  const rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), directory, &families);
  if (!listed.ok()) {
    return Status(ErrorCode::kInvalidArgument, directory + " holds no store: " + listed.ToString());
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : families) {
    const auto known = std::find(kColumnFamilyNames.begin(), kColumnFamilyNames.end(), name);
    descriptors.emplace_back(name, known == kColumnFamilyNames.end()
                                       ? rocksdb::ColumnFamilyOptions()
                                       : OptionsFor(static_cast<ColumnFamily>(known - kColumnFamilyNames.begin())));
  }
  rocksdb::DB* raw_db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  const rocksdb::Status opened =
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), directory, descriptors, &handles, &raw_db);
  if (!opened.ok()) {
    return Status(ErrorCode::kInvalidArgument, "the store in " + directory + " does not open: " + opened.ToString());
  }
  std::unique_ptr<rocksdb::DB> db(raw_db);
  std::string version;
  const auto meta = std::find(families.begin(), families.end(), ColumnFamilyName(ColumnFamily::kMeta));
  rocksdb::Status read = rocksdb::Status::NotFound();
  if (meta != families.end()) {
    read = db->Get(rocksdb::ReadOptions(), handles[meta - families.begin()], rocksdb::Slice(keys::kFormatVersionKey),
                   &version);
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle);
  }
  if (!read.ok()) {
    return Status(ErrorCode::kInvalidArgument, directory + " is not a mezhved store: it has no format version");
  }
  BackupSummary summary;
  summary.directory = directory;
  const std::optional<uint32_t> format = ParseFormatVersion(version);
  summary.format_version = format.value_or(0);
  if (!format || *format == 0 || *format > kFormatVersion) {
    return Status(ErrorCode::kInvalidArgument, "the store in " + directory + " has format version " + version +
                                                   ", which this build (version " + std::to_string(kFormatVersion) +
                                                   ") cannot open");
  }
  MeasureDirectory(directory, summary);
  return summary;
}

StatusOr<RestoreOutcome> RestoreBackup(const std::string& directory, const std::string& data_dir) {
  RestoreOutcome outcome;
  STORE_ASSIGN_OR_RETURN(outcome.backup, InspectBackup(directory));
  const fs::path target = fs::absolute(data_dir).lexically_normal();
  std::error_code error;
  if (fs::equivalent(directory, target, error)) {
    return Status(ErrorCode::kInvalidArgument, "the backup is the data directory itself");
  }
  if (StoreInUse(target)) {
    return Status(ErrorCode::kUnavailable,
                  "a process holds the store at " + target.string() + " open: stop the daemon first");
  }
  if (fs::exists(target, error) && !fs::is_empty(target, error)) {
    fs::path aside = target.string() + ".before-restore-" + UtcStamp();
    for (int again = 2; fs::exists(aside, error); ++again) {
      aside = target.string() + ".before-restore-" + UtcStamp() + "-" + std::to_string(again);
    }
    fs::rename(target, aside, error);
    if (error) {
      return Status(ErrorCode::kUnavailable, "moving " + target.string() + " aside: " + error.message());
    }
    outcome.previous_data_moved_to = aside.string();
  } else if (fs::exists(target, error)) {
    fs::remove(target, error);  // an empty directory: made again by the copy
  }
  MEZHVED_RETURN_IF_ERROR(CopyBackup(directory, target));
  return outcome;
}

}  // namespace mezhved::store
