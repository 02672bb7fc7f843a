// The reports' tallier on the real store: whatever happens to requests (answers on time and late, refusals, stopped
// and restarted clocks, paper receipts dated back, deliveries, acks, fired timers, test messages), the report read
// from the store's daily tallies is the report of the replay of every history, for any period, as of any moment
// after the events. Scripted at random from fixed seeds, so that a failure is reproduced by its seed.
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "calendar/deadlines.h"
#include "gateway/config.h"
#include "gateway/information_types.h"
#include "gateway/participants.h"
#include "gateway/reports.h"
#include "store/rocksdb_store.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"

namespace mezhved::gateway {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;

constexpr UnixMillis kHour = UnixMillis{3600} * 1000;
constexpr UnixMillis kDay = 24 * kHour;
// 2026-09-01T00:00Z: the script runs over a New Year, so reports cross a year's calendar.
constexpr UnixMillis kScriptStart = 1'788'220'800'000;

template <typename T, typename Call>
T MustAwait(Call call) {
  std::promise<StatusOr<T>> promise;
  std::future<StatusOr<T>> future = promise.get_future();
  call([&promise](StatusOr<T> result) { promise.set_value(std::move(result)); });
  StatusOr<T> result = future.get();
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return std::move(result).value();
}

struct Region {
  std::shared_ptr<const ParticipantRegistry> participants;
  std::shared_ptr<const InformationTypeRegistry> information_types;
  calendar::ProductionCalendar calendar;
};

const Region& TheRegion() {
  static const Region region = [] {
    static const testing::TempDir dir;
    const config::v1::GatewayConfig config = testing::SmallRegionConfig(dir.path().string());
    auto types = InformationTypeRegistry::Load(std::string(MEZHVED_SOURCE_DIR) + "/schemas/catalog.textproto");
    REQUIRE(types.ok());
    auto federal = calendar::ProductionCalendar::Load(std::string(MEZHVED_SOURCE_DIR) + "/calendars/federal", {});
    REQUIRE(federal.ok());
    return Region{std::make_shared<const ParticipantRegistry>(ParticipantRegistry::FromConfig(config)),
                  std::move(*types), std::move(*federal)};
  }();
  return region;
}

// A request the script may still move on.
struct Open {
  MessageId id;
  std::string requester;
  std::string addressee;
};

class Script {
 public:
  explicit Script(uint32_t seed) : random_(seed) {
    for (const Organisation* organisation : TheRegion().participants->Organisations()) {
      organisations_.push_back(organisation->code);
    }
    organisations_.emplace_back("GONE-ORG");  // not in the registry: counted in Moscow time, in no agency
    for (const config::v1::InformationType& type : TheRegion().information_types->catalog().types()) {
      types_.push_back(&type);
    }
    tallier_ = std::make_shared<const ReportTallier>(*TheRegion().participants, TheRegion().information_types);
    Reopen();
  }

  void Reopen() {
    store_.reset();
    store::RocksDbStoreOptions options;
    options.data_dir = (dir_.path() / "store").string();
    options.tallier = tallier_;
    auto opened = store::RocksDbStore::Open(options);
    REQUIRE(opened.ok());
    store_ = std::move(opened).value();
    REQUIRE(store_->TallyBasis() == tallier_->Basis());
  }

  UnixMillis now() const { return now_; }
  store::RocksDbStore& store() { return *store_; }

  // One step: time moves on by up to a day and a half, and something happens.
  void Step() {
    now_ += static_cast<UnixMillis>(random_() % (36 * kHour));
    const uint32_t dice = random_() % 100;
    if (dice < 40 || open_.empty()) {
      SendRequest();
    } else if (dice < 75) {
      Respond();
    } else if (dice < 82) {
      StopClock();
    } else if (dice < 92) {
      DeliverAndAck();
    } else {
      MustAwait<store::TimerSweep>([&](store::Done<store::TimerSweep> done) {
        store_->FireDueTimers(
            now_, 1000, [](const store::FiredTimer&) { return std::vector<v1::Message>(); }, std::move(done));
      });
    }
  }

 private:
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[random_() % items.size()];
  }

  int OffsetOf(const std::string& organisation) const {
    const Agency* agency = TheRegion().participants->AgencyOf(organisation);
    return agency != nullptr ? agency->utc_offset_minutes : 180;
  }

