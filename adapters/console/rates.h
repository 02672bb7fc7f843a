// The overview's "messages per interval" chart: the core's counters sampled at a fixed interval, kept for the last
// quarter of an hour. A thread of the console samples; tests call Sample with the times they choose.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "common/clock.h"
#include "gateway/metrics.h"
#include "mezhved/v1/console.pb.h"

namespace mezhved::adapters::console {

class RateHistory {
 public:
  static constexpr int64_t kIntervalMs = 10'000;
  static constexpr size_t kPoints = 90;  // 15 minutes

  // Records the totals at `now_ms`; the first sample only sets the baseline.
  void Sample(UnixMillis now_ms, const gateway::GatewayMetrics::Totals& totals);
  // What happened in each interval, oldest first.
  std::vector<v1::RatePoint> Points() const;

 private:
  mutable std::mutex mutex_;
  bool have_baseline_ = false;
  gateway::GatewayMetrics::Totals last_;
  std::deque<v1::RatePoint> points_;
};

}  // namespace mezhved::adapters::console
