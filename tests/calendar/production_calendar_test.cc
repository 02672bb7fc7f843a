// Loading and checking calendar data: malformed files are refused naming the file and the line.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "calendar/production_calendar.h"

namespace mezhved::calendar {
namespace {

using YearSource = ProductionCalendar::YearSource;

constexpr const char* kValid2026 = R"(year: 2026
source: "test"
non_working_days: "2026-01-01"
)";

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("mezhved-calendar-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream(file) << text;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST_CASE("ProductionCalendar: malformed year files are refused with the file and line", "[calendar][load]") {
  struct Case {
    const char* name;
    const char* text;
    const char* expected;  // a part of the message after "<origin>:"
  };
  const Case cases[] = {
      {"syntax error", "year: 2026\nnon_working_days \"2026-01-01\"\n", "y.textproto:2:"},
      {"unknown field", "year: 2026\nholidays: \"2026-01-01\"\n", "y.textproto:2:"},
      {"malformed date", "year: 2026\nnon_working_days: \"2026-01-01\"\nnon_working_days: \"2026-02-30\"\n",
       "y.textproto:3: non_working_days \"2026-02-30\" is not a valid YYYY-MM-DD date"},
      {"date outside the year", "year: 2026\n\nnon_working_days: \"2027-01-01\"\n",
       "y.textproto:3: non_working_days \"2027-01-01\" is outside the file's year 2026"},
      {"working day outside the year", "year: 2026\nworking_days: \"2025-11-01\"\n",
       "y.textproto:2: working_days \"2025-11-01\" is outside the file's year 2026"},
      {"weekday as a working weekend day", "year: 2026\nworking_days: \"2026-11-27\"\n",
       "y.textproto:2: working_days \"2026-11-27\" is a weekday"},
      {"weekend as a non-working weekday", "year: 2026\nnon_working_days: \"2026-11-28\"\n",
       "y.textproto:2: non_working_days \"2026-11-28\" is a Saturday or Sunday"},
      {"duplicate",
       "year: 2026\nnon_working_days: \"2026-01-01\"\nnon_working_days: \"2026-01-02\"\n"
       "non_working_days: \"2026-01-01\"\n",
       "y.textproto:4: non_working_days \"2026-01-01\" is already listed on line 2"},
      {"in both lists", "year: 2025\nworking_days: \"2025-11-01\"\nnon_working_days: \"2025-11-01\"\n",
       "y.textproto:3: non_working_days \"2025-11-01\" is already listed on line 2"},
      {"no year", "non_working_days: \"2026-01-01\"\n", "y.textproto: year 0 is missing"},
      {"year out of range", "year: 10000\n", "y.textproto:1: year 10000 is missing or out of 1..9999"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    StatusOr<ProductionCalendar> loaded = ProductionCalendar::FromText({YearSource{"y.textproto", c.text}}, {});
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().code() == ErrorCode::kConfigInvalid);
    CHECK_THAT(loaded.status().message(), Catch::Contains(c.expected));
  }
}

TEST_CASE("ProductionCalendar: the same year twice is refused", "[calendar][load]") {
  StatusOr<ProductionCalendar> loaded =
      ProductionCalendar::FromText({YearSource{"a.textproto", kValid2026}, YearSource{"b.textproto", kValid2026}}, {});
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == ErrorCode::kConfigInvalid);
  CHECK_THAT(loaded.status().message(),
             Catch::StartsWith("b.textproto:1: year 2026 is already loaded from a.textproto"));
}

TEST_CASE("ProductionCalendar: Load names the file on disk", "[calendar][load]") {
  TempDir dir("load");
  dir.Write("2026.textproto", kValid2026);
  const std::string bad = dir.Write("2027.textproto", "year: 2027\n# a comment\nnon_working_days: \"2027-13-01\"\n");
  dir.Write("README.md", "not a calendar");
  StatusOr<ProductionCalendar> loaded = ProductionCalendar::Load(dir.path(), {});
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == ErrorCode::kConfigInvalid);
  CHECK_THAT(loaded.status().message(), Catch::StartsWith(bad + ":3: non_working_days \"2027-13-01\""));
}

