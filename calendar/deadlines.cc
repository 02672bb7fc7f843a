#include "calendar/deadlines.h"

#include <string>

namespace mezhved::calendar {

namespace {

constexpr int64_t kMillisPerMinute = int64_t{60} * 1000;
constexpr int64_t kMillisPerDay = int64_t{24} * 60 * kMillisPerMinute;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0); }

Status CheckPolicy(const DeadlinePolicy& policy) {
  if (policy.utc_offset_minutes < -12 * 60 || policy.utc_offset_minutes > 14 * 60) {
    return {ErrorCode::kInvalidArgument,
            "utc_offset_minutes " + std::to_string(policy.utc_offset_minutes) + " is out of -720..840"};
  }
  if (policy.working_day_end_minutes < 1 || policy.working_day_end_minutes > 24 * 60) {
    return {ErrorCode::kInvalidArgument,
            "working_day_end_minutes " + std::to_string(policy.working_day_end_minutes) + " is out of 1..1440"};
  }
  return Status::Ok();
}

// The first working day after `day`.
StatusOr<Day> NextWorkingDay(const ProductionCalendar& calendar, Day day) {
  while (true) {
    day = NextDay(day);
    StatusOr<bool> working = calendar.IsWorkingDay(day);
    MEZHVED_RETURN_IF_ERROR(working.status());
    if (*working) {
      return day;
    }
  }
}

}  // namespace

Day LocalDay(UnixMillis at, int utc_offset_minutes) {
  return DayFromDaysSinceEpoch(FloorDiv(at + utc_offset_minutes * kMillisPerMinute, kMillisPerDay));
}

UnixMillis StartOfLocalDay(const Day& day, int utc_offset_minutes) {
  return DaysSinceEpoch(day) * kMillisPerDay - utc_offset_minutes * kMillisPerMinute;
}

StatusOr<Day> DueDay(const ProductionCalendar& calendar, UnixMillis received_at, int working_days,
                     const DeadlinePolicy& policy) {
  MEZHVED_RETURN_IF_ERROR(CheckPolicy(policy));
  if (working_days < 1) {
    return Status(ErrorCode::kInvalidArgument,
                  "a period of " + std::to_string(working_days) + " working days; at least 1 is needed");
  }
  // The day of receipt, which art. 191 does not count.
  Day receipt = LocalDay(received_at, policy.utc_offset_minutes);
  if (policy.receipt == ReceiptPolicy::kNextWorkingDay) {
    const int64_t local_ms = received_at + policy.utc_offset_minutes * kMillisPerMinute;
    const int64_t minute_of_day = (local_ms - FloorDiv(local_ms, kMillisPerDay) * kMillisPerDay) / kMillisPerMinute;
    StatusOr<bool> working = calendar.IsWorkingDay(receipt);
    MEZHVED_RETURN_IF_ERROR(working.status());
    if (!*working || minute_of_day >= policy.working_day_end_minutes) {
      StatusOr<Day> next = NextWorkingDay(calendar, receipt);
      MEZHVED_RETURN_IF_ERROR(next.status());
      receipt = *next;
    }
  }
  Day day = receipt;
  for (int counted = 0; counted < working_days; ++counted) {
    StatusOr<Day> next = NextWorkingDay(calendar, day);
    MEZHVED_RETURN_IF_ERROR(next.status());
    day = *next;
  }
  return day;
}

StatusOr<UnixMillis> DueAt(const ProductionCalendar& calendar, UnixMillis received_at, int working_days,
                           const DeadlinePolicy& policy) {
  StatusOr<Day> due = DueDay(calendar, received_at, working_days, policy);
  MEZHVED_RETURN_IF_ERROR(due.status());
  return StartOfLocalDay(NextDay(*due), policy.utc_offset_minutes);
}

StatusOr<int> WorkingDaysBetween(const ProductionCalendar& calendar, const Day& from_exclusive,
                                 const Day& to_inclusive) {
  if (!IsValidDay(from_exclusive) || !IsValidDay(to_inclusive)) {
    return Status(ErrorCode::kInvalidArgument,
                  "not a valid day: " + FormatDay(IsValidDay(from_exclusive) ? to_inclusive : from_exclusive));
  }
  if (to_inclusive < from_exclusive) {
    return Status(ErrorCode::kInvalidArgument, FormatDay(to_inclusive) + " is before " + FormatDay(from_exclusive));
  }
  int count = 0;
  for (Day day = from_exclusive; day != to_inclusive;) {
    day = NextDay(day);
    StatusOr<bool> working = calendar.IsWorkingDay(day);
    MEZHVED_RETURN_IF_ERROR(working.status());
    count += *working ? 1 : 0;
  }
  return count;
}

}  // namespace mezhved::calendar
