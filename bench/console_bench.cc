// console_bench: the operators' console with a year of traffic in the store (docs/PERFORMANCE.md, "The operators'
// console and metrics").
//
// 1. Fill: --messages messages (1,000,000 by default) go into a fresh store directory through the store's own
//    interface (store::RocksDbStore: Accept, AcceptResponse, Lease, Ack, FireDueTimers, StopClock, RecordRejection,
//    RecordAudit), thousands of mutations in flight at once so that group commit batches them. The traffic is a
//    simulated year of a region of 12 organisations (the config this tool writes, which the daemon then runs on),
//    day by day in acceptance order, so that sequences, message ids (UUIDv7 of the acceptance millisecond) and every
//    time-ordered index look as the gateway leaves them:
//    - social-protection departments ask the other agencies for information (nine information types, the answer
//      periods of the production calendar counted by gateway::AnswerDeadlines), and the agencies refer citizens to
//      them and send them quarterly reports;
//    - every organisation's system leases its queue twice a day (13:00 and 19:00 local time) and acknowledges what
//      it got; the addressees answer in 1 to 4 working days mostly, some on the last day (after the due-soon notice),
//      some late, a few never; refusals, cannot-answer notices and interim statuses among the answers;
//    - the deadline timers fire each night through FireDueTimers with the gateway's own notices;
//    - answers to social-support requests start the citizen-copy clock, which the requesters mostly stop
//      (StopClock, as ConfirmCitizenCopy does);
//    - a few messages are never acknowledged and end as dead letters after max_attempts deliveries;
//    - one organisation (SOCPROT-BARNAUL) falls behind: by the end --backlog messages wait in its queue;
//    - the last lease of a few queues is left unacknowledged, so some messages are leased when the daemon starts;
//    - refusals at the door (--rejections) and operators' actions (--audit) are recorded through the year.
//    Deterministic for a --seed, except the random bits of message ids. The year ends when the fill starts.
// 2. Serve: the real mezhvedd starts on that directory with the operators' listener on loopback (insecure_loopback:
//    no sign-in, the "loopback" operator with every permission).
// 3. Measure: each console page --requests times, one request after another on one keep-alive connection (at most
//    --page-seconds per page), then --clients connections at once for --concurrent-seconds, cycling through the
//    pages: latency percentiles per page.
//
// --reuse measures an earlier fill of the same --work-dir again (fill.json says what it holds); --fill-only stops
// after the fill. The fill keeps the reports' daily tallies as the daemon does; --untallied fills as a build without
// them would, so that mezhvedd counts them when it starts (its ready time then shows how long that takes). Exit status:
// 0 a clean run, 1 a store error, a page that did not answer 200 or a daemon failure, 2 usage.
#include <fcntl.h>
#include <google/protobuf/util/time_util.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "calendar/deadlines.h"
#include "calendar/production_calendar.h"
#include "common/message_id.h"
#include "gateway/agreements.h"
#include "gateway/config.h"
#include "gateway/deadlines.h"
#include "gateway/information_types.h"
#include "gateway/lifecycle.h"
#include "gateway/participants.h"
#include "gateway/reports.h"
#include "gateway/rules.h"
#include "store/rocksdb_store.h"

namespace mezhved::bench {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::TimeUtil;
using SteadyClock = std::chrono::steady_clock;

enum ExitCode : int { kExitOk = 0, kExitFailures = 1, kExitUsage = 2 };

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int kUtcOffsetMinutes = 7 * 60;  // Altai Krai: every agency of the config is "+07:00"
constexpr char kBigQueue[] = "SOCPROT-BARNAUL";
constexpr size_t kSampleIds = 1000;  // message ids kept for the message page
constexpr uint64_t kUnlimitedLease = 1'000'000;
constexpr int64_t kFinalLeaseMs = 10 * kMinuteMs;  // the leases left open at the end: the config's max_lease_ms
constexpr int64_t kTopUpMs = 10 * kMinuteMs;       // the last minutes of the year, for the top-up

struct Options {
  std::string work_dir;
  std::string daemon = MEZHVED_DAEMON_PATH;
  std::string source_dir = MEZHVED_SOURCE_DIR;
  uint64_t messages = 1'000'000;
  uint64_t backlog = 0;     // 0: 5% of --messages
  uint64_t rejections = 0;  // 0: 5% of --messages
  uint64_t audit = 0;       // 0: 1% of --messages
  double poison = 0.003;    // share of messages never acknowledged: dead letters
  uint64_t seed = 20261124;
  int days = 365;
  bool reuse = false;
  bool fill_only = false;
  bool untallied = false;  // fill as a build without report tallies would: the daemon counts them when it starts
  int requests = 200;
  double page_seconds = 60;
  int clients = 4;
  double concurrent_seconds = 30;
  bool json = false;
};

// ---- The region ---------------------------------------------------------------------------------------------------

struct OrganisationDef {
  const char* code;
  const char* name;
};

struct AgencyDef {
  const char* code;
  const char* name;
  const char* kind;
  std::vector<OrganisationDef> organisations;
};

const std::vector<AgencyDef>& Agencies() {
  static const std::vector<AgencyDef> agencies = {
      {"SOCPROT",
       "Министерство социальной защиты Алтайского края",
       "AGENCY_KIND_SOCIAL_PROTECTION",
       {{"SOCPROT-BARNAUL", "Управление социальной защиты населения по г. Барнаулу"},
        {"SOCPROT-BIYSK", "Управление социальной защиты населения по г. Бийску"},
        {"SOCPROT-RUBTSOVSK", "Управление социальной защиты населения по г. Рубцовску"},
        {"SOCPROT-KCSON-BARNAUL", "КГБУСО «Комплексный центр социального обслуживания населения г. Барнаула»"}}},
      {"ZAGS",
       "Управление юстиции Алтайского края",
       "AGENCY_KIND_CIVIL_REGISTRY",
       {{"ZAGS-BARNAUL", "Отдел ЗАГС по г. Барнаулу"}, {"ZAGS-BIYSK", "Отдел ЗАГС по г. Бийску"}}},
      {"HEALTH",
       "Министерство здравоохранения Алтайского края",
       "AGENCY_KIND_HEALTH",
       {{"HEALTH-CITY-HOSPITAL-BARNAUL", "КГБУЗ «Городская больница № 5, г. Барнаул»"},
        {"HEALTH-CRH-ZMEINOGORSK", "КГБУЗ «Змеиногорская центральная районная больница»"}}},
      {"EDUCATION",
       "Министерство образования и науки Алтайского края",
       "AGENCY_KIND_EDUCATION",
       {{"EDUCATION-PMPK", "Краевая психолого-медико-педагогическая комиссия"},
        {"EDUCATION-SCHOOL-BARNAUL-1", "МБОУ «Средняя общеобразовательная школа № 1», г. Барнаул"}}},
      {"LABOUR",
       "Управление Алтайского края по труду и занятости населения",
       "AGENCY_KIND_LABOUR",
       {{"LABOUR-CZN-BARNAUL", "КГКУ «Центр занятости населения г. Барнаула»"}}},
      {"MSE",
       "ФКУ «Главное бюро медико-социальной экспертизы по Алтайскому краю»",
       "AGENCY_KIND_MEDICAL_SOCIAL_EXPERTISE",
       {{"MSE-BUREAU-1", "Бюро медико-социальной экспертизы № 1"}}},
  };
  return agencies;
}

std::vector<std::string> OrganisationsOf(const std::string& agency) {
  std::vector<std::string> codes;
  for (const AgencyDef& def : Agencies()) {
    if (agency == def.code) {
      for (const OrganisationDef& organisation : def.organisations) {
        codes.emplace_back(organisation.code);
      }
    }
  }
  return codes;
}

std::vector<std::string> AllOrganisations() {
  std::vector<std::string> codes;
  for (const AgencyDef& def : Agencies()) {
    for (const OrganisationDef& organisation : def.organisations) {
      codes.emplace_back(organisation.code);
    }
  }
  return codes;
}

std::string NameOf(const std::string& code) {
  for (const AgencyDef& def : Agencies()) {
    for (const OrganisationDef& organisation : def.organisations) {
      if (code == organisation.code) {
        return organisation.name;
      }
    }
  }
  return "";
}

// What the social-protection departments ask for, with the share of requests of each type.
struct RequestTypeDef {
  const char* id;
  std::vector<const char*> addressee_agencies;
  double weight;
  const char* agreement;
  const char* authority_code;
  const char* authority_name;
};

const std::vector<RequestTypeDef>& RequestTypes() {
  static const std::vector<RequestTypeDef> types = {
      {"zags.civil-status-record",
       {"ZAGS"},
       22,
       "AGR-BENCH-001",
       "social-services.recognition-of-need",
       "Признание гражданина нуждающимся в социальном обслуживании"},
      {"labour.employment-status",
       {"LABOUR"},
       14,
       "AGR-BENCH-001",
       "social-services.recognition-of-need",
       "Признание гражданина нуждающимся в социальном обслуживании"},
      {"health.contraindications",
       {"HEALTH"},
       12,
       "AGR-BENCH-001",
       "social-services.recognition-of-need",
       "Признание гражданина нуждающимся в социальном обслуживании"},
      {"health.medical-commission",
       {"HEALTH"},
       8,
       "AGR-BENCH-001",
       "social-support.accompaniment",
       "Социальное сопровождение"},
      {"education.pmpk-conclusion",
       {"EDUCATION"},
       6,
       "AGR-BENCH-001",
       "social-support.accompaniment",
       "Социальное сопровождение"},
      {"education.enrolment",
       {"EDUCATION"},
       8,
       "AGR-BENCH-001",
       "social-support.accompaniment",
       "Социальное сопровождение"},
      {"mse.disability",
       {"MSE"},
       10,
       "AGR-BENCH-001",
       "social-services.recognition-of-need",
       "Признание гражданина нуждающимся в социальном обслуживании"},
      {"social.support-request",
       {"HEALTH", "EDUCATION", "LABOUR"},
       12,
       "AGR-BENCH-003",
       "social-support.accompaniment",
       "Социальное сопровождение"},
      {"social.support-progress",
       {"HEALTH", "EDUCATION", "LABOUR"},
       8,
       "AGR-BENCH-003",
       "social-support.accompaniment",
       "Социальное сопровождение"},
  };
  return types;
}

// The config the daemon runs on: the 12 organisations, their agreements, the repository's catalogue and calendars.
std::string ConfigText(const std::string& data_dir, const std::string& source_dir) {
  std::ostringstream text;
  text << "# Generated by bench/console_bench: a region of 12 organisations with a year of traffic in its store.\n"
       << "instance_name: \"mezhved-console-bench\"\n"
       << "agency_api { address: \"127.0.0.1:0\" insecure_loopback: true }\n"
       << "operator_api { address: \"127.0.0.1:0\" insecure_loopback: true }\n"
       << "operator_console { listener { address: \"127.0.0.1:0\" insecure_loopback: true } }\n"
       << "store { data_dir: \"" << data_dir << "\" }\n"
       << "logging { level: \"warn\" }\n"
       << "information_types_catalog: \"" << source_dir << "/schemas/catalog.textproto\"\n"
       << "calendar { federal_dir: \"" << source_dir << "/calendars/federal\" }\n"
       << "operators { name: \"duty\" role: OPERATOR_ROLE_OPERATOR }\n"
       << "operators { name: \"ivanova\" role: OPERATOR_ROLE_OPERATOR }\n"
       << "operators { name: \"petrov\" role: OPERATOR_ROLE_SUPERVISOR }\n"
       << "operators { name: \"sidorova\" role: OPERATOR_ROLE_AUDITOR }\n"
       << "operators { name: \"admin\" role: OPERATOR_ROLE_ADMINISTRATOR }\n";
  for (const AgencyDef& agency : Agencies()) {
    text << "agencies {\n  code: \"" << agency.code << "\"\n  name: \"" << agency.name << "\"\n  kind: " << agency.kind
         << "\n  utc_offset: \"+07:00\"\n";
    for (const OrganisationDef& organisation : agency.organisations) {
      text << "  organisations { code: \"" << organisation.code << "\" name: \"" << organisation.name << "\" }\n";
    }
    text << "}\n";
  }
  text << R"CONFIG(agreements {
  id: "AGR-BENCH-001"
  title: "Соглашение о межведомственном взаимодействии при предоставлении социальных услуг (нагрузочный тест)"
  requesters: "SOCPROT"
  addressees: "ZAGS" addressees: "LABOUR" addressees: "HEALTH" addressees: "EDUCATION" addressees: "MSE"
  information_types: "zags.civil-status-record" information_types: "labour.employment-status"
  information_types: "health.contraindications" information_types: "health.medical-commission"
  information_types: "education.pmpk-conclusion" information_types: "education.enrolment"
  information_types: "mse.disability"
  authorities { code: "social-services.recognition-of-need" name: "Признание гражданина нуждающимся в социальном обслуживании" legal_act: "Федеральный закон от 28.12.2013 № 442-ФЗ, ст. 15" }
  authorities { code: "social-support.accompaniment" name: "Социальное сопровождение" legal_act: "Федеральный закон от 28.12.2013 № 442-ФЗ, ст. 22" }
  valid_from: "2020-01-01"
}
agreements {
  id: "AGR-BENCH-002"
  title: "Порядок направления обращений в интересах граждан, нуждающихся в социальном обслуживании (нагрузочный тест)"
  requesters: "ZAGS" requesters: "LABOUR" requesters: "HEALTH" requesters: "EDUCATION"
  addressees: "SOCPROT"
  information_types: "social.referral"
  authorities { code: "social-services.identification" name: "Выявление граждан, нуждающихся в социальном обслуживании" legal_act: "Федеральный закон от 28.12.2013 № 442-ФЗ, ст. 14" }
  valid_from: "2020-01-01"
}
agreements {
  id: "AGR-BENCH-003"
  title: "Соглашение об информационном обмене по мероприятиям социального сопровождения (нагрузочный тест)"
  requesters: "SOCPROT"
  addressees: "HEALTH" addressees: "EDUCATION" addressees: "LABOUR"
  information_types: "social.support-request" information_types: "social.support-progress"
  authorities { code: "social-support.accompaniment" name: "Социальное сопровождение" legal_act: "Федеральный закон от 28.12.2013 № 442-ФЗ, ст. 22" }
  valid_from: "2020-01-01"
}
agreements {
  id: "AGR-BENCH-004"
  title: "Ежеквартальные отчёты о мероприятиях социального сопровождения (нагрузочный тест)"
  requesters: "HEALTH" requesters: "EDUCATION" requesters: "LABOUR"
  addressees: "SOCPROT"
  information_types: "social.support-quarterly-report"
  authorities { code: "social-support.accompaniment" name: "Социальное сопровождение" legal_act: "Федеральный закон от 28.12.2013 № 442-ФЗ, ст. 22" }
  valid_from: "2020-01-01"
}
)CONFIG";
  return text.str();
}

