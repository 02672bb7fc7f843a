// ListQueue's filters: by state, by information type, by a range of acceptance time, together, in both orders and
// across pages; max_examined's bound on one page's work; the time range found by seeking, not by walking the queue.
// First: records.pb.h's mezhved::store::v1 would otherwise shadow mezhved::v1 inside message_store.h.
#include "store/rocksdb_store.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "mezhved/store/v1/records.pb.h"
#include "store/column_families.h"
#include "store/key_codec.h"
#include "tests/store/store_fixture.h"

namespace mezhved::store {
namespace {

using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary

constexpr char kCivilStatus[] = "zags.civil-status-record";
constexpr char kDisability[] = "health.disability-status";
constexpr UnixMillis kMinute = 60'000;
constexpr UnixMillis kDay = 86'400'000;

NewMessage RequestOfType(const std::string& type, UnixMillis accepted_ms) {
  NewMessage message = MakeRequest(kRequester, kAddressee, accepted_ms);
  message.message.mutable_request()->mutable_information_type()->set_id(type);
  message.information_type.set_id(type);
  return message;
}

// `count` messages, the i-th made by `make(i)`.
std::vector<NewMessage> MessagesOf(int count, const std::function<NewMessage(int)>& make) {
  std::vector<NewMessage> messages;
  messages.reserve(count);
  for (int i = 0; i < count; ++i) {
    messages.push_back(make(i));
  }
  return messages;
}

// Submits every message at once, so that group commit stores thousands quickly, and returns their ids in submission
// (and so sequence) order.
std::vector<MessageId> AcceptAll(TestStore& test, std::vector<NewMessage> messages) {
  std::vector<std::future<StatusOr<AcceptOutcome>>> outcomes;
  outcomes.reserve(messages.size());
  for (NewMessage& message : messages) {
    auto promise = std::make_shared<std::promise<StatusOr<AcceptOutcome>>>();
    outcomes.push_back(promise->get_future());
    test.store().Accept(std::move(message),
                        [promise](StatusOr<AcceptOutcome> outcome) { promise->set_value(std::move(outcome)); });
  }
  std::vector<MessageId> ids;
  ids.reserve(outcomes.size());
  for (auto& outcome : outcomes) {
    StatusOr<AcceptOutcome> accepted = outcome.get();
    REQUIRE(accepted.ok());
    ids.push_back(accepted->id);
  }
  return ids;
}

std::vector<std::string> Strings(const std::vector<MessageId>& ids) {
  std::vector<std::string> texts;
  texts.reserve(ids.size());
  for (const MessageId& id : ids) {
    texts.push_back(id.ToString());
  }
  return texts;
}

std::vector<std::string> Reversed(std::vector<std::string> ids) {
  std::reverse(ids.begin(), ids.end());
  return ids;
}

ListQuery QueryOf(std::string_view recipient = kAddressee) {
  ListQuery query;
  query.recipient_code = std::string(recipient);
  return query;
}

// Every page of a query, followed through its tokens: the ids in order, and each page's size.
struct AllPages {
  std::vector<std::string> ids;
  std::vector<size_t> sizes;
};
AllPages ListAll(TestStore& test, ListQuery query) {
  AllPages all;
  query.page_token.clear();
  for (int pages = 0; pages < 10'000; ++pages) {
    const MessagePage page = test.MustList(query);
    all.sizes.push_back(page.messages.size());
    for (const std::string& id : IdsOf(page)) {
      all.ids.push_back(id);
    }
    if (page.next_page_token.empty()) {
      return all;
    }
    query.page_token = page.next_page_token;
  }
  FAIL("the pages never end");
  return all;
}

// The ids of one page of the query, which must be its last.
std::vector<std::string> OnlyPage(TestStore& test, const ListQuery& query) {
  const MessagePage page = test.MustList(query);
  CHECK(page.next_page_token.empty());
  return IdsOf(page);
}

// Rewrites stored states as a build before the state kept the information type would have written them.
void ForgetTypesInStates(const std::string& path, const std::vector<MessageId>& ids) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(kColumnFamilyCount);
  for (std::string_view name : kColumnFamilyNames) {
    descriptors.emplace_back(std::string(name), rocksdb::ColumnFamilyOptions());
  }
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* states = handles[ColumnFamilyIndex(ColumnFamily::kStates)];
  for (const MessageId& id : ids) {
    std::string value;
    REQUIRE(db->Get(rocksdb::ReadOptions(), states, keys::MessageKey(id), &value).ok());
    ::mezhved::store::v1::StoredState state;
    REQUIRE(state.ParseFromString(value));
    state.clear_information_type_id();
    REQUIRE(db->Put(rocksdb::WriteOptions(), states, keys::MessageKey(id), state.SerializeAsString()).ok());
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    REQUIRE(db->DestroyColumnFamilyHandle(handle).ok());
  }
}

TEST_CASE("a state filter lists only the ready or only the leased messages, in both orders", "[store][list]") {
  TestStore test;
  const std::vector<std::string> ids =
      Strings(AcceptAll(test, MessagesOf(6, [](int i) { return MakeRequest(kRequester, kAddressee, kStart + i); })));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + 10, 2)).size() == 2);  // the two oldest

  ListQuery query = QueryOf();
  query.state = api::MESSAGE_STATE_DELIVERED;
  const MessagePage leased = test.MustList(query);
  CHECK(IdsOf(leased) == std::vector<std::string>{ids[0], ids[1]});
  CHECK(leased.next_page_token.empty());
  CHECK(leased.messages[0].state == api::MESSAGE_STATE_DELIVERED);
  CHECK(leased.messages[0].attempts == 1);

  query.state = api::MESSAGE_STATE_ACCEPTED;
  CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[2], ids[3], ids[4], ids[5]});
  query.newest_first = true;
  CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[5], ids[4], ids[3], ids[2]});

  query.state = api::MESSAGE_STATE_ACKNOWLEDGED;  // never pending
  CHECK(OnlyPage(test, query).empty());
}

