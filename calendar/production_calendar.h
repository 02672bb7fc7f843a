// The production calendar: which days are working days in Russia, for the deadlines of the exchange, which are all
// counted in working days (DOMAIN.md "Rules of the exchange").
//
// The rules:
// - Labour Code art. 112: Saturday and Sunday are days off; the public holidays (1-6 and 8 January, 7 January,
//   23 February, 8 March, 1 May, 9 May, 12 June, 4 November) are non-working days. A holiday that falls on a day
//   off moves to the next working day, except the January ones, whose two days off the Government moves by decree
//   to other days of the year; the Government may move other days off too. The result differs every year, so it is
//   data, not code: one file per year (calendars/federal/<year>.textproto, schema in
//   proto/mezhved/config/v1/calendar.proto) lists the weekdays that are not worked and the weekend days that are.
// - A region may declare extra non-working (or working) days by its own act: an overlay file
//   (calendars/regions/*.textproto) applied on top of the federal calendar.
// - A day in a year for which no calendar is loaded is never guessed: it is ErrorCode::kNoCalendar, so a missing
//   next-year file shows up as an error instead of a wrong deadline.
// The counting of periods (Civil Code art. 191, 193) is in calendar/deadlines.h.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mezhved::calendar {

// A civil (proleptic Gregorian) calendar day, with no time zone: the caller decides whose day it is.
struct Day {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31

  auto operator<=>(const Day&) const = default;
  bool operator==(const Day&) const = default;
};

enum class Weekday { kMonday = 1, kTuesday, kWednesday, kThursday, kFriday, kSaturday, kSunday };

// Pure date arithmetic (H. Hinnant's days-from-civil algorithms); valid for any Day with IsValidDay.
bool IsLeapYear(int year);
int DaysInMonth(int year, int month);    // 0 when month is not 1..12
bool IsValidDay(const Day& day);         // year 1..9999, a real month and day
int64_t DaysSinceEpoch(const Day& day);  // 1970-01-01 is 0
Day DayFromDaysSinceEpoch(int64_t days);
Day AddDays(const Day& day, int64_t days);
Day NextDay(const Day& day);
Weekday DayOfWeek(const Day& day);
bool IsWeekend(const Day& day);  // Saturday or Sunday
// "YYYY-MM-DD" both ways; ParseDay accepts exactly that form of a valid day.
std::string FormatDay(const Day& day);
std::optional<Day> ParseDay(std::string_view text);

// Which days are worked, for a set of years. Immutable once loaded, so one instance is shared by any number of
// threads without locking.
class ProductionCalendar {
 public:
  // Reads every *.textproto in federal_dir as one year (a ProductionCalendarYear) and then applies the overlay files
  // (CalendarOverlay) in order. Refused with kConfigInvalid naming the file (and the line, for a bad entry): a file
  // that does not parse; a year outside 1..9999 or loaded twice; a date that is malformed, outside its file's year,
  // listed twice, or in both lists; a weekend day in non_working_days or a weekday in working_days of a federal
  // file; an overlay date in a year with no federal calendar; overlays that name different regions. A directory with
  // no year file is refused too.
  static StatusOr<ProductionCalendar> Load(const std::string& federal_dir,
                                           const std::vector<std::string>& overlay_files);

  // Builds a calendar from already parsed data, with the same checks as Load; `origin` names the data in errors.
  // For tests and tools that hold the calendar in memory.
  struct YearSource {
    std::string origin;
    std::string text;  // a ProductionCalendarYear in text format
  };
  static StatusOr<ProductionCalendar> FromText(const std::vector<YearSource>& years,
                                               const std::vector<YearSource>& overlays);

  // kInvalidArgument for an invalid Day, kNoCalendar for a year not loaded.
  StatusOr<bool> IsWorkingDay(const Day& day) const;
  StatusOr<int> WorkingDaysInYear(int year) const;

  bool HasYear(int year) const { return years_.contains(year); }
  std::vector<int> Years() const;
  // The region of the overlays applied, empty for the federal calendar alone.
  const std::string& region() const { return region_; }

 private:
  struct Year {
    std::vector<bool> working;  // indexed by the day of the year, 0-based
    int working_count = 0;
  };

  ProductionCalendar() = default;

  std::map<int, Year> years_;
  std::string region_;
};

}  // namespace mezhved::calendar
