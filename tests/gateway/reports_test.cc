// The compliance reports (gateway/reports.h) over hand-built request facts, a small region with agencies in UTC+7
// and Moscow time, a catalogue of four test information types and the shipped federal production calendar.
#include "gateway/reports.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "calendar/deadlines.h"
#include "gateway/config.h"
#include "tests/support/temp_dir.h"

namespace mezhved::gateway {
namespace {

using calendar::Day;
using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using store::RequestFacts;

constexpr int kAltai = 420;   // SOCPROT and ZAGS
constexpr int kMoscow = 180;  // HEALTH (no offset configured) and organisations the registry does not know
constexpr UnixMillis kHour = 3600 * 1000;

constexpr char kAnswerType[] = "test.answer";
constexpr char kReferralType[] = "test.referral";
constexpr char kReportType[] = "test.report";
constexpr char kSupportType[] = "test.support";

constexpr char kGoneOrganisation[] = "GONE-ORG";  // not in the registry (left the config)

constexpr char kConfigText[] = R"pb(
  instance_name: "reports-test"
  agency_api { address: "127.0.0.1:0" insecure_loopback: true }
  operator_api { address: "127.0.0.1:0" insecure_loopback: true }
  store { data_dir: "/var/lib/mezhved" }
  information_types_catalog: "/usr/share/mezhved/schemas/catalog.textproto"
  calendar { federal_dir: "/usr/share/mezhved/calendars/federal" }
  agencies {
    code: "SOCPROT"
    name: "Министерство социальной защиты"
    kind: AGENCY_KIND_SOCIAL_PROTECTION
    utc_offset: "+07:00"
    organisations { code: "SOCPROT-MAIN" name: "Министерство социальной защиты" }
    organisations { code: "SOCPROT-BARNAUL" name: "УСЗН по г. Барнаулу" parent: "SOCPROT-MAIN" }
    organisations { code: "SOCPROT-BIYSK" name: "Отдел \"Бийский\", г. Бийск" parent: "SOCPROT-MAIN" }
  }
  agencies {
    code: "ZAGS"
    name: "Управление ЗАГС"
    kind: AGENCY_KIND_CIVIL_REGISTRY
    utc_offset: "+07:00"
    organisations { code: "ZAGS-MAIN" name: "Управление ЗАГС" }
    organisations { code: "ZAGS-BARNAUL" name: "Отдел ЗАГС г. Барнаула" parent: "ZAGS-MAIN" }
  }
  agencies {
    code: "HEALTH"
    name: "Министерство здравоохранения"
    kind: AGENCY_KIND_HEALTH
    organisations { code: "HEALTH-CRH-1" name: "ЦРБ № 1" }
  }
)pb";

constexpr char kCatalogText[] = R"pb(
  types {
    id: "test.answer"
    version: "1.0"
    name: "Сведения"
    request_schema: "payload.xsd"
    response_schema: "payload.xsd"
    deadline_class: DEADLINE_CLASS_ANSWER
  }
  types {
    id: "test.referral"
    version: "1.0"
    name: "Направление"
    request_schema: "payload.xsd"
    deadline_class: DEADLINE_CLASS_REFERRAL
  }
  types {
    id: "test.report"
    version: "1.0"
    name: "Отчёт"
    request_schema: "payload.xsd"
    deadline_class: DEADLINE_CLASS_REPORT
  }
  types {
    id: "test.support"
    version: "1.0"
    name: "Запрос о содействии"
    request_schema: "payload.xsd"
    response_schema: "payload.xsd"
    deadline_class: DEADLINE_CLASS_ANSWER
    social_support: true
  }
)pb";

constexpr char kPayloadXsd[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:test" elementFormDefault="qualified">
  <xs:element name="Payload" type="xs:string"/>
</xs:schema>
)";

// ---- The region, the catalogue, the calendar ----

