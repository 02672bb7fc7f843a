#include "common/readiness.h"

namespace mezhved {

void Readiness::Require(std::string name, std::function<Status()> check) {
  std::lock_guard lock(mutex_);
  conditions_.push_back(Condition{std::move(name), std::move(check)});
}

Status Readiness::Check() const {
  if (stopping_) {
    return {ErrorCode::kUnavailable, "stopping"};
  }
  if (!started_) {
    return {ErrorCode::kUnavailable, "starting: the listeners are not all up yet"};
  }
  std::lock_guard lock(mutex_);
  for (const Condition& condition : conditions_) {
    if (Status status = condition.check(); !status.ok()) {
      return {ErrorCode::kUnavailable, condition.name + ": " + status.message()};
    }
  }
  return Status::Ok();
}

}  // namespace mezhved
