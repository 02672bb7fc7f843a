// The supervisors' compliance reports; gateway/reports.h states the rules. Choices the header leaves open:
// - Rows: an organisation or an agency gets a row only when at least one of its figures is not zero, so a report
//   lists who took part in the exchange; the total is always there, zeros included.
// - An organisation no longer in the registry (it left the config after its requests) keeps its row, with an empty
//   agency_code and name; it counts in the total and in no agency. Its requests are read in Moscow time, the
//   registry's default zone.
// - Agency rows add up their organisations' rows, except two figures that do not add up: distinct citizens are
//   counted again across the agency (a citizen two of its organisations asked about is one citizen), and the
//   median and p90 are taken over the pooled answer times of its organisations. The total is built the same way.
// - period_complete: the period's last day has ended in the westernmost zone (UTC-12), so no addressee anywhere can
//   still receive a request in it, and every outcome is read as of the end of the period, not as of now.
// - A final answer that came while the clock was stopped (an interim status or a clarification that the agreement
//   lets stop it, and no restart since) is judged by the instant the clock stopped: under that agreement the
//   response that stopped it is what had to come in time, and an open request with a stopped clock is not overdue
//   either.
// - A refusal recorded without a reason counts under REFUSAL_REASON_UNSPECIFIED in the structured report; the CSV
//   has a column per documented reason only (the gateway refuses a refusal without a reason).
// - Answer times that cannot be counted (a day in a year with no calendar) leave the answer out of answers_timed,
//   median and p90 only; it still counts as on time or late. With no answer timed, median and p90 are 0.
#include "gateway/reports.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "calendar/deadlines.h"
#include "common/digest.h"
#include "gateway/lifecycle.h"

