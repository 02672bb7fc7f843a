// deadline_bench: the cost of the answer-deadline scheduler with many open deadlines, in-process, on the real
// RocksDB store (docs/PERFORMANCE.md, "Deadline timers").
//
// 1. Fill: accepts --open requests, each with an answer clock (a due-soon and an overdue timer), submitted
//    asynchronously with at most --in-flight outstanding so that group commit batches them. The periods end
//    uniformly over the next --spread-days (at least two days out), the due-soon warning one day earlier. The
//    instants are stratified (one per slot of the range, jittered inside it) and handed out in a shuffled order, so
//    they are distinct and the bench knows the k-th earliest without keeping them.
// 2. Idle ticks: --ticks calls of FireDueTimers, one second of simulated time apart (like the housekeeper's
//    deadlines.scan_interval_ms), all before the first timer: nothing is due, and each call is timed from the call
//    to its callback. Each is followed by an empty store call (an Ack of nothing), timed the same way: the hand-off
//    to the store's writer thread and back, which every tick pays besides its scan.
// 3. One firing: "now" moves to the due-soon instant of the --fire-th earliest deadline, so exactly --fire requests
//    send their notices (two each, as the gateway's do); timed over the whole scan, which repeats while the store
//    says more are due, as Gateway::ContinueDeadlineScan does.
// 4. Idle ticks again right after the firing, before the next timer: the fired timers' tombstones lie behind the
//    store's floor. With --reopen, once more after closing and reopening the store (a restart: the floor starts
//    from 0 again). With --receive, the addressees lease and acknowledge every request after the fill, so that
//    the store's in-memory queue index no longer holds them.
// Memory (VmRSS/VmHWM of this process) and the data directory's size on disk are read after each phase.
//
// Exit status: 0 a clean run, 1 a store error or a count that is not what the schedule says, 2 usage.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <google/protobuf/util/time_util.h>

#include "common/message_id.h"
#include "common/wire_names.h"
#include "store/rocksdb_store.h"

namespace mezhved::bench {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::TimeUtil;
using SteadyClock = std::chrono::steady_clock;

enum ExitCode : int { kExitOk = 0, kExitFailures = 1, kExitUsage = 2 };

constexpr int64_t kSecondMs = 1000;
constexpr int64_t kHourMs = 3600 * kSecondMs;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int64_t kMinLeadMs = 2 * kDayMs;              // the earliest end of a period, after the start
constexpr int64_t kDueSoonLeadMs = kDayMs;              // the due-soon warning, before the end
constexpr int64_t kTickIntervalMs = kSecondMs;          // simulated time between ticks, at most
constexpr UnixMillis kStartMs = 1'767'225'600'000;      // 2026-01-01T00:00:00Z: "now" when the fill happens
constexpr uint64_t kProgressFrom = 100'000;             // fills this large report their progress on stderr
constexpr uint64_t kShuffleMultiplier = 2'654'435'761;  // a prime: coprime with any --open below it

struct Options {
  std::string data_dir;  // empty: a fresh directory under $TMPDIR
  bool keep = false;
  uint64_t open = 1'000'000;
  uint32_t in_flight = 10'000;
  uint32_t ticks = 1000;
  uint32_t fire = 1000;
  uint32_t max_timers = 1000;  // the gateway's deadlines.max_notices_per_scan
  uint32_t spread_days = 60;
  uint32_t agencies = 20;
  uint64_t seed = 1;
  bool receive = false;
  bool reopen = false;
  bool json = false;
};

// --- The schedule --------------------------------------------------------------------------------------------------

// Period ends uniformly over [start + 2 days, start + spread_days), one per slot of width (range / open), jittered
// inside its slot: strictly increasing by slot. Request i gets slot SlotOf(i), a permutation.
class Schedule {
 public:
  Schedule(uint64_t open, uint32_t spread_days, uint64_t seed)
      : open_(open), range_ms_(spread_days * kDayMs - kMinLeadMs), seed_(seed) {}

