#include "common/clock.h"

#include <charconv>
#include <chrono>
#include <fstream>
#include <iterator>
#include <utility>

namespace mezhved {

UnixMillis SystemClock::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

FileClock::FileClock(std::string path) : path_(std::move(path)) { Reload(); }

bool FileClock::Reload() const {
  std::ifstream in(path_);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t end = text.find_last_not_of(" \t\r\n");
  const char* last = text.data() + (end == std::string::npos ? 0 : end + 1);
  UnixMillis value = 0;
  const auto [stop, error] = std::from_chars(text.data(), last, value);
  const int64_t steady_now = SteadyMs();
  std::lock_guard lock(mutex_);
  read_at_steady_ms_ = steady_now;
  if (error != std::errc() || stop != last || value <= 0) {
    return false;
  }
  if (value != base_.file_value) {
    base_ = Base{value, steady_now};
  }
  return true;
}

UnixMillis FileClock::NowMs() const {
  const int64_t steady_now = SteadyMs();
  bool stale = false;
  {
    std::lock_guard lock(mutex_);
    stale = steady_now - read_at_steady_ms_ >= kRereadMs;
  }
  if (stale) {
    Reload();
  }
  std::lock_guard lock(mutex_);
  return base_.file_value + (SteadyMs() - base_.set_at_steady_ms);
}

}  // namespace mezhved