namespace mezhved::gateway {
namespace {

using google::protobuf::util::TimeUtil;

// The extreme UTC offsets (ParseUtcOffset's range): a local day of some zone lies within these.
constexpr int kEasternmostOffsetMinutes = 14 * 60;
constexpr int kWesternmostOffsetMinutes = -12 * 60;
// Where the registry puts an agency that configures no offset (Agency::utc_offset_minutes).
constexpr int kDefaultOffsetMinutes = 180;
constexpr int kMaxPeriodYears = 5;
constexpr size_t kCitizenKeyBytes = 16;
constexpr std::string_view kRangeSeparator = "..";

// ---- Periods ----

Status MalformedPeriod(std::string_view text, const std::string& description) {
  constexpr size_t kQuotedChars = 40;  // enough to recognise the input, bounded for logs
  const std::string quoted(text.substr(0, kQuotedChars));
  return {ErrorCode::kInvalidArgument,
          "report period \"" + quoted + "\": " + description,
          {{"period", "MALFORMED", description}}};
}

bool AllDigits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Exactly four digits, 0001..9999 (the years a calendar::Day may have).
std::optional<int> ParseYear(std::string_view text) {
  if (text.size() != 4 || !AllDigits(text)) {
    return std::nullopt;
  }
  const int year = std::stoi(std::string(text));
  return year >= 1 ? std::optional<int>(year) : std::nullopt;
}

ReportPeriod WholeMonths(std::string_view label, int year, int first_month, int last_month) {
  return {std::string(label), {year, first_month, 1}, {year, last_month, calendar::DaysInMonth(year, last_month)}};
}

// "2026", "2026-Q1".."2026-Q4", "2026-H1", "2026-H2".
std::optional<ReportPeriod> ParseNamedPeriod(std::string_view text) {
  const std::optional<int> year = ParseYear(text.substr(0, 4));
  if (!year) {
    return std::nullopt;
  }
  const std::string_view rest = text.substr(4);
  if (rest.empty()) {
    return WholeMonths(text, *year, 1, 12);
  }
  if (rest.size() != 3 || rest[0] != '-') {
    return std::nullopt;
  }
  const int part = rest[2] - '0';
  if (rest[1] == 'Q' && part >= 1 && part <= 4) {
    return WholeMonths(text, *year, 3 * part - 2, 3 * part);
  }
  if (rest[1] == 'H' && part >= 1 && part <= 2) {
    return WholeMonths(text, *year, 6 * part - 5, 6 * part);
  }
  return std::nullopt;
}

// "2026-01-01..2026-03-31": both days inclusive.
StatusOr<ReportPeriod> ParseDayRange(std::string_view text, size_t separator) {
  const std::optional<calendar::Day> first = calendar::ParseDay(text.substr(0, separator));
  const std::optional<calendar::Day> last = calendar::ParseDay(text.substr(separator + kRangeSeparator.size()));
  if (!first || !last) {
    return MalformedPeriod(text, "both ends of a range must be days written YYYY-MM-DD");
  }
  if (*last < *first) {
    return MalformedPeriod(text, "the range ends before it begins");
  }
  // Compared as (year, month, day) tuples, so a 29 February start needs no valid anniversary.
  const calendar::Day limit{first->year + kMaxPeriodYears, first->month, first->day};
  if (!(*last < limit)) {
    return MalformedPeriod(text, "a period covers at most " + std::to_string(kMaxPeriodYears) + " years");
  }
  return ReportPeriod{std::string(text), *first, *last};
}

// ---- Citizens ----

std::string Sha256Prefix(std::string_view text) { return Sha256(text).substr(0, kCitizenKeyBytes); }

std::string DigitsOf(std::string_view text) {
  std::string digits;
  std::copy_if(text.begin(), text.end(), std::back_inserter(digits), [](char c) { return c >= '0' && c <= '9'; });
  return digits;
}

std::string_view TrimmedAscii(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) {
    return {};
  }
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

// Lower case for the letters names are written in: ASCII and the Russian alphabet in UTF-8 (U+0410..U+042F to
// U+0430..U+044F). Ё and ё become е, since registers write the same name both ways. Other bytes stay as given.
std::string NormalisedName(std::string_view text) {
  const auto byte = [&text](size_t i) { return static_cast<unsigned char>(text[i]); };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = byte(i);
    const unsigned char next = i + 1 < text.size() ? byte(i + 1) : 0;
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else if ((c == 0xD0 && next == 0x81) || (c == 0xD1 && next == 0x91)) {  // Ё, ё
      out += "\xD0\xB5";                                                      // е
      ++i;
    } else if (c == 0xD0 && next >= 0x90 && next <= 0x9F) {  // А..П -> а..п
      out += static_cast<char>(0xD0);
      out += static_cast<char>(next + 0x20);
      ++i;
    } else if (c == 0xD0 && next >= 0xA0 && next <= 0xAF) {  // Р..Я -> р..я
      out += static_cast<char>(0xD1);
      out += static_cast<char>(next - 0x20);
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string FormatDate(const v1::Date& date) {
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", date.year(), date.month(), date.day());
  return text;
}

// ---- Figures ----

UnixMillis MillisOf(const google::protobuf::Timestamp& at) { return TimeUtil::TimestampToMilliseconds(at); }

v1::Date DateOf(const calendar::Day& day) {
  v1::Date date;
  date.set_year(day.year);
  date.set_month(day.month);
  date.set_day(day.day);
  return date;
}

// The figures of one row, before they become a ComplianceRow; the samples stay whole so that pooled rows can take
// their median again.
struct Figures {
  uint64_t requests_received = 0;
  uint64_t answered_on_time = 0;
  uint64_t answered_late = 0;
  uint64_t open = 0;
  uint64_t open_overdue = 0;
  std::map<v1::RefusalReason, uint64_t> refusals;
  std::map<int, uint64_t> answer_working_days;  // answers timed, by their working days
  uint64_t referrals_received = 0;
  uint64_t social_support_requests_sent = 0;
  std::set<std::string> social_support_citizens;

  bool Empty() const { return requests_received == 0 && referrals_received == 0 && social_support_requests_sent == 0; }

  void Merge(const Figures& other) {
    requests_received += other.requests_received;
    answered_on_time += other.answered_on_time;
    answered_late += other.answered_late;
    open += other.open;
    open_overdue += other.open_overdue;
    for (const auto& [reason, count] : other.refusals) {
      refusals[reason] += count;
    }
    for (const auto& [days, count] : other.answer_working_days) {
      answer_working_days[days] += count;
    }
    referrals_received += other.referrals_received;
    social_support_requests_sent += other.social_support_requests_sent;
    social_support_citizens.insert(other.social_support_citizens.begin(), other.social_support_citizens.end());
  }
};

// Nearest rank: the smallest sample with at least `percent`% of the samples at or below it; 0 with no samples.
double NearestRank(const std::map<int, uint64_t>& histogram, uint64_t samples, int percent) {
  if (samples == 0) {
    return 0;
  }
  const uint64_t rank = (samples * percent + 99) / 100;  // ceil(n * p / 100), >= 1
  uint64_t below = 0;
  for (const auto& [value, count] : histogram) {
    below += count;
    if (below >= rank) {
      return value;
    }
  }
  return histogram.rbegin()->first;  // not reached: the counts add up to `samples`
}

v1::ComplianceRow RowOf(const Figures& figures, const std::string& agency_code, const std::string& organisation_code,
                        const std::string& name, uint64_t citizens) {
  v1::ComplianceRow row;
  row.set_agency_code(agency_code);
  row.set_organisation_code(organisation_code);
  row.set_name(name);
  row.set_requests_received(figures.requests_received);
  row.set_answered_on_time(figures.answered_on_time);
  row.set_answered_late(figures.answered_late);
  row.set_open(figures.open);
  row.set_open_overdue(figures.open_overdue);
  for (const auto& [reason, count] : figures.refusals) {
    v1::RefusalCount& refusal = *row.add_refusals();
    refusal.set_reason(reason);
    refusal.set_count(count);
  }
  uint64_t timed = 0;
  for (const auto& [days, count] : figures.answer_working_days) {
    timed += count;
  }
  row.set_answers_timed(timed);
  row.set_median_answer_working_days(NearestRank(figures.answer_working_days, timed, 50));
  row.set_p90_answer_working_days(NearestRank(figures.answer_working_days, timed, 90));
  row.set_referrals_received(figures.referrals_received);
  row.set_social_support_requests_sent(figures.social_support_requests_sent);
  row.set_social_support_citizens(citizens);
  return row;
}

// A request's answer clock over its whole history, up to its first final answer (history is appended in time
// order). The period in force starts as the first one; a RESTARTED event replaces it and runs the clock again; a
// STOPPED event stops it. Where the request stands at any instant follows from this (OutcomeAt), which is how both
// the replay of histories and the daily tallies read it.
struct Timeline {
  const v1::HistoryEvent* final_answer = nullptr;
  bool on_time = false;  // with a final answer
  // The instants `as_of` at which the request is overdue: its period in force had ended by then and its clock was
  // not stopped, counting only the events before `as_of`. Both ends inclusive; no end while it is still overdue.
  struct Overdue {
    UnixMillis from = 0;
    std::optional<UnixMillis> until;
  };
  std::vector<Overdue> overdue;

  // Overdue at every instant of [from, until] (until: none for "from then on"), joined to the last span if they meet.
  void AddOverdue(UnixMillis from, std::optional<UnixMillis> until) {
    if (!overdue.empty() && overdue.back().until && from <= *overdue.back().until + 1) {
      overdue.back().until = until;
      return;
    }
    overdue.push_back({from, until});
  }
};

// Between two events the clock's state is fixed: at instants `as_of` in (previous event, event] only the earlier
// events count, so the request is overdue there from max(period end, previous event + 1) on, if its clock runs.
Timeline ReadTimeline(const store::RequestFacts& request) {
  Timeline timeline;
  UnixMillis period_end = request.due_at_ms;
  std::optional<UnixMillis> stopped_at;
  std::optional<UnixMillis> previous;
  for (const v1::HistoryEvent& event : request.history) {
    const UnixMillis at = MillisOf(event.at());
    const UnixMillis from = previous ? std::max(period_end, *previous + 1) : period_end;
    if (!stopped_at && from <= at) {
      timeline.AddOverdue(from, at);
    }
    if (IsFinalRequestState(event.state())) {
      timeline.final_answer = &event;
      timeline.on_time = stopped_at.value_or(at) < period_end;
      return timeline;
    }
    if (event.deadline_event() == v1::DEADLINE_EVENT_STOPPED && !stopped_at) {
      stopped_at = at;
    } else if (event.deadline_event() == v1::DEADLINE_EVENT_RESTARTED) {
      stopped_at.reset();
      period_end = event.has_answer_due_at() ? MillisOf(event.answer_due_at()) : period_end;
    }
    previous = at;
  }
  if (!stopped_at) {
    timeline.AddOverdue(previous ? std::max(period_end, *previous + 1) : period_end, std::nullopt);
  }
  return timeline;
}

// Where a request with an answer due stood at `as_of`: answered by then, or open, and then overdue or not.
struct Outcome {
  const v1::HistoryEvent* final_answer = nullptr;
  bool on_time = false;  // with a final answer
  bool overdue = false;  // without one
};

Outcome OutcomeAt(const Timeline& timeline, UnixMillis as_of) {
  if (timeline.final_answer != nullptr && MillisOf(timeline.final_answer->at()) < as_of) {
    return {timeline.final_answer, timeline.on_time, false};
  }
  const bool overdue = std::any_of(timeline.overdue.begin(), timeline.overdue.end(), [as_of](const auto& span) {
    return span.from <= as_of && (!span.until || as_of <= *span.until);
  });
  return {nullptr, false, overdue};
}

// ---- Export ----

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(value);
  }
  std::string quoted = "\"";
  for (char c : value) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    line += (i == 0 ? "" : ",") + CsvField(fields[i]);
  }
  return line + "\r\n";
}

// The reasons with a CSV column: every documented one, in the order of their numbers.
std::vector<v1::RefusalReason> CsvRefusalReasons() {
  const google::protobuf::EnumDescriptor* descriptor = v1::RefusalReason_descriptor();
  std::vector<v1::RefusalReason> reasons;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    if (descriptor->value(i)->number() != v1::REFUSAL_REASON_UNSPECIFIED) {
      reasons.push_back(static_cast<v1::RefusalReason>(descriptor->value(i)->number()));
    }
  }
  std::sort(reasons.begin(), reasons.end());
  return reasons;
}