StatusOr<gateway::Rules> LoadRules(const config::v1::GatewayConfig& config) {
  gateway::Rules rules;
  rules.participants =
      std::make_shared<const gateway::ParticipantRegistry>(gateway::ParticipantRegistry::FromConfig(config));
  rules.agreements = std::make_shared<const gateway::AgreementRegistry>(config, *rules.participants);
  StatusOr<std::shared_ptr<const gateway::InformationTypeRegistry>> types =
      gateway::InformationTypeRegistry::Load(config.information_types_catalog());
  MEZHVED_RETURN_IF_ERROR(types.status());
  rules.information_types = *types;
  StatusOr<calendar::ProductionCalendar> calendar =
      calendar::ProductionCalendar::Load(config.calendar().federal_dir(), {});
  MEZHVED_RETURN_IF_ERROR(calendar.status());
  rules.calendar = std::make_shared<const calendar::ProductionCalendar>(std::move(*calendar));
  return rules;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// The blocks the directory's files take on disk, as du counts them.
uint64_t DirectoryBytes(const fs::path& dir) {
  uint64_t bytes = 0;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(dir, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    struct stat info {};
    if (it->is_regular_file(error) && stat(it->path().c_str(), &info) == 0) {
      bytes += static_cast<uint64_t>(info.st_blocks) * 512;
    }
  }
  return bytes;
}

v1::Date DateOf(const calendar::Day& day) {
  v1::Date date;
  date.set_year(day.year);
  date.set_month(day.month);
  date.set_day(day.day);
  return date;
}

// ---- Mutations in flight ----------------------------------------------------------------------------------------

// Counts the mutations submitted and not yet answered, and the errors they answered with.
class InFlight {
 public:
  template <typename T>
  store::Done<T> Track(std::string what) {
    Begin();
    return [this, what = std::move(what)](const StatusOr<T>& result) { End(what, result.status()); };
  }

  void Begin() {
    std::lock_guard lock(mutex_);
    ++pending_;
  }

  void End(const std::string& what, const Status& status) {
    std::lock_guard lock(mutex_);
    if (!status.ok()) {
      ++errors_[what + " " + std::string(ErrorCodeName(status.code()))];
      if (first_error_.empty()) {
        first_error_ = what + ": " + status.ToString();
      }
    }
    if (--pending_ == 0) {
      idle_.notify_all();
    }
  }

  void Wait() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return pending_ == 0; });
  }

  std::map<std::string, uint64_t> errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }
  std::string first_error() const {
    std::lock_guard lock(mutex_);
    return first_error_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  uint64_t pending_ = 0;
  std::map<std::string, uint64_t> errors_;
  std::string first_error_;
};

// ---- The fill -----------------------------------------------------------------------------------------------------

// A request the simulation remembers until its addressee has answered it.
struct RequestInfo {
  MessageId id;
  uint32_t number = 0;  // its outgoing number
  uint16_t type = 0;    // index into RequestTypes()
  std::string requester;
  std::string addressee;
  UnixMillis accepted_ms = 0;
};

// Something planned for a later day.
struct Planned {
  enum class Kind { kInterim, kAnswer, kConfirmCopy };
  Kind kind = Kind::kAnswer;
  UnixMillis at = 0;
  uint32_t request = 0;  // index into requests_
  v1::ResponseEnvelope::OutcomeCase outcome = v1::ResponseEnvelope::kData;
  MessageId answer;  // kConfirmCopy
};

// One event of a day, in acceptance order.
struct DayEvent {
  enum class Kind { kRequest, kReferral, kReport, kPlanned, kRejection, kAudit };
  Kind kind = Kind::kRequest;
  UnixMillis at = 0;
  size_t planned = 0;  // kPlanned: index into the day's planned list
};

struct FillFigures {
  uint64_t messages = 0;  // accepted: requests, referrals, reports, responses, notices
  uint64_t requests = 0;  // with an answer due
  uint64_t referrals = 0;
  uint64_t reports = 0;
  uint64_t responses = 0;
  uint64_t notices = 0;
  uint64_t rejections = 0;
  uint64_t audit = 0;
  uint64_t copies_confirmed = 0;
  uint64_t poisoned = 0;
  uint64_t leases = 0;
  uint64_t acks = 0;
  uint64_t top_up = 0;
};