  // The range holds at least one millisecond per request.
  bool Valid() const { return range_ms_ > 0 && static_cast<uint64_t>(range_ms_) >= open_; }

  uint64_t SlotOf(uint64_t request) const { return (request * (kShuffleMultiplier % open_)) % open_; }

  UnixMillis DueAt(uint64_t slot) const {
    // floor(slot * range / open), without overflowing: range = width * open + rest.
    const uint64_t width = static_cast<uint64_t>(range_ms_) / open_;
    const uint64_t rest = static_cast<uint64_t>(range_ms_) % open_;
    const uint64_t base = slot * width + slot * rest / open_;
    return kStartMs + kMinLeadMs + static_cast<int64_t>(base + Mix(slot) % width);
  }
  UnixMillis DueSoonAt(uint64_t slot) const { return DueAt(slot) - kDueSoonLeadMs; }
  store::AnswerTimers TimersOf(uint64_t request) const {
    const uint64_t slot = SlotOf(request);
    return {DueSoonAt(slot), DueAt(slot)};
  }

  // The first timer of all: the earliest due-soon warning.
  UnixMillis FirstTimer() const { return DueSoonAt(0); }

  // The earliest timer after `now` once the requests of slots [0, fired) fired at `now` (so each of them is either
  // past its end or warned): the next warning, or the end of a period already warned about.
  UnixMillis NextTimerAfterFiring(uint64_t fired, UnixMillis now) const {
    UnixMillis next = fired < open_ ? DueSoonAt(fired) : std::numeric_limits<UnixMillis>::max();
    for (uint64_t slot = 0; slot < fired; ++slot) {
      if (DueAt(slot) > now) {
        next = std::min(next, DueAt(slot));
        break;  // DueAt grows with the slot
      }
    }
    return next;
  }

 private:
  uint64_t Mix(uint64_t x) const {  // splitmix64
    x += seed_ * 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }

