// The operator API's ListMessages through the core: its filters (state, information type, acceptance time), their
// checks, paging with them, and the deadline each summary shows.
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "gateway/gateway.h"
#include "tests/gateway/core_fixture.h"
#include "tests/support/envelopes.h"

namespace mezhved::gateway {
namespace {

using google::protobuf::util::TimeUtil;
using testing::kSocialDept;
using testing::kZags;

using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary

constexpr int64_t kMinuteMs = 60'000;

std::vector<std::string> IdsOf(const v1::ListMessagesResponse& response) {
  std::vector<std::string> ids;
  for (const v1::MessageSummary& message : response.messages()) {
    ids.push_back(message.message_id());
  }
  return ids;
}

class ListFixture : public CoreFixture {
 public:
  // Five requests to ZAGS, a minute apart from kStart; the first two leased.
  ListFixture() {
    for (int i = 0; i < 5; ++i) {
      auto sent = Send(kSocialDept, kZags, "list-" + std::to_string(i));
      REQUIRE(sent.ok());
      ids_.push_back(sent->message_id());
      clock_.Advance(kMinuteMs);
    }
    REQUIRE(Receive(kZags, 2).size() == 2);
  }

  v1::ListMessagesResponse MustList(const v1::ListMessagesRequest& request) {
    StatusOr<v1::ListMessagesResponse> listed = gateway_->ListMessages(request);
    REQUIRE(listed.ok());
    return std::move(listed).value();
  }

  static v1::ListMessagesRequest Zags() {
    v1::ListMessagesRequest request;
    request.set_recipient_code(kZags);
    return request;
  }

  std::vector<std::string> ids_;
};

TEST_CASE_METHOD(ListFixture, "ListMessages filters by state and by information type", "[gateway][list]") {
  v1::ListMessagesRequest request = Zags();
  request.set_state(v1::MESSAGE_STATE_DELIVERED);
  CHECK(IdsOf(MustList(request)) == std::vector<std::string>{ids_[0], ids_[1]});
  request.set_state(v1::MESSAGE_STATE_ACCEPTED);
  request.set_newest_first(true);
  CHECK(IdsOf(MustList(request)) == std::vector<std::string>{ids_[4], ids_[3], ids_[2]});

  request.set_information_type_id("zags.civil-status-record");
  CHECK(MustList(request).messages_size() == 3);
  request.set_information_type_id("health.disability-status");
  CHECK(MustList(request).messages().empty());
}

TEST_CASE_METHOD(ListFixture, "ListMessages filters by a half-open range of acceptance time", "[gateway][list]") {
  v1::ListMessagesRequest request = Zags();
  *request.mutable_accepted_from() = TimeUtil::MillisecondsToTimestamp(kStart + kMinuteMs);
  *request.mutable_accepted_to() = TimeUtil::MillisecondsToTimestamp(kStart + 3 * kMinuteMs);
  CHECK(IdsOf(MustList(request)) == std::vector<std::string>{ids_[1], ids_[2]});

  // Acceptance times are whole milliseconds: a start half a millisecond after one leaves that message out, an end
  // half a millisecond after one keeps it in.
  request.mutable_accepted_from()->set_nanos(500'000);
  request.mutable_accepted_to()->set_nanos(500'000);
  CHECK(IdsOf(MustList(request)) == std::vector<std::string>{ids_[2], ids_[3]});

  request.clear_accepted_to();
  request.set_state(v1::MESSAGE_STATE_ACCEPTED);
  request.set_page_size(1);
  std::vector<std::string> pages;
  do {
    const v1::ListMessagesResponse page = MustList(request);
    for (const std::string& id : IdsOf(page)) {
      pages.push_back(id);
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  CHECK(pages == std::vector<std::string>{ids_[2], ids_[3], ids_[4]});
}

TEST_CASE_METHOD(ListFixture, "ListMessages shows each message's answer deadline and recipient", "[gateway][list]") {
  const v1::ListMessagesResponse listed = MustList(Zags());
  REQUIRE(listed.messages_size() == 5);
  const v1::MessageSummary& first = listed.messages(0);
  CHECK(first.recipient_code() == kZags);
  CHECK(first.deadline_status() == v1::DEADLINE_STATUS_RUNNING);
  REQUIRE(first.has_answer_due_at());
  auto status = gateway_->InspectMessage(ids_[0]);
  REQUIRE(status.ok());
  CHECK(first.answer_due_at() == status->answer_due_at());
  CHECK(TimeUtil::TimestampToMilliseconds(first.answer_due_at()) > kStart);
}

TEST_CASE_METHOD(ListFixture, "ListMessages refuses filters that make no sense, naming the field", "[gateway][list]") {
  const auto refusal = [&](const v1::ListMessagesRequest& request) {
    StatusOr<v1::ListMessagesResponse> listed = gateway_->ListMessages(request);
    REQUIRE_FALSE(listed.ok());
    CHECK(listed.status().code() == ErrorCode::kInvalidArgument);
    REQUIRE(listed.status().fields().size() == 1);
    return listed.status().fields()[0].path;
  };
  v1::ListMessagesRequest unknown_state = Zags();
  unknown_state.set_state(static_cast<v1::MessageState>(99));
  CHECK(refusal(unknown_state) == "state");

  v1::ListMessagesRequest backwards = Zags();
  *backwards.mutable_accepted_from() = TimeUtil::MillisecondsToTimestamp(kStart + 2 * kMinuteMs);
  *backwards.mutable_accepted_to() = TimeUtil::MillisecondsToTimestamp(kStart + kMinuteMs);
  CHECK(refusal(backwards) == "accepted_to");

  v1::ListMessagesRequest before_1970 = Zags();
  before_1970.mutable_accepted_from()->set_seconds(-5);
  CHECK(refusal(before_1970) == "accepted_from");
}

}  // namespace
}  // namespace mezhved::gateway