TEST_CASE("an information type filter reads the type kept with the state, or the message's for old states",
          "[store][list]") {
  TestStore test;
  const std::vector<std::string> ids =
      Strings(AcceptAll(test, {RequestOfType(kCivilStatus, kStart), RequestOfType(kDisability, kStart + 1),
                               RequestOfType(kCivilStatus, kStart + 2), RequestOfType(kDisability, kStart + 3)}));

  ListQuery query = QueryOf();
  query.information_type_id = kDisability;
  CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[1], ids[3]});
  query.newest_first = true;
  CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[3], ids[1]});
  query.information_type_id = "no.such-type";
  CHECK(OnlyPage(test, query).empty());

  // The same answers from states written before they kept the type: the message has it.
  test.Destroy();
  std::vector<MessageId> all;
  all.reserve(ids.size());
  for (const std::string& id : ids) {
    all.push_back(*MessageId::Parse(id));
  }
  ForgetTypesInStates(test.path(), all);
  test.Reopen();
  query.newest_first = false;
  query.information_type_id = kCivilStatus;
  const MessagePage civil = test.MustList(query);
  CHECK(IdsOf(civil) == std::vector<std::string>{ids[0], ids[2]});
  CHECK(civil.messages[1].information_type.id() == kCivilStatus);
  query.information_type_id = kDisability;
  CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[1], ids[3]});
}