const ParticipantRegistry& Participants() {
  static const ParticipantRegistry registry = [] {
    StatusOr<config::v1::GatewayConfig> config = ParseConfigText(kConfigText, ConfigFormat::kText);
    REQUIRE(config.ok());
    const Status valid = ValidateConfig(*config);
    INFO(valid.ToString());
    REQUIRE(valid.ok());
    return ParticipantRegistry::FromConfig(*config);
  }();
  return registry;
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

// A catalogue of its own, so that the tests do not depend on which shipped types are social-support ones.
const InformationTypeRegistry& Types() {
  static const testing::TempDir dir;
  static const std::shared_ptr<const InformationTypeRegistry> registry = [] {
    WriteFile(dir / "payload.xsd", kPayloadXsd);
    WriteFile(dir / "catalog.textproto", kCatalogText);
    auto loaded = InformationTypeRegistry::Load((dir / "catalog.textproto").string());
    INFO(loaded.status().ToString());
    REQUIRE(loaded.ok());
    return *loaded;
  }();
  return *registry;
}

const calendar::ProductionCalendar& Federal() {
  static const calendar::ProductionCalendar production_calendar = [] {
    auto loaded = calendar::ProductionCalendar::Load(std::string(MEZHVED_SOURCE_DIR) + "/calendars/federal", {});
    REQUIRE(loaded.ok());
    return std::move(*loaded);
  }();
  return production_calendar;
}

// ---- Requests and their histories ----

// The instant of hh:mm local time on `day` at a UTC offset.
UnixMillis At(const Day& day, int hour, int minute, int utc_offset_minutes) {
  return calendar::StartOfLocalDay(day, utc_offset_minutes) + (hour * 60 + minute) * 60 * 1000;
}

UnixMillis Altai(const Day& day, int hour, int minute = 0) { return At(day, hour, minute, kAltai); }

int OffsetOf(const std::string& organisation_code) {
  const Agency* agency = Participants().AgencyOf(organisation_code);
  return agency != nullptr ? agency->utc_offset_minutes : kMoscow;
}

// The end of a period of `working_days` from a receipt, as the gateway counts it at acceptance.
UnixMillis DueAt(const std::string& addressee, UnixMillis received_ms, int working_days) {
  calendar::DeadlinePolicy policy;
  policy.utc_offset_minutes = OffsetOf(addressee);
  StatusOr<UnixMillis> due = calendar::DueAt(Federal(), received_ms, working_days, policy);
  REQUIRE(due.ok());
  return *due;
}

v1::HistoryEvent Event(UnixMillis at, v1::MessageState state,
                       v1::DeadlineEvent deadline_event = v1::DEADLINE_EVENT_UNSPECIFIED) {
  v1::HistoryEvent event;
  *event.mutable_at() = TimeUtil::MillisecondsToTimestamp(at);
  event.set_state(state);
  event.set_deadline_event(deadline_event);
  return event;
}

// A request as the store gives it to reports: accepted at receipt, with no other event yet.
RequestFacts Request(const std::string& from, const std::string& to, UnixMillis received_ms,
                     const std::string& type = kAnswerType, uint32_t working_days = 5) {
  RequestFacts request;
  request.requester_code = from;
  request.addressee_code = to;
  request.information_type.set_id(type);
  request.information_type.set_version("1.0");
  request.received_at_ms = received_ms;
  request.answer_working_days = working_days;
  request.due_at_ms = working_days > 0 ? DueAt(to, received_ms, static_cast<int>(working_days)) : 0;
  request.history.push_back(Event(received_ms, v1::MESSAGE_STATE_ACCEPTED));
  return request;
}

RequestFacts ToZags(UnixMillis received_ms) { return Request("SOCPROT-BARNAUL", "ZAGS-BARNAUL", received_ms); }

RequestFacts&& Then(RequestFacts&& request, v1::HistoryEvent event) {
  request.history.push_back(std::move(event));
  return std::move(request);
}

RequestFacts Answered(RequestFacts request, UnixMillis at) {
  return Then(std::move(request), Event(at, v1::MESSAGE_STATE_ANSWERED, v1::DEADLINE_EVENT_STOPPED));
}

RequestFacts Refused(RequestFacts request, UnixMillis at, v1::RefusalReason reason) {
  v1::HistoryEvent event = Event(at, v1::MESSAGE_STATE_REFUSED, v1::DEADLINE_EVENT_STOPPED);
  event.set_refusal_reason(reason);
  return Then(std::move(request), std::move(event));
}

// A clarification request that the agreement lets stop the clock.
RequestFacts Stopped(RequestFacts request, UnixMillis at) {
  return Then(std::move(request), Event(at, v1::MESSAGE_STATE_CLARIFICATION_REQUESTED, v1::DEADLINE_EVENT_STOPPED));
}

// The requester's supplement: a new period of the same length from its receipt.
RequestFacts Restarted(RequestFacts request, UnixMillis at) {
  v1::HistoryEvent event = Event(at, v1::MESSAGE_STATE_SUPPLEMENTED, v1::DEADLINE_EVENT_RESTARTED);
  *event.mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(DueAt(request.addressee_code, at, 5));
  return Then(std::move(request), std::move(event));
}

// ---- Reports ----

ReportPeriod Period(const std::string& text) {
  StatusOr<ReportPeriod> period = ParseReportPeriod(text);
  INFO(text);
  REQUIRE(period.ok());
  return *period;
}

// The tallies of the requests' final histories, summed as the store would, but plainly: counts by key, and the
// distinct members by set.
store::TallyRange TalliesOf(const std::vector<RequestFacts>& requests, TallyDays days) {
  const ReportTallier tallier(Participants(), std::shared_ptr<const InformationTypeRegistry>(&Types(), [](auto*) {}));
  std::map<std::tuple<uint8_t, std::string, int32_t, int64_t>, int64_t> sums;
  std::map<std::string, std::set<std::string>> members;
  for (const RequestFacts& request : requests) {
    const store::RequestTally tally = tallier.Tally(request);
    for (const store::TallyCount& count : tally.counts) {
      if (count.day >= days.first && count.day <= days.last) {
        sums[{count.figure, count.scope, count.day, count.detail}] += count.count;
      }
    }
    for (const store::TallyMember& member : tally.members) {
      if (member.day >= days.first && member.day <= days.last) {
        members[member.scope].insert(member.member);
      }
    }
  }
  store::TallyRange range;
  for (const auto& [key, sum] : sums) {
    range.counts.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key), sum});
  }
  for (const auto& [scope, seen] : members) {
    range.distinct_members[scope] = seen.size();
  }
  return range;
}

bool AllEventsBefore(const std::vector<RequestFacts>& requests, UnixMillis now_ms) {
  return std::all_of(requests.begin(), requests.end(), [now_ms](const RequestFacts& request) {
    return std::all_of(request.history.begin(), request.history.end(), [now_ms](const v1::HistoryEvent& event) {
      return TimeUtil::TimestampToMilliseconds(event.at()) < now_ms;
    });
  });
}

bool SameRows(const v1::ComplianceReport& a, const v1::ComplianceReport& b);

// The report by the replay of every history; every test also checks that the daily tallies give the same one,
// whenever the store could have counted them (no event recorded after now).
v1::ComplianceReport Report(const std::string& period, UnixMillis now_ms, const std::vector<RequestFacts>& requests) {
  ComplianceReportBuilder builder(Participants(), Types(), Federal(), Period(period), now_ms);
  for (const RequestFacts& request : requests) {
    builder.Add(request);
  }
  v1::ComplianceReport report = builder.Finish();
  if (AllEventsBefore(requests, now_ms)) {
    const v1::ComplianceReport from_tallies = ComplianceReportFromTallies(
        Participants(), Federal(), Period(period), now_ms, TalliesOf(requests, TallyDaysOf(Period(period))));
    INFO("replay:\n" << report.DebugString() << "tallies:\n" << from_tallies.DebugString());
    CHECK(SameRows(report, from_tallies));
    CHECK(report.period_complete() == from_tallies.period_complete());
  }
  return report;
}

const v1::ComplianceRow* Find(const google::protobuf::RepeatedPtrField<v1::ComplianceRow>& rows,
                              const std::string& organisation_code, const std::string& agency_code) {
  for (const v1::ComplianceRow& row : rows) {
    if (row.organisation_code() == organisation_code && row.agency_code() == agency_code) {
      return &row;
    }
  }
  return nullptr;
}

const v1::ComplianceRow& OrganisationRow(const v1::ComplianceReport& report, const std::string& code) {
  const Organisation* organisation = Participants().FindOrganisation(code);
  const v1::ComplianceRow* row = Find(report.organisations(), code, organisation ? organisation->agency_code : "");
  INFO("organisation " << code);
  REQUIRE(row != nullptr);
  return *row;
}

