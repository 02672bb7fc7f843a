// Metrics in the Prometheus text exposition format (version 0.0.4), for the operator listener's /metrics
// (docs/MONITORING.md). Debian 12 has no Prometheus client library for C++, so this is the small part of one the
// gateway needs.
//
// The hot path must stay cheap: a Counter or a Histogram is a few relaxed atomic additions, never a lock, and a
// labelled counter (CounterGrid) is an array indexed by label positions the caller resolved once, at start. Figures
// that already live elsewhere (queue depths, RocksDB's statistics, the process) are read only when scraped, by
// collectors.
//
// Names follow Prometheus conventions: base units (seconds, bytes), `_total` on counters.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mezhved::metrics {

using Label = std::pair<std::string_view, std::string_view>;  // name, value

// Writes families and samples in the text format: HELP and TYPE once per family, then its samples. Label values
// are escaped; names are the caller's constants and are not checked here (tests run promtool over a scrape).
class TextWriter {
 public:
  explicit TextWriter(std::string& out) : out_(out) {}

  void Family(std::string_view name, std::string_view help, std::string_view type);
  void Sample(std::string_view name, const std::vector<Label>& labels, double value);
  void Sample(std::string_view name, const std::vector<Label>& labels, uint64_t value);
  void Sample(std::string_view name, double value) { Sample(name, {}, value); }
  void Sample(std::string_view name, uint64_t value) { Sample(name, {}, value); }

 private:
  void Labels(const std::vector<Label>& labels);

  std::string& out_;
};

// A count that only goes up. Each counter has its own cache line, so that counters bumped by different threads do
// not slow each other down.
class Counter {
 public:
  void Add(uint64_t amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  alignas(64) std::atomic<uint64_t> value_{0};
};

// Observations of a duration (or another quantity) into fixed buckets.
class Histogram {
 public:
  // Upper bounds in ascending order; +Inf is implied.
  explicit Histogram(std::vector<double> upper_bounds);

  void Observe(double value);
  // Durations: the steady clock's time since `start`.
  void ObserveSince(std::chrono::steady_clock::time_point start);

  struct Reading {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
    uint64_t count = 0;
    double sum = 0;
  };
  Reading Read() const;
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

  // Bounds for latencies from 50 µs to 10 s.
  static std::vector<double> LatencyBounds();
  // Bounds for message ages from 10 ms to 2 days (send to receive).
  static std::vector<double> AgeBounds();

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // upper_bounds_.size() + 1 non-cumulative counts
  // The sum in millionths of the unit (microseconds for seconds): integral, so one atomic add.
  std::atomic<uint64_t> sum_micro_{0};
};

// Counters of one family over a fixed grid of label values, for figures bumped per message: the label values are
// known at start (information types, agencies, error codes), so a position is resolved once and a bump is one atomic
// addition. Positions are row-major over the dimensions. Only non-zero cells are exposed.
class CounterGrid {
 public:
  struct Dimension {
    std::string label;
    std::vector<std::string> values;
  };
  explicit CounterGrid(std::vector<Dimension> dimensions);

  // The cell at one value index per dimension; indexes out of range are a programming error (clamped to the last
  // value, which callers make "other").
  Counter& At(std::initializer_list<size_t> indexes);
  size_t size() const { return cells_.size(); }
  uint64_t Sum() const;  // every cell's count
  void Write(TextWriter& writer, std::string_view name) const;

 private:
  std::vector<Dimension> dimensions_;
  std::vector<Counter> cells_;
};

class Registry;

// Keeps a collector registered: once it is destroyed (or reset), the collector is never called again, and a scrape
// calling it is waited for. So an object may register a collector that reads it, and hold the handle.
class CollectorHandle {
 public:
  CollectorHandle() = default;
  ~CollectorHandle() { Reset(); }
  CollectorHandle(CollectorHandle&&) noexcept = default;
  CollectorHandle& operator=(CollectorHandle&& other) noexcept;
  CollectorHandle(const CollectorHandle&) = delete;
  CollectorHandle& operator=(const CollectorHandle&) = delete;
  void Reset();

 private:
  friend class Registry;
  struct Entry;
  explicit CollectorHandle(std::shared_ptr<Entry> entry) : entry_(std::move(entry)) {}
  std::shared_ptr<Entry> entry_;
};

// Every metric of the process: owns them, and renders them with the collectors' figures in one scrape.
// Registration happens at start (under a lock, rarely); scrapes may run on any thread.
class Registry {
 public:
  Counter& AddCounter(std::string name, std::string help);
  Histogram& AddHistogram(std::string name, std::string help, std::vector<double> upper_bounds);
  CounterGrid& AddCounterGrid(std::string name, std::string help, std::vector<CounterGrid::Dimension> dimensions);
  // Figures read at scrape time, for as long as the handle lives. A collector writes whole families (Family, then
  // its samples) and must be quick; it is called with no lock of the registry held.
  [[nodiscard]] CollectorHandle AddCollector(std::function<void(TextWriter&)> collector);

  std::string Render() const;

 private:
  using Entry = CollectorHandle::Entry;
  std::shared_ptr<Entry> AddEntry(std::function<void(TextWriter&)> collector);

  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Entry>> entries_;
};

// The standard process_* figures of the Prometheus client libraries: CPU seconds, resident and virtual memory,
// open and maximum file descriptors, start time.
[[nodiscard]] CollectorHandle AddProcessCollector(Registry& registry);

}  // namespace mezhved::metrics
