// The store's format version (store/rocksdb_format.cc): a newer store is refused without a byte written; an older
// one is upgraded in place, and a crash part way through an upgrade is finished by the next open. The store of the
// first released format that the repository ships (tests/store/data) is upgraded and then serves as before.

// First: message_store.h names mezhved::v1 as "v1" inside mezhved::store, which records.pb.h would shadow.
#include "store/rocksdb_store.h"  // IWYU pragma: keep

#include <google/protobuf/util/time_util.h>
#include <rocksdb/db.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "mezhved/store/v1/records.pb.h"
#include "store/column_families.h"
#include "store/key_codec.h"
#include "tests/store/raw_database.h"
#include "tests/store/store_fixture.h"
#include "tests/support/temp_dir.h"

namespace mezhved::store {
namespace {

using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary

namespace records = ::mezhved::store::v1;
namespace fs = std::filesystem;
constexpr uint32_t kCurrentFormat = 2;

std::string StoredFormat(const std::string& path) {
  std::string version;
  WithRawDatabase(path, [&](rocksdb::DB& db, auto& families) {
    REQUIRE(db.Get(rocksdb::ReadOptions(), families.at("meta"), std::string(keys::kFormatVersionKey), &version).ok());
  });
  return version;
}

// Turns a store this build wrote into what format 1 wrote: version 1, and states without the copies of their
// message's kind, recipient, type and receipt that format 2 added.
void MakeFormat1(const std::string& path) {
  WithRawDatabase(path, [](rocksdb::DB& db, auto& families) {
    REQUIRE(db.Put(rocksdb::WriteOptions(), families.at("meta"), std::string(keys::kFormatVersionKey), "1").ok());
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), families.at("states")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      records::StoredState state;
      REQUIRE(state.ParseFromString(it->value().ToString()));
      state.clear_kind();
      state.clear_recipient_code();
      state.clear_information_type_id();
      state.clear_received_at_ms();
      REQUIRE(db.Put(rocksdb::WriteOptions(), families.at("states"), it->key(), state.SerializeAsString()).ok());
    }
  });
}

std::vector<records::StoredState> States(const std::string& path) {
  std::vector<records::StoredState> states;
  WithRawDatabase(path, [&](rocksdb::DB& db, auto& families) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), families.at("states")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      REQUIRE(states.emplace_back().ParseFromString(it->value().ToString()));
    }
  });
  return states;
}

bool HasFormat2Copies(const records::StoredState& state) {
  return state.kind() != api::MESSAGE_KIND_UNSPECIFIED && !state.recipient_code().empty() &&
         (state.kind() != api::MESSAGE_KIND_REQUEST || state.received_at_ms() != 0);
}

// Every file of the directory with its size and modification time: what "not a byte written" compares.
std::map<std::string, std::pair<uintmax_t, fs::file_time_type>> Files(const std::string& path) {
  std::map<std::string, std::pair<uintmax_t, fs::file_time_type>> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(path)) {
    files[entry.path().filename().string()] = {entry.file_size(), entry.last_write_time()};
  }
  return files;
}

TEST_CASE("a store written by a newer format version is refused before anything is written", "[store][format]") {
  TestStore test;
  test.MustAccept(MakeRequest(kRequester, kAddressee, kStart));
  test.Destroy();
  WithRawDatabase(test.path(), [](rocksdb::DB& db, auto& families) {
    REQUIRE(db.Put(rocksdb::WriteOptions(), families.at("meta"), std::string(keys::kFormatVersionKey), "3").ok());
    // A newer version may also have added column families.
    rocksdb::ColumnFamilyHandle* added = nullptr;
    REQUIRE(db.CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "added_later", &added).ok());
    REQUIRE(db.DestroyColumnFamilyHandle(added).ok());
  });
  const auto before = Files(test.path());

  RocksDbStoreOptions options;
  options.data_dir = test.path();
  const auto refused = RocksDbStore::Open(options);
  REQUIRE_FALSE(refused.ok());
  CHECK(CodeOf(refused.status()) == "INTERNAL");
  CHECK_THAT(refused.status().message(), Catch::Contains("format version 3") &&
                                             Catch::Contains("newer than version 2") && Catch::Contains("not opened"));
  CHECK(Files(test.path()) == before);
  CHECK(StoredFormat(test.path()) == "3");
}

