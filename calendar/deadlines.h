// Deadlines in working days (DOMAIN.md "Rules of the exchange": 5 working days for an answer, 10 for progress).
//
// The rules:
// - Civil Code art. 191: a period starts on the day after the day of the event that begins it (here the receipt of
//   the request), so the day of receipt is never counted, whatever its hour.
// - Civil Code art. 193: the period ends at the end of its last day; a period of N working days ends at the end of
//   the Nth working day after the receipt (which working days: calendar/production_calendar.h, Labour Code art. 112).
// - Days are the addressee's local days: the receipt instant is converted with a fixed UTC offset (Russia has had no
//   daylight saving time since 2014: Moscow and Leningrad region UTC+3 = 180, Altai and Kuzbass UTC+7 = 420).
// - ReceiptPolicy::kCivilCode (the default) is art. 191 as written. ReceiptPolicy::kNextWorkingDay is the common
//   office-work rule for documents that arrive out of hours: a receipt on a non-working day, or on a working day at
//   or after working_day_end_minutes local time, counts as received on the next working day, and the period starts
//   on the day after that one.
// - Every day the counting needs must be in a loaded calendar year, or the answer is ErrorCode::kNoCalendar.
#pragma once

#include "calendar/production_calendar.h"
#include "common/clock.h"
#include "common/status.h"

namespace mezhved::calendar {

enum class ReceiptPolicy { kCivilCode, kNextWorkingDay };

struct DeadlinePolicy {
  int utc_offset_minutes = 180;  // the addressee's local time, -720..840; Moscow by default
  ReceiptPolicy receipt = ReceiptPolicy::kCivilCode;
  int working_day_end_minutes = 18 * 60;  // kNextWorkingDay only: minutes after local midnight, 1..1440
};

// The local calendar day of an instant at a fixed UTC offset.
Day LocalDay(UnixMillis at, int utc_offset_minutes);
// The instant local midnight starts `day` at a fixed UTC offset.
UnixMillis StartOfLocalDay(const Day& day, int utc_offset_minutes);

// The Nth working day of a period of `working_days` (>= 1) working days that begins with a receipt at `received_at`.
// kInvalidArgument for working_days < 1 or a policy out of range; kNoCalendar when a day needed is in a year not
// loaded.
StatusOr<Day> DueDay(const ProductionCalendar& calendar, UnixMillis received_at, int working_days,
                     const DeadlinePolicy& policy = {});

// The instant the period ends: local midnight at the start of the day after DueDay. The deadline is met by an
// answer strictly BEFORE this instant (art. 193: until the end of the last day).
StatusOr<UnixMillis> DueAt(const ProductionCalendar& calendar, UnixMillis received_at, int working_days,
                           const DeadlinePolicy& policy = {});

// The number of working days in (from_exclusive, to_inclusive]: for reports, how many working days an answer took
// (received on from_exclusive, answered on to_inclusive; 0 for an answer on the day of receipt).
// kInvalidArgument for an invalid day or to_inclusive < from_exclusive; kNoCalendar as above.
StatusOr<int> WorkingDaysBetween(const ProductionCalendar& calendar, const Day& from_exclusive,
                                 const Day& to_inclusive);

}  // namespace mezhved::calendar