const v1::ComplianceRow& AgencyRow(const v1::ComplianceReport& report, const std::string& code) {
  const v1::ComplianceRow* row = Find(report.agencies(), "", code);
  INFO("agency " << code);
  REQUIRE(row != nullptr);
  return *row;
}

// Every figure of a row but the refusals, which are checked on their own.
struct Figures {
  uint64_t requests_received = 0;
  uint64_t answered_on_time = 0;
  uint64_t answered_late = 0;
  uint64_t open = 0;
  uint64_t open_overdue = 0;
  uint64_t answers_timed = 0;
  double median = 0;
  double p90 = 0;
  uint64_t referrals_received = 0;
  uint64_t social_support_requests_sent = 0;
  uint64_t social_support_citizens = 0;
};

void CheckFigures(const v1::ComplianceRow& row, const Figures& expected) {
  INFO("row " << row.agency_code() << "/" << row.organisation_code());
  CHECK(row.requests_received() == expected.requests_received);
  CHECK(row.answered_on_time() == expected.answered_on_time);
  CHECK(row.answered_late() == expected.answered_late);
  CHECK(row.open() == expected.open);
  CHECK(row.open_overdue() == expected.open_overdue);
  CHECK(row.answers_timed() == expected.answers_timed);
  CHECK(row.median_answer_working_days() == expected.median);
  CHECK(row.p90_answer_working_days() == expected.p90);
  CHECK(row.referrals_received() == expected.referrals_received);
  CHECK(row.social_support_requests_sent() == expected.social_support_requests_sent);
  CHECK(row.social_support_citizens() == expected.social_support_citizens);
}

std::vector<std::string> CodesOf(const google::protobuf::RepeatedPtrField<v1::ComplianceRow>& rows) {
  std::vector<std::string> codes;
  for (const v1::ComplianceRow& row : rows) {
    codes.push_back(row.agency_code() + "/" + row.organisation_code());
  }
  return codes;
}

bool SameRows(const v1::ComplianceReport& a, const v1::ComplianceReport& b) {
  v1::ComplianceReport rows_a = a;
  v1::ComplianceReport rows_b = b;
  for (v1::ComplianceReport* report : {&rows_a, &rows_b}) {
    report->clear_generated_at();
    report->clear_period_complete();
  }
  return MessageDifferencer::Equals(rows_a, rows_b);
}

v1::Citizen Person(const std::string& last, const std::string& first, const std::string& middle, int year, int month,
                   int day, const std::string& snils = "") {
  v1::Citizen citizen;
  citizen.set_last_name(last);
  citizen.set_first_name(first);
  citizen.set_middle_name(middle);
  citizen.mutable_birth_date()->set_year(year);
  citizen.mutable_birth_date()->set_month(month);
  citizen.mutable_birth_date()->set_day(day);
  citizen.set_snils(snils);
  return citizen;
}

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 0xF];
  }
  return hex;
}

// ---- ParseReportPeriod ----

TEST_CASE("Reports: periods by quarter, half, year and day range", "[reports]") {
  struct Case {
    const char* text;
    Day first;
    Day last;
  };
  const Case cases[] = {
      {"2026-Q1", {2026, 1, 1}, {2026, 3, 31}},
      {"2026-Q2", {2026, 4, 1}, {2026, 6, 30}},
      {"2026-Q3", {2026, 7, 1}, {2026, 9, 30}},
      {"2026-Q4", {2026, 10, 1}, {2026, 12, 31}},
      {"2026-H1", {2026, 1, 1}, {2026, 6, 30}},
      {"2026-H2", {2026, 7, 1}, {2026, 12, 31}},
      {"2026", {2026, 1, 1}, {2026, 12, 31}},
      {"2028-Q1", {2028, 1, 1}, {2028, 3, 31}},
      {"2026-01-01..2026-03-31", {2026, 1, 1}, {2026, 3, 31}},
      {"2026-12-14..2027-01-15", {2026, 12, 14}, {2027, 1, 15}},
      {"2026-05-05..2026-05-05", {2026, 5, 5}, {2026, 5, 5}},
      {"2026-01-01..2030-12-31", {2026, 1, 1}, {2030, 12, 31}},  // five whole years
      {"2028-02-29..2033-02-28", {2028, 2, 29}, {2033, 2, 28}},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    StatusOr<ReportPeriod> period = ParseReportPeriod(c.text);
    REQUIRE(period.ok());
    CHECK(period->label == c.text);
    CHECK(period->first == c.first);
    CHECK(period->last == c.last);
  }
}

TEST_CASE("Reports: malformed periods are INVALID_ARGUMENT on the field period", "[reports]") {
  const char* bad[] = {
      "",
      "2026-Q0",
      "2026-Q5",
      "2026-H0",
      "2026-H3",
      "2026-q1",
      "2026-Q1 ",
      " 2026",
      "26-Q1",
      "202",
      "20266",
      "0000",
      "abcd",
      "2026-Q",
      "2026-Q12",
      "2026/Q1",
      "2026-01-01",
      "2026-01-01..",
      "..2026-03-31",
      "2026-01-01...2026-03-31",
      "2026-1-1..2026-3-31",
      "2026-02-30..2026-03-31",
      "2026-03-31..2026-01-01",
      "2026-01-01..2031-01-01",  // more than five years
      "2026-01-01..2026-03-31..2026-06-30",
  };
  for (const char* text : bad) {
    INFO("\"" << text << "\"");
    StatusOr<ReportPeriod> period = ParseReportPeriod(text);
    REQUIRE_FALSE(period.ok());
    CHECK(period.status().code() == ErrorCode::kInvalidArgument);
    REQUIRE(period.status().fields().size() == 1);
    CHECK(period.status().fields()[0].path == "period");
    CHECK(period.status().fields()[0].code == "MALFORMED");
    CHECK_FALSE(period.status().fields()[0].description.empty());
  }
}

// ---- CitizenKey ----

