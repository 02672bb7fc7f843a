// The shipped federal calendars (calendars/federal/*.textproto) hold exactly the facts of the decrees.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "calendar/production_calendar.h"

namespace mezhved::calendar {
namespace {

const std::string kFederalDir = std::string(MEZHVED_SOURCE_DIR) + "/calendars/federal";

const ProductionCalendar& Federal() {
  static const ProductionCalendar* calendar = [] {
    StatusOr<ProductionCalendar> loaded = ProductionCalendar::Load(kFederalDir, {});
    if (!loaded.ok()) {
      FAIL(loaded.status().ToString());
    }
    return new ProductionCalendar(std::move(*loaded));
  }();
  return *calendar;
}

struct YearFacts {
  int year;
  std::vector<std::string> non_working_weekdays;  // MM-DD
  std::vector<std::string> working_weekend_days;  // MM-DD
};

const std::vector<YearFacts>& Facts() {
  static const std::vector<YearFacts> facts = {
      {2025,
       {"01-01", "01-02", "01-03", "01-06", "01-07", "01-08", "05-01", "05-02", "05-08", "05-09", "06-12", "06-13",
        "11-03", "11-04", "12-31"},
       {"11-01"}},
      {2026,
       {"01-01", "01-02", "01-05", "01-06", "01-07", "01-08", "01-09", "02-23", "03-09", "05-01", "05-11", "06-12",
        "11-04", "12-31"},
       {}},
      {2027,
       {"01-01", "01-04", "01-05", "01-06", "01-07", "01-08", "02-22", "02-23", "03-08", "05-03", "05-10", "06-14",
        "11-04", "11-05", "12-31"},
       {"02-20"}},
  };
  return facts;
}

Day Parse(int year, const std::string& month_day) { return *ParseDay(std::to_string(year) + "-" + month_day); }

TEST_CASE("Shipped calendar: the years 2025-2027 are loaded", "[calendar][data]") {
  CHECK(Federal().Years() == std::vector<int>{2025, 2026, 2027});
  CHECK(Federal().region().empty());
}

TEST_CASE("Shipped calendar: 247 working days in each year", "[calendar][data]") {
  for (int year : {2025, 2026, 2027}) {
    INFO(year);
    StatusOr<int> count = Federal().WorkingDaysInYear(year);
    REQUIRE(count.ok());
    CHECK(*count == 247);
  }
}

TEST_CASE("Shipped calendar: every listed non-working weekday and working weekend day", "[calendar][data]") {
  for (const YearFacts& facts : Facts()) {
    for (const std::string& month_day : facts.non_working_weekdays) {
      const Day day = Parse(facts.year, month_day);
      INFO(FormatDay(day));
      CHECK_FALSE(IsWeekend(day));
      StatusOr<bool> working = Federal().IsWorkingDay(day);
      REQUIRE(working.ok());
      CHECK_FALSE(*working);
    }
    for (const std::string& month_day : facts.working_weekend_days) {
      const Day day = Parse(facts.year, month_day);
      INFO(FormatDay(day));
      CHECK(DayOfWeek(day) == Weekday::kSaturday);
      StatusOr<bool> working = Federal().IsWorkingDay(day);
      REQUIRE(working.ok());
      CHECK(*working);
    }
  }
}

TEST_CASE("Shipped calendar: every other day follows Monday-Friday", "[calendar][data]") {
  for (const YearFacts& facts : Facts()) {
    std::set<Day> exceptions;
    for (const std::string& md : facts.non_working_weekdays) exceptions.insert(Parse(facts.year, md));
    for (const std::string& md : facts.working_weekend_days) exceptions.insert(Parse(facts.year, md));
    int working_days = 0;
    for (Day day{facts.year, 1, 1}; day.year == facts.year; day = NextDay(day)) {
      StatusOr<bool> working = Federal().IsWorkingDay(day);
      REQUIRE(working.ok());
      working_days += *working ? 1 : 0;
      if (!exceptions.contains(day)) {
        INFO(FormatDay(day));
        CHECK(*working == !IsWeekend(day));
      }
    }
    CHECK(working_days == 247);
  }
}

TEST_CASE("Shipped calendar: weekends, holidays on weekends and years not loaded", "[calendar][data]") {
  struct Case {
    Day day;
    bool working;
  };
  const Case cases[] = {
      {{2026, 1, 3}, false},    // Saturday, a January holiday
      {{2026, 3, 8}, false},    // Sunday, Women's Day moved to 2026-03-09
      {{2026, 3, 10}, true},    // Tuesday
      {{2026, 5, 9}, false},    // Saturday, Victory Day moved to 2026-05-11
      {{2026, 11, 28}, false},  // Saturday
      {{2026, 11, 29}, false},  // Sunday
      {{2026, 12, 30}, true},   // Wednesday
      {{2025, 11, 2}, false},   // Sunday after the working Saturday
      {{2027, 2, 21}, false},   // Sunday after the working Saturday
      {{2027, 1, 11}, true},    // Monday after the New Year holidays
  };
  for (const Case& c : cases) {
    INFO(FormatDay(c.day));
    StatusOr<bool> working = Federal().IsWorkingDay(c.day);
    REQUIRE(working.ok());
    CHECK(*working == c.working);
  }
  CHECK(Federal().IsWorkingDay(Day{2024, 12, 31}).status().code() == ErrorCode::kNoCalendar);
  CHECK(Federal().IsWorkingDay(Day{2028, 1, 10}).status().code() == ErrorCode::kNoCalendar);
  CHECK(Federal().WorkingDaysInYear(2028).status().code() == ErrorCode::kNoCalendar);
  CHECK(Federal().IsWorkingDay(Day{2026, 2, 30}).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Shipped calendar: the example Altai overlay adds its non-working day only when loaded",
          "[calendar][data][overlay]") {
  const std::string overlay = std::string(MEZHVED_SOURCE_DIR) + "/calendars/regions/example-altai-2026.textproto";
  StatusOr<ProductionCalendar> altai = ProductionCalendar::Load(kFederalDir, {overlay});
  REQUIRE(altai.ok());
  CHECK(altai->region() == "altai");
  CHECK(*altai->IsWorkingDay(Day{2026, 7, 3}) == false);
  CHECK(*altai->WorkingDaysInYear(2026) == 246);
  CHECK(*altai->WorkingDaysInYear(2025) == 247);
  // The federal calendar is untouched.
  CHECK(*Federal().IsWorkingDay(Day{2026, 7, 3}) == true);
  CHECK(*Federal().WorkingDaysInYear(2026) == 247);
}

}  // namespace
}  // namespace mezhved::calendar