  uint64_t open_;
  int64_t range_ms_;
  uint64_t seed_;
};

// --- Messages ------------------------------------------------------------------------------------------------------

std::string AgencyCode(char kind, uint32_t index) {
  char code[16];
  std::snprintf(code, sizeof code, "10%c22%08u", kind, index);  // 13 characters, like an OGRN
  return code;
}

// A small request as the core would hand it to the store: envelope items 1, 2, 3, 5, 7, a short payload, the
// answer period and its timers.
store::NewMessage MakeRequest(uint64_t index, const Options& options, const store::AnswerTimers& timers,
                              UnixMillis accepted_ms) {
  store::NewMessage message;
  v1::Message& body = message.message;
  body.set_message_id(MessageId::Generate(accepted_ms).ToString());
  body.set_kind(v1::MESSAGE_KIND_REQUEST);
  body.set_sender_code(AgencyCode('1', static_cast<uint32_t>(index % options.agencies)));
  body.set_recipient_code(AgencyCode('2', static_cast<uint32_t>((index / options.agencies) % options.agencies)));
  *body.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(accepted_ms);
  body.set_answer_working_days(5);
  *body.mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(timers.due_at_ms);
  v1::RequestEnvelope& request = *body.mutable_request();
  request.set_requester_code(body.sender_code());
  request.set_addressee_code(body.recipient_code());
  request.mutable_information_type()->set_id("zags.civil-status-record");
  request.mutable_information_type()->set_version("1.0");
  request.mutable_citizen()->set_last_name("Иванов");
  request.mutable_citizen()->set_first_name("Иван");
  request.mutable_citizen()->set_snils("112-233-445 95");
  request.mutable_registration()->set_outgoing_number("bench-" + std::to_string(index));
  request.set_payload(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CivilStatusRecordRequest><RecordKind>birth</RecordKind>"
      "<LastName>Иванов</LastName><FirstName>Иван</FirstName><BirthDate>1985-04-12</BirthDate>"
      "</CivilStatusRecordRequest>\n");
  message.information_type = request.information_type();
  message.agreement_id = "bench-agreement";
  message.timers = timers;
  message.citizen_key = "bench-citizen-" + std::to_string(index % 100'000);
  return message;
}

// The gateway's notices of a fired timer (gateway/deadlines.cc, AnswerDeadlines::Notices): one to the addressee,
// one to the requester.
std::vector<v1::Message> Notices(const store::FiredTimer& timer, UnixMillis now_ms) {
  std::vector<v1::Message> notices;
  for (const std::string& recipient : {timer.request.recipient_code(), timer.request.sender_code()}) {
    v1::Message& message = notices.emplace_back();
    message.set_message_id(MessageId::Generate(now_ms).ToString());
    message.set_kind(v1::MESSAGE_KIND_NOTICE);
    message.set_sender_code(wire::kGatewaySender);
    message.set_recipient_code(recipient);
    *message.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(now_ms);
    v1::DeadlineNotice& notice = *message.mutable_notice();
    notice.set_request_id(timer.request.message_id());
    notice.set_event(timer.event);
    notice.set_requester_code(timer.request.sender_code());
    notice.set_addressee_code(timer.request.recipient_code());
    *notice.mutable_information_type() = timer.request.request().information_type();
    notice.set_outgoing_number(timer.request.request().registration().outgoing_number());
    *notice.mutable_received_at() = timer.request.accepted_at();
    *notice.mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(timer.due_at_ms);
    notice.set_answer_working_days(timer.request.answer_working_days());
    notice.set_text("Межведомственный запрос № " + timer.request.request().registration().outgoing_number() +
                    (timer.event == v1::DEADLINE_EVENT_DUE_SOON ? ": срок ответа истекает."
                                                                : ": срок ответа истёк, ответ не поступил."));
  }
  return notices;
}

// --- Measuring -----------------------------------------------------------------------------------------------------

struct Memory {
  uint64_t rss_kb = 0;
  uint64_t hwm_kb = 0;
};

// VmRSS and VmHWM of this process, after handing freed heap back to the system (so a phase's garbage is not
// counted as in use; VmHWM keeps the peak anyway).
Memory ReadMemory() {
  malloc_trim(0);
  Memory memory;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    auto value = [&line] { return std::strtoull(line.c_str() + line.find(':') + 1, nullptr, 10); };
    if (line.starts_with("VmRSS:")) {
      memory.rss_kb = value();
    } else if (line.starts_with("VmHWM:")) {
      memory.hwm_kb = value();
    }
  }
  return memory;
}

nlohmann::json ToJson(const Memory& memory) { return {{"rss_kb", memory.rss_kb}, {"hwm_kb", memory.hwm_kb}}; }

// Bytes under the data directory: all, table files, write-ahead logs.
nlohmann::json DiskUsage(const fs::path& dir) {
  uint64_t total = 0;
  uint64_t sst = 0;
  uint64_t wal = 0;
  std::error_code error;
  for (const auto& entry : fs::recursive_directory_iterator(dir, error)) {
    if (!entry.is_regular_file(error)) {
      continue;
    }
    const uint64_t size = entry.file_size(error);
    if (error) {
      continue;  // removed by a compaction while we looked
    }
    total += size;
    const std::string extension = entry.path().extension().string();
    sst += extension == ".sst" ? size : 0;
    wal += extension == ".log" ? size : 0;
  }
  return {{"total", total}, {"sst", sst}, {"wal", wal}};
}

// Nearest rank; samples sorted.
double Percentile(const std::vector<double>& sorted, double percentile) {
  if (sorted.empty()) {
    return 0;
  }
  auto rank = static_cast<size_t>(std::ceil(percentile / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

nlohmann::json LatencyJson(std::vector<double> samples_us) {
  const double first = samples_us.empty() ? 0 : samples_us.front();
  std::sort(samples_us.begin(), samples_us.end());
  double sum = 0;
  for (double sample : samples_us) {
    sum += sample;
  }
  return {{"samples", samples_us.size()},
          {"min", Percentile(samples_us, 0)},
          {"median", Percentile(samples_us, 50)},
          {"p99", Percentile(samples_us, 99)},
          {"max", Percentile(samples_us, 100)},
          {"mean", samples_us.empty() ? 0 : sum / static_cast<double>(samples_us.size())},
          {"first", first}};
}

double MicrosSince(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::micro>(SteadyClock::now() - start).count();
}

// --- The bench -----------------------------------------------------------------------------------------------------

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename T>
T Require(StatusOr<T> result, const std::string& what) {
  if (!result.ok()) {
    throw StoreError(what + ": " + result.status().ToString());
  }
  return std::move(result).value();
}

template <typename T, typename Call>
StatusOr<T> Await(Call call) {
  std::promise<StatusOr<T>> promise;
  std::future<StatusOr<T>> future = promise.get_future();
  call([&promise](StatusOr<T> result) { promise.set_value(std::move(result)); });
  return future.get();
}

class DeadlineBench {
 public:
  DeadlineBench(const Options& options, fs::path dir)
      : options_(options), dir_(std::move(dir)), schedule_(options.open, options.spread_days, options.seed) {}

  nlohmann::json Run() {
    nlohmann::json report = {{"open", options_.open},
                             {"in_flight", options_.in_flight},
                             {"ticks", options_.ticks},
                             {"fire", options_.fire},
                             {"max_timers", options_.max_timers},
                             {"spread_days", options_.spread_days},
                             {"agencies", options_.agencies},
                             {"seed", options_.seed}};
    OpenStore();
    nlohmann::json memory = {{"opened", ToJson(ReadMemory())}};
    report["fill"] = Fill();
    report["request_bytes"] = request_bytes_;
    memory["filled"] = ToJson(ReadMemory());
    nlohmann::json disk = {{"filled", DiskUsage(dir_)}};
    if (options_.receive) {
      report["receive"] = Receive();
      memory["received"] = ToJson(ReadMemory());
    }

    // Idle: one simulated second apart (less when the first timer is closer), all before the first timer.
    const int64_t idle_step =
        std::min<int64_t>(kTickIntervalMs, (schedule_.FirstTimer() - 1 - kStartMs) / options_.ticks);
    report["idle_ticks"] = IdleTicks(kStartMs, idle_step);
    memory["after_idle_ticks"] = ToJson(ReadMemory());

    // Exactly `fire` requests have their warning (or their end) due at the fire-th earliest warning.
    const UnixMillis fire_at = schedule_.DueSoonAt(options_.fire - 1);
    report["firing"] = Fire(fire_at);
    const UnixMillis next = schedule_.NextTimerAfterFiring(options_.fire, fire_at);
    const int64_t after_step = std::clamp<int64_t>((next - 1 - (fire_at + 1)) / options_.ticks, 0, kTickIntervalMs);
    report["idle_ticks_after_firing"] = IdleTicks(fire_at + 1, after_step);
    memory["end"] = ToJson(ReadMemory());
    disk["end"] = DiskUsage(dir_);
    report["committed_batches"] = store_->CommittedBatches();

    if (options_.reopen) {
      // A restart: the store starts again from a floor of 0, with everything in table files and cold caches.
      const auto start = SteadyClock::now();
      store_.reset();
      OpenStore();
      report["reopen_seconds"] = MicrosSince(start) / 1e6;
      memory["reopened"] = ToJson(ReadMemory());
      disk["reopened"] = DiskUsage(dir_);
      report["idle_ticks_after_reopen"] = IdleTicks(fire_at + 1, after_step);
    }

    report["memory_kb"] = std::move(memory);
    report["disk_bytes"] = std::move(disk);
    report["errors"] = errors_;
    return report;
  }

  bool Clean() const { return errors_.empty(); }

 private:
  void OpenStore() {
    store::RocksDbStoreOptions store_options;
    store_options.data_dir = dir_.string();
    store_ = Require(store::RocksDbStore::Open(store_options), "opening the store at " + dir_.string());
  }

  nlohmann::json Fill() {
    std::mutex mutex;
    std::condition_variable changed;
    uint64_t outstanding = 0;
    uint64_t failed = 0;
    std::string first_error;
    const uint64_t batches_before = store_->CommittedBatches();
    const auto start = SteadyClock::now();
    uint64_t next_progress = options_.open / 10;
    for (uint64_t i = 0; i < options_.open; ++i) {
      // Accepted over the hour before the start, in order.
      const UnixMillis accepted_ms =
          kStartMs - kHourMs + static_cast<int64_t>(i * static_cast<uint64_t>(kHourMs) / options_.open);
      store::NewMessage message = MakeRequest(i, options_, schedule_.TimersOf(i), accepted_ms);
      if (i == 0) {
        request_bytes_ = message.message.ByteSizeLong();
      }
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return outstanding < options_.in_flight; });
        ++outstanding;
      }
      store_->Accept(std::move(message), [&](const StatusOr<store::AcceptOutcome>& outcome) {
        std::lock_guard lock(mutex);
        if (!outcome.ok()) {
          if (failed++ == 0) {
            first_error = outcome.status().ToString();
          }
        }
        --outstanding;
        changed.notify_one();
      });
      if (i + 1 == next_progress && options_.open >= kProgressFrom && !options_.json) {
        const unsigned long long accepted = i + 1;
        std::fprintf(stderr, "  accepted %llu of %llu (%.0f s)\n", accepted,
                     static_cast<unsigned long long>(options_.open), MicrosSince(start) / 1e6);
        next_progress += options_.open / 10;
      }
    }
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return outstanding == 0; });
    }
    const double seconds = MicrosSince(start) / 1e6;
    if (failed > 0) {
      throw StoreError("accepting " + std::to_string(failed) + " requests failed, the first with " + first_error);
    }
    const uint64_t batches = store_->CommittedBatches() - batches_before;
    return {
        {"accepted", options_.open},
        {"seconds", seconds},
        {"per_second", static_cast<double>(options_.open) / seconds},
        {"batches", batches},
        {"requests_per_batch", batches == 0 ? 0.0 : static_cast<double>(options_.open) / static_cast<double>(batches)}};
  }

  // Every addressee leases and acknowledges its queue, so the deadlines belong to delivered requests waiting for an
  // answer and the store's queue index is empty.
  nlohmann::json Receive() {
    const auto start = SteadyClock::now();
    uint64_t received = 0;
    for (uint32_t agency = 0; agency < options_.agencies; ++agency) {
      const std::string code = AgencyCode('2', agency);
      while (true) {
        store::LeaseOptions lease;
        lease.max_messages = 1000;
        lease.now_ms = kStartMs;
        lease.lease_ms = kHourMs;
        lease.max_attempts = 5;
        std::vector<v1::Message> messages =
            Require(Await<std::vector<v1::Message>>([&](auto done) { store_->Lease(code, lease, std::move(done)); }),
                    "leasing");
        if (messages.empty()) {
          break;
        }
        std::vector<MessageId> ids;
        ids.reserve(messages.size());
        for (const v1::Message& message : messages) {
          ids.push_back(*MessageId::Parse(message.message_id()));
        }
        received += ids.size();
        Require(Await<std::vector<store::AckItem>>(
                    [&](auto done) { store_->Ack(code, std::move(ids), kStartMs, {}, std::move(done)); }),
                "acknowledging");
      }
    }
    if (received != options_.open) {
      errors_.push_back("received " + std::to_string(received) + " requests of " + std::to_string(options_.open));
    }
    const double seconds = MicrosSince(start) / 1e6;
    return {{"received", received}, {"seconds", seconds}, {"per_second", static_cast<double>(received) / seconds}};
  }

  store::TimerSweep Tick(UnixMillis now) {
    return Require(Await<store::TimerSweep>([&](auto done) {
                     store_->FireDueTimers(
                         now, options_.max_timers,
                         [this, now](const store::FiredTimer& timer) {
                           ++builder_calls_;
                           return Notices(timer, now);
                         },
                         std::move(done));
                   }),
                   "firing timers");
  }

  // A store call that goes through the writer thread and does nothing (an Ack of no messages): what a tick costs
  // without its scan, the hand-off to the writer and back.
  void EmptyRoundTrip(UnixMillis now) {
    Require(Await<std::vector<store::AckItem>>(
                [&](auto done) { store_->Ack(AgencyCode('2', 0), {}, now, {}, std::move(done)); }),
            "an empty acknowledgement");
  }

  // Each tick is followed by an empty round trip, so that both see the same conditions.
  nlohmann::json IdleTicks(UnixMillis from, int64_t step) {
    std::vector<double> latency_us;
    std::vector<double> round_trip_us;
    latency_us.reserve(options_.ticks);
    round_trip_us.reserve(options_.ticks);
    uint64_t fired = 0;
    const uint64_t builder_calls_before = builder_calls_;
    UnixMillis now = from;
    for (uint32_t tick = 0; tick < options_.ticks; ++tick, now += step) {
      auto start = SteadyClock::now();
      const store::TimerSweep sweep = Tick(now);
      latency_us.push_back(MicrosSince(start));
      fired += sweep.fired;
      start = SteadyClock::now();
      EmptyRoundTrip(now);
      round_trip_us.push_back(MicrosSince(start));
    }
    const uint64_t builder_calls = builder_calls_ - builder_calls_before;
    if (fired != 0 || builder_calls != 0) {
      errors_.push_back("idle ticks fired " + std::to_string(fired) + " timers");
    }
    return {{"ticks", options_.ticks},
            {"from_ms", from},
            {"step_ms", step},
            {"fired", fired},
            {"latency_us", LatencyJson(std::move(latency_us))},
            {"empty_round_trip_us", LatencyJson(std::move(round_trip_us))}};
  }

  nlohmann::json Fire(UnixMillis now) {
    const uint64_t builder_calls_before = builder_calls_;
    std::vector<double> scan_us;
    uint64_t fired = 0;
    uint64_t recipients = 0;
    const auto start = SteadyClock::now();
    for (bool more = true; more;) {
      const auto scan_start = SteadyClock::now();
      const store::TimerSweep sweep = Tick(now);
      scan_us.push_back(MicrosSince(scan_start));
      fired += sweep.fired;
      recipients += sweep.recipients_with_ready.size();
      more = sweep.more;
    }
    const double total_us = MicrosSince(start);
    const uint64_t notices = 2 * (builder_calls_ - builder_calls_before);
    if (fired != options_.fire) {
      errors_.push_back("the firing tick fired " + std::to_string(fired) + " timers, not " +
                        std::to_string(options_.fire));
    }
    return {{"now_ms", now},
            {"expected", options_.fire},
            {"fired", fired},
            {"notices", notices},
            {"scans", scan_us.size()},
            {"recipients_woken", recipients},
            {"latency_us", total_us},
            {"per_timer_us", fired == 0 ? 0.0 : total_us / static_cast<double>(fired)},
            {"scan_latency_us", scan_us}};
  }

  const Options& options_;
  std::unique_ptr<store::RocksDbStore> store_;
  fs::path dir_;
  Schedule schedule_;
  std::atomic<uint64_t> builder_calls_ = 0;  // incremented on the store thread
  uint64_t request_bytes_ = 0;
  std::vector<std::string> errors_;
};