TEST_CASE("Reports: citizen keys tell citizens apart without naming them", "[reports]") {
  const v1::Citizen with_snils = Person("Иванов", "Пётр", "Сергеевич", 1980, 5, 17, "123-456-789 64");

  SECTION("SNILS digits only, whatever the name") {
    CHECK(CitizenKey(with_snils).size() == 16);
    CHECK(Hex(CitizenKey(with_snils)) == "9c0bc80c9aa27167fb947f658a27e25e");  // SHA-256("snils:12345678964")
    CHECK(CitizenKey(Person("Другой", "Имя", "", 1990, 1, 1, "12345678964")) == CitizenKey(with_snils));
    CHECK(CitizenKey(Person("Иванов", "Пётр", "Сергеевич", 1980, 5, 17, "123-456-789 65")) != CitizenKey(with_snils));
  }

  SECTION("without a SNILS: the normalised name and date of birth") {
    const v1::Citizen named = Person("Иванов", "Пётр", "Сергеевич", 1980, 5, 17);
    CHECK(CitizenKey(named).size() == 16);
    // SHA-256("name:иванов|петр|сергеевич|1980-05-17")
    CHECK(Hex(CitizenKey(named)) == "15c945ecc36decb850f46689d7eda663");
    CHECK(CitizenKey(Person("  ИВАНОВ ", "ПЁТР", "сергеевич\t", 1980, 5, 17)) == CitizenKey(named));
    CHECK(CitizenKey(Person("Иванов", "Петр", "Сергеевич", 1980, 5, 17)) == CitizenKey(named));  // ё = е
    CHECK(CitizenKey(Person("Smith", "John", "", 1975, 2, 3)) == CitizenKey(Person("SMITH", "john", "", 1975, 2, 3)));
    CHECK(CitizenKey(Person("Иванов", "Пётр", "Сергеевич", 1980, 5, 18)) != CitizenKey(named));
    CHECK(CitizenKey(Person("Иванов", "Пётр", "", 1980, 5, 17)) != CitizenKey(named));
    CHECK(CitizenKey(Person("Иванова", "Пётр", "Сергеевич", 1980, 5, 17)) != CitizenKey(named));
    // The fields stay apart: the separator keeps "a|bc" and "ab|c" different.
    CHECK(CitizenKey(Person("А", "БВ", "", 2000, 1, 1)) != CitizenKey(Person("АБ", "В", "", 2000, 1, 1)));
  }

  SECTION("a SNILS and a name never give the same key") {
    CHECK(CitizenKey(with_snils) != CitizenKey(Person("Иванов", "Пётр", "Сергеевич", 1980, 5, 17)));
  }

  SECTION("a request that names no citizen has no key") {
    CHECK(CitizenKey(v1::Citizen()).empty());
    CHECK(CitizenKey(Person(" ", "", "", 0, 0, 0, " - ")).empty());
  }
}

// ---- The builder ----

TEST_CASE("Reports: the scan covers every zone: the period is complete when it ended in UTC-12", "[reports]") {
  ComplianceReportBuilder builder(Participants(), Types(), Federal(), Period("2026-Q1"), 0);
  CHECK(builder.ScanFromMs() == TimeUtil::TimestampToMilliseconds(TimeUtil::TimeTToTimestamp(1767175200)));
  CHECK(builder.ScanFromMs() == At({2026, 1, 1}, 0, 0, 14 * 60));  // 2025-12-31T10:00:00Z
  CHECK(builder.ScanToMs() == At({2026, 4, 1}, 0, 0, -12 * 60));   // 2026-04-01T12:00:00Z
  CHECK(builder.ScanToMs() == TimeUtil::TimestampToMilliseconds(TimeUtil::TimeTToTimestamp(1775044800)));

  const UnixMillis end = builder.ScanToMs();
  CHECK_FALSE(Report("2026-Q1", end - 1, {}).period_complete());
  CHECK(Report("2026-Q1", end, {}).period_complete());
  CHECK(TimeUtil::TimestampToMilliseconds(Report("2026-Q1", end - 1, {}).generated_at()) == end - 1);
}

TEST_CASE("Reports: the report names its period and always has a total", "[reports]") {
  const v1::ComplianceReport report = Report("2026-H1", At({2026, 8, 1}, 0, 0, 0), {});
  CHECK(report.period() == "2026-H1");
  CHECK(report.first_day().year() == 2026);
  CHECK(report.first_day().month() == 1);
  CHECK(report.first_day().day() == 1);
  CHECK(report.last_day().year() == 2026);
  CHECK(report.last_day().month() == 6);
  CHECK(report.last_day().day() == 30);
  CHECK(report.organisations().empty());
  CHECK(report.agencies().empty());
  CHECK(report.total().agency_code().empty());
  CHECK(report.total().organisation_code().empty());
  CheckFigures(report.total(), {});
  CHECK(report.total().refusals().empty());
}

TEST_CASE("Reports: an answer is on time strictly before the end of its period", "[reports]") {
  // Received Monday 2026-02-02; five working days end with Monday 2026-02-09.
  const UnixMillis received = Altai({2026, 2, 2}, 10);
  const UnixMillis due = DueAt("ZAGS-BARNAUL", received, 5);
  REQUIRE(due == Altai({2026, 2, 10}, 0));

  const v1::ComplianceReport report =
      Report("2026-Q1", Altai({2026, 4, 10}, 0),
             {Answered(ToZags(received), Altai({2026, 2, 2}, 17)),  // the day of receipt: 0 working days
              Answered(ToZags(received), due - 1),                  // the last minute of 2026-02-09: 5
              Answered(ToZags(received), due)});                    // 2026-02-10 00:00: late, 6

  // Samples 0, 5, 6: nearest-rank median is the 2nd, p90 the 3rd.
  const Figures zags{
      .requests_received = 3, .answered_on_time = 2, .answered_late = 1, .answers_timed = 3, .median = 5, .p90 = 6};
  CheckFigures(OrganisationRow(report, "ZAGS-BARNAUL"), zags);
  CheckFigures(AgencyRow(report, "ZAGS"), zags);
  CheckFigures(report.total(), zags);
  CHECK(report.organisations_size() == 1);  // the requester sent no social-support request: no row
  CHECK(report.agencies_size() == 1);
}