class Filler {
 public:
  Filler(const Options& options, const config::v1::GatewayConfig& config, gateway::Rules rules)
      : options_(options),
        config_(config),
        rules_(rules),
        deadlines_(rules, gateway::DeadlineSettings::FromConfig(config)),
        random_(options.seed),
        sample_random_(options.seed + 1) {
    for (const char* kind : {"request", "response"}) {
      for (const RequestTypeDef& type : RequestTypes()) {
        const fs::path file =
            fs::path(options.source_dir) / "schemas/examples" / (std::string(type.id) + "." + kind + ".xml");
        if (fs::exists(file)) {
          payloads_[std::string(type.id) + "." + kind] = ReadFile(file);
        }
      }
    }
    for (const char* id : {"social.referral", "social.support-quarterly-report"}) {
      payloads_[std::string(id) + ".request"] =
          ReadFile(fs::path(options.source_dir) / "schemas/examples" / (std::string(id) + ".request.xml"));
    }
    backlog_ = options.backlog != 0 ? options.backlog : options.messages / 20;
    rejections_total_ = options.rejections != 0 ? options.rejections : options.messages / 20;
    audit_total_ = options.audit != 0 ? options.audit : options.messages / 100;
  }

  // Runs the simulated year in the store; returns the figures.
  Status Run(store::RocksDbStore& store, UnixMillis end_ms) {
    store_ = &store;
    end_ms_ = end_ms;
    events_end_ms_ = end_ms - kTopUpMs - kMinuteMs;
    const calendar::Day last_day = calendar::LocalDay(end_ms, kUtcOffsetMinutes);
    const calendar::Day first_day = calendar::AddDays(last_day, -(options_.days - 1));
    start_ms_ = calendar::StartOfLocalDay(first_day, kUtcOffsetMinutes);
    for (calendar::Day day = first_day; !(last_day < day); day = calendar::NextDay(day)) {
      StatusOr<bool> working = rules_.calendar->IsWorkingDay(day);
      MEZHVED_RETURN_IF_ERROR(working.status());
      if (*working) {
        ++working_days_left_;
      }
    }
    const SteadyClock::time_point started = SteadyClock::now();
    int day_index = 0;
    for (calendar::Day day = first_day; !(last_day < day); day = calendar::NextDay(day), ++day_index) {
      MEZHVED_RETURN_IF_ERROR(RunDay(day));
      if (day_index % 30 == 29) {
        const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
        std::fprintf(stderr, "console_bench: fill day %d of %d, %llu messages, %.0f s\n", day_index + 1, options_.days,
                     static_cast<unsigned long long>(figures_.messages), seconds);
      }
    }
    FireTimers(events_end_ms_);
    TopUp();
    LeaveSomeLeased();
    FireTimers(end_ms_);
    inflight_.Wait();
    if (!inflight_.errors().empty()) {
      return {ErrorCode::kInternal, "store errors during the fill, the first: " + inflight_.first_error()};
    }
    return Status::Ok();
  }

  const FillFigures& figures() const { return figures_; }
  UnixMillis start_ms() const { return start_ms_; }
  uint64_t backlog() const { return backlog_; }
  std::vector<std::string> SampleIds() const {
    std::lock_guard lock(sample_mutex_);
    std::vector<std::string> ids;
    for (const MessageId& id : sample_) {
      ids.push_back(id.ToString());
    }
    return ids;
  }

 private:
  // ---- A day ----

  Status RunDay(const calendar::Day& day) {
    const UnixMillis midnight = calendar::StartOfLocalDay(day, kUtcOffsetMinutes);
    if (midnight + 5 * kMinuteMs <= events_end_ms_) {
      FireTimers(midnight + 5 * kMinuteMs);  // the nightly notices of the periods that ended or are ending
    }
    StatusOr<bool> working = rules_.calendar->IsWorkingDay(day);
    MEZHVED_RETURN_IF_ERROR(working.status());

    // Everything accepted or recorded today, in time order.
    std::vector<Planned> planned;
    if (auto bucket = planned_.find(calendar::DaysSinceEpoch(day)); bucket != planned_.end()) {
      planned = std::move(bucket->second);
      planned_.erase(bucket);
    }
    std::vector<DayEvent> events;
    for (size_t i = 0; i < planned.size(); ++i) {
      events.push_back({DayEvent::Kind::kPlanned, planned[i].at, i});
    }
    const auto office_hours = [&](int from_hour, int to_hour) {
      return midnight + from_hour * kHourMs +
             std::uniform_int_distribution<int64_t>(0, (to_hour - from_hour) * kHourMs - 1)(random_);
    };
    if (*working) {
      const uint64_t originating = OriginatingToday();
      --working_days_left_;
      const bool quarter_reports = (day.month - 1) % 3 == 0 && day.day <= 15;
      for (uint64_t i = 0; i < originating; ++i) {
        const double kind = uniform_(random_);
        DayEvent::Kind event = DayEvent::Kind::kRequest;
        if (kind < 0.055) {
          event = DayEvent::Kind::kReferral;
        } else if (quarter_reports && kind < 0.055 + 0.05) {
          event = DayEvent::Kind::kReport;
        }
        events.push_back({event, office_hours(8, 18), 0});
      }
      for (uint64_t i = 0, n = Spread(rejections_total_); i < n; ++i) {
        events.push_back({DayEvent::Kind::kRejection, office_hours(8, 18), 0});
      }
    }
    for (uint64_t i = 0, n = *working ? Spread(audit_total_) : 0; i < n; ++i) {
      events.push_back({DayEvent::Kind::kAudit, office_hours(8, 20), 0});
    }
    std::stable_sort(events.begin(), events.end(), [](const DayEvent& a, const DayEvent& b) { return a.at < b.at; });

    // The organisations' systems lease and acknowledge at 13:00 and 19:00.
    size_t next = 0;
    for (const int lease_hour : {13, 19}) {
      const UnixMillis lease_at = midnight + lease_hour * kHourMs;
      for (; next < events.size() && events[next].at < lease_at && events[next].at <= events_end_ms_; ++next) {
        Submit(events[next], planned);
      }
      if (lease_at <= events_end_ms_) {
        LeaseRound(lease_at);
      }
    }
    for (; next < events.size() && events[next].at <= events_end_ms_; ++next) {
      Submit(events[next], planned);
    }
    return Status::Ok();
  }

  // About count / (working days in the year) per working day, a little uneven.
  uint64_t Spread(uint64_t count) {
    const double mean = static_cast<double>(count) / (options_.days * 247.0 / 365.0);
    const double today = std::max(0.0, mean * (0.8 + 0.4 * uniform_(random_)));
    const auto whole = static_cast<uint64_t>(today);
    return whole + (uniform_(random_) < today - static_cast<double>(whole) ? 1 : 0);
  }

  // How many requests, referrals and reports start today: what is left of --messages, less what is already planned
  // (answers) and what each new request brings later (its answers and notices), over the working days left.
  uint64_t OriginatingToday() {
    const uint64_t committed = figures_.messages + planned_answers_;
    if (committed >= options_.messages || working_days_left_ <= 0) {
      return 0;
    }
    const double notices_per_request =
        figures_.requests > 1000 ? static_cast<double>(figures_.notices) / figures_.requests : 0.15;
    // A request made in the last working days is answered after the end of the year more often.
    const double answered_within = std::min(1.0, working_days_left_ / 6.0);
    const double each = 1.0 + 0.94 * (1.03 * answered_within + notices_per_request);
    const double today = static_cast<double>(options_.messages - committed) / each / working_days_left_;
    return static_cast<uint64_t>(std::max(0.0, today * (0.85 + 0.3 * uniform_(random_))));
  }

  void Submit(const DayEvent& event, const std::vector<Planned>& planned) {
    switch (event.kind) {
      case DayEvent::Kind::kRequest:
        return SubmitRequest(event.at);
      case DayEvent::Kind::kReferral:
        return SubmitNotification(event.at, "social.referral");
      case DayEvent::Kind::kReport:
        return SubmitNotification(event.at, "social.support-quarterly-report");
      case DayEvent::Kind::kPlanned:
        return SubmitPlanned(planned[event.planned]);
      case DayEvent::Kind::kRejection:
        return SubmitRejection(event.at);
      case DayEvent::Kind::kAudit:
        return SubmitAudit(event.at);
    }
  }

