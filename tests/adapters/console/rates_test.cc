#include "adapters/console/rates.h"

#include <catch2/catch.hpp>

namespace mezhved::adapters::console {
namespace {

TEST_CASE("the rate history keeps what happened in each interval, for a quarter of an hour", "[console]") {
  RateHistory history;
  gateway::GatewayMetrics::Totals totals;
  history.Sample(0, totals);
  CHECK(history.Points().empty());  // the first sample is the baseline
  totals.accepted = 5;
  totals.delivered = 3;
  history.Sample(RateHistory::kIntervalMs, totals);
  totals.accepted = 12;
  totals.acknowledged = 2;
  history.Sample(2 * RateHistory::kIntervalMs, totals);
  std::vector<v1::RatePoint> points = history.Points();
  REQUIRE(points.size() == 2);
  CHECK(points[0].accepted() == 5);
  CHECK(points[0].delivered() == 3);
  CHECK(points[1].accepted() == 7);
  CHECK(points[1].delivered() == 0);
  CHECK(points[1].acknowledged() == 2);
  for (int i = 3; i < 200; ++i) {
    history.Sample(i * RateHistory::kIntervalMs, totals);
  }
  points = history.Points();
  CHECK(points.size() == RateHistory::kPoints);
  CHECK(points.back().at().seconds() == 199 * RateHistory::kIntervalMs / 1000);
}

}  // namespace
}  // namespace mezhved::adapters::console