  // The end of `working_days` from a receipt, as the core counts it (gateway/deadlines.h).
  UnixMillis DueAt(const std::string& addressee, UnixMillis from_ms, int working_days) const {
    calendar::DeadlinePolicy policy;
    policy.utc_offset_minutes = OffsetOf(addressee);
    StatusOr<UnixMillis> due = calendar::DueAt(TheRegion().calendar, from_ms, working_days, policy);
    REQUIRE(due.ok());
    return *due;
  }

  void SendRequest() {
    const std::string requester = Pick(organisations_);
    std::string addressee = Pick(organisations_);
    const config::v1::InformationType& type = *Pick(types_);
    store::NewMessage message;
    message.message.set_message_id(MessageId::Generate(now_).ToString());
    message.message.set_kind(v1::MESSAGE_KIND_REQUEST);
    message.message.set_sender_code(requester);
    message.message.set_recipient_code(addressee);
    *message.message.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(now_);
    v1::RequestEnvelope& request = *message.message.mutable_request();
    request.set_requester_code(requester);
    request.set_addressee_code(addressee);
    request.mutable_information_type()->set_id(type.id());
    request.mutable_information_type()->set_version(type.version());
    request.set_test_message(random_() % 20 == 0);
    message.information_type = request.information_type();
    // A paper request is registered after its receipt, up to three weeks late.
    UnixMillis received = now_;
    if (random_() % 5 == 0) {
      received = now_ - static_cast<UnixMillis>(random_() % (21 * kDay));
      *message.message.mutable_received_at() = TimeUtil::MillisecondsToTimestamp(received);
    }
    const int working_days = type.deadline_class() == config::v1::DEADLINE_CLASS_ANSWER     ? 5
                             : type.deadline_class() == config::v1::DEADLINE_CLASS_PROGRESS ? 10
                                                                                            : 0;
    if (working_days > 0) {
      message.message.set_answer_working_days(working_days);
      message.timers.due_at_ms = std::max(DueAt(addressee, received, working_days), now_ + 1);
      message.timers.due_soon_at_ms = message.timers.due_at_ms - 1;
    }
    message.citizen_key = random_() % 10 == 0 ? "" : "citizen-" + std::to_string(random_() % 40);
    const auto accepted = MustAwait<store::AcceptOutcome>(
        [&](store::Done<store::AcceptOutcome> done) { store_->Accept(std::move(message), std::move(done)); });
    open_.push_back({accepted.id, requester, addressee});
  }

  // An answer, a refusal, an interim status or a supplement, with what it does to the clock.
  store::RequestChange RandomChange(const std::string& addressee) {
    store::RequestChange change;
    switch (random_() % 7) {
      case 0:
      case 1:
        change = store::RequestChange::StateOnly(v1::MESSAGE_STATE_ANSWERED);
        change.clock = store::ClockChange::kStop;
        break;
      case 2:
        change = store::RequestChange::StateOnly(v1::MESSAGE_STATE_REFUSED);
        change.clock = store::ClockChange::kStop;
        break;
      case 3:
        change = store::RequestChange::StateOnly(v1::MESSAGE_STATE_CANNOT_ANSWER);
        break;
      case 4:
        change = store::RequestChange::StateOnly(v1::MESSAGE_STATE_IN_PROGRESS);
        change.clock = random_() % 2 == 0 ? store::ClockChange::kStop : store::ClockChange::kKeep;
        break;
      case 5:
        change = store::RequestChange::StateOnly(v1::MESSAGE_STATE_CLARIFICATION_REQUESTED);
        change.clock = store::ClockChange::kStop;
        break;
      default:
        change = store::RequestChange::StateOnly(v1::MESSAGE_STATE_SUPPLEMENTED);
        change.clock = store::ClockChange::kRestart;
        change.restarted.due_at_ms = DueAt(addressee, now_, 5);
        change.restarted.due_soon_at_ms = change.restarted.due_at_ms - 1;
        break;
    }
    return change;
  }

