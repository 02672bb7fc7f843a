#include "calendar/production_calendar.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "mezhved/config/v1/calendar.pb.h"

namespace mezhved::calendar {

namespace pb = google::protobuf;

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) {
    return 0;
  }
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

bool IsValidDay(const Day& day) {
  return day.year >= 1 && day.year <= 9999 && day.day >= 1 && day.day <= DaysInMonth(day.year, day.month);
}

// days_from_civil, http://howardhinnant.github.io/date_algorithms.html
int64_t DaysSinceEpoch(const Day& day) {
  const int64_t y = static_cast<int64_t>(day.year) - (day.month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (day.month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + day.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// civil_from_days, same source.
Day DayFromDaysSinceEpoch(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return Day{static_cast<int>(y), static_cast<int>(m), static_cast<int>(d)};
}

Day AddDays(const Day& day, int64_t days) { return DayFromDaysSinceEpoch(DaysSinceEpoch(day) + days); }

Day NextDay(const Day& day) {
  if (day.day < DaysInMonth(day.year, day.month)) {
    return Day{day.year, day.month, day.day + 1};
  }
  if (day.month < 12) {
    return Day{day.year, day.month + 1, 1};
  }
  return Day{day.year + 1, 1, 1};
}

Weekday DayOfWeek(const Day& day) {
  // 1970-01-01 was a Thursday (ISO 4).
  const int64_t days = DaysSinceEpoch(day);
  const int64_t iso = ((days % 7 + 7) % 7 + 3) % 7 + 1;
  return static_cast<Weekday>(iso);
}

bool IsWeekend(const Day& day) {
  const Weekday weekday = DayOfWeek(day);
  return weekday == Weekday::kSaturday || weekday == Weekday::kSunday;
}

std::string FormatDay(const Day& day) {
  char text[16];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02d", day.year, day.month, day.day);
  return text;
}

std::optional<Day> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  auto number = [&](size_t pos, size_t len) -> std::optional<int> {
    int value = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') {
        return std::nullopt;
      }
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const std::optional<int> year = number(0, 4);
  const std::optional<int> month = number(5, 2);
  const std::optional<int> day = number(8, 2);
  if (!year || !month || !day) {
    return std::nullopt;
  }
  Day result{*year, *month, *day};
  if (!IsValidDay(result)) {
    return std::nullopt;
  }
  return result;
}

namespace {

int DayOfYear(const Day& day) { return static_cast<int>(DaysSinceEpoch(day) - DaysSinceEpoch(Day{day.year, 1, 1})); }

Status Invalid(const std::string& origin, int line, const std::string& message) {
  std::string where = origin;
  if (line > 0) {
    where.append(":").append(std::to_string(line));  // not ":" + ...: GCC 12's -O3 -Wrestrict false positive
  }
  return {ErrorCode::kConfigInvalid, where + ": " + message};
}

class ParseErrors : public pb::io::ErrorCollector {
 public:
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (first_line_ == 0) {
      first_line_ = line + 1;
      first_message_ = std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
  }
  int first_line() const { return first_line_; }
  const std::string& first_message() const { return first_message_; }

 private:
  int first_line_ = 0;
  std::string first_message_;
};

// Parses `text` as `message`; on success `tree` holds where each field value is.
Status ParseText(const std::string& origin, const std::string& text, pb::Message* message,
                 pb::TextFormat::ParseInfoTree* tree) {
  ParseErrors errors;
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(tree);
  if (!parser.ParseFromString(text, message)) {
    if (errors.first_line() == 0) {
      return Invalid(origin, 0, "not a valid " + message->GetTypeName() + " in text format");
    }
    return {ErrorCode::kConfigInvalid, origin + ":" + errors.first_message()};
  }
  return Status::Ok();
}

// One date of a repeated string field, parsed, with its 1-based line in the file.
struct Entry {
  Day day;
  int line = 0;
  std::string field;
};

StatusOr<std::vector<Entry>> ReadDates(const std::string& origin, const pb::Message& message,
                                       const pb::TextFormat::ParseInfoTree& tree, const char* field_name) {
  const pb::FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(field_name);
  const pb::Reflection* reflection = message.GetReflection();
  std::vector<Entry> entries;
  const int size = reflection->FieldSize(message, field);
  for (int i = 0; i < size; ++i) {
    const std::string text = reflection->GetRepeatedString(message, field, i);
    const int line = tree.GetLocation(field, i).line + 1;
    std::optional<Day> day = ParseDay(text);
    if (!day) {
      return Invalid(origin, line, std::string(field_name) + " \"" + text + "\" is not a valid YYYY-MM-DD date");
    }
    entries.push_back(Entry{*day, line, field_name});
  }
  return entries;
}

// Refuses a date listed twice, within one list or across both.
Status CheckNoDuplicates(const std::string& origin, const std::vector<Entry>& a, const std::vector<Entry>& b) {
  std::map<Day, const Entry*> seen;
  std::vector<const Entry*> all;
  all.reserve(a.size() + b.size());
  for (const Entry& entry : a) all.push_back(&entry);
  for (const Entry& entry : b) all.push_back(&entry);
  std::sort(all.begin(), all.end(), [](const Entry* x, const Entry* y) { return x->line < y->line; });
  for (const Entry* entry : all) {
    auto [it, inserted] = seen.emplace(entry->day, entry);
    if (!inserted) {
      return Invalid(origin, entry->line,
                     entry->field + " \"" + FormatDay(entry->day) + "\" is already listed on line " +
                         std::to_string(it->second->line) + " (" + it->second->field + ")");
    }
  }
  return Status::Ok();
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(ErrorCode::kConfigInvalid, path + ": cannot be read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status(ErrorCode::kConfigInvalid, path + ": cannot be read");
  }
  return text.str();
}

}  // namespace

StatusOr<ProductionCalendar> ProductionCalendar::FromText(const std::vector<YearSource>& years,
                                                          const std::vector<YearSource>& overlays) {
  ProductionCalendar calendar;
  std::map<int, std::string> origin_of_year;
  for (const YearSource& source : years) {
    config::v1::ProductionCalendarYear year;
    pb::TextFormat::ParseInfoTree tree;
    MEZHVED_RETURN_IF_ERROR(ParseText(source.origin, source.text, &year, &tree));
    const int year_line = tree.GetLocation(year.GetDescriptor()->FindFieldByName("year"), -1).line + 1;
    if (year.year() < 1 || year.year() > 9999) {
      return Invalid(source.origin, year_line, "year " + std::to_string(year.year()) + " is missing or out of 1..9999");
    }
    if (auto [it, inserted] = origin_of_year.emplace(year.year(), source.origin); !inserted) {
      return Invalid(source.origin, year_line,
                     "year " + std::to_string(year.year()) + " is already loaded from " + it->second);
    }
    StatusOr<std::vector<Entry>> off = ReadDates(source.origin, year, tree, "non_working_days");
    MEZHVED_RETURN_IF_ERROR(off.status());
    StatusOr<std::vector<Entry>> on = ReadDates(source.origin, year, tree, "working_days");
    MEZHVED_RETURN_IF_ERROR(on.status());
    for (const std::vector<Entry>* list : {&*off, &*on}) {
      for (const Entry& entry : *list) {
        if (entry.day.year != year.year()) {
          return Invalid(source.origin, entry.line,
                         entry.field + " \"" + FormatDay(entry.day) + "\" is outside the file's year " +
                             std::to_string(year.year()));
        }
      }
    }
    MEZHVED_RETURN_IF_ERROR(CheckNoDuplicates(source.origin, *off, *on));
    for (const Entry& entry : *off) {
      if (IsWeekend(entry.day)) {
        return Invalid(source.origin, entry.line,
                       "non_working_days \"" + FormatDay(entry.day) +
                           "\" is a Saturday or Sunday, already a day off; list only weekdays");
      }
    }
    for (const Entry& entry : *on) {
      if (!IsWeekend(entry.day)) {
        return Invalid(source.origin, entry.line,
                       "working_days \"" + FormatDay(entry.day) +
                           "\" is a weekday, already a working day; list only worked Saturdays and Sundays");
      }
    }
    Year& data = calendar.years_[year.year()];
    const int days = IsLeapYear(year.year()) ? 366 : 365;
    data.working.resize(days);
    for (int i = 0; i < days; ++i) {
      data.working[i] = !IsWeekend(AddDays(Day{year.year(), 1, 1}, i));
    }
    for (const Entry& entry : *off) data.working[DayOfYear(entry.day)] = false;
    for (const Entry& entry : *on) data.working[DayOfYear(entry.day)] = true;
  }
  if (calendar.years_.empty()) {
    return Status(ErrorCode::kConfigInvalid, "no production calendar year loaded");
  }

  std::string region_origin;
  for (const YearSource& source : overlays) {
    config::v1::CalendarOverlay overlay;
    pb::TextFormat::ParseInfoTree tree;
    MEZHVED_RETURN_IF_ERROR(ParseText(source.origin, source.text, &overlay, &tree));
    const int region_line = tree.GetLocation(overlay.GetDescriptor()->FindFieldByName("region"), -1).line + 1;
    if (overlay.region().empty()) {
      return Invalid(source.origin, 0, "region is required");
    }
    if (calendar.region_.empty()) {
      calendar.region_ = overlay.region();
      region_origin = source.origin;
    } else if (calendar.region_ != overlay.region()) {
      return Invalid(source.origin, region_line,
                     "region \"" + overlay.region() + "\" differs from \"" + calendar.region_ + "\" of " +
                         region_origin + "; load one region's overlays per calendar");
    }
    StatusOr<std::vector<Entry>> off = ReadDates(source.origin, overlay, tree, "non_working_days");
    MEZHVED_RETURN_IF_ERROR(off.status());
    StatusOr<std::vector<Entry>> on = ReadDates(source.origin, overlay, tree, "working_days");
    MEZHVED_RETURN_IF_ERROR(on.status());
    MEZHVED_RETURN_IF_ERROR(CheckNoDuplicates(source.origin, *off, *on));
    for (const std::vector<Entry>* list : {&*off, &*on}) {
      for (const Entry& entry : *list) {
        if (!calendar.years_.contains(entry.day.year)) {
          return Invalid(source.origin, entry.line,
                         entry.field + " \"" + FormatDay(entry.day) + "\" is in a year with no federal calendar");
        }
      }
    }
    for (const Entry& entry : *off) calendar.years_[entry.day.year].working[DayOfYear(entry.day)] = false;
    for (const Entry& entry : *on) calendar.years_[entry.day.year].working[DayOfYear(entry.day)] = true;
  }

  for (auto& [number, year] : calendar.years_) {
    year.working_count = static_cast<int>(std::count(year.working.begin(), year.working.end(), true));
  }
  return calendar;
}

StatusOr<ProductionCalendar> ProductionCalendar::Load(const std::string& federal_dir,
                                                      const std::vector<std::string>& overlay_files) {
  namespace fs = std::filesystem;
  std::error_code error;
  std::vector<std::string> paths;
  for (fs::directory_iterator it(federal_dir, error), end; !error && it != end; it.increment(error)) {
    if (it->path().extension() == ".textproto") {
      paths.push_back(it->path().string());
    }
  }
  if (error) {
    return Status(ErrorCode::kConfigInvalid, federal_dir + ": cannot list the directory: " + error.message());
  }
  if (paths.empty()) {
    return Status(ErrorCode::kConfigInvalid, federal_dir + ": no *.textproto production calendar file");
  }
  std::sort(paths.begin(), paths.end());
  std::vector<YearSource> years;
  for (const std::string& path : paths) {
    StatusOr<std::string> text = ReadFile(path);
    MEZHVED_RETURN_IF_ERROR(text.status());
    years.push_back(YearSource{path, std::move(*text)});
  }
  std::vector<YearSource> overlays;
  for (const std::string& path : overlay_files) {
    StatusOr<std::string> text = ReadFile(path);
    MEZHVED_RETURN_IF_ERROR(text.status());
    overlays.push_back(YearSource{path, std::move(*text)});
  }
  return FromText(years, overlays);
}

StatusOr<bool> ProductionCalendar::IsWorkingDay(const Day& day) const {
  if (!IsValidDay(day)) {
    return Status(ErrorCode::kInvalidArgument, "not a valid day: " + FormatDay(day));
  }
  auto it = years_.find(day.year);
  if (it == years_.end()) {
    return Status(ErrorCode::kNoCalendar,
                  "no production calendar for " + std::to_string(day.year) + " (day " + FormatDay(day) + ")");
  }
  return static_cast<bool>(it->second.working[DayOfYear(day)]);
}

StatusOr<int> ProductionCalendar::WorkingDaysInYear(int year) const {
  auto it = years_.find(year);
  if (it == years_.end()) {
    return Status(ErrorCode::kNoCalendar, "no production calendar for " + std::to_string(year));
  }
  return it->second.working_count;
}

std::vector<int> ProductionCalendar::Years() const {
  std::vector<int> result;
  for (const auto& [year, data] : years_) result.push_back(year);
  return result;
}

}  // namespace mezhved::calendar
