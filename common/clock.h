// Time is injected: every module that needs "now" takes a Clock, so tests drive leases and deadlines with a
// ManualClock and never sleep.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <mutex>
#include <string>

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

// A clock set from a file that holds Unix milliseconds as decimal text, for tests and drills that run the real
// daemon on a simulated time (mezhvedd --clock-file): deadlines days ahead are reached by rewriting the file. From
// the moment a new value is read, time runs on from it at the real pace, so leases and long polls still end. The
// file is read again at most every kRereadMs of real time; while it is missing or malformed, time runs on from the
// last good value (from 0 before the first). Thread-safe.
class FileClock final : public Clock {
 public:
  static constexpr int64_t kRereadMs = 10;

  explicit FileClock(std::string path);
  UnixMillis NowMs() const override;
  // Reads the file now; false when it holds no time.
  bool Reload() const;

 private:
  struct Base {
    UnixMillis file_value = 0;     // the last good value read
    int64_t set_at_steady_ms = 0;  // when it was first read
  };

  std::string path_;
  mutable std::mutex mutex_;
  mutable Base base_;
  mutable int64_t read_at_steady_ms_ = INT64_MIN;
};

}  // namespace mezhved
