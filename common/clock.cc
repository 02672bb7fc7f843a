#include "common/clock.h"

#include <chrono>

namespace mezhved {

UnixMillis SystemClock::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mezhved