// REFUSAL_REASON_NO_DATA -> refused_no_data
std::string RefusalColumn(v1::RefusalReason reason) {
  constexpr std::string_view kEnumPrefix = "REFUSAL_REASON_";
  std::string name = v1::RefusalReason_Name(reason).substr(kEnumPrefix.size());
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
  return "refused_" + name;
}

uint64_t RefusalsFor(const v1::ComplianceRow& row, v1::RefusalReason reason) {
  for (const v1::RefusalCount& refusal : row.refusals()) {
    if (refusal.reason() == reason) {
      return refusal.count();
    }
  }
  return 0;
}

// At most one decimal, '.' whatever the locale: 5, 2.5.
std::string FormatTenths(double value) {
  const long long tenths = std::llround(value * 10);
  const std::string whole = std::to_string(tenths / 10);
  return tenths % 10 == 0 ? whole : whole + "." + std::to_string(std::llabs(tenths % 10));
}

std::vector<std::string> CsvHeader() {
  std::vector<std::string> header = {
      "level",         "agency_code", "organisation_code", "name", "requests_received", "answered_on_time",
      "answered_late", "open",        "open_overdue"};
  for (v1::RefusalReason reason : CsvRefusalReasons()) {
    header.push_back(RefusalColumn(reason));
  }
  header.insert(header.end(), {"answers_timed", "median_answer_working_days", "p90_answer_working_days",
                               "referrals_received", "social_support_requests_sent", "social_support_citizens"});
  return header;
}