TEST_CASE("the acceptance time range includes its start and excludes its end", "[store][list]") {
  TestStore test;
  const std::vector<std::string> ids = Strings(AcceptAll(  // one per millisecond
      test, MessagesOf(5, [](int i) { return MakeRequest(kRequester, kAddressee, kStart + i); })));

  for (const bool newest_first : {false, true}) {
    INFO("newest_first " << newest_first);
    ListQuery query = QueryOf();
    query.newest_first = newest_first;
    const auto expect = [&](std::vector<std::string> expected) {
      return newest_first ? Reversed(std::move(expected)) : expected;
    };
    query.accepted_from_ms = kStart + 1;
    query.accepted_to_ms = kStart + 3;
    CHECK(OnlyPage(test, query) == expect({ids[1], ids[2]}));
    query.accepted_to_ms = 0;  // unbounded after
    CHECK(OnlyPage(test, query) == expect({ids[1], ids[2], ids[3], ids[4]}));
    query.accepted_from_ms = 0;  // unbounded before
    query.accepted_to_ms = kStart + 1;
    CHECK(OnlyPage(test, query) == expect({ids[0]}));
    query.accepted_from_ms = kStart + 4;
    query.accepted_to_ms = kStart + 4;  // empty
    CHECK(OnlyPage(test, query).empty());
    query.accepted_from_ms = kStart + 5;  // after the last message
    query.accepted_to_ms = 0;
    CHECK(OnlyPage(test, query).empty());
    query.accepted_from_ms = 0;
    query.accepted_to_ms = kStart;  // before the first
    CHECK(OnlyPage(test, query).empty());
  }

  ListQuery backwards = QueryOf();
  backwards.accepted_from_ms = kStart + 3;
  backwards.accepted_to_ms = kStart + 2;
  CHECK(CodeOf(test.store().ListQueue(backwards).status()) == "INVALID_ARGUMENT");
  ListQuery negative = QueryOf();
  negative.accepted_from_ms = -1;
  CHECK(CodeOf(test.store().ListQueue(negative).status()) == "INVALID_ARGUMENT");
}

TEST_CASE("filters combine, in the dead letters too", "[store][list]") {
  TestStore test;
  const std::vector<std::string> ids =
      Strings(AcceptAll(test, MessagesOf(8, [](int i) {
                          return RequestOfType(i % 2 == 0 ? kCivilStatus : kDisability, kStart + i * kMinute);
                        })));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + kStart, 4)).size() == 4);  // ids 0..3 leased

  ListQuery query = QueryOf();
  query.state = api::MESSAGE_STATE_DELIVERED;
  query.information_type_id = kDisability;
  CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[1], ids[3]});
  query.accepted_from_ms = kStart + 2 * kMinute;
  CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[3]});
  query.state = api::MESSAGE_STATE_ACCEPTED;
  query.accepted_to_ms = kStart + 7 * kMinute;
  CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[5]});
  query.newest_first = true;
  query.accepted_to_ms = 0;
  CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[7], ids[5]});

  // Dead letters: the leased four, once their single allowed delivery ends.
  REQUIRE(test.MustSweep(kStart + kStart + 1000, 1).dead_lettered == 4);
  ListQuery dead = QueryOf();
  dead.view = QueueView::kDeadLetters;
  dead.information_type_id = kCivilStatus;
  dead.accepted_from_ms = kStart + kMinute;
  CHECK(OnlyPage(test, dead) == std::vector<std::string>{ids[2]});
  dead.state = api::MESSAGE_STATE_DEAD_LETTERED;
  dead.newest_first = true;
  dead.accepted_from_ms = 0;
  CHECK(OnlyPage(test, dead) == std::vector<std::string>{ids[2], ids[0]});
}

