#include <catch2/catch.hpp>

#include "calendar/production_calendar.h"

namespace mezhved::calendar {
namespace {

TEST_CASE("Day: days since the epoch round-trip and match known values", "[calendar][day]") {
  CHECK(DaysSinceEpoch(Day{1970, 1, 1}) == 0);
  CHECK(DaysSinceEpoch(Day{2000, 3, 1}) == 11017);
  CHECK(DaysSinceEpoch(Day{1969, 12, 31}) == -1);
  for (int64_t days = -800000; days <= 800000; days += 997) {
    CHECK(DaysSinceEpoch(DayFromDaysSinceEpoch(days)) == days);
  }
}

TEST_CASE("Day: next day crosses month, leap February and year ends", "[calendar][day]") {
  struct Case {
    Day day;
    Day next;
  };
  const Case cases[] = {
      {{2026, 1, 31}, {2026, 2, 1}}, {{2026, 2, 28}, {2026, 3, 1}},  {{2028, 2, 28}, {2028, 2, 29}},
      {{2028, 2, 29}, {2028, 3, 1}}, {{2100, 2, 28}, {2100, 3, 1}},  {{2000, 2, 28}, {2000, 2, 29}},
      {{2026, 4, 30}, {2026, 5, 1}}, {{2026, 12, 31}, {2027, 1, 1}}, {{2027, 6, 14}, {2027, 6, 15}},
  };
  for (const Case& c : cases) {
    INFO(FormatDay(c.day));
    CHECK(NextDay(c.day) == c.next);
    CHECK(AddDays(c.day, 1) == c.next);
    CHECK(AddDays(c.next, -1) == c.day);
  }
}

TEST_CASE("Day: day of the week", "[calendar][day]") {
  CHECK(DayOfWeek(Day{1970, 1, 1}) == Weekday::kThursday);
  CHECK(DayOfWeek(Day{2026, 12, 24}) == Weekday::kThursday);
  CHECK(DayOfWeek(Day{2026, 11, 28}) == Weekday::kSaturday);
  CHECK(DayOfWeek(Day{2025, 11, 1}) == Weekday::kSaturday);
  CHECK(DayOfWeek(Day{2027, 2, 20}) == Weekday::kSaturday);
  CHECK(DayOfWeek(Day{2027, 1, 11}) == Weekday::kMonday);
  CHECK(DayOfWeek(Day{2026, 3, 8}) == Weekday::kSunday);
  CHECK(DayOfWeek(Day{1969, 12, 31}) == Weekday::kWednesday);
  CHECK(IsWeekend(Day{2026, 11, 29}));
  CHECK_FALSE(IsWeekend(Day{2026, 11, 30}));
}

TEST_CASE("Day: comparison", "[calendar][day]") {
  CHECK(Day{2026, 12, 31} < Day{2027, 1, 1});
  CHECK(Day{2026, 2, 28} < Day{2026, 3, 1});
  CHECK(Day{2026, 3, 1} > Day{2026, 2, 28});
  CHECK(Day{2026, 3, 1} == Day{2026, 3, 1});
  CHECK(Day{2026, 3, 1} != Day{2026, 3, 2});
}

TEST_CASE("Day: parse and format YYYY-MM-DD", "[calendar][day]") {
  CHECK(ParseDay("2026-02-23") == Day{2026, 2, 23});
  CHECK(ParseDay("2028-02-29") == Day{2028, 2, 29});
  CHECK(FormatDay(Day{2026, 2, 3}) == "2026-02-03");
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-01", "26-01-01", "2026/01/01",
                          "2026-01-01 ", "", "abcd-ef-gh", "2026-01-0x", "0000-01-01"}) {
    INFO(bad);
    CHECK_FALSE(ParseDay(bad).has_value());
  }
}

}  // namespace
}  // namespace mezhved::calendar