// --- Output --------------------------------------------------------------------------------------------------------

void PrintLatency(const char* what, const nlohmann::json& ticks) {
  const nlohmann::json& latency = ticks["latency_us"];
  const nlohmann::json& baseline = ticks["empty_round_trip_us"];
  std::printf("  %-28s %5llu ticks, now +%lld ms each: min %.1f  median %.1f  p99 %.1f  max %.1f us (first %.1f)\n",
              what, ticks["ticks"].get<unsigned long long>(), ticks["step_ms"].get<long long>(),
              latency["min"].get<double>(), latency["median"].get<double>(), latency["p99"].get<double>(),
              latency["max"].get<double>(), latency["first"].get<double>());
  std::printf("  %-28s %5s an empty store call after each: min %.1f  median %.1f  p99 %.1f  max %.1f us\n", "", "",
              baseline["min"].get<double>(), baseline["median"].get<double>(), baseline["p99"].get<double>(),
              baseline["max"].get<double>());
}

void PrintMemory(const char* what, const nlohmann::json& memory) {
  std::printf("  memory %-18s VmRSS %7.1f MiB  VmHWM %7.1f MiB\n", what,
              static_cast<double>(memory["rss_kb"].get<uint64_t>()) / 1024,
              static_cast<double>(memory["hwm_kb"].get<uint64_t>()) / 1024);
}

