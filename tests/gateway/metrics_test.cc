// The core's metrics move by exactly what happened: per message accepted, refused, delivered, acknowledged and
// dead-lettered, with the kind, information type and agency labels; the queue and deadline gauges per organisation.
#include "gateway/metrics.h"

#include <catch2/catch.hpp>

#include "tests/gateway/core_fixture.h"

namespace mezhved::gateway {
namespace {

using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary
using testing::kSocialDept;
using testing::kZags;

constexpr char kType[] = "zags.civil-status-record";

std::string Labels(const std::string& kind, const std::string& agency) {
  return "{kind=\"" + kind + "\",information_type=\"" + kType + "\",agency=\"" + agency + "\"}";
}

TEST_CASE_METHOD(CoreFixture, "the message counters move by exactly one per message and event", "[gateway][metrics]") {
  REQUIRE(Send(kSocialDept, kZags, "m1").ok());
  REQUIRE(Send(kSocialDept, kZags, "m2").ok());
  REQUIRE(Send(kSocialDept, kZags, "m2").ok());  // a resend: the same message, not a new one
  CHECK(Metric("mezhved_messages_accepted_total" + Labels("request", "SOCPROT")) == 2);
  CHECK(Metric("mezhved_validation_duration_seconds_count") == 3);
  CHECK(Metric("mezhved_store_write_duration_seconds_count") == 3);
  CHECK(Metric("mezhved_sealing_duration_seconds_count") == 0);  // this fixture does not seal

  // A refusal at the door counts by its stable code and the sender's agency.
  auto refused = Await<v1::SendResult>([&](Done<v1::SendResult> done) {
    gateway_->SendRequest(kZags, "r1", testing::ValidRequest(kZags, kSocialDept), done);
  });
  REQUIRE(refused.status().code() == ErrorCode::kAccessDenied);
  CHECK(Metric("mezhved_messages_refused_total{code=\"ACCESS_DENIED\",information_type=\"" + std::string(kType) +
               "\",agency=\"ZAGS\"}") == 1);

  clock_.Advance(1500);
  const std::vector<v1::Message> received = Receive(kZags);
  REQUIRE(received.size() == 2);
  CHECK(Metric("mezhved_messages_delivered_total" + Labels("request", "ZAGS")) == 2);
  CHECK(Metric("mezhved_send_to_receive_duration_seconds_count") == 2);
  CHECK(Metric("mezhved_send_to_receive_duration_seconds_sum") == Approx(3.0));  // 1.5 s each
  CHECK(Metric("mezhved_send_to_receive_duration_seconds_bucket{le=\"1\"}") == 0);
  CHECK(Metric("mezhved_send_to_receive_duration_seconds_bucket{le=\"5\"}") == 2);

  Ack(kZags, {received[0].message_id()});
  CHECK(Metric("mezhved_messages_acknowledged_total" + Labels("request", "ZAGS")) == 1);
  CHECK(Metric("mezhved_queue_pending_messages{organisation=\"ZAGS-BARNAUL\",agency=\"ZAGS\"}") == 1);
  CHECK(Metric("mezhved_queue_leased_messages{organisation=\"ZAGS-BARNAUL\",agency=\"ZAGS\"}") == 1);
  CHECK(Metric("mezhved_queue_oldest_pending_age_seconds{organisation=\"ZAGS-BARNAUL\",agency=\"ZAGS\"}") ==
        Approx(1.5));

  // The answer leaves the request's queue as received; the response itself is accepted for the requester.
  REQUIRE(Respond(kZags, testing::DataResponse(received[1].message_id(), kZags), "a1").ok());
  CHECK(Metric("mezhved_messages_accepted_total" + Labels("response", "ZAGS")) == 1);
  CHECK(Metric("mezhved_messages_acknowledged_total" + Labels("request", "ZAGS")) == 2);
  CHECK(Metric("mezhved_queue_pending_messages{organisation=\"ZAGS-BARNAUL\",agency=\"ZAGS\"}") == 0);
}

TEST_CASE_METHOD(CoreFixture, "a message whose deliveries run out is counted as dead-lettered", "[gateway][metrics]") {
  REQUIRE(Send(kSocialDept, kZags, "d1").ok());
  for (uint32_t attempt = 1; attempt <= settings_.max_attempts; ++attempt) {
    REQUIRE(Receive(kZags).size() == 1);
    clock_.Advance(settings_.lease_ms + 1);
  }
  Housekeep();  // the sweep, then a call that waits behind it
  REQUIRE(QueueOf(kZags).dead_letters() == 1);
  CHECK(Metric("mezhved_messages_delivered_total" + Labels("request", "ZAGS")) == settings_.max_attempts);
  CHECK(Metric("mezhved_send_to_receive_duration_seconds_count") == 1);  // the first delivery only
  CHECK(Metric("mezhved_messages_dead_lettered_total" + Labels("request", "ZAGS")) == 1);
  CHECK(Metric("mezhved_queue_dead_letter_messages{organisation=\"ZAGS-BARNAUL\",agency=\"ZAGS\"}") == 1);
}

TEST_CASE_METHOD(CoreFixture, "a made-up information type is counted as other, so callers cannot add series",
                 "[gateway][metrics]") {
  v1::RequestEnvelope request = testing::ValidRequest(kSocialDept, kZags);
  request.mutable_information_type()->set_id("made.up-type-1");
  auto refused = Await<v1::SendResult>(
      [&](Done<v1::SendResult> done) { gateway_->SendRequest(kSocialDept, "x1", request, done); });
  REQUIRE_FALSE(refused.ok());
  const std::string code(ErrorCodeName(refused.status().code()));
  CHECK(Metric("mezhved_messages_refused_total{code=\"" + code + "\",information_type=\"other\",agency=\"SOCPROT\"}") ==
        1);
  CHECK(metrics_->Render().find("made.up-type-1") == std::string::npos);
}

}  // namespace
}  // namespace mezhved::gateway