TEST_CASE("filtered pages follow their tokens to the end, none missed and none repeated", "[store][list]") {
  TestStore test;
  const std::vector<std::string> ids =
      Strings(AcceptAll(test, MessagesOf(40, [](int i) {
                          return RequestOfType(i % 3 == 0 ? kDisability : kCivilStatus, kStart + i * kMinute);
                        })));
  REQUIRE(test.MustLease(kAddressee, LeaseAt(kStart + kStart, 10)).size() == 10);  // ids 0..9 leased

  // Ready civil-status requests accepted in [minute 12, minute 35).
  std::vector<std::string> expected;
  for (int i = 12; i < 35; ++i) {
    if (i % 3 != 0) {
      expected.push_back(ids[i]);
    }
  }
  ListQuery query = QueryOf();
  query.state = api::MESSAGE_STATE_ACCEPTED;
  query.information_type_id = kCivilStatus;
  query.accepted_from_ms = kStart + 12 * kMinute;
  query.accepted_to_ms = kStart + 35 * kMinute;
  query.limit = 4;
  const AllPages forward = ListAll(test, query);
  CHECK(forward.ids == expected);
  CHECK(std::set<std::string>(forward.ids.begin(), forward.ids.end()).size() == forward.ids.size());
  CHECK(forward.sizes == std::vector<size_t>{4, 4, 4, 3});

  query.newest_first = true;
  CHECK(ListAll(test, query).ids == Reversed(expected));

  // A page of examined entries that ends where the range does is the last one.
  query.newest_first = false;
  query.limit = 15;
  CHECK(OnlyPage(test, query) == expected);
}

TEST_CASE("max_examined cuts a page short, even to nothing, and its token goes on from there", "[store][list]") {
  TestStore test;
  // Twelve civil-status requests, then disability, civil-status, disability.
  const std::vector<std::string> ids =
      Strings(AcceptAll(test, MessagesOf(15, [](int i) {
                          return RequestOfType(i == 12 || i == 14 ? kDisability : kCivilStatus, kStart + i);
                        })));

  ListQuery query = QueryOf();
  query.information_type_id = kDisability;
  query.limit = 2;
  query.max_examined = 5;
  const MessagePage first = test.MustList(query);
  CHECK(first.messages.empty());  // five civil-status requests looked at, none matched
  REQUIRE_FALSE(first.next_page_token.empty());
  const AllPages forward = ListAll(test, query);
  CHECK(forward.ids == std::vector<std::string>{ids[12], ids[14]});
  CHECK(forward.sizes == std::vector<size_t>{0, 0, 2});  // five entries looked at per page

  query.newest_first = true;
  const AllPages backward = ListAll(test, query);
  CHECK(backward.ids == std::vector<std::string>{ids[14], ids[12]});
  CHECK(backward.sizes == std::vector<size_t>{2, 0, 0, 0});  // full after three entries; then 5, 5 and 2 entries

  // Without its own bound a page looks at 10 entries per message asked for.
  query.newest_first = false;
  query.max_examined = 0;
  query.limit = 1;
  const MessagePage defaulted = test.MustList(query);
  CHECK(defaulted.messages.empty());
  CHECK_FALSE(defaulted.next_page_token.empty());
  query.limit = 2;
  CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[12], ids[14]});
}

TEST_CASE("a page of an acceptance time range seeks to it instead of walking the queue", "[store][list]") {
  TestStore test;
  constexpr int kMessages = 5000;
  const std::vector<std::string> ids = Strings(AcceptAll(
      test, MessagesOf(kMessages, [](int i) { return MakeRequest(kRequester, kAddressee, kStart + i * kMinute); })));
  const auto slice = [&](int from, int to) { return std::vector<std::string>(ids.begin() + from, ids.begin() + to); };

  // Each page may look at no more entries than it returns: only a seek reaches them. (The bounds lie half-way
  // between two messages: a message within the store's allowance for acceptance-order skew, seconds, of a bound
  // would be looked at too.)
  constexpr UnixMillis kHalfMinute = kMinute / 2;
  ListQuery query = QueryOf();
  query.limit = 10;
  query.max_examined = 10;
  query.accepted_from_ms = kStart + (kMessages - 10) * kMinute - kHalfMinute;
  CHECK(OnlyPage(test, query) == slice(kMessages - 10, kMessages));

  query.newest_first = true;
  query.accepted_from_ms = 0;
  query.accepted_to_ms = kStart + 10 * kMinute - kHalfMinute;
  CHECK(OnlyPage(test, query) == Reversed(slice(0, 10)));

  // A range in the middle, both ways, a page of four at a time.
  query.limit = 4;
  query.max_examined = 4;
  query.accepted_from_ms = kStart + 2500 * kMinute - kHalfMinute;
  query.accepted_to_ms = kStart + 2510 * kMinute - kHalfMinute;
  AllPages middle = ListAll(test, query);
  CHECK(middle.ids == Reversed(slice(2500, 2510)));
  CHECK(middle.sizes == std::vector<size_t>{4, 4, 2});
  query.newest_first = false;
  middle = ListAll(test, query);
  CHECK(middle.ids == slice(2500, 2510));
  CHECK(middle.sizes == std::vector<size_t>{4, 4, 2});
}