void PrintDisk(const char* what, const nlohmann::json& disk) {
  auto mib = [](const nlohmann::json& bytes) { return static_cast<double>(bytes.get<uint64_t>()) / (1 << 20); };
  std::printf("  disk %-20s %8.1f MiB (tables %.1f MiB, write-ahead log %.1f MiB)\n", what, mib(disk["total"]),
              mib(disk["sst"]), mib(disk["wal"]));
}

void PrintHuman(const nlohmann::json& report) {
  const nlohmann::json& fill = report["fill"];
  std::printf("deadline_bench: %llu open deadlines (ends over %u days), requests of %llu bytes\n",
              report["open"].get<unsigned long long>(), report["spread_days"].get<unsigned>(),
              report["request_bytes"].get<unsigned long long>());
  std::printf("  fill                         %.1f s, %.0f requests/s, %.1f requests per synced batch\n",
              fill["seconds"].get<double>(), fill["per_second"].get<double>(),
              fill["requests_per_batch"].get<double>());
  if (report.contains("receive")) {
    std::printf("  received and acknowledged    %.1f s, %.0f requests/s\n", report["receive"]["seconds"].get<double>(),
                report["receive"]["per_second"].get<double>());
  }
  PrintLatency("idle ticks", report["idle_ticks"]);
  const nlohmann::json& firing = report["firing"];
  std::printf("  firing %llu timers             %.1f ms in %llu scan(s) (%.1f us per timer), %llu notices\n",
              firing["fired"].get<unsigned long long>(), firing["latency_us"].get<double>() / 1000,
              firing["scans"].get<unsigned long long>(), firing["per_timer_us"].get<double>(),
              firing["notices"].get<unsigned long long>());
  PrintLatency("idle ticks after the firing", report["idle_ticks_after_firing"]);
  if (report.contains("idle_ticks_after_reopen")) {
    std::printf("  reopened                     %.1f s\n", report["reopen_seconds"].get<double>());
    PrintLatency("idle ticks after reopening", report["idle_ticks_after_reopen"]);
  }
  for (const char* phase : {"opened", "filled", "received", "after_idle_ticks", "end", "reopened"}) {
    if (report["memory_kb"].contains(phase)) {
      PrintMemory(phase, report["memory_kb"][phase]);
    }
  }
  PrintDisk("after the fill", report["disk_bytes"]["filled"]);
  PrintDisk("at the end", report["disk_bytes"]["end"]);
  if (report["disk_bytes"].contains("reopened")) {
    PrintDisk("after reopening", report["disk_bytes"]["reopened"]);
  }
  if (report["errors"].empty()) {
    std::printf("  errors: none\n");
  }
  for (const nlohmann::json& error : report["errors"]) {
    std::printf("  error: %s\n", error.get<std::string>().c_str());
  }
}