TEST_CASE("Reports: open requests are overdue once their period ended with the clock running", "[reports]") {
  // Friday 2026-03-20: due at the end of 2026-03-27. Monday 2026-03-30: due at the end of 2026-04-06.
  const RequestFacts overdue = ToZags(Altai({2026, 3, 20}, 10));
  REQUIRE(overdue.due_at_ms == Altai({2026, 3, 28}, 0));
  const RequestFacts interim =
      Then(ToZags(Altai({2026, 3, 20}, 11)), Event(Altai({2026, 3, 23}, 9), v1::MESSAGE_STATE_IN_PROGRESS));
  const RequestFacts running = ToZags(Altai({2026, 3, 30}, 10));

  SECTION("at the end of the period") {
    const v1::ComplianceReport report = Report("2026-Q1", Altai({2026, 5, 1}, 0), {overdue, interim, running});
    CHECK(report.period_complete());
    CheckFigures(OrganisationRow(report, "ZAGS-BARNAUL"), {.requests_received = 3, .open = 3, .open_overdue = 2});
  }

  SECTION("a period that ends at the very instant the report's period ends is overdue in it") {
    // Tuesday 2026-03-24: due at the end of 2026-03-31, the last day of the quarter.
    const RequestFacts due_at_end = ToZags(Altai({2026, 3, 24}, 10));
    REQUIRE(due_at_end.due_at_ms == Altai({2026, 4, 1}, 0));
    const v1::ComplianceReport report = Report("2026-Q1", Altai({2026, 5, 1}, 0), {due_at_end});
    CheckFigures(OrganisationRow(report, "ZAGS-BARNAUL"), {.requests_received = 1, .open = 1, .open_overdue = 1});
    const v1::ComplianceReport march = Report("2026-03-01..2026-03-30", Altai({2026, 5, 1}, 0), {due_at_end});
    CheckFigures(OrganisationRow(march, "ZAGS-BARNAUL"), {.requests_received = 1, .open = 1, .open_overdue = 0});
  }

  SECTION("while the period runs, as of now") {
    const std::vector<RequestFacts> received = {overdue, interim};
    const v1::ComplianceReport before = Report("2026-Q1", overdue.due_at_ms - 1, received);
    CHECK_FALSE(before.period_complete());
    CheckFigures(OrganisationRow(before, "ZAGS-BARNAUL"), {.requests_received = 2, .open = 2, .open_overdue = 0});
    const v1::ComplianceReport at_the_end = Report("2026-Q1", overdue.due_at_ms, received);
    CheckFigures(OrganisationRow(at_the_end, "ZAGS-BARNAUL"), {.requests_received = 2, .open = 2, .open_overdue = 2});
    const v1::ComplianceReport after = Report("2026-Q1", overdue.due_at_ms + 1, received);
    CheckFigures(OrganisationRow(after, "ZAGS-BARNAUL"), {.requests_received = 2, .open = 2, .open_overdue = 2});
  }
}

TEST_CASE("Reports: a stopped clock is not overdue: a restarted one runs against the new period", "[reports]") {
  // Monday 2026-03-02, due at the end of 2026-03-10 (2026-03-09 is a holiday). The supplement of Monday
  // 2026-03-16 restarts five working days: to the end of 2026-03-23.
  const UnixMillis received = Altai({2026, 3, 2}, 10);
  REQUIRE(ToZags(received).due_at_ms == Altai({2026, 3, 11}, 0));
  const UnixMillis stop = Altai({2026, 3, 4}, 12);
  const UnixMillis restart = Altai({2026, 3, 16}, 9);
  REQUIRE(DueAt("ZAGS-BARNAUL", restart, 5) == Altai({2026, 3, 24}, 0));

  const RequestFacts stopped = Stopped(ToZags(received), stop);
  const RequestFacts restarted_on_time = Answered(Restarted(Stopped(ToZags(received), stop), restart),
                                                  Altai({2026, 3, 20}, 15));  // 13 working days after receipt
  const RequestFacts restarted_late =
      Answered(Restarted(Stopped(ToZags(received), stop), restart), Altai({2026, 3, 24}, 1));  // 15
  const RequestFacts restarted_open = Restarted(Stopped(ToZags(received), stop), restart);

  SECTION("open requests") {
    const v1::ComplianceReport report = Report("2026-Q1", Altai({2026, 6, 1}, 0), {stopped, restarted_open});
    CheckFigures(OrganisationRow(report, "ZAGS-BARNAUL"), {.requests_received = 2, .open = 2, .open_overdue = 1});
  }

  SECTION("answers after a restart") {
    const v1::ComplianceReport report = Report("2026-Q1", Altai({2026, 6, 1}, 0), {restarted_on_time, restarted_late});
    CheckFigures(OrganisationRow(report, "ZAGS-BARNAUL"), {.requests_received = 2,
                                                           .answered_on_time = 1,
                                                           .answered_late = 1,
                                                           .answers_timed = 2,
                                                           .median = 13,
                                                           .p90 = 15});
  }

  SECTION("an answer while the clock stood stopped is judged by when it stopped") {
    const RequestFacts stopped_in_time = Answered(Stopped(ToZags(received), stop), Altai({2026, 3, 20}, 15));
    const RequestFacts stopped_too_late =
        Answered(Stopped(ToZags(received), Altai({2026, 3, 12}, 9)), Altai({2026, 3, 13}, 9));  // 8
    const v1::ComplianceReport report = Report("2026-Q1", Altai({2026, 6, 1}, 0), {stopped_in_time, stopped_too_late});
    CheckFigures(OrganisationRow(report, "ZAGS-BARNAUL"), {.requests_received = 2,
                                                           .answered_on_time = 1,
                                                           .answered_late = 1,
                                                           .answers_timed = 2,
                                                           .median = 8,
                                                           .p90 = 13});
  }
}

TEST_CASE("Reports: events at or after the end of the period are ignored, so the report never changes", "[reports]") {
  const UnixMillis end = Altai({2026, 4, 1}, 0);
  // Monday 2026-03-30, due at the end of 2026-04-06: still running at the end of the period.
  const RequestFacts answered_after = Answered(ToZags(Altai({2026, 3, 30}, 10)), Altai({2026, 4, 3}, 10));
  const RequestFacts answered_at_end = Answered(ToZags(Altai({2026, 3, 30}, 11)), end);
  // Tuesday 2026-03-10, due at the end of 2026-03-17: overdue at the end of the period, answered in April.
  const RequestFacts overdue = Answered(ToZags(Altai({2026, 3, 10}, 10)), Altai({2026, 4, 5}, 10));
  const RequestFacts late = Answered(ToZags(Altai({2026, 3, 10}, 11)), end - 1);  // 15 working days
  const std::vector<RequestFacts> requests = {answered_after, answered_at_end, overdue, late};

  const v1::ComplianceReport first = Report("2026-Q1", At({2026, 4, 2}, 0, 0, 0), requests);
  const v1::ComplianceReport later = Report("2026-Q1", At({2027, 1, 1}, 0, 0, 0), requests);
  CHECK(first.period_complete());
  CheckFigures(OrganisationRow(first, "ZAGS-BARNAUL"), {.requests_received = 4,
                                                        .answered_late = 1,
                                                        .open = 3,
                                                        .open_overdue = 1,
                                                        .answers_timed = 1,
                                                        .median = 15,
                                                        .p90 = 15});
  CHECK(SameRows(first, later));
  CHECK_FALSE(MessageDifferencer::Equals(first, later));  // generated_at differs
}

