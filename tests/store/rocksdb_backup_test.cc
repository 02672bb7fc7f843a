// Backups of the store (store/rocksdb_backup.cc): taken while mutations are being committed, they hold every mutation
// that completed before the call, each whole; a restore refuses a store in use, keeps what it replaces, and brings
// back a store that opens and serves.
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "store/rocksdb_store.h"
#include "tests/store/store_fixture.h"
#include "tests/support/temp_dir.h"

namespace mezhved::store {
namespace {

using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary
namespace fs = std::filesystem;

TEST_CASE("a backup taken under load holds every mutation that completed before it, each whole", "[store][backup]") {
  const testing::TempDir backups;
  TestStore test;
  std::mutex mutex;
  std::set<std::string> completed;  // accepted: their callbacks ran
  std::atomic<bool> stop = false;
  std::atomic<uint64_t> submitted = 0;
  // Two writers keep group commits going while the backup is taken.
  std::vector<std::thread> writers;
  writers.reserve(2);
  for (int writer = 0; writer < 2; ++writer) {
    writers.emplace_back([&, writer] {
      for (int i = 0; !stop.load(); ++i) {
        NewMessage message = MakeRequest(kRequester, writer == 0 ? kAddressee : kOther, kStart + i);
        const std::string id = message.message.message_id();
        ++submitted;
        test.store().Accept(std::move(message), [&, id](const StatusOr<AcceptOutcome>& outcome) {
          if (outcome.ok()) {
            std::lock_guard lock(mutex);
            completed.insert(id);
          }
        });
        if (i % 64 == 63) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
    });
  }
  while (submitted.load() < 2000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::set<std::string> before;
  {
    std::lock_guard lock(mutex);
    before = completed;
  }
  const std::string backup = (backups.path() / "under-load").string();
  const StatusOr<BackupSummary> summary = test.store().Backup(backup);
  INFO(summary.status().ToString());
  REQUIRE(summary.ok());
  CHECK(summary->format_version == 2);
  CHECK(summary->files > 0);
  CHECK(summary->bytes > 0);
  while (submitted.load() < 4000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (std::thread& writer : writers) {
    writer.join();
  }
  REQUIRE(before.size() > 500);

  // Restored into a directory of its own, the backup opens and holds each of them, with state and history.
  const std::string restored = (backups.path() / "restored").string();
  const StatusOr<RestoreOutcome> outcome = RestoreBackup(backup, restored);
  INFO(outcome.status().ToString());
  REQUIRE(outcome.ok());
  CHECK(outcome->previous_data_moved_to.empty());
  RocksDbStoreOptions options;
  options.data_dir = restored;
  auto reopened = RocksDbStore::Open(options);
  REQUIRE(reopened.ok());
  for (const std::string& id : before) {
    const StatusOr<MessageRecord> record = (*reopened)->Get(*MessageId::Parse(id));
    REQUIRE(record.ok());
    CHECK(record->state == api::MESSAGE_STATE_ACCEPTED);
    CHECK(record->history.size() == 1);
  }
  // Every message the backup holds is whole: in its queue, with its state.
  uint64_t pending = 0;
  for (const QueueStat& queue : (*reopened)->QueueStats()) {
    pending += queue.pending;
  }
  uint64_t stored = 0;
  std::string token;
  do {
    const StatusOr<StoredMessagePage> page = (*reopened)->ScanMessages(token, 1000);
    REQUIRE(page.ok());
    for (const api::Message& message : page->messages) {
      REQUIRE((*reopened)->Get(*MessageId::Parse(message.message_id())).ok());
    }
    stored += page->messages.size();
    token = page->next_page_token;
  } while (!token.empty());
  CHECK(stored >= before.size());
  CHECK(pending == stored);
  // The backup stays as it was: it can be restored again.
  CHECK(InspectBackup(backup).ok());
}

TEST_CASE("a backup goes into a new directory", "[store][backup]") {
  const testing::TempDir backups;
  TestStore test;
  fs::create_directories(backups.path() / "taken");
  const StatusOr<BackupSummary> refused = test.store().Backup((backups.path() / "taken").string());
  CHECK(CodeOf(refused.status()) == "INVALID_ARGUMENT");
  CHECK(CodeOf(test.store().Backup("").status()) == "INVALID_ARGUMENT");
}

TEST_CASE("a restore refuses a store in use and what is no store, and keeps what it replaces", "[store][backup]") {
  const testing::TempDir backups;
  TestStore test;
  const MessageId first = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  const std::string backup = (backups.path() / "one").string();
  REQUIRE(test.store().Backup(backup).ok());
  const MessageId later = test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 1));

  // The daemon still has the store open.
  const StatusOr<RestoreOutcome> in_use = RestoreBackup(backup, test.path());
  CHECK(CodeOf(in_use.status()) == "UNAVAILABLE");
  CHECK_THAT(in_use.status().message(), Catch::Contains("stop the daemon"));

  // Not a store, and the data directory itself.
  fs::create_directories(backups.path() / "empty");
  CHECK(CodeOf(RestoreBackup((backups.path() / "empty").string(), test.path()).status()) == "INVALID_ARGUMENT");
  CHECK(CodeOf(InspectBackup((backups.path() / "missing").string()).status()) == "INVALID_ARGUMENT");

  test.Destroy();
  const StatusOr<RestoreOutcome> restored = RestoreBackup(backup, test.path());
  INFO(restored.status().ToString());
  REQUIRE(restored.ok());
  REQUIRE_FALSE(restored->previous_data_moved_to.empty());
  CHECK(fs::exists(fs::path(restored->previous_data_moved_to) / "CURRENT"));
  test.Reopen();
  CHECK(test.store().Get(first).ok());
  CHECK(CodeOf(test.store().Get(later).status()) == "NOT_FOUND");  // after the backup: not in it
  CHECK(test.StatOf(kAddressee).pending == 1);
}

}  // namespace
}  // namespace mezhved::store