void AddOptions(CLI::App& app, Options& options) {
  app.add_option("--data-dir", options.data_dir, "Store directory, new or empty (default: a fresh temporary one)");
  app.add_flag("--keep", options.keep, "Keep the temporary store directory (a --data-dir is always kept)");
  app.add_option("--open", options.open, "Requests with an open deadline")
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000'000}))
      ->capture_default_str();
  app.add_option("--in-flight", options.in_flight, "Accepts outstanding at once while filling")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--ticks", options.ticks, "Idle ticks measured, before and after the firing")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--fire", options.fire, "Requests whose timer is due at the firing tick")
      ->check(CLI::Range(1, 100'000'000))
      ->capture_default_str();
  app.add_option("--max-timers", options.max_timers,
                 "max_timers of each FireDueTimers (deadlines.max_notices_per_scan)")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  app.add_option("--spread-days", options.spread_days, "Periods end uniformly between 2 days and this many from now")
      ->check(CLI::Range(3, 3650))
      ->capture_default_str();
  app.add_option("--agencies", options.agencies, "Requesting organisations, and as many addressees")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Seed of the jitter of the instants")->capture_default_str();
  app.add_flag("--receive", options.receive,
               "After the fill, the addressees lease and acknowledge every request (empties the queue index)");
  app.add_flag("--reopen", options.reopen,
               "At the end, close and reopen the store (a restart) and measure the idle ticks once more");
  app.add_flag("--json", options.json, "Print one JSON object instead of the summary");
}