TEST_CASE("Reports: refusals are counted by reason", "[reports]") {
  const UnixMillis received = Altai({2026, 2, 2}, 10);
  const UnixMillis answered = Altai({2026, 2, 3}, 10);
  const v1::ComplianceReport report =
      Report("2026-Q1", Altai({2026, 5, 1}, 0),
             {Refused(ToZags(received), answered, v1::REFUSAL_REASON_ACCESS_DENIED),
              Refused(ToZags(received), answered, v1::REFUSAL_REASON_NO_DATA),
              Refused(ToZags(received), answered, v1::REFUSAL_REASON_NO_DATA),
              Then(ToZags(received), Event(answered, v1::MESSAGE_STATE_CANNOT_ANSWER, v1::DEADLINE_EVENT_STOPPED)),
              Answered(ToZags(received), answered)});

  for (const v1::ComplianceRow* row :
       {&OrganisationRow(report, "ZAGS-BARNAUL"), &AgencyRow(report, "ZAGS"), &report.total()}) {
    CheckFigures(*row, {.requests_received = 5, .answered_on_time = 5, .answers_timed = 5, .median = 1, .p90 = 1});
    REQUIRE(row->refusals_size() == 2);
    CHECK(row->refusals(0).reason() == v1::REFUSAL_REASON_NO_DATA);
    CHECK(row->refusals(0).count() == 2);
    CHECK(row->refusals(1).reason() == v1::REFUSAL_REASON_ACCESS_DENIED);
    CHECK(row->refusals(1).count() == 1);
  }
}

TEST_CASE("Reports: median and p90 of answer times in working days, across the New Year holidays", "[reports]") {
  // Received Monday 2026-12-14; answered after 0..9 working days (Monday 2026-12-14 .. Friday 2026-12-25).
  const UnixMillis received = Altai({2026, 12, 14}, 9);
  const Day answer_days[] = {{2026, 12, 14}, {2026, 12, 15}, {2026, 12, 16}, {2026, 12, 17}, {2026, 12, 18},
                             {2026, 12, 21}, {2026, 12, 22}, {2026, 12, 23}, {2026, 12, 24}, {2026, 12, 25}};
  std::vector<RequestFacts> requests;
  for (const Day& day : answer_days) {
    requests.push_back(Answered(ToZags(received), Altai(day, 12)));
  }
  // Received Thursday 2026-12-24, answered Monday 2027-01-11: 25, 28, 29, 30 December and 11 January.
  requests.push_back(Answered(ToZags(Altai({2026, 12, 24}, 9)), Altai({2027, 1, 11}, 12)));

  // Samples 0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9: the median is the 6th (5), p90 the 10th (8). The first period ends
  // with 2026-12-21 (5 on time, 4 late); the New Year one with 2027-01-11 (on time).
  const v1::ComplianceReport report = Report("2026-12-14..2027-01-15", Altai({2027, 2, 1}, 0), requests);
  CheckFigures(
      OrganisationRow(report, "ZAGS-BARNAUL"),
      {.requests_received = 11, .answered_on_time = 7, .answered_late = 4, .answers_timed = 11, .median = 5, .p90 = 8});

  SECTION("one sample") {
    const v1::ComplianceReport one = Report("2026-12-14..2027-01-15", Altai({2027, 2, 1}, 0), {requests.back()});
    CheckFigures(OrganisationRow(one, "ZAGS-BARNAUL"),
                 {.requests_received = 1, .answered_on_time = 1, .answers_timed = 1, .median = 5, .p90 = 5});
  }
}

TEST_CASE("Reports: an answer on a day with no calendar is counted but not timed", "[reports]") {
  // Five working days from Monday 2027-12-27 end in 2028, which has no calendar: the due instant is set by hand.
  RequestFacts request = Request("SOCPROT-BARNAUL", "ZAGS-BARNAUL", Altai({2027, 12, 27}, 9), kAnswerType, 0);
  request.answer_working_days = 5;
  request.due_at_ms = Altai({2028, 1, 11}, 0);
  request.history.push_back(Event(Altai({2028, 1, 10}, 9), v1::MESSAGE_STATE_ANSWERED));
  const v1::ComplianceReport report = Report("2027-12-01..2028-01-31", Altai({2028, 3, 1}, 0), {request});
  CheckFigures(OrganisationRow(report, "ZAGS-BARNAUL"), {.requests_received = 1, .answered_on_time = 1});
}