std::vector<std::string> CsvRow(std::string_view level, const v1::ComplianceRow& row) {
  std::vector<std::string> fields = {std::string(level),
                                     row.agency_code(),
                                     row.organisation_code(),
                                     row.name(),
                                     std::to_string(row.requests_received()),
                                     std::to_string(row.answered_on_time()),
                                     std::to_string(row.answered_late()),
                                     std::to_string(row.open()),
                                     std::to_string(row.open_overdue())};
  for (v1::RefusalReason reason : CsvRefusalReasons()) {
    fields.push_back(std::to_string(RefusalsFor(row, reason)));
  }
  fields.insert(fields.end(),
                {std::to_string(row.answers_timed()), FormatTenths(row.median_answer_working_days()),
                 FormatTenths(row.p90_answer_working_days()), std::to_string(row.referrals_received()),
                 std::to_string(row.social_support_requests_sent()), std::to_string(row.social_support_citizens())});
  return fields;
}

}  // namespace

// ---- ParseReportPeriod, CitizenKey ----

StatusOr<ReportPeriod> ParseReportPeriod(std::string_view text) {
  if (const size_t separator = text.find(kRangeSeparator); separator != std::string_view::npos) {
    return ParseDayRange(text, separator);
  }
  if (std::optional<ReportPeriod> period = ParseNamedPeriod(text)) {
    return *std::move(period);
  }
  return MalformedPeriod(text, R"(expected "2026-Q1".."2026-Q4", "2026-H1", "2026-H2", "2026" or )"
                               R"("2026-01-01..2026-03-31")");
}

