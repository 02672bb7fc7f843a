// The compliance reports of periods that have ended, kept in memory (docs/PERFORMANCE.md, "The operators' console and
// metrics"): a report reads every request of its period with its history, a second or more for a year of a busy
// region, and a supervisor asks for the same ended quarter several times (the page, its CSV, its JSON).
//
// Why a kept report stays right (gateway/reports.h):
// - Once period_complete, every outcome is read as of the end of the period, and every history event stored from then
//   on is stamped later than that, so it is ignored.
// - The registry, the catalogue and the calendar are loaded once at start: a restart empties the cache.
// - What can still change an ended period is a request received in it and stored later: a paper or fax request an
//   operator registers up to a year after its receipt. Invalidate() drops every kept report; the gateway calls it once
//   such a request is stored.
// A report computed while an Invalidate() happened is not kept (Put with the generation read before the computation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "gateway/reports.h"
#include "mezhved/v1/operator.pb.h"

namespace mezhved::gateway {

class ReportCache {
 public:
  static constexpr size_t kDefaultCapacity = 32;  // reports of ~10 KB each

  explicit ReportCache(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // The same days give the same key, whatever the label ("2026-Q1" and "2026-01-01..2026-03-31").
  static std::string KeyOf(const ReportPeriod& period);

  // Read it before reading the store for a report that Put may keep.
  uint64_t generation() const;
  // The kept report of the period, as computed (its label and generated_at are the first request's).
  std::optional<v1::ComplianceReport> Get(const std::string& key) const;
  // Keeps a report of an ended period (period_complete), unless Invalidate() was called since `generation` was read.
  // The least recently used report goes when more than the capacity are kept.
  void Put(const std::string& key, uint64_t generation, const v1::ComplianceReport& report);
  // Drops every kept report: a request received in an ended period was stored.
  void Invalidate();

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  uint64_t generation_ = 0;
  mutable std::list<std::pair<std::string, v1::ComplianceReport>> entries_;  // the most recently used first
};

}  // namespace mezhved::gateway