std::optional<fs::path> MakeTempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = (fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") / "deadline-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return std::nullopt;
  }
  return fs::path(pattern);
}

int Run(int argc, char** argv) {
  CLI::App app("deadline_bench: the answer-deadline scheduler's cost per tick with many open deadlines",
               "deadline_bench");
  Options options;
  AddOptions(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? kExitOk : kExitUsage;
  }
  if (options.fire > options.open) {
    std::cerr << "error: --fire " << options.fire << " is more than --open " << options.open << "\n";
    return kExitUsage;
  }
  if (!Schedule(options.open, options.spread_days, options.seed).Valid()) {
    std::cerr << "error: --spread-days " << options.spread_days << " is too short for " << options.open
              << " distinct instants\n";
    return kExitUsage;
  }

  std::optional<fs::path> temp_dir;
  fs::path dir;
  if (options.data_dir.empty()) {
    temp_dir = MakeTempDir();
    if (!temp_dir) {
      std::cerr << "error: cannot create a temporary directory\n";
      return kExitFailures;
    }
    dir = *temp_dir / "store";
  } else {
    dir = options.data_dir;
    std::error_code error;
    if (fs::exists(dir, error) && !fs::is_empty(dir, error)) {
      std::cerr << "error: --data-dir " << dir.string() << " is not empty\n";
      return kExitUsage;
    }
  }
  auto remove_temp = [&] {
    if (temp_dir && !options.keep) {
      std::error_code error;
      fs::remove_all(*temp_dir, error);
    }
  };

  int exit_status = kExitOk;
  try {
    DeadlineBench bench(options, dir);
    nlohmann::json report = bench.Run();
    report["data_dir"] = dir.string();
    report["kept"] = !temp_dir || options.keep;
    if (options.json) {
      std::cout << report.dump() << "\n";
    } else {
      PrintHuman(report);
      if (report["kept"].get<bool>()) {
        std::printf("  store kept in %s\n", dir.string().c_str());
      }
    }
    exit_status = bench.Clean() ? kExitOk : kExitFailures;
  } catch (const StoreError& error) {
    std::cerr << "error: " << error.what() << "\n";
    exit_status = kExitFailures;
  }
  remove_temp();
  return exit_status;
}

}  // namespace
}  // namespace mezhved::bench

int main(int argc, char** argv) {
  try {
    return mezhved::bench::Run(argc, argv);
  } catch (const std::exception& error) {  // a bug or out of memory: say so rather than abort
    std::cerr << "deadline_bench: " << error.what() << "\n";
    return mezhved::bench::kExitFailures;
  }
}