// The hashed text starts with its kind, so a SNILS and a name can never give the same key. A citizen with neither a
// SNILS nor a name (a periodic report names none) has no key: the reports count no citizen for it.
std::string CitizenKey(const v1::Citizen& citizen) {
  if (std::string snils = DigitsOf(citizen.snils()); !snils.empty()) {
    return Sha256Prefix("snils:" + snils);
  }
  const std::string last = NormalisedName(TrimmedAscii(citizen.last_name()));
  const std::string first = NormalisedName(TrimmedAscii(citizen.first_name()));
  const std::string middle = NormalisedName(TrimmedAscii(citizen.middle_name()));
  if (last.empty() && first.empty()) {
    return "";
  }
  return Sha256Prefix("name:" + last + "|" + first + "|" + middle + "|" + FormatDate(citizen.birth_date()));
}

// ---- Rows ----

namespace {

int OffsetOf(const ParticipantRegistry& participants, const std::string& organisation_code) {
  const Agency* agency = participants.AgencyOf(organisation_code);
  return agency != nullptr ? agency->utc_offset_minutes : kDefaultOffsetMinutes;
}

// The scopes that distinct citizens are counted in: each organisation, each agency and the total, since a citizen
// asked about by two organisations of an agency is one citizen of that agency.
std::string OrganisationScope(const std::string& code) { return "o:" + code; }
std::string AgencyScope(const std::string& code) { return "a:" + code; }
constexpr std::string_view kTotalScope = "t";

// How many distinct citizens a row's scope has, given its pooled figures.
using CitizenCount = std::function<uint64_t(const std::string& scope, const Figures& pooled)>;

// Organisations by (agency, code), where an organisation that left the registry sorts first, with no agency; then
// the agencies by code; then the total.
void AddRows(const ParticipantRegistry& participants, const std::map<std::string, Figures>& by_organisation,
             const CitizenCount& citizens, v1::ComplianceReport& report) {
  std::map<std::pair<std::string, std::string>, const Figures*> organisations;
  std::map<std::string, Figures> agencies;
  Figures total;
  for (const auto& [code, figures] : by_organisation) {
    if (figures.Empty()) {
      continue;
    }
    const Agency* agency = participants.AgencyOf(code);
    const std::string agency_code = agency != nullptr ? agency->code : "";
    organisations[{agency_code, code}] = &figures;
    if (!agency_code.empty()) {
      agencies[agency_code].Merge(figures);
    }
    total.Merge(figures);
  }
  for (const auto& [key, figures] : organisations) {
    const Organisation* organisation = participants.FindOrganisation(key.second);
    *report.add_organisations() = RowOf(*figures, key.first, key.second, organisation ? organisation->name : "",
                                        citizens(OrganisationScope(key.second), *figures));
  }
  for (const auto& [code, figures] : agencies) {
    const Agency* agency = participants.FindAgency(code);
    *report.add_agencies() = RowOf(figures, code, "", agency ? agency->name : "", citizens(AgencyScope(code), figures));
  }
  *report.mutable_total() = RowOf(total, "", "", "", citizens(std::string(kTotalScope), total));
}

// The end of the last instant a receipt in the period can have in any zone (the westernmost).
UnixMillis ScanEnd(const ReportPeriod& period) {
  return calendar::StartOfLocalDay(calendar::NextDay(period.last), kWesternmostOffsetMinutes);
}

// A report's heading: the period, when it was made, and whether the period has ended everywhere.
v1::ComplianceReport ReportHeading(const ReportPeriod& period, UnixMillis now_ms) {
  v1::ComplianceReport report;
  report.set_period(period.label);
  *report.mutable_first_day() = DateOf(period.first);
  *report.mutable_last_day() = DateOf(period.last);
  *report.mutable_generated_at() = TimeUtil::MillisecondsToTimestamp(now_ms);
  report.set_period_complete(now_ms >= ScanEnd(period));
  return report;
}

// An organisation's outcomes are read as of the end of the period's last day in its zone, or now if earlier.
UnixMillis AsOf(const ReportPeriod& period, int offset, UnixMillis now_ms) {
  return std::min(calendar::StartOfLocalDay(calendar::NextDay(period.last), offset), now_ms);
}

}  // namespace

// ---- ComplianceReportBuilder ----

// The registry is copied (a copy shares its snapshot); the catalogue and the calendar, immutable for the daemon's
// life, are referred to and must outlive the builder.
struct ComplianceReportBuilder::State {
  ParticipantRegistry participants;
  const InformationTypeRegistry* information_types;
  const calendar::ProductionCalendar* calendar;
  ReportPeriod period;
  UnixMillis now_ms;
  std::map<std::string, Figures> by_organisation;  // by organisation code