  // ---- Message contents ----

  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[std::uniform_int_distribution<size_t>(0, items.size() - 1)(random_)];
  }

  // The first organisation of a list gets about half of the traffic.
  const std::string& PickWeighted(const std::vector<std::string>& codes) {
    if (codes.size() > 1 && uniform_(random_) < 0.5) {
      return codes.front();
    }
    return Pick(codes);
  }

  v1::Citizen CitizenOf(uint32_t number) const {
    static const std::vector<const char*> kLast = {"Иванова", "Петрова", "Сидорова", "Кузнецова", "Смирнова",
                                                   "Попова",  "Волкова", "Морозова", "Новикова",  "Соколова"};
    static const std::vector<const char*> kFirst = {"Мария", "Анна", "Елена", "Ольга", "Татьяна", "Наталья"};
    static const std::vector<const char*> kMiddle = {"Петровна", "Ивановна", "Сергеевна", "Алексеевна"};
    v1::Citizen citizen;
    citizen.set_last_name(kLast[number % kLast.size()]);
    citizen.set_first_name(kFirst[(number / 10) % kFirst.size()]);
    citizen.set_middle_name(kMiddle[(number / 60) % kMiddle.size()]);
    v1::Date& birth = *citizen.mutable_birth_date();
    birth.set_year(1940 + static_cast<int>(number % 80));
    birth.set_month(1 + static_cast<int>((number / 80) % 12));
    birth.set_day(1 + static_cast<int>((number / 960) % 28));
    // SNILS: nine digits and their check number (sum of digit x position from the right, mod 101, 100 -> 0).
    const uint64_t digits = 100'000'000 + number;
    const std::string nine = std::to_string(digits).substr(0, 9);
    int sum = 0;
    for (int i = 0; i < 9; ++i) {
      sum += (nine[i] - '0') * (9 - i);
    }
    const int check = sum % 101 == 100 ? 0 : sum % 101;
    char snils[20];
    std::snprintf(snils, sizeof snils, "%s-%s-%s %02d", nine.substr(0, 3).c_str(), nine.substr(3, 3).c_str(),
                  nine.substr(6, 3).c_str(), check);
    citizen.set_snils(snils);
    return citizen;
  }

  v1::Preparer PreparerOf(const std::string& organisation) {
    static const std::vector<const char*> kNames = {"Петрова Анна Сергеевна", "Козлов Дмитрий Игоревич",
                                                    "Белова Ирина Николаевна", "Орлов Павел Андреевич"};
    v1::Preparer preparer;
    preparer.set_full_name(Pick(kNames));
    preparer.set_position("главный специалист");
    preparer.set_work_phone("+7 3852 00-00-00");
    std::string mailbox = organisation;
    std::transform(mailbox.begin(), mailbox.end(), mailbox.begin(), [](char c) { return std::tolower(c); });
    preparer.set_work_email(mailbox + "@example.gov.ru");
    return preparer;
  }

  store::NewMessage Stamp(v1::MessageKind kind, const std::string& sender, const std::string& recipient,
                          UnixMillis at) {
    store::NewMessage message;
    const MessageId id = MessageId::Generate(at);
    message.message.set_message_id(id.ToString());
    message.message.set_kind(kind);
    message.message.set_sender_code(sender);
    message.message.set_recipient_code(recipient);
    *message.message.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(at);
    message.idempotency_key = sender + "-" + std::to_string(++keys_);
    message.content_digest = "bench-" + std::to_string(keys_);
    ++figures_.messages;
    if (uniform_(random_) < options_.poison) {
      poison_.insert(id);
      ++figures_.poisoned;
    }
    Sample(id);
    return message;
  }

  void Sample(const MessageId& id) {
    std::lock_guard lock(sample_mutex_);
    ++sampled_from_;
    if (sample_.size() < kSampleIds) {
      sample_.push_back(id);
    } else if (const uint64_t slot = sample_random_() % sampled_from_; slot < kSampleIds) {
      sample_[slot] = id;
    }
  }

  v1::RequestEnvelope RequestEnvelopeOf(const std::string& requester, const std::string& addressee,
                                        const std::string& type, const RequestTypeDef* def, UnixMillis at,
                                        uint32_t number) {
    v1::RequestEnvelope request;
    request.set_requester_code(requester);
    request.set_requester_name(NameOf(requester));
    request.set_addressee_code(addressee);
    request.set_addressee_name(NameOf(addressee));
    request.mutable_information_type()->set_id(type);
    request.mutable_information_type()->set_version("1.0");
    v1::Authority& authority = *request.mutable_authority();
    authority.set_code(def != nullptr ? def->authority_code : "social-services.identification");
    authority.set_name(def != nullptr ? def->authority_name
                                      : "Выявление граждан, нуждающихся в социальном обслуживании");
    authority.set_legal_act("Федеральный закон от 28.12.2013 № 442-ФЗ");
    authority.set_provision("ст. 15");
    *request.mutable_citizen() = CitizenOf(std::uniform_int_distribution<uint32_t>(0, 150'000)(random_));
    std::string mailbox = requester;
    std::transform(mailbox.begin(), mailbox.end(), mailbox.begin(), [](char c) { return std::tolower(c); });
    request.mutable_reply_contact()->set_email(mailbox + "@example.gov.ru");
    const calendar::Day today = calendar::LocalDay(at, kUtcOffsetMinutes);
    v1::Registration& registration = *request.mutable_registration();
    registration.set_outgoing_number("исх-" + std::to_string(number));
    *registration.mutable_sent_date() = DateOf(today);
    *registration.mutable_expected_response_date() = DateOf(calendar::AddDays(today, 7));
    *request.mutable_preparer() = PreparerOf(requester);
    v1::PersonalDataConsent& consent = *request.mutable_consent();
    consent.set_obtained(true);
    consent.set_document_reference("заявление о согласии на обработку персональных данных № " + std::to_string(number));
    *consent.mutable_date() = DateOf(today);
    request.set_payload(payloads_[type + ".request"]);
    return request;
  }

  // ---- Requests and their answers ----

  void SubmitRequest(UnixMillis at) {
    // Requesters: the departments, Barnaul's the busiest; addressees: an organisation of the type's agency.
    static const std::vector<std::string> kRequesters = {"SOCPROT-BARNAUL",      "SOCPROT-BARNAUL", "SOCPROT-BARNAUL",
                                                         "SOCPROT-BIYSK",        "SOCPROT-BIYSK",   "SOCPROT-RUBTSOVSK",
                                                         "SOCPROT-KCSON-BARNAUL"};
    static const std::vector<double> kWeights = [] {
      std::vector<double> weights;
      for (const RequestTypeDef& type : RequestTypes()) {
        weights.push_back(type.weight);
      }
      return weights;
    }();
    std::discrete_distribution<size_t> pick_type(kWeights.begin(), kWeights.end());
    const size_t type_index = pick_type(random_);
    const RequestTypeDef& type = RequestTypes()[type_index];
    const std::string& requester = Pick(kRequesters);
    const std::string addressee = PickWeighted(OrganisationsOf(Pick(type.addressee_agencies)));
    const uint32_t number = ++numbers_;

    store::NewMessage message = Stamp(v1::MESSAGE_KIND_REQUEST, requester, addressee, at);
    const MessageId id = *MessageId::Parse(message.message.message_id());
    *message.message.mutable_request() = RequestEnvelopeOf(requester, addressee, type.id, &type, at, number);
    message.information_type = message.message.request().information_type();
    message.agreement_id = type.agreement;
    message.citizen_key = gateway::CitizenKey(message.message.request().citizen());
    const config::v1::Agreement* agreement = rules_.agreements->Find(type.agreement);
    const uint32_t working_days = deadlines_.WorkingDaysFor(*agreement, message.information_type);
    StatusOr<store::AnswerTimers> timers = deadlines_.TimersFor(addressee, at, working_days);
    if (!timers.ok()) {
      inflight_.Begin();
      inflight_.End("timers", timers.status());
      return;
    }
    message.timers = *timers;
    message.message.set_answer_working_days(working_days);
    *message.message.mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(timers->due_at_ms);
    ++figures_.requests;
    store_->Accept(std::move(message), inflight_.Track<store::AcceptOutcome>("Accept request"));

    const uint32_t index = static_cast<uint32_t>(requests_.size());
    requests_.push_back({id, number, static_cast<uint16_t>(type_index), requester, addressee, at});
    if (!poison_.contains(id)) {
      PlanAnswers(index, working_days);
    }
  }

  // When the addressee answers, and how: mostly within the period (in 1 to 4 working days of a 5-day one), some on
  // its last day (after the due-soon notice), some late, a few never; an interim status first now and then.
  void PlanAnswers(uint32_t index, uint32_t period) {
    const RequestInfo& request = requests_[index];
    const double roll = uniform_(random_);
    if (roll < 0.01) {
      return;  // never answered: overdue
    }
    int days = 0;
    if (roll < 0.03) {
      days = static_cast<int>(period) + std::uniform_int_distribution<int>(1, 5)(random_);  // late
    } else if (roll < 0.06) {
      days = static_cast<int>(period);  // on the last day, after the due-soon notice
    } else {
      std::geometric_distribution<int> early(0.45);
      days = 1 + std::min(early(random_), static_cast<int>(period) - 2);
    }
    const double outcome_roll = uniform_(random_);
    const auto outcome = outcome_roll < 0.05   ? v1::ResponseEnvelope::kRefusal
                         : outcome_roll < 0.07 ? v1::ResponseEnvelope::kCannotAnswer
                                               : v1::ResponseEnvelope::kData;
    if (days >= 3 && uniform_(random_) < 0.1) {
      Plan({Planned::Kind::kInterim, AnswerTime(request, 1), index, v1::ResponseEnvelope::kInterim, {}});
    }
    Plan({Planned::Kind::kAnswer, AnswerTime(request, days), index, outcome, {}});
  }

  // During office hours of the `working_days`-th working day after the request's receipt.
  UnixMillis AnswerTime(const RequestInfo& request, int working_days) {
    calendar::DeadlinePolicy policy;
    policy.utc_offset_minutes = kUtcOffsetMinutes;
    StatusOr<calendar::Day> day = calendar::DueDay(*rules_.calendar, request.accepted_ms, working_days, policy);
    if (!day.ok()) {
      return end_ms_ + kDayMs;  // past the calendars: never
    }
    return calendar::StartOfLocalDay(*day, kUtcOffsetMinutes) + 9 * kHourMs +
           std::uniform_int_distribution<int64_t>(0, 8 * kHourMs)(random_);
  }

  void Plan(Planned planned) {
    if (planned.at > events_end_ms_) {
      return;  // after the end of the year: still open
    }
    if (planned.kind != Planned::Kind::kConfirmCopy) {
      ++planned_answers_;
    }
    planned_[calendar::DaysSinceEpoch(calendar::LocalDay(planned.at, kUtcOffsetMinutes))].push_back(planned);
  }

  void SubmitPlanned(const Planned& planned) {
    if (planned.kind == Planned::Kind::kConfirmCopy) {
      return ConfirmCopy(planned);
    }
    --planned_answers_;
    const RequestInfo& request = requests_[planned.request];
    const RequestTypeDef& type = RequestTypes()[request.type];
    store::NewMessage message = Stamp(v1::MESSAGE_KIND_RESPONSE, request.addressee, request.requester, planned.at);
    const MessageId id = *MessageId::Parse(message.message.message_id());
    v1::ResponseEnvelope& response = *message.message.mutable_response();
    response.set_request_id(request.id.ToString());
    response.set_responder_code(request.addressee);
    response.set_responder_name(NameOf(request.addressee));
    response.set_requester_code(request.requester);
    response.set_requester_name(NameOf(request.requester));
    response.mutable_registration()->set_outgoing_number("отв-" + std::to_string(request.number));
    *response.mutable_registration()->mutable_sent_date() = DateOf(calendar::LocalDay(planned.at, kUtcOffsetMinutes));
    *response.mutable_preparer() = PreparerOf(request.addressee);
    switch (planned.outcome) {
      case v1::ResponseEnvelope::kRefusal:
        response.mutable_refusal()->set_reason(uniform_(random_) < 0.6 ? v1::REFUSAL_REASON_NO_DATA
                                                                       : v1::REFUSAL_REASON_ACCESS_DENIED);
        response.mutable_refusal()->set_legal_basis("Федеральный закон от 27.07.2006 № 152-ФЗ");
        response.mutable_refusal()->set_explanation("сведения не могут быть предоставлены");
        break;
      case v1::ResponseEnvelope::kCannotAnswer:
        response.mutable_cannot_answer()->set_reason(v1::CANNOT_ANSWER_REASON_CITIZEN_NOT_FOUND);
        response.mutable_cannot_answer()->set_explanation("гражданин по указанным данным не найден");
        break;
      case v1::ResponseEnvelope::kInterim:
        response.mutable_interim()->set_status_text("запрос принят в работу");
        break;
      default:
        response.mutable_data()->set_payload(payloads_[std::string(type.id) + ".response"]);
        break;
    }
    message.information_type.set_id(type.id);
    message.information_type.set_version("1.0");
    StatusOr<std::optional<store::AnswerTimers>> copy =
        deadlines_.CitizenCopyTimers(message.information_type, planned.outcome, request.requester, planned.at);
    if (copy.ok() && *copy) {
      message.timers = **copy;
      *message.message.mutable_citizen_copy_due_at() = TimeUtil::MillisecondsToTimestamp((*copy)->due_at_ms);
      if (uniform_(random_) < 0.97) {  // the requester forwards the copy and says so; the others become overdue
        RequestInfo requester_side = request;
        requester_side.accepted_ms = planned.at;
        Planned confirm{Planned::Kind::kConfirmCopy,
                        AnswerTime(requester_side, std::uniform_int_distribution<int>(1, 4)(random_)), planned.request,
                        planned.outcome, id};
        Plan(confirm);
      }
    }
    ++figures_.responses;
    const std::string responder = request.addressee;
    const auto outcome = planned.outcome;
    store_->AcceptResponse(
        std::move(message), request.id,
        [this, responder, outcome](const store::RequestView& view) -> StatusOr<store::RequestChange> {
          StatusOr<v1::MessageState> next = gateway::ApplyResponse(view, responder, outcome);
          MEZHVED_RETURN_IF_ERROR(next.status());
          return store::RequestChange{*next, deadlines_.OnResponse(view.agreement_id, outcome), {}};
        },
        inflight_.Track<store::AcceptOutcome>("AcceptResponse"));
  }

  void ConfirmCopy(const Planned& planned) {
    const RequestInfo& request = requests_[planned.request];
    v1::HistoryEvent event;
    *event.mutable_at() = TimeUtil::MillisecondsToTimestamp(planned.at);
    event.set_actor(request.requester);
    event.set_note("copy sent to the citizen (почтой) " + TimeUtil::ToString(event.at()));
    *event.mutable_answer_due_at() = event.at();
    ++figures_.copies_confirmed;
    store_->StopClock(planned.answer, std::move(event), inflight_.Track<bool>("StopClock"));
  }

  // A referral or a quarterly report: from an agency to a social-protection organisation, no answer due.
  void SubmitNotification(UnixMillis at, const std::string& type) {
    const bool referral = type == "social.referral";
    static const std::vector<const char*> kReferring = {"ZAGS", "LABOUR", "HEALTH", "EDUCATION"};
    static const std::vector<const char*> kReporting = {"HEALTH", "EDUCATION", "LABOUR"};
    const std::string sender = PickWeighted(OrganisationsOf(Pick(referral ? kReferring : kReporting)));
    const std::string recipient = PickWeighted(OrganisationsOf("SOCPROT"));
    store::NewMessage message = Stamp(v1::MESSAGE_KIND_REQUEST, sender, recipient, at);
    *message.message.mutable_request() = RequestEnvelopeOf(sender, recipient, type, nullptr, at, ++numbers_);
    if (!referral) {
      message.message.mutable_request()->mutable_authority()->set_code("social-support.accompaniment");
    }
    message.information_type = message.message.request().information_type();
    message.agreement_id = referral ? "AGR-BENCH-002" : "AGR-BENCH-004";
    message.citizen_key = gateway::CitizenKey(message.message.request().citizen());
    ++(referral ? figures_.referrals : figures_.reports);
    store_->Accept(std::move(message), inflight_.Track<store::AcceptOutcome>("Accept notification"));
  }

  // ---- Rejections and the audit log ----

  void SubmitRejection(UnixMillis at) {
    struct Kind {
      ErrorCode code;
      const char* field;
      const char* field_code;
      const char* text;
    };
    static const std::vector<Kind> kKinds = {
        {ErrorCode::kInvalidMessage, "request.citizen.snils", "MALFORMED", "the message breaks a rule"},
        {ErrorCode::kInvalidMessage, "request.registration.outgoing_number", "REQUIRED", "the message breaks a rule"},
        {ErrorCode::kInvalidMessage, "request.consent.obtained", "REQUIRED", "the message breaks a rule"},
        {ErrorCode::kAccessDenied, "request.information_type", "NO_AGREEMENT",
         "no interagency agreement in force allows this request"},
        {ErrorCode::kSchemaInvalid, "request.payload", "SCHEMA_INVALID", "the payload breaks its XSD"},
        {ErrorCode::kInvalidXml, "request.payload", "INVALID_XML", "the payload is not well-formed XML"},
        {ErrorCode::kRequestClosed, "response.request_id", "REQUEST_CLOSED", "the request already has its answer"},
        {ErrorCode::kIdempotencyConflict, "idempotency_key", "CONFLICT", "the key was used for other content"},
    };
    const Kind& kind = Pick(kKinds);
    static const std::vector<std::string> kOrganisations = AllOrganisations();
    v1::Rejection rejection;
    *rejection.mutable_at() = TimeUtil::MillisecondsToTimestamp(at);
    rejection.set_organisation_code(Pick(kOrganisations));
    const bool response = kind.code == ErrorCode::kRequestClosed;
    rejection.set_operation(response ? "SendResponse" : "SendRequest");
    rejection.set_idempotency_key("rejected-" + std::to_string(++keys_));
    rejection.set_error_code(std::string(ErrorCodeName(kind.code)));
    rejection.set_message(kind.text);
    v1::FieldViolation& violation = *rejection.add_violations();
    violation.set_field(kind.field);
    violation.set_code(kind.field_code);
    violation.set_description(kind.text);
    if (response) {
      rejection.set_request_id(requests_.empty() ? "" : Pick(requests_).id.ToString());
    } else {
      const RequestTypeDef& type = Pick(RequestTypes());
      rejection.set_addressee_code(OrganisationsOf(type.addressee_agencies.front()).front());
      rejection.mutable_information_type()->set_id(type.id);
      rejection.mutable_information_type()->set_version("1.0");
    }
    ++figures_.rejections;
    store_->RecordRejection(std::move(rejection), inflight_.Track<bool>("RecordRejection"));
  }

  void SubmitAudit(UnixMillis at) {
    struct Who {
      const char* name;
      config::v1::OperatorRole role;
    };
    static const std::vector<Who> kOperators = {{"ivanova", config::v1::OPERATOR_ROLE_OPERATOR},
                                                {"duty", config::v1::OPERATOR_ROLE_OPERATOR},
                                                {"petrov", config::v1::OPERATOR_ROLE_SUPERVISOR},
                                                {"sidorova", config::v1::OPERATOR_ROLE_AUDITOR},
                                                {"admin", config::v1::OPERATOR_ROLE_ADMINISTRATOR}};
    static const std::vector<const char*> kActions = {"sign_in", "sign_in", "sign_out",      "sign_out",
                                                      "reveal",  "requeue", "sign_in_failed"};
    const Who& who = Pick(kOperators);
    v1::AuditEntry entry;
    *entry.mutable_at() = TimeUtil::MillisecondsToTimestamp(at);
    entry.set_operator_(who.name);
    entry.set_role(who.role);
    const std::string action = Pick(kActions);
    entry.set_action(action);
    if ((action == "reveal" || action == "requeue") && !requests_.empty()) {
      entry.set_target(Pick(requests_).id.ToString());
      entry.set_detail(action == "reveal" ? "personal data shown" : "dead letter put back into its queue");
    } else if (action == "sign_in") {
      entry.set_detail("by password");
    }
    entry.set_client("console 10.20.0." + std::to_string(std::uniform_int_distribution<int>(2, 40)(random_)) + ":" +
                     std::to_string(std::uniform_int_distribution<int>(40000, 60000)(random_)));
    ++figures_.audit;
    store_->RecordAudit(std::move(entry), inflight_.Track<bool>("RecordAudit"));
  }

  // ---- Deliveries, timers, the end of the year ----

  // Each organisation's system leases what is ready and acknowledges it, except poisoned messages (they return when
  // the lease ends and are dead-lettered after max_attempts deliveries); SOCPROT-BARNAUL leases only enough to
  // leave its backlog growing towards --backlog by the end.
  void LeaseRound(UnixMillis at) {
    inflight_.Wait();
    const double elapsed = static_cast<double>(at - start_ms_) / static_cast<double>(end_ms_ - start_ms_);
    const auto target = static_cast<uint64_t>(static_cast<double>(backlog_) * elapsed);
    std::map<std::string, uint64_t> pending;
    for (const store::QueueStat& stat : store_->QueueStats()) {
      pending[stat.recipient_code] = stat.pending;
    }
    std::mutex leased_mutex;
    std::map<std::string, std::vector<MessageId>> to_ack;
    for (const std::string& code : AllOrganisations()) {
      uint64_t limit = kUnlimitedLease;
      if (code == kBigQueue) {
        limit = pending[code] > target ? pending[code] - target : 0;
      }
      if (limit == 0 || pending[code] == 0) {
        continue;
      }
      store::LeaseOptions lease;
      lease.max_messages = static_cast<uint32_t>(limit);
      lease.now_ms = at;
      lease.lease_ms = config_.delivery().lease_ms();
      lease.max_attempts = config_.delivery().max_attempts();
      ++figures_.leases;
      inflight_.Begin();
      store_->Lease(code, lease,
                    [this, code, &leased_mutex, &to_ack](const StatusOr<std::vector<v1::Message>>& leased) {
                      if (leased.ok()) {
                        std::lock_guard lock(leased_mutex);
                        for (const v1::Message& message : *leased) {
                          const MessageId id = *MessageId::Parse(message.message_id());
                          if (!poison_.contains(id)) {
                            to_ack[code].push_back(id);
                          }
                        }
                      }
                      inflight_.End("Lease", leased.status());
                    });
    }
    inflight_.Wait();
    for (auto& [code, ids] : to_ack) {
      ++figures_.acks;
      store_->Ack(code, std::move(ids), at + 2 * kMinuteMs, "", inflight_.Track<std::vector<store::AckItem>>("Ack"));
    }
  }

  // FireDueTimers at `now` until nothing more is due, with the gateway's notices.
  void FireTimers(UnixMillis now) {
    for (bool more = true; more;) {
      std::promise<StatusOr<store::TimerSweep>> swept;
      store_->FireDueTimers(
          now, deadlines_.settings().max_notices_per_scan,
          [this, now](const store::FiredTimer& timer) {
            std::vector<v1::Message> notices = deadlines_.Notices(timer, now);
            for (const v1::Message& notice : notices) {
              Sample(*MessageId::Parse(notice.message_id()));
            }
            notices_fired_ += notices.size();
            return notices;
          },
          [&swept](StatusOr<store::TimerSweep> sweep) { swept.set_value(std::move(sweep)); });
      StatusOr<store::TimerSweep> sweep = swept.get_future().get();
      inflight_.Begin();
      inflight_.End("FireDueTimers", sweep.status());
      more = sweep.ok() && sweep->more;
    }
    const uint64_t fired = notices_fired_.exchange(0);
    figures_.notices += fired;
    figures_.messages += fired;
  }

  // Referrals in the last minutes of the year, so that the store holds exactly --messages messages.
  void TopUp() {
    if (figures_.messages >= options_.messages) {
      return;
    }
    const uint64_t missing = options_.messages - figures_.messages;
    figures_.top_up = missing;
    const UnixMillis from = end_ms_ - kTopUpMs;
    for (uint64_t i = 0; i < missing; ++i) {
      SubmitNotification(from + static_cast<UnixMillis>(i * (kTopUpMs - kMinuteMs) / missing), "social.referral");
    }
  }

  // The last lease of a few queues is not acknowledged yet when the daemon starts.
  void LeaveSomeLeased() {
    for (const auto& [code, count] : std::vector<std::pair<std::string, uint32_t>>{
             {"ZAGS-BARNAUL", 1000}, {"HEALTH-CITY-HOSPITAL-BARNAUL", 1000}, {kBigQueue, 300}}) {
      store::LeaseOptions lease;
      lease.max_messages = count;
      lease.now_ms = end_ms_;
      lease.lease_ms = kFinalLeaseMs;
      lease.max_attempts = config_.delivery().max_attempts();
      ++figures_.leases;
      store_->Lease(code, lease, inflight_.Track<std::vector<v1::Message>>("Lease"));
    }
  }

  const Options& options_;
  const config::v1::GatewayConfig& config_;
  gateway::Rules rules_;
  gateway::AnswerDeadlines deadlines_;
  store::RocksDbStore* store_ = nullptr;
  std::mt19937_64 random_;
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
  std::map<std::string, std::string> payloads_;
  uint64_t backlog_ = 0;
  uint64_t rejections_total_ = 0;
  uint64_t audit_total_ = 0;
  UnixMillis start_ms_ = 0;
  UnixMillis end_ms_ = 0;
  UnixMillis events_end_ms_ = 0;  // the simulated days end here; the top-up fills the minutes up to end_ms_
  int working_days_left_ = 0;
  uint64_t keys_ = 0;
  uint32_t numbers_ = 0;
  uint64_t planned_answers_ = 0;  // interim and final answers planned for later days, within the year
  std::vector<RequestInfo> requests_;
  std::map<int64_t, std::vector<Planned>> planned_;  // by local day
  std::unordered_set<MessageId> poison_;
  std::atomic<uint64_t> notices_fired_{0};
  InFlight inflight_;
  FillFigures figures_;
  mutable std::mutex sample_mutex_;
  std::mt19937_64 sample_random_;
  uint64_t sampled_from_ = 0;
  std::vector<MessageId> sample_;
};

// ---- The daemon ---------------------------------------------------------------------------------------------------

class Daemon {
 public:
  ~Daemon() { Stop(); }

  Status Start(const std::string& binary, const fs::path& config, const fs::path& work) {
    const fs::path ready = work / "ready.json";
    fs::remove(ready);
    const std::string log = (work / "daemon.log").string();
    const std::string config_path = config.string();
    const std::string ready_path = ready.string();
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      return {ErrorCode::kInternal, "cannot write " + log};
    }
    const SteadyClock::time_point started = SteadyClock::now();
    pid_ = fork();
    if (pid_ == 0) {  // only async-signal-safe calls until exec: the parent has threads
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      execl(binary.c_str(), binary.c_str(), "--config", config_path.c_str(), "--ready-file", ready_path.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(log_fd);
    if (pid_ < 0) {
      return {ErrorCode::kInternal, "fork failed"};
    }
    for (;;) {
      if (fs::exists(ready) && fs::file_size(ready) > 0) {
        break;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return {ErrorCode::kInternal, "mezhvedd exited before it was ready; its log: " + log};
      }
      if (SteadyClock::now() - started > std::chrono::minutes(5)) {
        return {ErrorCode::kInternal, "mezhvedd was not ready within 5 minutes; its log: " + log};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    start_seconds_ = std::chrono::duration<double>(SteadyClock::now() - started).count();
    const nlohmann::json addresses = nlohmann::json::parse(ReadFile(ready));
    console_address_ = addresses.value("console_address", "");
    if (console_address_.empty()) {
      return {ErrorCode::kInternal, "no console_address in " + ready.string()};
    }
    return Status::Ok();
  }

  // SIGTERM, then the exit status (0 for a clean stop).
  int Stop() {
    if (pid_ <= 0) {
      return 0;
    }
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // VmRSS and VmHWM of the daemon, MiB.
  std::pair<double, double> Memory() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    double rss = 0;
    double hwm = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("VmRSS:")) {
        rss = std::stod(line.substr(6)) / 1024;
      } else if (line.starts_with("VmHWM:")) {
        hwm = std::stod(line.substr(6)) / 1024;
      }
    }
    return {rss, hwm};
  }

  const std::string& console_address() const { return console_address_; }
  double start_seconds() const { return start_seconds_; }

 private:
  pid_t pid_ = -1;
  std::string console_address_;
  double start_seconds_ = 0;
};

// ---- The measurement ----------------------------------------------------------------------------------------------

struct Page {
  std::string name;
  std::string path;
  bool report = false;  // a compliance report: left out of the first concurrent mix
};

struct PageStats {
  std::vector<int64_t> latency_ns;
  uint64_t failures = 0;
  size_t bytes = 0;
  std::string failure;
};

std::unique_ptr<httplib::Client> ClientFor(const std::string& address) {
  const size_t colon = address.rfind(':');
  auto client = std::make_unique<httplib::Client>(address.substr(0, colon), std::stoi(address.substr(colon + 1)));
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_read_timeout(600, 0);
  return client;
}

// One GET, timed; the body of a 200 answer, or nothing.
std::optional<std::string> Get(httplib::Client& client, const std::string& path, PageStats& stats) {
  const SteadyClock::time_point started = SteadyClock::now();
  httplib::Result result = client.Get(path);
  const int64_t elapsed = (SteadyClock::now() - started).count();
  if (!result || result->status != 200) {
    ++stats.failures;
    stats.failure = result ? "HTTP " + std::to_string(result->status) + ": " + result->body.substr(0, 200)
                           : "HTTP " + httplib::to_string(result.error());
    return std::nullopt;
  }
  stats.latency_ns.push_back(elapsed);
  stats.bytes = result->body.size();
  return std::move(result->body);
}

double PercentileMs(std::vector<int64_t> samples, double percentile) {
  if (samples.empty()) {
    return 0;
  }
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<size_t>(std::ceil(percentile / 100.0 * static_cast<double>(samples.size())));
  return static_cast<double>(samples[std::clamp<size_t>(rank, 1, samples.size()) - 1]) / 1e6;
}

nlohmann::json StatsJson(const Page& page, const PageStats& stats, bool with_first) {
  nlohmann::json json = {{"page", page.name},
                         {"path", page.path},
                         {"requests", stats.latency_ns.size()},
                         {"failures", stats.failures},
                         {"bytes", stats.bytes},
                         {"p50_ms", PercentileMs(stats.latency_ns, 50)},
                         {"p90_ms", PercentileMs(stats.latency_ns, 90)},
                         {"p99_ms", PercentileMs(stats.latency_ns, 99)},
                         {"max_ms", PercentileMs(stats.latency_ns, 100)}};
  if (with_first) {
    json["first_ms"] = stats.latency_ns.empty() ? 0.0 : static_cast<double>(stats.latency_ns.front()) / 1e6;
  }
  if (stats.failures > 0) {
    json["failure"] = stats.failure;
  }
  return json;
}

// Follows next_page_token `pages` times with the largest page size; the token of the page after them.
std::string DeepToken(httplib::Client& client, const std::string& path, int pages) {
  std::string token;
  PageStats ignored;
  const char separator = path.find('?') == std::string::npos ? '?' : '&';
  for (int i = 0; i < pages; ++i) {
    std::string url = path + separator + "page_size=200";
    if (!token.empty()) {
      url += "&page_token=" + token;
    }
    const std::optional<std::string> body = Get(client, url, ignored);
    if (!body) {
      break;
    }
    const std::string next = nlohmann::json::parse(*body).value("next_page_token", "");
    if (next.empty()) {
      break;
    }
    token = next;
  }
  return token;
}

std::string DayText(UnixMillis at) { return calendar::FormatDay(calendar::LocalDay(at, 0)); }

// The pages to measure, with the values they need found through the API itself.
std::vector<Page> Pages(httplib::Client& client, const nlohmann::json& fill, std::mt19937_64& random) {
  const std::string queue = std::string("/api/v1/queues/") + kBigQueue + "/messages";
  std::vector<Page> pages = {
      {"overview", "/api/v1/overview"}, {"queue: first page", queue}, {"queue: newest first", queue + "?order=newest"}};
  // A week in the middle of the backlog: its oldest and newest acceptance, through the API.
  PageStats ignored;
  UnixMillis oldest = 0;
  UnixMillis newest = 0;
  for (const auto& [order, at] : {std::pair{"", &oldest}, std::pair{"?order=newest", &newest}}) {
    if (std::optional<std::string> body =
            Get(client, queue + order + (order[0] ? "&" : "?") + "page_size=1", ignored)) {
      const nlohmann::json page = nlohmann::json::parse(*body);
      if (!page["messages"].empty()) {
        *at = TimeUtil::TimestampToMilliseconds([&] {
          google::protobuf::Timestamp timestamp;
          TimeUtil::FromString(page["messages"][0].value("accepted_at", ""), &timestamp);
          return timestamp;
        }());
      }
    }
  }
  const UnixMillis middle = oldest + (newest - oldest) / 2;
  pages.push_back(
      {"queue: a week mid-backlog", queue + "?from=" + DayText(middle) + "&to=" + DayText(middle + 6 * kDayMs)});
  const UnixMillis mid_year = fill.value("start_ms", UnixMillis{0}) +
                              (fill.value("end_ms", UnixMillis{0}) - fill.value("start_ms", UnixMillis{0})) / 2;
  pages.push_back({"queue: from mid-year", queue + "?from=" + DayText(mid_year)});
  pages.push_back({"queue: state ACCEPTED", queue + "?state=MESSAGE_STATE_ACCEPTED"});
  pages.push_back({"queue: state DELIVERED", queue + "?state=MESSAGE_STATE_DELIVERED"});
  pages.push_back({"queue: rare type", queue + "?type=social.support-quarterly-report"});
  const std::string deep = DeepToken(client, queue, 100);
  pages.push_back({"queue: page 401 by token", queue + "?page_token=" + deep});
  pages.push_back({"dead letters", queue + "?view=dead_letters"});
  pages.push_back({"dead letters: from mid-year", queue + "?view=dead_letters&from=" + DayText(mid_year)});
  // Messages: a different sampled id on each request.
  std::vector<std::string> ids = fill.value("sample_ids", std::vector<std::string>());
  std::shuffle(ids.begin(), ids.end(), random);
  for (const std::string& id : ids) {
    pages.push_back({"message", "/api/v1/messages/" + id});
  }
  pages.push_back({"rejections", "/api/v1/rejections"});
  pages.push_back({"rejections: page 101 by token",
                   "/api/v1/rejections?page_token=" + DeepToken(client, "/api/v1/rejections", 100)});
  pages.push_back({"overdue", "/api/v1/overdue"});
  pages.push_back({"audit", "/api/v1/audit"});
  // The last quarter that has ended, and the year the fill ended in.
  const calendar::Day end_day = calendar::LocalDay(fill.value("end_ms", UnixMillis{0}), kUtcOffsetMinutes);
  int quarter = (end_day.month - 1) / 3;  // the current one, 0-based; the one before it has ended
  int quarter_year = end_day.year;
  if (quarter == 0) {
    quarter = 4;
    --quarter_year;
  }
  pages.push_back({"report: " + std::to_string(quarter_year) + "-Q" + std::to_string(quarter),
                   "/api/v1/report?period=" + std::to_string(quarter_year) + "-Q" + std::to_string(quarter), true});
  pages.push_back(
      {"report: " + std::to_string(end_day.year), "/api/v1/report?period=" + std::to_string(end_day.year), true});
  pages.push_back({"metrics", "/metrics"});
  pages.push_back({"index.html", "/"});
  return pages;
}

// The pages by name, with the message page's many ids under one name.
std::vector<std::pair<std::string, std::vector<const Page*>>> Grouped(const std::vector<Page>& pages) {
  std::vector<std::pair<std::string, std::vector<const Page*>>> groups;
  for (const Page& page : pages) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& group) { return group.first == page.name; });
    if (it == groups.end()) {
      groups.push_back({page.name, {&page}});
    } else {
      it->second.push_back(&page);
    }
  }
  return groups;
}