  void Respond() {
    const size_t index = random_() % open_.size();
    const Open request = open_[index];
    store::RequestChange change = RandomChange(request.addressee);
    const v1::RefusalReason reason = random_() % 2 == 0 ? v1::REFUSAL_REASON_NO_DATA : v1::REFUSAL_REASON_ACCESS_DENIED;
    store::NewMessage response;
    response.message.set_message_id(MessageId::Generate(now_).ToString());
    response.message.set_kind(v1::MESSAGE_KIND_RESPONSE);
    response.message.set_sender_code(request.addressee);
    response.message.set_recipient_code(request.requester);
    *response.message.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(now_);
    v1::ResponseEnvelope& envelope = *response.message.mutable_response();
    envelope.set_request_id(request.id.ToString());
    envelope.set_responder_code(request.addressee);
    envelope.set_requester_code(request.requester);
    if (change.state == v1::MESSAGE_STATE_REFUSED) {
      envelope.mutable_refusal()->set_reason(reason);
    } else {
      envelope.mutable_data()->set_payload("<answer/>");
    }
    MustAwait<store::AcceptOutcome>([&](store::Done<store::AcceptOutcome> done) {
      store_->AcceptResponse(
          std::move(response), request.id,
          [change](const store::RequestView&) -> StatusOr<store::RequestChange> { return change; }, std::move(done));
    });
    const bool final = change.state == v1::MESSAGE_STATE_ANSWERED || change.state == v1::MESSAGE_STATE_REFUSED ||
                       change.state == v1::MESSAGE_STATE_CANNOT_ANSWER;
    if (final) {
      open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(index));
    }
  }

  void StopClock() {
    v1::HistoryEvent event;
    *event.mutable_at() = TimeUtil::MillisecondsToTimestamp(now_);
    event.set_actor("operator:ivanova");
    event.set_note("clarification by telephone");
    const MessageId id = Pick(open_).id;
    MustAwait<bool>([&](store::Done<bool> done) { store_->StopClock(id, event, std::move(done)); });
  }

  void DeliverAndAck() {
    const std::string recipient = Pick(organisations_);
    store::LeaseOptions lease;
    lease.max_messages = 5;
    lease.now_ms = now_;
    lease.lease_ms = kHour;
    lease.max_attempts = 3;
    const auto leased = MustAwait<std::vector<v1::Message>>(
        [&](store::Done<std::vector<v1::Message>> done) { store_->Lease(recipient, lease, std::move(done)); });
    std::vector<MessageId> ids;
    ids.reserve(leased.size());
    for (const v1::Message& message : leased) {
      ids.push_back(*MessageId::Parse(message.message_id()));
    }
    MustAwait<std::vector<store::AckItem>>(
        [&](store::Done<std::vector<store::AckItem>> done) { store_->Ack(recipient, ids, now_, "", std::move(done)); });
  }

  testing::TempDir dir_;
  std::mt19937 random_;
  std::vector<std::string> organisations_;
  std::vector<const config::v1::InformationType*> types_;
  std::shared_ptr<const ReportTallier> tallier_;
  std::unique_ptr<store::RocksDbStore> store_;
  UnixMillis now_ = kScriptStart;
  std::vector<Open> open_;
};

v1::ComplianceReport Replayed(const store::MessageStore& store, const Region& region, const ReportPeriod& period,
                              UnixMillis now_ms) {
  ComplianceReportBuilder builder(*region.participants, *region.information_types, region.calendar, period, now_ms);
  REQUIRE(store
              .VisitRequestsReceived(builder.ScanFromMs(), builder.ScanToMs(),
                                     [&builder](const store::RequestFacts& facts) { builder.Add(facts); })
              .ok());
  return builder.Finish();
}

v1::ComplianceReport FromTallies(const store::MessageStore& store, const Region& region, const ReportPeriod& period,
                                 UnixMillis now_ms) {
  const TallyDays days = TallyDaysOf(period);
  StatusOr<store::TallyRange> tallies = store.ReadTallies(days.first, days.last);
  REQUIRE(tallies.ok());
  return ComplianceReportFromTallies(*region.participants, region.calendar, period, now_ms, *tallies);
}

// Every named period the script touches, some ranges of days, and a day at a time around the end of the year.
std::vector<std::string> PeriodsToCompare() {
  std::vector<std::string> periods = {"2026",
                                      "2027",
                                      "2026-H2",
                                      "2027-H1",
                                      "2026-Q3",
                                      "2026-Q4",
                                      "2027-Q1",
                                      "2026-10-15..2027-01-20",
                                      "2026-09-01..2026-09-01",
                                      "2026-12-31..2027-01-11"};
  for (int day = 20; day <= 31; ++day) {
    periods.push_back("2026-12-" + std::to_string(day) + "..2026-12-" + std::to_string(day));
  }
  return periods;
}