  void CountAnswerDue(const store::RequestFacts& request, int offset, const calendar::Day& received_day) {
    Figures& figures = by_organisation[request.addressee_code];
    ++figures.requests_received;
    const Timeline timeline = ReadTimeline(request);
    const Outcome outcome = OutcomeAt(timeline, AsOf(period, offset, now_ms));
    if (outcome.final_answer == nullptr) {
      ++figures.open;
      figures.open_overdue += outcome.overdue ? 1 : 0;
      return;
    }
    ++(outcome.on_time ? figures.answered_on_time : figures.answered_late);
    if (outcome.final_answer->state() == v1::MESSAGE_STATE_REFUSED) {
      ++figures.refusals[outcome.final_answer->refusal_reason()];
    }
    const calendar::Day answer_day = calendar::LocalDay(MillisOf(outcome.final_answer->at()), offset);
    if (StatusOr<int> days = calendar::WorkingDaysBetween(*calendar, received_day, answer_day); days.ok()) {
      ++figures.answer_working_days[*days];
    }
  }

  void CountSocialSupport(const store::RequestFacts& request) {
    Figures& figures = by_organisation[request.requester_code];
    ++figures.social_support_requests_sent;
    if (!request.citizen_key.empty()) {
      figures.social_support_citizens.insert(request.citizen_key);
    }
  }
};

ComplianceReportBuilder::ComplianceReportBuilder(const ParticipantRegistry& participants,
                                                 const InformationTypeRegistry& information_types,
                                                 const calendar::ProductionCalendar& calendar, ReportPeriod period,
                                                 UnixMillis now_ms)
    : state_(
          std::make_shared<State>(State{participants, &information_types, &calendar, std::move(period), now_ms, {}})) {}

UnixMillis ComplianceReportBuilder::ScanFromMs() const {
  return calendar::StartOfLocalDay(state_->period.first, kEasternmostOffsetMinutes);
}

UnixMillis ComplianceReportBuilder::ScanToMs() const { return ScanEnd(state_->period); }

void ComplianceReportBuilder::Add(const store::RequestFacts& request) {
  State& state = *state_;
  const int offset = OffsetOf(state.participants, request.addressee_code);
  const calendar::Day received_day = calendar::LocalDay(request.received_at_ms, offset);
  if (received_day < state.period.first || state.period.last < received_day) {
    return;
  }
  const config::v1::InformationType* type =
      state.information_types->Find(request.information_type.id(), request.information_type.version());
  if (request.answer_working_days > 0) {
    state.CountAnswerDue(request, offset, received_day);
  } else if (type != nullptr && type->deadline_class() == config::v1::DEADLINE_CLASS_REFERRAL) {
    ++state.by_organisation[request.addressee_code].referrals_received;
  }
  if (type != nullptr && type->social_support()) {
    state.CountSocialSupport(request);
  }
}

v1::ComplianceReport ComplianceReportBuilder::Finish() const {
  const State& state = *state_;
  v1::ComplianceReport report = ReportHeading(state.period, state.now_ms);
  AddRows(
      state.participants, state.by_organisation,
      [](const std::string& /*scope*/, const Figures& pooled) { return pooled.social_support_citizens.size(); },
      report);
  return report;
}

// ---- Tallies ----

