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
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "calendar/deadlines.h"
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

std::string Sha256Prefix(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return {reinterpret_cast<const char*>(digest), std::min<size_t>(length, kCitizenKeyBytes)};
}

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
  std::vector<int> answer_working_days;
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
    answer_working_days.insert(answer_working_days.end(), other.answer_working_days.begin(),
                               other.answer_working_days.end());
    referrals_received += other.referrals_received;
    social_support_requests_sent += other.social_support_requests_sent;
    social_support_citizens.insert(other.social_support_citizens.begin(), other.social_support_citizens.end());
  }
};

// Nearest rank: the smallest sample with at least `percent`% of the samples at or below it; 0 with no samples.
double NearestRank(const std::vector<int>& sorted, int percent) {
  if (sorted.empty()) {
    return 0;
  }
  const size_t rank = (sorted.size() * percent + 99) / 100;  // ceil(n * p / 100), >= 1
  return sorted[rank - 1];
}

v1::ComplianceRow RowOf(const Figures& figures, const std::string& agency_code, const std::string& organisation_code,
                        const std::string& name) {
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
  std::vector<int> days = figures.answer_working_days;
  std::sort(days.begin(), days.end());
  row.set_answers_timed(days.size());
  row.set_median_answer_working_days(NearestRank(days, 50));
  row.set_p90_answer_working_days(NearestRank(days, 90));
  row.set_referrals_received(figures.referrals_received);
  row.set_social_support_requests_sent(figures.social_support_requests_sent);
  row.set_social_support_citizens(figures.social_support_citizens.size());
  return row;
}

// Where a request with an answer due stood at `as_of`.
struct Outcome {
  const v1::HistoryEvent* final_answer = nullptr;
  bool on_time = false;  // with a final answer
  bool overdue = false;  // without one
};

// Replays the history up to `as_of` (history is appended in time order, so the first later event ends it): the
// period in force starts as the first one, a RESTARTED event replaces it and runs the clock again, a STOPPED event
// stops it.
Outcome ReadOutcome(const store::RequestFacts& request, UnixMillis as_of) {
  UnixMillis period_end = request.due_at_ms;
  std::optional<UnixMillis> stopped_at;
  for (const v1::HistoryEvent& event : request.history) {
    const UnixMillis at = MillisOf(event.at());
    if (at >= as_of) {
      break;
    }
    if (IsFinalRequestState(event.state())) {
      return {&event, stopped_at.value_or(at) < period_end, false};
    }
    if (event.deadline_event() == v1::DEADLINE_EVENT_STOPPED && !stopped_at) {
      stopped_at = at;
    } else if (event.deadline_event() == v1::DEADLINE_EVENT_RESTARTED) {
      stopped_at.reset();
      period_end = event.has_answer_due_at() ? MillisOf(event.answer_due_at()) : period_end;
    }
  }
  return {nullptr, false, !stopped_at && period_end <= as_of};
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

  int OffsetOf(const std::string& organisation_code) const {
    const Agency* agency = participants.AgencyOf(organisation_code);
    return agency != nullptr ? agency->utc_offset_minutes : kDefaultOffsetMinutes;
  }

  void CountAnswerDue(const store::RequestFacts& request, int offset, const calendar::Day& received_day) {
    Figures& figures = by_organisation[request.addressee_code];
    ++figures.requests_received;
    const UnixMillis end_of_period = calendar::StartOfLocalDay(calendar::NextDay(period.last), offset);
    const Outcome outcome = ReadOutcome(request, std::min(end_of_period, now_ms));
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
      figures.answer_working_days.push_back(*days);
    }
  }

  void CountSocialSupport(const store::RequestFacts& request) {
    Figures& figures = by_organisation[request.requester_code];
    ++figures.social_support_requests_sent;
    if (!request.citizen_key.empty()) {
      figures.social_support_citizens.insert(request.citizen_key);
    }
  }

  std::string OrganisationName(const std::string& code) const {
    const Organisation* organisation = participants.FindOrganisation(code);
    return organisation != nullptr ? organisation->name : "";
  }

  std::string AgencyName(const std::string& code) const {
    const Agency* agency = participants.FindAgency(code);
    return agency != nullptr ? agency->name : "";
  }

  // Organisations by (agency, code), where an organisation that left the registry sorts first, with no agency; then
  // the agencies by code; then the total.
  void AddRows(v1::ComplianceReport& report) const {
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
      *report.add_organisations() = RowOf(*figures, key.first, key.second, OrganisationName(key.second));
    }
    for (const auto& [code, figures] : agencies) {
      *report.add_agencies() = RowOf(figures, code, "", AgencyName(code));
    }
    *report.mutable_total() = RowOf(total, "", "", "");
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

UnixMillis ComplianceReportBuilder::ScanToMs() const {
  return calendar::StartOfLocalDay(calendar::NextDay(state_->period.last), kWesternmostOffsetMinutes);
}

void ComplianceReportBuilder::Add(const store::RequestFacts& request) {
  State& state = *state_;
  const int offset = state.OffsetOf(request.addressee_code);
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
  v1::ComplianceReport report;
  report.set_period(state.period.label);
  *report.mutable_first_day() = DateOf(state.period.first);
  *report.mutable_last_day() = DateOf(state.period.last);
  *report.mutable_generated_at() = TimeUtil::MillisecondsToTimestamp(state.now_ms);
  report.set_period_complete(state.now_ms >= ScanToMs());

  state.AddRows(report);
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