TEST_CASE("a store of an unknown format version is refused", "[store][format]") {
  TestStore test;
  test.Destroy();
  WithRawDatabase(test.path(), [](rocksdb::DB& db, auto& families) {
    REQUIRE(db.Put(rocksdb::WriteOptions(), families.at("meta"), std::string(keys::kFormatVersionKey), "two").ok());
  });
  RocksDbStoreOptions options;
  options.data_dir = test.path();
  const auto refused = RocksDbStore::Open(options);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("'two'") && Catch::Contains("does not know"));
}

TEST_CASE("a new store is written in the current format", "[store][format]") {
  TestStore test;
  test.Destroy();
  CHECK(StoredFormat(test.path()) == std::to_string(kCurrentFormat));
}

TEST_CASE("a format 1 store is upgraded in place: every state gets its copies, and it serves as before",
          "[store][format]") {
  TestStore test;
  std::vector<MessageId> requests;
  requests.reserve(20);
  for (int i = 0; i < 20; ++i) {
    requests.push_back(test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + i)));
  }
  REQUIRE(test.AcceptResponse(MakeResponse(requests[0], kAddressee, kRequester, kStart + 100), requests[0],
                              MoveTo(api::MESSAGE_STATE_ANSWERED))
              .ok());
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 200, 5)).size() == 5);
  const QueueStat queue_before = test.StatOf(kAddressee);
  test.Destroy();
  MakeFormat1(test.path());
  REQUIRE(StoredFormat(test.path()) == "1");
  const std::vector<records::StoredState> format1_states = States(test.path());
  REQUIRE(std::none_of(format1_states.begin(), format1_states.end(), HasFormat2Copies));

  test.Reopen();
  const QueueStat queue_after = test.StatOf(kAddressee);
  CHECK(queue_after.pending == queue_before.pending);
  CHECK(queue_after.leased == queue_before.leased);
  CHECK(test.MustGet(requests[0]).state == api::MESSAGE_STATE_ANSWERED);
  REQUIRE(test.AcceptResponse(MakeResponse(requests[1], kAddressee, kRequester, kStart + 300), requests[1],
                              MoveTo(api::MESSAGE_STATE_ANSWERED))
              .ok());
  test.Destroy();

  CHECK(StoredFormat(test.path()) == std::to_string(kCurrentFormat));
  const std::vector<records::StoredState> states = States(test.path());
  CHECK(states.size() == 22);  // 20 requests, 2 responses
  for (const records::StoredState& state : states) {
    CHECK(HasFormat2Copies(state));
    CHECK(state.recipient_code() == (state.kind() == api::MESSAGE_KIND_REQUEST ? kAddressee : kRequester));
    CHECK(state.information_type_id() == (state.kind() == api::MESSAGE_KIND_REQUEST ? "zags.civil-status-record" : ""));
  }
}

TEST_CASE("an upgrade that crashes part way is finished by the next open", "[store][format]") {
  constexpr int kRequests = 1000;  // four batches of the upgrade
  TestStore test;
  for (int i = 0; i < kRequests; ++i) {
    test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + i));
  }
  test.Destroy();
  MakeFormat1(test.path());

  // A process that dies (no close, no destructors) right after the upgrade's second synced batch.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    RocksDbStoreOptions options;
    options.data_dir = test.path();
    options.upgrade_progress = [](uint32_t batches) {
      if (batches == 2) {
        _exit(42);
      }
    };
    (void)RocksDbStore::Open(options);
    _exit(0);  // not reached: the upgrade has more than two batches
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 42);

  CHECK(StoredFormat(test.path()) == "1");
  const std::vector<records::StoredState> halfway = States(test.path());
  const auto converted = std::count_if(halfway.begin(), halfway.end(), HasFormat2Copies);
  CHECK(converted == 512);

  uint32_t batches = 0;
  RocksDbStoreOptions options;
  options.data_dir = test.path();
  options.upgrade_progress = [&batches](uint32_t count) { batches = count; };
  {
    auto reopened = RocksDbStore::Open(options);
    REQUIRE(reopened.ok());
    CHECK((*reopened)->QueueStats().at(0).pending == kRequests);
  }
  CHECK(batches == 2);  // only what was left: 488 states
  CHECK(StoredFormat(test.path()) == std::to_string(kCurrentFormat));
  const std::vector<records::StoredState> finished = States(test.path());
  CHECK(std::all_of(finished.begin(), finished.end(), HasFormat2Copies));
}