namespace {

// The figures a request adds to, per its addressee's local day of receipt (the day of a TallyCount, as days since
// 1970-01-01). The numbers are stored: never reuse one for another meaning (change kTallyRules instead).
enum TallyFigure : uint8_t {
  kReceivedFigure = 1,       // an answer was due (detail 0)
  kReferralFigure = 2,       // a referral (detail 0)
  kSocialSupportFigure = 3,  // a social-support request, counted for its requester (detail 0)
  kAnsweredFigure = 4,       // the final answer (detail: AnswerDetail)
  kOverdueFromFigure = 5,    // a span of being overdue begins (detail: its first instant, Unix ms)
  kOverdueUntilFigure = 6,   // a span of being overdue ends (detail: the addressee's local day of its last instant)
};
// Names the rules the tallies are counted by, in their basis: change it whenever ReadTimeline or Tally change what
// they count, so that stores count their tallies again.
constexpr std::string_view kTallyRules = "mezhved report tallies 1";

int32_t DayNumber(const calendar::Day& day) { return static_cast<int32_t>(calendar::DaysSinceEpoch(day)); }

// The final answer's local day, whether it was on time, and what it was: 0 for an answer, 1 + the reason for a
// refusal.
constexpr int64_t kOutcomeBits = 11;
constexpr int64_t kOutcomeMask = (int64_t{1} << kOutcomeBits) - 1;

int64_t AnswerDetail(int32_t answer_day, bool on_time, const v1::HistoryEvent& answer) {
  const int64_t outcome = answer.state() == v1::MESSAGE_STATE_REFUSED
                              ? 1 + std::clamp<int64_t>(answer.refusal_reason(), 0, kOutcomeMask - 1)
                              : 0;
  return ((int64_t{answer_day} * 2 + (on_time ? 1 : 0)) << kOutcomeBits) | outcome;
}

struct AnswerTally {
  int32_t answer_day = 0;
  bool on_time = false;
  std::optional<v1::RefusalReason> refusal;
};

AnswerTally ReadAnswerDetail(int64_t detail) {
  AnswerTally answer;
  const int64_t outcome = detail & kOutcomeMask;
  answer.on_time = ((detail >> kOutcomeBits) & 1) != 0;
  answer.answer_day = static_cast<int32_t>(detail >> (kOutcomeBits + 1));
  if (outcome != 0) {
    answer.refusal = static_cast<v1::RefusalReason>(outcome - 1);
  }
  return answer;
}

// One organisation's tallies, summed, before they become its Figures.
struct OrganisationTally {
  Figures figures;
  uint64_t answered = 0;
  uint64_t overdue_began = 0;
  uint64_t overdue_ended = 0;
};

}  // namespace

ReportTallier::ReportTallier(ParticipantRegistry participants,
                             std::shared_ptr<const InformationTypeRegistry> information_types)
    : participants_(std::move(participants)), information_types_(std::move(information_types)) {}

// Everything a tally depends on besides the request: the rules, each organisation's zone and agency, and which
// information types are referrals and social-support ones.
std::string ReportTallier::Basis() const {
  std::string basis(kTallyRules);
  for (const Organisation* organisation : participants_.Organisations()) {
    basis += "\norganisation " + organisation->code + " " + organisation->agency_code + " " +
             std::to_string(OffsetOf(participants_, organisation->code));
  }
  for (const config::v1::InformationType& type : information_types_->catalog().types()) {
    basis += "\ntype " + type.id() + " " + type.version() + " " + std::to_string(type.deadline_class()) + " " +
             (type.social_support() ? "social" : "-");
  }
  return Sha256Hex(basis);
}

store::RequestTally ReportTallier::Tally(const store::RequestFacts& request) const {
  store::RequestTally tally;
  const int offset = OffsetOf(participants_, request.addressee_code);
  const int32_t received_day = DayNumber(calendar::LocalDay(request.received_at_ms, offset));
  const auto count = [&](TallyFigure figure, const std::string& scope, int64_t detail) {
    tally.counts.push_back({figure, scope, received_day, detail, 1});
  };
  const config::v1::InformationType* type =
      information_types_->Find(request.information_type.id(), request.information_type.version());
  if (request.answer_working_days > 0) {
    count(kReceivedFigure, request.addressee_code, 0);
    const Timeline timeline = ReadTimeline(request);
    if (timeline.final_answer != nullptr) {
      const int32_t answer_day = DayNumber(calendar::LocalDay(MillisOf(timeline.final_answer->at()), offset));
      count(kAnsweredFigure, request.addressee_code,
            AnswerDetail(answer_day, timeline.on_time, *timeline.final_answer));
    }
    for (const Timeline::Overdue& span : timeline.overdue) {
      count(kOverdueFromFigure, request.addressee_code, span.from);
      if (span.until) {
        count(kOverdueUntilFigure, request.addressee_code, DayNumber(calendar::LocalDay(*span.until, offset)));
      }
    }
  } else if (type != nullptr && type->deadline_class() == config::v1::DEADLINE_CLASS_REFERRAL) {
    count(kReferralFigure, request.addressee_code, 0);
  }
  if (type != nullptr && type->social_support()) {
    count(kSocialSupportFigure, request.requester_code, 0);
    if (!request.citizen_key.empty()) {
      tally.members.push_back({OrganisationScope(request.requester_code), received_day, request.citizen_key});
      if (const Agency* agency = participants_.AgencyOf(request.requester_code); agency != nullptr) {
        tally.members.push_back({AgencyScope(agency->code), received_day, request.citizen_key});
      }
      tally.members.push_back({std::string(kTotalScope), received_day, request.citizen_key});
    }
  }
  return tally;
}