void CompareReports(const store::MessageStore& store, const Region& region, const std::vector<std::string>& periods,
                    UnixMillis now_ms) {
  for (const std::string& text : periods) {
    const StatusOr<ReportPeriod> period = ParseReportPeriod(text);
    REQUIRE(period.ok());
    const v1::ComplianceReport replayed = Replayed(store, region, *period, now_ms);
    const v1::ComplianceReport tallied = FromTallies(store, region, *period, now_ms);
    std::string differences;
    MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&differences);
    INFO("period " << text << " as of " << TimeUtil::ToString(TimeUtil::MillisecondsToTimestamp(now_ms)));
    CHECK(differencer.Compare(replayed, tallied));
    INFO(differences);
    CHECK(differences.empty());
  }
}

void CompareReports(Script& script, UnixMillis now_ms) {
  CompareReports(script.store(), TheRegion(), PeriodsToCompare(), now_ms);
}

TEST_CASE("Report tallies: the reports from the store's tallies are the reports of the replayed histories",
          "[reports][tallies]") {
  const uint32_t seed = GENERATE(1u, 2u, 3u);
  INFO("seed " << seed);
  Script script(seed);
  for (int step = 0; step < 400; ++step) {
    script.Step();
    if (step % 100 == 99) {
      CompareReports(script, script.now() + 1);  // as of now: the open periods
    }
  }
  // Long after: every period has ended; and after a reopen, which keeps the tallies.
  CompareReports(script, script.now() + 400 * kDay);
  script.Reopen();
  CompareReports(script, script.now() + 1);
}

}  // namespace
}  // namespace mezhved::gateway

namespace mezhved::gateway {
namespace {

// The region of the store of format 1 that tests/store/data ships (bench/console_bench's), from its config.
Region Format1Region(const std::string& data_dir) {
  std::ifstream in(std::string(MEZHVED_SOURCE_DIR) + "/tests/store/data/format1/mezhved.textproto");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& [placeholder, value] :
       {std::pair<std::string, std::string>{"@DATA_DIR@", data_dir}, {"@SOURCE_DIR@", MEZHVED_SOURCE_DIR}}) {
    for (size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder)) {
      text.replace(at, placeholder.size(), value);
    }
  }
  StatusOr<config::v1::GatewayConfig> config = ParseConfigText(text, ConfigFormat::kText);
  REQUIRE(config.ok());
  return Region{std::make_shared<const ParticipantRegistry>(ParticipantRegistry::FromConfig(*config)),
                TheRegion().information_types, TheRegion().calendar};
}

TEST_CASE("Report tallies: the shipped store of format 1, upgraded, counts tallies that give the replay's reports",
          "[reports][tallies]") {
  const testing::TempDir dir;
  const std::string archive = std::string(MEZHVED_SOURCE_DIR) + "/tests/store/data/format1/store.tar.xz";
  REQUIRE(std::system(("tar -xJf '" + archive + "' -C '" + dir.path().string() + "'").c_str()) == 0);
  const std::string data_dir = (dir.path() / "data").string();
  const Region region = Format1Region(data_dir);
  store::RocksDbStoreOptions options;
  options.data_dir = data_dir;
  options.tallier = std::make_shared<const ReportTallier>(*region.participants, region.information_types);
  auto store = store::RocksDbStore::Open(options);
  REQUIRE(store.ok());
  CHECK((*store)->TallyBasis() == options.tallier->Basis());

  // The fill ran from 2026-11-05 to 2026-11-24 (fill.json): its periods, and each of its days.
  std::vector<std::string> periods = {"2026", "2026-Q4", "2026-H2", "2026-11-05..2026-11-24", "2027"};
  for (int day = 4; day <= 25; ++day) {
    const std::string text = "2026-11-" + std::string(day < 10 ? "0" : "") + std::to_string(day);
    periods.push_back(text + ".." + text);
  }
  constexpr UnixMillis kFillEnd = 1'795'559'347'000;
  CompareReports(**store, region, periods, kFillEnd + 1);
  CompareReports(**store, region, periods, kFillEnd + 400 * kDay);
  // A report of a period with figures, to be sure the comparison is not of empty reports.
  const StatusOr<ReportPeriod> fill_period = ParseReportPeriod("2026-11-05..2026-11-24");
  REQUIRE(fill_period.ok());
  const v1::ComplianceReport report = FromTallies(**store, region, *fill_period, kFillEnd + 1);
  CHECK(report.total().requests_received() > 500);
  CHECK(report.total().answered_on_time() > 0);
  CHECK(report.total().referrals_received() > 0);
}

}  // namespace
}  // namespace mezhved::gateway
