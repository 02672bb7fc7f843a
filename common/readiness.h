// Whether the daemon is ready to serve (/readyz, the mezhved_ready gauge, docs/MONITORING.md): every required
// condition holds, start-up has finished and no stop has begun. Conditions are checked at each probe, so a store
// that fails a write makes the daemon unready at once. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"

namespace mezhved {

class Readiness {
 public:
  // A condition that must hold: `check` returns OK, or why not. Add conditions before probes begin.
  void Require(std::string name, std::function<Status()> check);
  // Start-up has finished: every listener is up.
  void MarkStarted() { started_ = true; }
  // A stop has begun: the daemon drains and takes no new work.
  void MarkStopping() { stopping_ = true; }

  // OK, or UNAVAILABLE naming the first reason the daemon is not ready.
  Status Check() const;

 private:
  struct Condition {
    std::string name;
    std::function<Status()> check;
  };
  mutable std::mutex mutex_;
  std::vector<Condition> conditions_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
};

}  // namespace mezhved