bool ReportTallier::Affects(const v1::HistoryEvent& event) const {
  return IsFinalRequestState(event.state()) || event.deadline_event() == v1::DEADLINE_EVENT_STOPPED ||
         event.deadline_event() == v1::DEADLINE_EVENT_RESTARTED;
}

TallyDays TallyDaysOf(const ReportPeriod& period) { return {DayNumber(period.first), DayNumber(period.last)}; }

// With as_of the instant an organisation's outcomes are read at, and `last` the local day of the instant just before
// it: a final answer had come by as_of when its day is at most `last` (as_of is the start of a day, or now, after
// every recorded event); a span of being overdue had begun when its first instant is at most as_of, and had ended
// when its last instant is before as_of, that is when its day is at most `last`.
v1::ComplianceReport ComplianceReportFromTallies(const ParticipantRegistry& participants,
                                                 const calendar::ProductionCalendar& calendar,
                                                 const ReportPeriod& period, UnixMillis now_ms,
                                                 const store::TallyRange& tallies) {
  std::map<std::string, OrganisationTally> by_organisation;
  for (const store::TallyCount& count : tallies.counts) {
    OrganisationTally& tally = by_organisation[count.scope];
    Figures& figures = tally.figures;
    const auto n = static_cast<uint64_t>(count.count);
    const int offset = OffsetOf(participants, count.scope);
    const UnixMillis as_of = AsOf(period, offset, now_ms);
    const int32_t last = DayNumber(calendar::LocalDay(as_of - 1, offset));
    switch (count.figure) {
      case kReceivedFigure:
        figures.requests_received += n;
        break;
      case kReferralFigure:
        figures.referrals_received += n;
        break;
      case kSocialSupportFigure:
        figures.social_support_requests_sent += n;
        break;
      case kAnsweredFigure: {
        const AnswerTally answer = ReadAnswerDetail(count.detail);
        if (answer.answer_day > last) {
          break;
        }
        tally.answered += n;
        (answer.on_time ? figures.answered_on_time : figures.answered_late) += n;
        if (answer.refusal) {
          figures.refusals[*answer.refusal] += n;
        }
        const StatusOr<int> days = calendar::WorkingDaysBetween(calendar, calendar::DayFromDaysSinceEpoch(count.day),
                                                                calendar::DayFromDaysSinceEpoch(answer.answer_day));
        if (days.ok()) {
          figures.answer_working_days[*days] += n;
        }
        break;
      }
      case kOverdueFromFigure:
        tally.overdue_began += count.detail <= as_of ? n : 0;
        break;
      case kOverdueUntilFigure:
        tally.overdue_ended += count.detail <= last ? n : 0;
        break;
      default:
        break;  // a figure of newer rules: the basis would have differed, so this is not reached
    }
  }
  std::map<std::string, Figures> figures;
  for (auto& [code, tally] : by_organisation) {
    tally.figures.open = tally.figures.requests_received - tally.answered;
    tally.figures.open_overdue = tally.overdue_began - tally.overdue_ended;
    figures.emplace(code, std::move(tally.figures));
  }
  v1::ComplianceReport report = ReportHeading(period, now_ms);
  AddRows(
      participants, figures,
      [&tallies](const std::string& scope, const Figures& /*pooled*/) -> uint64_t {
        const auto it = tallies.distinct_members.find(scope);
        return it != tallies.distinct_members.end() ? it->second : 0;
      },
      report);
  return report;
}

// ---- Export ----

std::string ReportCsv(const v1::ComplianceReport& report) {
  std::string csv = CsvLine(CsvHeader());
  for (const v1::ComplianceRow& row : report.organisations()) {
    csv += CsvLine(CsvRow("organisation", row));
  }
  for (const v1::ComplianceRow& row : report.agencies()) {
    csv += CsvLine(CsvRow("agency", row));
  }
  return csv + CsvLine(CsvRow("total", report.total()));
}

// Field names as in the proto (snake_case, like the CSV columns), every field printed even when zero so that a
// reader finds every figure, enums by name. Protobuf's JSON mapping writes 64-bit counts as strings.
std::string ReportJson(const v1::ComplianceReport& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(report, &json, options).ok()) {
    return "{}";  // cannot happen: the report holds no Any and no invalid UTF-8 of its own making
  }
  return json;
}

}  // namespace mezhved::gateway
