#include "common/clock.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/temp_dir.h"

namespace mezhved {
namespace {

void Write(const std::filesystem::path& file, const std::string& text) { std::ofstream(file) << text; }

TEST_CASE("a file clock starts at the file's time and runs on at the real pace", "[clock]") {
  testing::TempDir dir;
  const std::filesystem::path file = dir / "now";
  Write(file, "1795500000000\n");
  FileClock clock(file.string());
  const UnixMillis first = clock.NowMs();
  CHECK(first >= 1'795'500'000'000);
  CHECK(first < 1'795'500'000'000 + 1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const UnixMillis later = clock.NowMs();
  CHECK(later - first >= 30);
  CHECK(later - first < 1000);

  SECTION("a new value moves it, forwards or back") {
    Write(file, "1796158800000");
    std::this_thread::sleep_for(std::chrono::milliseconds(FileClock::kRereadMs + 5));
    const UnixMillis moved = clock.NowMs();
    CHECK(moved >= 1'796'158'800'000);
    CHECK(moved < 1'796'158'800'000 + 1000);
    Write(file, "1700000000000");
    CHECK(clock.Reload());
    CHECK(clock.NowMs() < 1'700'000'000'000 + 1000);
  }
  SECTION("a malformed or missing file leaves the time running from the last good value") {
    Write(file, "tomorrow");
    CHECK_FALSE(clock.Reload());
    CHECK(clock.NowMs() >= later);
    CHECK(clock.NowMs() < 1'795'500'000'000 + 1000);
    std::filesystem::remove(file);
    CHECK_FALSE(clock.Reload());
    CHECK(clock.NowMs() >= later);
  }
}

}  // namespace
}  // namespace mezhved
