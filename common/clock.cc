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
  size_t end = text.find_last_not_of(" \t\r\n");
  UnixMillis value = 0;
  const char* last = text.data() + (end == std::string::npos ? 0 : end + 1);
  const auto [stop, error] = std::from_chars(text.data(), last, value);
  read_at_steady_ms_ = SteadyMs();
  if (error != std::errc() || stop != last || value <= 0) {
    return false;
  }
  now_ = value;
  return true;
}

UnixMillis FileClock::NowMs() const {
  if (SteadyMs() - read_at_steady_ms_.load() >= kRereadMs) {
    Reload();
  }
  return now_.load();
}

}  // namespace mezhved
