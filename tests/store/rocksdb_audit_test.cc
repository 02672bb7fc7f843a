// The operators' audit log in the RocksDB store: recorded in the group commit, read newest first a page at a time,
// kept across restarts.
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "store/rocksdb_store.h"
#include "tests/store/store_fixture.h"

namespace mezhved::store {
namespace {

using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary

api::AuditEntry EntryAt(UnixMillis at_ms, const std::string& action, const std::string& target) {
  api::AuditEntry entry;
  *entry.mutable_at() = TimeUtil::MillisecondsToTimestamp(at_ms);
  entry.set_operator_("duty");
  entry.set_role(config::v1::OPERATOR_ROLE_SUPERVISOR);
  entry.set_action(action);
  entry.set_target(target);
  entry.set_detail("detail of " + target);
  entry.set_client("console 10.0.0.5:53211");
  return entry;
}

StatusOr<bool> Record(TestStore& test, api::AuditEntry entry) {
  return Await<bool>([&](Done<bool> done) { test.store().RecordAudit(std::move(entry), std::move(done)); });
}

AuditPage MustListAudit(TestStore& test, uint32_t limit, const std::string& page_token = "") {
  StatusOr<AuditPage> page = test.store().ListAudit(limit, page_token);
  REQUIRE(page.ok());
  return std::move(page).value();
}

std::vector<std::string> TargetsOf(const AuditPage& page) {
  std::vector<std::string> targets;
  targets.reserve(page.entries.size());
  for (const api::AuditEntry& entry : page.entries) {
    targets.push_back(entry.target());
  }
  return targets;
}

TEST_CASE("audit entries come back newest first with every field", "[store][audit]") {
  TestStore test;
  const api::AuditEntry requeue = EntryAt(kStart + 10, "requeue", "m-2");
  REQUIRE(Record(test, EntryAt(kStart, "sign_in", "m-1")).ok());
  REQUIRE(Record(test, requeue).ok());
  REQUIRE(Record(test, EntryAt(kStart + 5, "reveal", "m-3")).ok());  // recorded late: its instant places it

  const AuditPage page = MustListAudit(test, 10);
  CHECK(TargetsOf(page) == std::vector<std::string>{"m-2", "m-3", "m-1"});
  CHECK(page.next_page_token.empty());
  REQUIRE_FALSE(page.entries.empty());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(page.entries[0], requeue));
  CHECK(page.entries[0].operator_() == "duty");
  CHECK(page.entries[0].role() == config::v1::OPERATOR_ROLE_SUPERVISOR);
  CHECK(page.entries[0].client() == "console 10.0.0.5:53211");
}

TEST_CASE("actions of one millisecond keep the order they were recorded in", "[store][audit]") {
  TestStore test;
  for (const char* target : {"a", "b", "c"}) {
    REQUIRE(Record(test, EntryAt(kStart, "requeue", target)).ok());
  }
  CHECK(TargetsOf(MustListAudit(test, 10)) == std::vector<std::string>{"c", "b", "a"});
}

TEST_CASE("the audit log pages with tokens, none missed and none repeated, and survives a restart", "[store][audit]") {
  TestStore test;
  std::vector<std::string> expected;
  for (UnixMillis i = 0; i < 7; ++i) {
    const std::string target = "m-" + std::to_string(i);
    REQUIRE(Record(test, EntryAt(kStart + i * 1000, "requeue", target)).ok());
    expected.insert(expected.begin(), target);
  }
  // Messages and rejections share the sequence: they neither disturb the log nor collide with it.
  test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 2500));
  test.Reopen();

  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  std::string token;
  do {
    const AuditPage page = MustListAudit(test, 3, token);
    sizes.push_back(page.entries.size());
    for (const std::string& target : TargetsOf(page)) {
      seen.push_back(target);
    }
    token = page.next_page_token;
  } while (!token.empty());
  CHECK(sizes == std::vector<size_t>{3, 3, 1});
  CHECK(seen == expected);

  // A page that ends at the oldest entry is the last one.
  CHECK(MustListAudit(test, 7).next_page_token.empty());
  // The limit is clamped to 1..1000.
  CHECK(MustListAudit(test, 0).entries.size() == 1);
  CHECK(MustListAudit(test, 5000).entries.size() == 7);
}

TEST_CASE("a malformed audit page token is INVALID_ARGUMENT", "[store][audit]") {
  TestStore test;
  REQUIRE(Record(test, EntryAt(kStart, "sign_in", "m-1")).ok());
  for (const char* token : {"zz", "not-a-token", "00000000000000000000000000000000ff", "0123"}) {
    INFO(token);
    CHECK(CodeOf(test.store().ListAudit(10, token).status()) == "INVALID_ARGUMENT");
  }
  // A well-formed token past every entry is simply the end.
  const AuditPage end = MustListAudit(test, 10, std::string(32, '0'));
  CHECK(end.entries.empty());
  CHECK(end.next_page_token.empty());
}

TEST_CASE("an audit entry without its instant is refused and leaves nothing", "[store][audit]") {
  TestStore test;
  api::AuditEntry undated = EntryAt(kStart, "reveal", "m-1");
  undated.clear_at();
  CHECK(CodeOf(Record(test, undated).status()) == "INVALID_ARGUMENT");
  api::AuditEntry before_1970 = EntryAt(kStart, "reveal", "m-2");
  before_1970.mutable_at()->set_seconds(-1);
  CHECK(CodeOf(Record(test, before_1970).status()) == "INVALID_ARGUMENT");
  CHECK(MustListAudit(test, 10).entries.empty());

  // The refusal broke nothing: the next entry is kept.
  REQUIRE(Record(test, EntryAt(kStart, "reveal", "m-3")).ok());
  CHECK(TargetsOf(MustListAudit(test, 10)) == std::vector<std::string>{"m-3"});
}

TEST_CASE("after Close, the audit log is UNAVAILABLE", "[store][audit][lifecycle]") {
  TestStore test;
  test.store().Close();
  CHECK(CodeOf(Record(test, EntryAt(kStart, "sign_in", "m-1")).status()) == "UNAVAILABLE");
  CHECK(CodeOf(test.store().ListAudit(10, "").status()) == "UNAVAILABLE");
}

}  // namespace
}  // namespace mezhved::store