TEST_CASE("a message sequenced after one stamped later is still found in its time range", "[store][list]") {
  // The core stamps accepted_at before it validates and seals, the store numbers messages after: a slow message
  // can take its sequence after a quicker one stamped a little later.
  TestStore test;
  const std::vector<std::string> ids = Strings(AcceptAll(
      test, {MakeRequest(kRequester, kAddressee, kStart + 1000), MakeRequest(kRequester, kAddressee, kStart + 990),
             MakeRequest(kRequester, kAddressee, kStart + 1010)}));
  for (const bool newest_first : {false, true}) {
    INFO("newest_first " << newest_first);
    ListQuery query = QueryOf();
    query.newest_first = newest_first;
    query.accepted_from_ms = kStart + 985;
    query.accepted_to_ms = kStart + 995;
    CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[1]});
    query.accepted_from_ms = kStart + 995;
    query.accepted_to_ms = kStart + 1005;
    CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[0]});
    query.accepted_from_ms = kStart + 1005;
    query.accepted_to_ms = 0;
    CHECK(OnlyPage(test, query) == std::vector<std::string>{ids[2]});
  }
}

TEST_CASE("a summary carries the answer deadline and its status", "[store][list]") {
  TestStore test;
  NewMessage request = MakeRequest(kRequester, kAddressee, kStart);
  request.timers.due_soon_at_ms = kStart + 4 * kDay;
  request.timers.due_at_ms = kStart + 5 * kDay;
  test.MustAccept(std::move(request));
  test.MustAccept(MakeRequest(kRequester, kAddressee, kStart + 1));  // no answer due

  const MessagePage page = test.MustList(QueryOf());
  REQUIRE(page.messages.size() == 2);
  CHECK(page.messages[0].answer_due_at_ms == kStart + 5 * kDay);
  CHECK(page.messages[0].deadline_status == api::DEADLINE_STATUS_RUNNING);
  CHECK(page.messages[1].answer_due_at_ms == 0);
  CHECK(page.messages[1].deadline_status == api::DEADLINE_STATUS_UNSPECIFIED);
}

TEST_CASE("page tokens of the unfiltered listing still name the last message returned", "[store][list]") {
  TestStore test;
  const std::vector<std::string> ids =
      Strings(AcceptAll(test, MessagesOf(3, [](int i) { return MakeRequest(kRequester, kAddressee, kStart + i); })));
  ListQuery query = QueryOf();
  query.limit = 1;
  // Sequences 1, 2, 3: the token after the first message names sequence 1, and one made by hand works the same.
  CHECK(test.MustList(query).next_page_token == keys::EncodePageToken(1));
  query.page_token = keys::EncodePageToken(2);
  CHECK(IdsOf(test.MustList(query)) == std::vector<std::string>{ids[2]});
  query.newest_first = true;
  CHECK(IdsOf(test.MustList(query)) == std::vector<std::string>{ids[0]});
  query.page_token = keys::EncodePageToken(0);
  CHECK(OnlyPage(test, query).empty());
}

}  // namespace
}  // namespace mezhved::store