TEST_CASE("Reports: a request belongs to the period by its addressee's local day of receipt", "[reports]") {
  // UTC+7 is ahead of UTC: early on the first local day is still the previous UTC day, and early on the day after
  // the period is still its last UTC day.
  const UnixMillis first_morning = Altai({2026, 1, 1}, 0, 30);  // 2025-12-31T17:30:00Z: in
  const UnixMillis eve = Altai({2025, 12, 31}, 23, 30);         // out
  const UnixMillis last_night = Altai({2026, 3, 31}, 23, 30);   // in
  const UnixMillis after = Altai({2026, 4, 1}, 0, 30);          // 2026-03-31T17:30:00Z: out in UTC+7
  REQUIRE(calendar::LocalDay(first_morning, 0) == Day{2025, 12, 31});
  REQUIRE(calendar::LocalDay(after, 0) == Day{2026, 3, 31});
  REQUIRE(calendar::LocalDay(after, kMoscow) == Day{2026, 3, 31});  // 20:30 in Moscow: in

  const std::vector<RequestFacts> requests = {
      ToZags(first_morning),
      ToZags(eve),
      Answered(ToZags(last_night), Altai({2026, 4, 1}, 0, 10)),  // answered after the end in UTC+7: open
      ToZags(after),
      Answered(Request("SOCPROT-BARNAUL", "HEALTH-CRH-1", after), At({2026, 3, 31}, 20, 45, kMoscow)),
      Request("SOCPROT-BARNAUL", kGoneOrganisation, after),  // read in Moscow time
  };
  ComplianceReportBuilder builder(Participants(), Types(), Federal(), Period("2026-Q1"), Altai({2026, 5, 1}, 0));
  for (const RequestFacts& request : requests) {
    CHECK(request.received_at_ms >= builder.ScanFromMs());
    CHECK(request.received_at_ms < builder.ScanToMs());
    builder.Add(request);
  }
  const v1::ComplianceReport report = builder.Finish();

  CHECK(CodesOf(report.organisations()) ==
        std::vector<std::string>{"/GONE-ORG", "HEALTH/HEALTH-CRH-1", "ZAGS/ZAGS-BARNAUL"});
  // The one of 2026-01-01 was due in January: overdue.
  CheckFigures(OrganisationRow(report, "ZAGS-BARNAUL"), {.requests_received = 2, .open = 2, .open_overdue = 1});
  CheckFigures(OrganisationRow(report, "HEALTH-CRH-1"),
               {.requests_received = 1, .answered_on_time = 1, .answers_timed = 1, .median = 0, .p90 = 0});
  const v1::ComplianceRow& gone = OrganisationRow(report, kGoneOrganisation);
  CHECK(gone.agency_code().empty());
  CHECK(gone.name().empty());
  CheckFigures(gone, {.requests_received = 1, .open = 1});
  CHECK(CodesOf(report.agencies()) == std::vector<std::string>{"HEALTH/", "ZAGS/"});
  CheckFigures(report.total(),
               {.requests_received = 4, .answered_on_time = 1, .open = 3, .open_overdue = 1, .answers_timed = 1});
}

TEST_CASE("Reports: referrals count as received: reports and unknown types count nowhere", "[reports]") {
  const UnixMillis received = Altai({2026, 2, 2}, 10);
  const v1::ComplianceReport report =
      Report("2026-Q1", Altai({2026, 5, 1}, 0),
             {Request("HEALTH-CRH-1", "SOCPROT-BARNAUL", received, kReferralType, 0),
              Request("ZAGS-BARNAUL", "SOCPROT-BARNAUL", received, kReferralType, 0),
              Request("SOCPROT-BARNAUL", "SOCPROT-MAIN", received, kReportType, 0),
              Request("SOCPROT-BARNAUL", "SOCPROT-MAIN", received, "test.unknown", 0),
              Request("HEALTH-CRH-1", "SOCPROT-BARNAUL", Altai({2026, 4, 1}, 10), kReferralType, 0)});

  CHECK(CodesOf(report.organisations()) == std::vector<std::string>{"SOCPROT/SOCPROT-BARNAUL"});
  CheckFigures(OrganisationRow(report, "SOCPROT-BARNAUL"), {.referrals_received = 2});
  CheckFigures(AgencyRow(report, "SOCPROT"), {.referrals_received = 2});
  CheckFigures(report.total(), {.referrals_received = 2});
}

TEST_CASE("Reports: social-support requests count for their requester, each citizen once", "[reports]") {
  const std::string ivanov = CitizenKey(Person("Иванов", "Пётр", "Сергеевич", 1980, 5, 17, "123-456-789 64"));
  const std::string petrova = CitizenKey(Person("Петрова", "Анна", "", 1955, 11, 2));
  const auto support = [](const std::string& from, const std::string& citizen_key, UnixMillis received) {
    RequestFacts request = Request(from, "HEALTH-CRH-1", received, kSupportType);
    request.citizen_key = citizen_key;
    return request;
  };
  const UnixMillis received = Altai({2026, 2, 2}, 10);
  const v1::ComplianceReport report =
      Report("2026-Q1", Altai({2026, 2, 3}, 0),
             {support("SOCPROT-BARNAUL", ivanov, received), support("SOCPROT-BARNAUL", ivanov, received + kHour),
              support("SOCPROT-BARNAUL", petrova, received), support("SOCPROT-BIYSK", ivanov, received),
              support("SOCPROT-BIYSK", "", received),                          // names no citizen
              support("SOCPROT-BIYSK", petrova, Altai({2025, 12, 30}, 10))});  // before the period

  CheckFigures(OrganisationRow(report, "SOCPROT-BARNAUL"),
               {.social_support_requests_sent = 3, .social_support_citizens = 2});
  CheckFigures(OrganisationRow(report, "SOCPROT-BIYSK"),
               {.social_support_requests_sent = 2, .social_support_citizens = 1});
  CheckFigures(AgencyRow(report, "SOCPROT"), {.social_support_requests_sent = 5, .social_support_citizens = 2});
  // The addressee received them as requests with an answer due, still open the day after.
  CheckFigures(OrganisationRow(report, "HEALTH-CRH-1"), {.requests_received = 5, .open = 5});
  CheckFigures(report.total(),
               {.requests_received = 5, .open = 5, .social_support_requests_sent = 5, .social_support_citizens = 2});
}

// Two ZAGS organisations, a hospital and an organisation that left the registry, in February 2026.
std::vector<RequestFacts> RegionRequests() {
  const UnixMillis received = Altai({2026, 2, 2}, 10);  // Monday; due at the end of Monday 2026-02-09
  const auto to_main = [&](const Day& answered) {
    return Answered(Request("SOCPROT-BARNAUL", "ZAGS-MAIN", received), Altai(answered, 12));
  };
  const UnixMillis moscow_received = At({2026, 2, 2}, 10, 0, kMoscow);
  return {
      to_main({2026, 2, 3}),                                                            // 1
      to_main({2026, 2, 4}),                                                            // 2
      Answered(ToZags(received), Altai({2026, 2, 9}, 12)),                              // 5
      Answered(ToZags(received), Altai({2026, 2, 10}, 12)),                             // 6, late
      Refused(ToZags(received), Altai({2026, 2, 11}, 12), v1::REFUSAL_REASON_FAILURE),  // 7, late
      Request("SOCPROT-BARNAUL", "HEALTH-CRH-1", moscow_received),                      // open, overdue
      Answered(Request("SOCPROT-BARNAUL", kGoneOrganisation, moscow_received), At({2026, 2, 2}, 15, 0, kMoscow)),  // 0
      Request("HEALTH-CRH-1", "SOCPROT-BIYSK", received, kReferralType, 0),
  };
}

