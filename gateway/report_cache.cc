#include "gateway/report_cache.h"

#include <algorithm>

namespace mezhved::gateway {

std::string ReportCache::KeyOf(const ReportPeriod& period) {
  return calendar::FormatDay(period.first) + ".." + calendar::FormatDay(period.last);
}

uint64_t ReportCache::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

std::optional<v1::ComplianceReport> ReportCache::Get(const std::string& key) const {
  std::lock_guard lock(mutex_);
  const auto it =
      std::find_if(entries_.begin(), entries_.end(), [&key](const auto& entry) { return entry.first == key; });
  if (it == entries_.end()) {
    return std::nullopt;
  }
  entries_.splice(entries_.begin(), entries_, it);
  return it->second;
}

void ReportCache::Put(const std::string& key, uint64_t generation, const v1::ComplianceReport& report) {
  if (!report.period_complete() || capacity_ == 0) {
    return;  // an open period's figures change with every answer
  }
  std::lock_guard lock(mutex_);
  if (generation != generation_) {
    return;  // a late registration may have come after the read: computed again next time
  }
  entries_.remove_if([&key](const auto& entry) { return entry.first == key; });
  entries_.emplace_front(key, report);
  if (entries_.size() > capacity_) {
    entries_.pop_back();
  }
}

void ReportCache::Invalidate() {
  std::lock_guard lock(mutex_);
  ++generation_;
  entries_.clear();
}

}  // namespace mezhved::gateway