// ---- The shipped store of format 1 ----

const fs::path kFormat1Dir = fs::path(MEZHVED_SOURCE_DIR) / "tests/store/data/format1";

// A copy of the shipped store in `dir`/data.
std::string ExtractFormat1Store(const fs::path& dir) {
  const std::string command = "tar -xJf '" + (kFormat1Dir / "store.tar.xz").string() + "' -C '" + dir.string() + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  return (dir / "data").string();
}

TEST_CASE("the shipped store of format 1 is upgraded and serves everything it held", "[store][format]") {
  const testing::TempDir dir;
  const std::string path = ExtractFormat1Store(dir.path());
  REQUIRE(StoredFormat(path) == "1");
  const nlohmann::json fill = nlohmann::json::parse(std::ifstream(kFormat1Dir / "fill.json"));

  RocksDbStoreOptions options;
  options.data_dir = path;
  auto opened = RocksDbStore::Open(options);
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  RocksDbStore& store = **opened;

  // Every message, with its state and history.
  size_t messages = 0;
  std::string token;
  do {
    StatusOr<StoredMessagePage> page = store.ScanMessages(token, 1000);
    REQUIRE(page.ok());
    for (const api::Message& message : page->messages) {
      const StatusOr<MessageRecord> record = store.Get(*MessageId::Parse(message.message_id()));
      REQUIRE(record.ok());
      CHECK_FALSE(record->history.empty());
    }
    messages += page->messages.size();
    token = page->next_page_token;
  } while (!token.empty());
  CHECK(messages == fill.at("messages").get<size_t>());

  // Every request, for the reports; the refusals at the door; the operators' actions.
  size_t requests = 0;
  REQUIRE(
      store.VisitRequestsReceived(0, std::numeric_limits<UnixMillis>::max(), [&](const RequestFacts&) { ++requests; })
          .ok());
  CHECK(requests == fill.at("requests_with_answer_due").get<size_t>() + fill.at("referrals").get<size_t>() +
                        fill.at("reports").get<size_t>());
  size_t rejections = 0;
  token.clear();
  do {
    StatusOr<RejectionPage> page = store.ListRejections(1000, token);
    REQUIRE(page.ok());
    rejections += page->rejections.size();
    token = page->next_page_token;
  } while (!token.empty());
  CHECK(rejections == fill.at("rejections").get<size_t>());
  const StatusOr<AuditPage> audit = store.ListAudit(1000, "");
  REQUIRE(audit.ok());
  CHECK(audit->entries.size() == fill.at("audit_entries").get<size_t>());

  // The queues: SOCPROT-BARNAUL's backlog is there to be leased and acknowledged.
  uint64_t pending = 0;
  for (const QueueStat& queue : store.QueueStats()) {
    pending += queue.pending;
  }
  CHECK(pending >= fill.at("backlog_target").get<uint64_t>());
  const UnixMillis now = fill.at("end_ms").get<UnixMillis>() + UnixMillis{3600} * 1000;
  const auto leased = Await<std::vector<api::Message>>(
      [&](Done<std::vector<api::Message>> done) { store.Lease("SOCPROT-BARNAUL", LeaseAt(now, 10), std::move(done)); });
  REQUIRE(leased.ok());
  REQUIRE_FALSE(leased->empty());
  const auto acked = Await<std::vector<AckItem>>([&](Done<std::vector<AckItem>> done) {
    store.Ack("SOCPROT-BARNAUL", {*MessageId::Parse(leased->front().message_id())}, now, "", std::move(done));
  });
  REQUIRE(acked.ok());
  CHECK(acked->at(0).outcome == AckOutcome::kAcknowledged);
  (*opened).reset();
  CHECK(StoredFormat(path) == std::to_string(kCurrentFormat));
}

}  // namespace
}  // namespace mezhved::store
