// Periods in working days (Civil Code art. 191, 193) over the shipped federal calendars.
#include <catch2/catch.hpp>

#include <string>

#include "calendar/deadlines.h"

namespace mezhved::calendar {
namespace {

const std::string kFederalDir = std::string(MEZHVED_SOURCE_DIR) + "/calendars/federal";
constexpr int kMoscow = 180;
constexpr int kAltai = 420;  // also Kuzbass

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

// The instant of hh:mm local time on `day` at a UTC offset.
UnixMillis At(const Day& day, int hour, int minute, int utc_offset_minutes) {
  return StartOfLocalDay(day, utc_offset_minutes) + (hour * 60 + minute) * 60 * 1000;
}

DeadlinePolicy Policy(int utc_offset_minutes, ReceiptPolicy receipt) {
  DeadlinePolicy policy;
  policy.utc_offset_minutes = utc_offset_minutes;
  policy.receipt = receipt;
  return policy;
}

TEST_CASE("Deadlines: local day and start of day at fixed offsets", "[calendar][deadlines]") {
  const UnixMillis at = 1795809600000;  // 2026-11-27T20:00:00Z
  CHECK(LocalDay(at, 0) == Day{2026, 11, 27});
  CHECK(LocalDay(at, kMoscow) == Day{2026, 11, 27});
  CHECK(LocalDay(at, kAltai) == Day{2026, 11, 28});
  CHECK(LocalDay(at, -300) == Day{2026, 11, 27});
  CHECK(LocalDay(-1, 0) == Day{1969, 12, 31});
  CHECK(StartOfLocalDay(Day{2026, 11, 28}, kAltai) == at - 3 * 3600 * 1000);
  CHECK(At(Day{2026, 11, 27}, 20, 0, 0) == at);
}

TEST_CASE("Deadlines: due days under both receipt policies", "[calendar][deadlines]") {
  struct Case {
    const char* name;
    Day received;
    int hour, minute;
    int working_days;
    Day civil_code;        // ReceiptPolicy::kCivilCode
    Day next_working_day;  // ReceiptPolicy::kNextWorkingDay, end of the working day 18:00
  };
  const Case cases[] = {
      {"Thursday before the New Year holidays, 5", {2026, 12, 24}, 10, 0, 5, {2027, 1, 11}, {2027, 1, 11}},
      {"Thursday before the New Year holidays, 10", {2026, 12, 24}, 10, 0, 10, {2027, 1, 18}, {2027, 1, 18}},
      {"Thursday before the New Year holidays after hours", {2026, 12, 24}, 18, 30, 5, {2027, 1, 11}, {2027, 1, 12}},
      {"on a holiday, 31 December", {2026, 12, 31}, 10, 0, 5, {2027, 1, 15}, {2027, 1, 18}},
      {"Saturday", {2026, 11, 28}, 12, 0, 5, {2026, 12, 4}, {2026, 12, 7}},
      {"Sunday", {2026, 11, 29}, 9, 0, 5, {2026, 12, 4}, {2026, 12, 7}},
      {"Thursday after working hours", {2026, 11, 26}, 19, 0, 5, {2026, 12, 3}, {2026, 12, 4}},
      {"Thursday at the end of the working day", {2026, 11, 26}, 18, 0, 5, {2026, 12, 3}, {2026, 12, 4}},
      {"Thursday a minute before the end", {2026, 11, 26}, 17, 59, 5, {2026, 12, 3}, {2026, 12, 3}},
      {"Thursday just after midnight", {2026, 11, 26}, 0, 0, 5, {2026, 12, 3}, {2026, 12, 3}},
      {"Friday, 1 working day", {2026, 11, 27}, 10, 0, 1, {2026, 11, 30}, {2026, 11, 30}},
      {"Friday before Victory Day moved to Monday", {2026, 5, 8}, 10, 0, 1, {2026, 5, 12}, {2026, 5, 12}},
      {"Friday before the working Saturday 2025-11-01", {2025, 10, 31}, 10, 0, 1, {2025, 11, 1}, {2025, 11, 1}},
      {"working Saturday 2027-02-20", {2027, 2, 20}, 10, 0, 1, {2027, 2, 24}, {2027, 2, 24}},
      {"working Saturday 2027-02-20 after hours", {2027, 2, 20}, 19, 0, 1, {2027, 2, 24}, {2027, 2, 25}},
      {"30 December 2025 across the year end, 10", {2025, 12, 30}, 10, 0, 10, {2026, 1, 23}, {2026, 1, 23}},
      {"31 December 2024 (not loaded, not needed by art. 191)", {2024, 12, 31}, 10, 0, 5, {2025, 1, 15}, {}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const UnixMillis received_at = At(c.received, c.hour, c.minute, kMoscow);
    StatusOr<Day> civil = DueDay(Federal(), received_at, c.working_days);  // the default policy: Moscow, art. 191
    REQUIRE(civil.ok());
    CHECK(FormatDay(*civil) == FormatDay(c.civil_code));
    StatusOr<UnixMillis> civil_at = DueAt(Federal(), received_at, c.working_days);
    REQUIRE(civil_at.ok());
    CHECK(*civil_at == StartOfLocalDay(NextDay(c.civil_code), kMoscow));

    StatusOr<Day> next =
        DueDay(Federal(), received_at, c.working_days, Policy(kMoscow, ReceiptPolicy::kNextWorkingDay));
    if (c.received.year == 2024) {
      // The policy needs the day of receipt itself, which has no calendar.
      CHECK(next.status().code() == ErrorCode::kNoCalendar);
      continue;
    }
    REQUIRE(next.ok());
    CHECK(FormatDay(*next) == FormatDay(c.next_working_day));
  }
}

TEST_CASE("Deadlines: the period ends at the start of the next local day", "[calendar][deadlines]") {
  // Received 2026-12-24 (Thursday) in Moscow, 5 working days: due 2027-01-11, so before 2027-01-12 00:00 MSK.
  StatusOr<UnixMillis> due = DueAt(Federal(), At(Day{2026, 12, 24}, 10, 0, kMoscow), 5, DeadlinePolicy{});
  REQUIRE(due.ok());
  CHECK(*due == 1799701200000);  // 2027-01-11T21:00:00Z
}

TEST_CASE("Deadlines: the addressee's time zone decides the day of receipt", "[calendar][deadlines][tz]") {
  const DeadlinePolicy leningrad = Policy(kMoscow, ReceiptPolicy::kCivilCode);
  const DeadlinePolicy altai = Policy(kAltai, ReceiptPolicy::kCivilCode);

  SECTION("2026-11-27 20:00 UTC: Friday 23:00 in UTC+3, Saturday 03:00 in UTC+7") {
    const UnixMillis at = 1795809600000;
    CHECK(LocalDay(at, kMoscow) == Day{2026, 11, 27});
    CHECK(LocalDay(at, kAltai) == Day{2026, 11, 28});
    // Friday and Saturday both lead to Monday 11-30 as the first counted day: the same due day, but each ends at
    // its own local midnight, four hours apart.
    CHECK(*DueDay(Federal(), at, 5, leningrad) == Day{2026, 12, 4});
    CHECK(*DueDay(Federal(), at, 5, altai) == Day{2026, 12, 4});
    CHECK(*DueAt(Federal(), at, 5, leningrad) == 1796418000000);  // 2026-12-04T21:00:00Z
    CHECK(*DueAt(Federal(), at, 5, altai) == 1796403600000);      // 2026-12-04T17:00:00Z
    // 1 working day: Monday in both.
    CHECK(*DueDay(Federal(), at, 1, leningrad) == Day{2026, 11, 30});
    CHECK(*DueDay(Federal(), at, 1, altai) == Day{2026, 11, 30});
  }
  SECTION("2026-11-26 20:00 UTC: Thursday in UTC+3, already Friday in UTC+7: different due days") {
    const UnixMillis at = 1795723200000;
    CHECK(*DueDay(Federal(), at, 5, leningrad) == Day{2026, 12, 3});
    CHECK(*DueDay(Federal(), at, 5, altai) == Day{2026, 12, 4});
    CHECK(*DueDay(Federal(), at, 1, leningrad) == Day{2026, 11, 27});
    CHECK(*DueDay(Federal(), at, 1, altai) == Day{2026, 11, 30});
  }
  SECTION("2026-11-26 12:00 UTC: 15:00 in UTC+3 is working hours, 19:00 in UTC+7 is not") {
    const UnixMillis at = 1795694400000;
    CHECK(*DueDay(Federal(), at, 5, Policy(kMoscow, ReceiptPolicy::kNextWorkingDay)) == Day{2026, 12, 3});
    CHECK(*DueDay(Federal(), at, 5, Policy(kAltai, ReceiptPolicy::kNextWorkingDay)) == Day{2026, 12, 4});
    CHECK(*DueDay(Federal(), at, 5, altai) == Day{2026, 12, 3});
  }
}

TEST_CASE("Deadlines: a custom end of the working day", "[calendar][deadlines]") {
  DeadlinePolicy policy = Policy(kMoscow, ReceiptPolicy::kNextWorkingDay);
  policy.working_day_end_minutes = 17 * 60;  // 17:00
  CHECK(*DueDay(Federal(), At(Day{2026, 11, 26}, 16, 59, kMoscow), 1, policy) == Day{2026, 11, 27});
  CHECK(*DueDay(Federal(), At(Day{2026, 11, 26}, 17, 0, kMoscow), 1, policy) == Day{2026, 11, 30});
}

TEST_CASE("Deadlines: a regional non-working day moves the deadline", "[calendar][deadlines][overlay]") {
  const std::string overlay = std::string(MEZHVED_SOURCE_DIR) + "/calendars/regions/example-altai-2026.textproto";
  StatusOr<ProductionCalendar> altai = ProductionCalendar::Load(kFederalDir, {overlay});
  REQUIRE(altai.ok());
  const UnixMillis at = At(Day{2026, 7, 2}, 10, 0, kAltai);  // Thursday
  const DeadlinePolicy policy = Policy(kAltai, ReceiptPolicy::kCivilCode);
  CHECK(*DueDay(Federal(), at, 1, policy) == Day{2026, 7, 3});
  CHECK(*DueDay(*altai, at, 1, policy) == Day{2026, 7, 6});
  CHECK(*WorkingDaysBetween(*altai, Day{2026, 7, 2}, Day{2026, 7, 6}) == 1);
}

TEST_CASE("Deadlines: a period that needs a year with no calendar is NO_CALENDAR", "[calendar][deadlines]") {
  const UnixMillis at = At(Day{2027, 12, 24}, 10, 0, kMoscow);  // Friday
  // 12-27..12-30 are the last working days of 2027; a fifth one would be in 2028.
  CHECK(*DueDay(Federal(), at, 4) == Day{2027, 12, 30});
  StatusOr<Day> due = DueDay(Federal(), at, 5);
  REQUIRE_FALSE(due.ok());
  CHECK(due.status().code() == ErrorCode::kNoCalendar);
  CHECK_THAT(due.status().message(), Catch::Contains("2028"));
  CHECK(DueAt(Federal(), at, 5).status().code() == ErrorCode::kNoCalendar);
  CHECK(DueDay(Federal(), At(Day{2028, 3, 1}, 10, 0, kMoscow), 1).status().code() == ErrorCode::kNoCalendar);
}

TEST_CASE("Deadlines: invalid arguments", "[calendar][deadlines]") {
  const UnixMillis at = At(Day{2026, 11, 26}, 10, 0, kMoscow);
  CHECK(DueDay(Federal(), at, 0).status().code() == ErrorCode::kInvalidArgument);
  CHECK(DueDay(Federal(), at, -3).status().code() == ErrorCode::kInvalidArgument);
  CHECK(DueDay(Federal(), at, 5, Policy(900, ReceiptPolicy::kCivilCode)).status().code() ==
        ErrorCode::kInvalidArgument);
  DeadlinePolicy policy;
  policy.working_day_end_minutes = 0;
  CHECK(DueAt(Federal(), at, 5, policy).status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Deadlines: working days between two days", "[calendar][deadlines][report]") {
  struct Case {
    Day from_exclusive;
    Day to_inclusive;
    int working_days;
  };
  const Case cases[] = {
      {{2026, 12, 24}, {2026, 12, 24}, 0},   {{2026, 12, 24}, {2026, 12, 25}, 1}, {{2026, 12, 24}, {2027, 1, 11}, 5},
      {{2026, 12, 24}, {2027, 1, 18}, 10},   {{2026, 11, 27}, {2026, 11, 29}, 0}, {{2025, 12, 31}, {2026, 12, 31}, 247},
      {{2024, 12, 31}, {2025, 12, 31}, 247}, {{2026, 12, 31}, {2027, 1, 10}, 0},
  };
  for (const Case& c : cases) {
    INFO(FormatDay(c.from_exclusive) << " .. " << FormatDay(c.to_inclusive));
    StatusOr<int> count = WorkingDaysBetween(Federal(), c.from_exclusive, c.to_inclusive);
    REQUIRE(count.ok());
    CHECK(*count == c.working_days);
  }
  CHECK(WorkingDaysBetween(Federal(), Day{2027, 1, 11}, Day{2026, 12, 24}).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(WorkingDaysBetween(Federal(), Day{2026, 2, 30}, Day{2026, 3, 2}).status().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(WorkingDaysBetween(Federal(), Day{2027, 12, 30}, Day{2028, 1, 10}).status().code() == ErrorCode::kNoCalendar);
  CHECK(WorkingDaysBetween(Federal(), Day{2024, 12, 30}, Day{2025, 1, 10}).status().code() == ErrorCode::kNoCalendar);
}

TEST_CASE("Deadlines: DueDay and WorkingDaysBetween agree for every receipt day", "[calendar][deadlines]") {
  for (Day received{2025, 1, 1}; received < Day{2027, 11, 1}; received = NextDay(received)) {
    for (int working_days : {1, 5, 10}) {
      INFO(FormatDay(received) << " + " << working_days);
      StatusOr<Day> due = DueDay(Federal(), At(received, 12, 0, kMoscow), working_days);
      REQUIRE(due.ok());
      CHECK(*Federal().IsWorkingDay(*due));
      CHECK(*WorkingDaysBetween(Federal(), received, *due) == working_days);
    }
  }
}

}  // namespace
}  // namespace mezhved::calendar
