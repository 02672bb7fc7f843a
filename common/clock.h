// Time is injected: every module that needs "now" takes a Clock, so tests drive leases and deadlines with a
// ManualClock and never sleep.
#pragma once

#include <atomic>
#include <cstdint>

namespace mezhved {

// Milliseconds since the Unix epoch, UTC.
using UnixMillis = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixMillis NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixMillis NowMs() const override;
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixMillis start) : now_(start) {}
  UnixMillis NowMs() const override { return now_.load(); }
  void Set(UnixMillis now) { now_.store(now); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<UnixMillis> now_;
};

}  // namespace mezhved