TEST_CASE("Reports: agencies and the total pool their organisations' figures", "[reports]") {
  const v1::ComplianceReport report = Report("2026-Q1", Altai({2026, 5, 1}, 0), RegionRequests());

  CHECK(CodesOf(report.organisations()) == std::vector<std::string>{"/GONE-ORG", "HEALTH/HEALTH-CRH-1",
                                                                    "SOCPROT/SOCPROT-BIYSK", "ZAGS/ZAGS-BARNAUL",
                                                                    "ZAGS/ZAGS-MAIN"});
  CHECK(CodesOf(report.agencies()) == std::vector<std::string>{"HEALTH/", "SOCPROT/", "ZAGS/"});
  CHECK(OrganisationRow(report, "ZAGS-MAIN").name() == "Управление ЗАГС");
  CHECK(AgencyRow(report, "HEALTH").name() == "Министерство здравоохранения");
  CHECK(report.total().name().empty());

  CheckFigures(OrganisationRow(report, "ZAGS-MAIN"),
               {.requests_received = 2, .answered_on_time = 2, .answers_timed = 2, .median = 1, .p90 = 2});
  CheckFigures(
      OrganisationRow(report, "ZAGS-BARNAUL"),
      {.requests_received = 3, .answered_on_time = 1, .answered_late = 2, .answers_timed = 3, .median = 6, .p90 = 7});
  // Pooled 1, 2, 5, 6, 7: the median is the 3rd (5), not the mean of the organisations' medians.
  CheckFigures(
      AgencyRow(report, "ZAGS"),
      {.requests_received = 5, .answered_on_time = 3, .answered_late = 2, .answers_timed = 5, .median = 5, .p90 = 7});
  CheckFigures(AgencyRow(report, "HEALTH"), {.requests_received = 1, .open = 1, .open_overdue = 1});
  CheckFigures(AgencyRow(report, "SOCPROT"), {.referrals_received = 1});
  // The total includes the organisation no agency claims: 0, 1, 2, 5, 6, 7.
  CheckFigures(report.total(), {.requests_received = 7,
                                .answered_on_time = 4,
                                .answered_late = 2,
                                .open = 1,
                                .open_overdue = 1,
                                .answers_timed = 6,
                                .median = 2,
                                .p90 = 7,
                                .referrals_received = 1});
  REQUIRE(report.total().refusals_size() == 1);
  CHECK(report.total().refusals(0).reason() == v1::REFUSAL_REASON_FAILURE);
  CHECK(report.total().refusals(0).count() == 1);
  CHECK(AgencyRow(report, "ZAGS").refusals_size() == 1);
  CHECK(OrganisationRow(report, "ZAGS-MAIN").refusals().empty());
}

// ---- Export ----

TEST_CASE("Reports: CSV has a header, one line per row, RFC 4180 quoting", "[reports]") {
  const v1::ComplianceReport report = Report("2026-Q1", Altai({2026, 5, 1}, 0), RegionRequests());
  const std::string csv = ReportCsv(report);

  const std::string header =
      "level,agency_code,organisation_code,name,requests_received,answered_on_time,answered_late,open,open_overdue,"
      "refused_no_data,refused_access_denied,refused_contradicts_law,refused_unknown_request,refused_failure,"
      "answers_timed,median_answer_working_days,p90_answer_working_days,referrals_received,"
      "social_support_requests_sent,social_support_citizens\r\n";
  CHECK(csv.starts_with(header));
  CHECK(csv.find("organisation,ZAGS,ZAGS-BARNAUL,Отдел ЗАГС г. Барнаула,3,1,2,0,0,0,0,0,0,1,3,6,7,0,0,0\r\n") !=
        std::string::npos);
  CHECK(csv.find("organisation,SOCPROT,SOCPROT-BIYSK,\"Отдел \"\"Бийский\"\", г. Бийск\",0,0,0,0,0,0,0,0,0,0,0,0,0,"
                 "1,0,0\r\n") != std::string::npos);
  CHECK(csv.find("organisation,,GONE-ORG,,1,1,0,0,0,0,0,0,0,0,1,0,0,0,0,0\r\n") != std::string::npos);
  CHECK(csv.find("agency,ZAGS,,Управление ЗАГС,5,3,2,0,0,0,0,0,0,1,5,5,7,0,0,0\r\n") != std::string::npos);
  CHECK(csv.ends_with("total,,,,7,4,2,1,1,0,0,0,0,1,6,2,7,1,0,0\r\n"));
  // Organisations, then agencies, then the total.
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 5 + 3 + 1);
  CHECK(csv.find("organisation,") < csv.find("agency,"));

  SECTION("answer times with at most one decimal, whatever the locale") {
    v1::ComplianceReport fractional;
    fractional.mutable_total()->set_median_answer_working_days(2.5);
    fractional.mutable_total()->set_p90_answer_working_days(3.25);
    CHECK(ReportCsv(fractional).ends_with("total,,,,0,0,0,0,0,0,0,0,0,0,0,2.5,3.3,0,0,0\r\n"));
  }
}

TEST_CASE("Reports: JSON is the ComplianceReport's mapping and reads back to the same figures", "[reports]") {
  const v1::ComplianceReport report = Report("2026-Q1", Altai({2026, 5, 1}, 0), RegionRequests());
  const std::string json = ReportJson(report);
  CHECK(json.find("\"requests_received\"") != std::string::npos);  // proto field names, like the CSV
  CHECK(json.find("\"REFUSAL_REASON_FAILURE\"") != std::string::npos);
  CHECK(json.find("\"period\": \"2026-Q1\"") != std::string::npos);

  v1::ComplianceReport parsed;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &parsed);
  INFO(status.ToString());
  REQUIRE(status.ok());
  CHECK(MessageDifferencer::Equals(parsed, report));
  CHECK(parsed.total().median_answer_working_days() == 2);
  CHECK(parsed.total().requests_received() == 7);
}

}  // namespace
}  // namespace mezhved::gateway
