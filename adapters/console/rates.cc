#include "adapters/console/rates.h"

#include <google/protobuf/util/time_util.h>

namespace mezhved::adapters::console {

void RateHistory::Sample(UnixMillis now_ms, const gateway::GatewayMetrics::Totals& totals) {
  std::lock_guard lock(mutex_);
  if (have_baseline_) {
    v1::RatePoint point;
    *point.mutable_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(now_ms);
    // Counters only grow while the daemon runs; a restart starts a new history with them.
    point.set_accepted(totals.accepted - last_.accepted);
    point.set_delivered(totals.delivered - last_.delivered);
    point.set_acknowledged(totals.acknowledged - last_.acknowledged);
    point.set_refused(totals.refused - last_.refused);
    point.set_dead_lettered(totals.dead_lettered - last_.dead_lettered);
    points_.push_back(std::move(point));
    if (points_.size() > kPoints) {
      points_.pop_front();
    }
  }
  last_ = totals;
  have_baseline_ = true;
}

std::vector<v1::RatePoint> RateHistory::Points() const {
  std::lock_guard lock(mutex_);
  return {points_.begin(), points_.end()};
}

}  // namespace mezhved::adapters::console