TEST_CASE("ProductionCalendar: Load refuses a missing or empty directory and a missing overlay", "[calendar][load]") {
  TempDir dir("empty");
  CHECK(ProductionCalendar::Load(dir.path(), {}).status().code() == ErrorCode::kConfigInvalid);
  CHECK(ProductionCalendar::Load(dir.path() + "/nope", {}).status().code() == ErrorCode::kConfigInvalid);
  dir.Write("2026.textproto", kValid2026);
  StatusOr<ProductionCalendar> loaded = ProductionCalendar::Load(dir.path(), {dir.path() + "/missing.textproto"});
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == ErrorCode::kConfigInvalid);
  CHECK_THAT(loaded.status().message(), Catch::Contains("missing.textproto"));
}

TEST_CASE("ProductionCalendar: an overlay adds a non-working day and a working day", "[calendar][overlay]") {
  TempDir dir("overlay");
  dir.Write("2026.textproto", kValid2026);
  TempDir regions("overlay-regions");  // not the federal directory, where every *.textproto is a year
  const std::string overlay = regions.Write("kuzbass.textproto", R"(region: "kuzbass"
source: "test act"
non_working_days: "2026-07-03"
working_days: "2026-07-04"
)");
  StatusOr<ProductionCalendar> federal = ProductionCalendar::Load(dir.path(), {});
  StatusOr<ProductionCalendar> regional = ProductionCalendar::Load(dir.path(), {overlay});
  REQUIRE(federal.ok());
  REQUIRE(regional.ok());
  CHECK(regional->region() == "kuzbass");
  CHECK(*federal->IsWorkingDay(Day{2026, 7, 3}));
  CHECK_FALSE(*regional->IsWorkingDay(Day{2026, 7, 3}));
  CHECK_FALSE(*federal->IsWorkingDay(Day{2026, 7, 4}));
  CHECK(*regional->IsWorkingDay(Day{2026, 7, 4}));
  CHECK(*regional->WorkingDaysInYear(2026) == *federal->WorkingDaysInYear(2026));
}

TEST_CASE("ProductionCalendar: malformed overlays are refused with the file and line", "[calendar][overlay]") {
  struct Case {
    const char* name;
    std::vector<const char*> texts;
    const char* expected;
  };
  const Case cases[] = {
      {"no region", {"non_working_days: \"2026-07-03\"\n"}, "o0.textproto: region is required"},
      {"year not loaded",
       {"region: \"altai\"\nnon_working_days: \"2027-07-02\"\n"},
       "o0.textproto:2: non_working_days \"2027-07-02\" is in a year with no federal calendar"},
      {"duplicate",
       {"region: \"altai\"\nnon_working_days: \"2026-07-03\"\nworking_days: \"2026-07-03\"\n"},
       "o0.textproto:3: working_days \"2026-07-03\" is already listed on line 2"},
      {"malformed date",
       {"region: \"altai\"\nnon_working_days: \"03.07.2026\"\n"},
       "o0.textproto:2: non_working_days \"03.07.2026\" is not a valid"},
      {"two regions",
       {"region: \"altai\"\n", "source: \"x\"\nregion: \"kuzbass\"\n"},
       "o1.textproto:2: region \"kuzbass\" differs from \"altai\" of o0.textproto"},
      {"syntax error", {"region: altai\n"}, "o0.textproto:1:"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    std::vector<YearSource> overlays;
    for (size_t i = 0; i < c.texts.size(); ++i) {
      overlays.push_back(YearSource{"o" + std::to_string(i) + ".textproto", c.texts[i]});
    }
    StatusOr<ProductionCalendar> loaded =
        ProductionCalendar::FromText({YearSource{"y.textproto", kValid2026}}, overlays);
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().code() == ErrorCode::kConfigInvalid);
    CHECK_THAT(loaded.status().message(), Catch::Contains(c.expected));
  }
}

}  // namespace
}  // namespace mezhved::calendar
