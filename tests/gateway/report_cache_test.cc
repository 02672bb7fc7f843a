// The reports of ended periods kept in memory (gateway/report_cache.h): only ended periods are kept, the same days
// share a report whatever their label, and a paper request registered late into an ended period is counted at once.
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>

#include "gateway/report_cache.h"
#include "tests/gateway/core_fixture.h"

namespace mezhved::gateway {
namespace {

using google::protobuf::util::TimeUtil;
using test_fixture::Await;
using test_fixture::CoreFixture;
using test_fixture::kStart;

constexpr int64_t kDayMs = 24 * 3600 * 1000LL;

v1::ComplianceReport Report(bool complete, uint64_t received) {
  v1::ComplianceReport report;
  report.set_period_complete(complete);
  report.mutable_total()->set_requests_received(received);
  return report;
}

TEST_CASE("ReportCache keeps ended periods by their days, drops them all on Invalidate", "[reports][cache]") {
  ReportCache cache(2);
  const std::string q1 = ReportCache::KeyOf(*ParseReportPeriod("2026-Q1"));
  CHECK(q1 == ReportCache::KeyOf(*ParseReportPeriod("2026-01-01..2026-03-31")));
  CHECK(q1 != ReportCache::KeyOf(*ParseReportPeriod("2026-Q2")));

  cache.Put(q1, cache.generation(), Report(false, 1));  // an open period: its figures still change
  CHECK_FALSE(cache.Get(q1));
  cache.Put(q1, cache.generation(), Report(true, 7));
  REQUIRE(cache.Get(q1));
  CHECK(cache.Get(q1)->total().requests_received() == 7);

  // A report computed across an Invalidate is not kept: it may have missed what came with it.
  const uint64_t before = cache.generation();
  cache.Invalidate();
  CHECK_FALSE(cache.Get(q1));
  cache.Put(q1, before, Report(true, 7));
  CHECK_FALSE(cache.Get(q1));

  // The least recently used goes first.
  const std::string q2 = ReportCache::KeyOf(*ParseReportPeriod("2026-Q2"));
  const std::string q3 = ReportCache::KeyOf(*ParseReportPeriod("2026-Q3"));
  cache.Put(q1, cache.generation(), Report(true, 1));
  cache.Put(q2, cache.generation(), Report(true, 2));
  CHECK(cache.Get(q1));
  cache.Put(q3, cache.generation(), Report(true, 3));
  CHECK(cache.Get(q1));
  CHECK_FALSE(cache.Get(q2));
  CHECK(cache.Get(q3));
}

TEST_CASE_METHOD(CoreFixture, "a kept report of an ended period counts a paper request registered late into it",
                 "[reports][cache][paper]") {
  const auto report = [&](const std::string& period) {
    v1::GetReportRequest request;
    request.set_period(period);
    StatusOr<v1::GetReportResponse> response = gateway_->GetReport(request);
    REQUIRE(response.ok());
    return response->report();
  };
  const std::string day = calendar::FormatDay(calendar::LocalDay(kStart, 180));
  const std::string period = day + ".." + day;
  REQUIRE(Send(testing::kSocialDept, testing::kZags, "electronic-1").ok());
  CHECK_FALSE(report(period).period_complete());

  clock_.Advance(2 * kDayMs);  // the day has ended everywhere: its report is kept
  const v1::ComplianceReport ended = report(period);
  CHECK(ended.period_complete());
  CHECK(ended.total().requests_received() == 1);
  // Asked again, after a request received now (outside the period): the same figures, dated now.
  REQUIRE(Send(testing::kSocialDept, testing::kZags, "electronic-2").ok());
  clock_.Advance(1000);
  const v1::ComplianceReport again = report(period);
  CHECK(again.total().requests_received() == 1);
  CHECK(again.period() == period);
  CHECK(TimeUtil::TimestampToMilliseconds(again.generated_at()) == clock_.NowMs());
  v1::ComplianceReport same = again;
  *same.mutable_generated_at() = ended.generated_at();
  CHECK(same.SerializeAsString() == ended.SerializeAsString());

  // A paper request received on that day, registered now, belongs to it.
  v1::RegisterPaperRequestRequest call;
  call.set_idempotency_key("paper-late");
  *call.mutable_request() = testing::ValidRequest(testing::kSocialDept, testing::kZags);
  call.mutable_request()->clear_payload();
  call.set_channel(v1::CHANNEL_PAPER);
  *call.mutable_received_at() = TimeUtil::MillisecondsToTimestamp(kStart + 60'000);
  REQUIRE(Await<v1::SendResult>([&](Done<v1::SendResult> done) {
            gateway_->RegisterPaperRequest("duty", call, done);
          }).ok());
  CHECK(report(period).total().requests_received() == 2);
}

}  // namespace
}  // namespace mezhved::gateway