// Each page --requests times in a row (at most --page-seconds), one connection.
nlohmann::json MeasureSequential(const Options& options, const std::string& address, const std::vector<Page>& pages) {
  nlohmann::json results = nlohmann::json::array();
  std::unique_ptr<httplib::Client> client = ClientFor(address);
  for (const auto& [name, variants] : Grouped(pages)) {
    PageStats stats;
    const SteadyClock::time_point started = SteadyClock::now();
    for (int i = 0; i < options.requests; ++i) {
      Get(*client, variants[i % variants.size()]->path, stats);
      if (std::chrono::duration<double>(SteadyClock::now() - started).count() > options.page_seconds) {
        break;
      }
    }
    results.push_back(StatsJson(*variants.front(), stats, true));
    if (variants.size() > 1) {
      results.back()["path"] = variants.front()->path.substr(0, variants.front()->path.rfind('/') + 1) + "<id>";
    }
    std::fprintf(stderr, "console_bench: %-32s p99 %8.1f ms\n", name.c_str(), results.back()["p99_ms"].get<double>());
  }
  return results;
}

// --clients connections at once, each cycling through the pages (from a different place) until the time is up.
nlohmann::json MeasureConcurrent(const Options& options, const std::string& address, const std::vector<Page>& pages,
                                 bool with_reports) {
  const auto groups = Grouped(pages);
  std::vector<const std::vector<const Page*>*> mix;  // one entry per page; the message page with its many ids
  for (const auto& [name, variants] : groups) {
    if (with_reports || !variants.front()->report) {
      mix.push_back(&variants);
    }
  }
  std::vector<std::map<std::string, PageStats>> per_client(options.clients);
  std::vector<std::thread> threads;
  const SteadyClock::time_point end =
      SteadyClock::now() +
      std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(options.concurrent_seconds));
  for (int c = 0; c < options.clients; ++c) {
    threads.emplace_back([&, c] {
      std::unique_ptr<httplib::Client> client = ClientFor(address);
      for (size_t i = c * mix.size() / options.clients; SteadyClock::now() < end; ++i) {
        const std::vector<const Page*>& variants = *mix[i % mix.size()];
        const Page& page = *variants[(i / mix.size() * options.clients + c) % variants.size()];
        Get(*client, page.path, per_client[c][page.name]);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  nlohmann::json results = nlohmann::json::array();
  for (const auto& [name, variants] : groups) {
    if (!with_reports && variants.front()->report) {
      continue;
    }
    PageStats merged;
    for (auto& client : per_client) {
      PageStats& one = client[name];
      merged.latency_ns.insert(merged.latency_ns.end(), one.latency_ns.begin(), one.latency_ns.end());
      merged.failures += one.failures;
      merged.bytes = std::max(merged.bytes, one.bytes);
      if (!one.failure.empty()) {
        merged.failure = one.failure;
      }
    }
    results.push_back(StatsJson(*variants.front(), merged, false));
    if (variants.size() > 1) {
      results.back()["path"] = variants.front()->path.substr(0, variants.front()->path.rfind('/') + 1) + "<id>";
    }
  }
  return results;
}

void PrintTable(const char* title, const nlohmann::json& rows) {
  std::printf("%s\n", title);
  std::printf("  %-34s %6s %9s %9s %9s %9s %9s %9s\n", "page", "n", "first", "p50", "p90", "p99", "max", "bytes");
  for (const nlohmann::json& row : rows) {
    char first[32] = "";
    if (row.contains("first_ms")) {
      std::snprintf(first, sizeof first, "%.2f", row["first_ms"].get<double>());
    }
    const std::string failed =
        row["failures"].get<uint64_t>() > 0
            ? "  FAILED " + std::to_string(row["failures"].get<uint64_t>()) + ": " + row.value("failure", "")
            : "";
    std::printf("  %-34s %6llu %9s %9.2f %9.2f %9.2f %9.2f %9zu%s\n", row["page"].get<std::string>().c_str(),
                row["requests"].get<unsigned long long>(), first, row["p50_ms"].get<double>(),
                row["p90_ms"].get<double>(), row["p99_ms"].get<double>(), row["max_ms"].get<double>(),
                row["bytes"].get<size_t>(), failed.c_str());
  }
}

// ---- The run ------------------------------------------------------------------------------------------------------

StatusOr<nlohmann::json> Fill(const Options& options, const config::v1::GatewayConfig& config, const fs::path& work) {
  StatusOr<gateway::Rules> rules = LoadRules(config);
  MEZHVED_RETURN_IF_ERROR(rules.status());
  const fs::path data = config.store().data_dir();
  fs::remove_all(data);
  store::RocksDbStoreOptions store_options;
  store_options.data_dir = data.string();
  if (!options.untallied) {
    // The daemon's tallier, from the same config: the store's tallies are the daemon's, and it trusts them.
    store_options.tallier =
        std::make_shared<const gateway::ReportTallier>(*rules->participants, rules->information_types);
  }
  StatusOr<std::unique_ptr<store::RocksDbStore>> store = store::RocksDbStore::Open(store_options);
  MEZHVED_RETURN_IF_ERROR(store.status());
  const UnixMillis end_ms = TimeUtil::TimestampToMilliseconds(TimeUtil::GetCurrentTime());
  Filler filler(options, config, *rules);
  const SteadyClock::time_point started = SteadyClock::now();
  Status filled = filler.Run(**store, end_ms);
  const double fill_seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  const uint64_t batches = (*store)->CommittedBatches();
  (*store)->Close();
  const uint64_t bytes_closed = DirectoryBytes(data);
  MEZHVED_RETURN_IF_ERROR(filled);
  const FillFigures& f = filler.figures();
  nlohmann::json fill = {{"messages", f.messages},
                         {"requests_with_answer_due", f.requests},
                         {"referrals", f.referrals},
                         {"reports", f.reports},
                         {"responses", f.responses},
                         {"notices", f.notices},
                         {"rejections", f.rejections},
                         {"audit_entries", f.audit},
                         {"citizen_copies_confirmed", f.copies_confirmed},
                         {"never_acknowledged", f.poisoned},
                         {"lease_calls", f.leases},
                         {"ack_calls", f.acks},
                         {"top_up_referrals", f.top_up},
                         {"backlog_target", filler.backlog()},
                         {"seed", options.seed},
                         {"tallied", !options.untallied},
                         {"days", options.days},
                         {"start_ms", filler.start_ms()},
                         {"end_ms", end_ms},
                         {"seconds", fill_seconds},
                         {"committed_batches", batches},
                         {"store_bytes", bytes_closed},
                         {"sample_ids", filler.SampleIds()}};
  std::ofstream(work / "fill.json") << fill.dump() << "\n";
  return fill;
}

int Run(int argc, char** argv) {
  CLI::App app("console_bench: the operators' console with a year of traffic in the store", "console_bench");
  Options options;
  app.add_option("--work-dir", options.work_dir, "Directory for the config, the store (data/) and fill.json")
      ->required();
  app.add_option("--daemon", options.daemon, "mezhvedd to run")->capture_default_str();
  app.add_option("--source-dir", options.source_dir, "The repository: schemas/ and calendars/")->capture_default_str();
  app.add_option("--messages", options.messages, "Messages in the store")->capture_default_str();
  app.add_option("--backlog", options.backlog, "Messages left in SOCPROT-BARNAUL's queue (0: 5% of --messages)");
  app.add_option("--rejections", options.rejections, "Refusals at the door recorded (0: 5% of --messages)");
  app.add_option("--audit", options.audit, "Operators' actions recorded (0: 1% of --messages)");
  app.add_option("--poison", options.poison, "Share of messages never acknowledged (dead letters)")
      ->check(CLI::Range(0.0, 0.1))
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Seed of the simulation")->capture_default_str();
  app.add_option("--days", options.days, "Days of traffic, ending now")
      ->check(CLI::Range(2, 3650))
      ->capture_default_str();
  app.add_flag("--reuse", options.reuse, "Measure the store an earlier run of this --work-dir filled");
  app.add_flag("--fill-only", options.fill_only, "Fill the store and stop");
  app.add_flag("--untallied", options.untallied,
               "Fill without the reports' tallies, as an older build would: mezhvedd counts them when it starts");
  app.add_option("--requests", options.requests, "Requests per page, one after another")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--page-seconds", options.page_seconds, "At most this long per page, one after another")
      ->capture_default_str();
  app.add_option("--clients", options.clients, "Connections at once in the concurrent runs (0: none)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  app.add_option("--concurrent-seconds", options.concurrent_seconds, "Length of each concurrent run")
      ->capture_default_str();
  app.add_flag("--json", options.json, "Print one JSON object instead of the tables");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? kExitOk : kExitUsage;
  }

  const fs::path work = fs::absolute(options.work_dir);
  fs::create_directories(work);
  const fs::path config_path = work / "mezhved.textproto";
  std::ofstream(config_path) << ConfigText((work / "data").string(), options.source_dir);
  StatusOr<config::v1::GatewayConfig> config = gateway::LoadConfig(config_path.string());
  if (!config.ok()) {
    std::cerr << "console_bench: the generated config is refused: " << config.status().ToString() << "\n";
    return kExitFailures;
  }

  nlohmann::json report;
  if (options.reuse) {
    report["fill"] = nlohmann::json::parse(ReadFile(work / "fill.json"), nullptr, /*allow_exceptions=*/false);
    if (!report["fill"].is_object()) {
      std::cerr << "console_bench: --reuse: no fill.json in " << work << "\n";
      return kExitUsage;
    }
  } else {
    StatusOr<nlohmann::json> fill = Fill(options, *config, work);
    if (!fill.ok()) {
      std::cerr << "console_bench: the fill failed: " << fill.status().ToString() << "\n";
      return kExitFailures;
    }
    report["fill"] = *fill;
    const nlohmann::json& f = *fill;
    std::fprintf(stderr,
                 "console_bench: filled %llu messages in %.1f s (%.0f messages/s, %llu synced batches); store %.1f "
                 "MiB on disk\n",
                 f["messages"].get<unsigned long long>(), f["seconds"].get<double>(),
                 f["messages"].get<double>() / f["seconds"].get<double>(),
                 f["committed_batches"].get<unsigned long long>(), f["store_bytes"].get<double>() / (1 << 20));
  }
  if (options.fill_only) {
    nlohmann::json fill = report["fill"];
    fill.erase("sample_ids");
    std::cout << (options.json ? report.dump() : fill.dump(2)) << "\n";
    return kExitOk;
  }

  Daemon daemon;
  if (Status started = daemon.Start(options.daemon, config_path, work); !started.ok()) {
    std::cerr << "console_bench: " << started.ToString() << "\n";
    return kExitFailures;
  }
  report["daemon"] = {{"ready_seconds", daemon.start_seconds()}};
  std::fprintf(stderr, "console_bench: mezhvedd ready in %.1f s, console on %s\n", daemon.start_seconds(),
               daemon.console_address().c_str());
  std::mt19937_64 random(options.seed);
  std::unique_ptr<httplib::Client> client = ClientFor(daemon.console_address());
  const std::vector<Page> pages = Pages(*client, report["fill"], random);
  report["sequential"] = MeasureSequential(options, daemon.console_address(), pages);
  if (options.clients > 0) {
    report["concurrent"] = {{"clients", options.clients},
                            {"seconds", options.concurrent_seconds},
                            {"pages", MeasureConcurrent(options, daemon.console_address(), pages, false)}};
    report["concurrent_with_reports"] = {{"clients", options.clients},
                                         {"seconds", options.concurrent_seconds},
                                         {"pages", MeasureConcurrent(options, daemon.console_address(), pages, true)}};
  }
  const auto [rss, hwm] = daemon.Memory();
  report["daemon"]["rss_mib"] = rss;
  report["daemon"]["hwm_mib"] = hwm;
  const int daemon_status = daemon.Stop();
  report["daemon"]["exit_status"] = daemon_status;

  bool failed = daemon_status != 0;
  for (const char* run : {"sequential", "concurrent", "concurrent_with_reports"}) {
    if (!report.contains(run)) {
      continue;
    }
    const nlohmann::json& rows = report[run].is_array() ? report[run] : report[run]["pages"];
    for (const nlohmann::json& row : rows) {
      failed = failed || row["failures"].get<uint64_t>() > 0 || row["requests"].get<uint64_t>() == 0;
    }
  }
  if (options.json) {
    report["fill"].erase("sample_ids");
    std::cout << report.dump() << "\n";
  } else {
    const nlohmann::json& f = report["fill"];
    std::printf(
        "console_bench: %llu messages over %d days (%llu requests with an answer due, %llu responses, %llu "
        "notices, %llu referrals and reports); %llu refusals, %llu audit entries; store %.1f MiB\n",
        f["messages"].get<unsigned long long>(), f["days"].get<int>(),
        f["requests_with_answer_due"].get<unsigned long long>(), f["responses"].get<unsigned long long>(),
        f["notices"].get<unsigned long long>(),
        f["referrals"].get<unsigned long long>() + f["reports"].get<unsigned long long>(),
        f["rejections"].get<unsigned long long>(), f["audit_entries"].get<unsigned long long>(),
        f["store_bytes"].get<double>() / (1 << 20));
    std::printf("mezhvedd ready in %.1f s; VmRSS %.0f MiB (peak %.0f) after the runs; exit status %d\n",
                daemon.start_seconds(), rss, hwm, daemon_status);
    PrintTable("one request at a time, ms:", report["sequential"]);
    if (report.contains("concurrent")) {
      PrintTable(("\n" + std::to_string(options.clients) + " clients at once, without the reports, ms:").c_str(),
                 report["concurrent"]["pages"]);
      PrintTable(("\n" + std::to_string(options.clients) + " clients at once, with the reports, ms:").c_str(),
                 report["concurrent_with_reports"]["pages"]);
    }
  }
  return failed ? kExitFailures : kExitOk;
}

}  // namespace
}  // namespace mezhved::bench

int main(int argc, char** argv) {
  try {
    return mezhved::bench::Run(argc, argv);
  } catch (const std::exception& error) {  // a bug or out of memory: say so rather than abort
    std::cerr << "console_bench: " << error.what() << "\n";
    return mezhved::bench::kExitFailures;
  }
}
