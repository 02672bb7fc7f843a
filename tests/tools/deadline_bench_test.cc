// Short deadline_bench runs: the tool that measures the deadline scheduler (docs/PERFORMANCE.md, "Deadline
// timers") still fills a store, times idle ticks, fires exactly what its schedule says, reports every figure, and
// cleans up after itself.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace mezhved::testing {
namespace {

constexpr std::chrono::milliseconds kRunTimeout{60'000};

// A small run, unless options say otherwise: 2,000 open deadlines, 50 idle ticks before and after firing 100.
CommandResult Bench(const std::map<std::string, std::string>& options, const std::vector<std::string>& flags = {}) {
  std::map<std::string, std::string> all = {{"--open", "2000"}, {"--ticks", "50"}, {"--fire", "100"}};
  for (const auto& [name, value] : options) {
    all[name] = value;
  }
  std::vector<std::string> arguments = {MEZHVED_DEADLINE_BENCH_PATH, "--json"};
  for (const auto& [name, value] : all) {
    arguments.push_back(name);
    arguments.push_back(value);
  }
  arguments.insert(arguments.end(), flags.begin(), flags.end());
  return RunCommand(arguments, kRunTimeout);
}

nlohmann::json ReportOf(const CommandResult& result) {
  nlohmann::json report = nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  if (!report.is_object()) {
    FAIL("deadline_bench printed no JSON report; stdout:\n" << result.out << "stderr:\n" << result.err);
  }
  return report;
}

// Idle ticks: all measured, none fired anything, and the figures are ordered and plausible.
void CheckIdleTicks(const nlohmann::json& ticks, uint32_t count) {
  INFO(ticks.dump(2));
  CHECK(ticks["ticks"] == count);
  CHECK(ticks["fired"] == 0);
  CHECK(ticks["step_ms"].get<int64_t>() >= 0);
  CHECK(ticks["step_ms"].get<int64_t>() <= 1000);
  const nlohmann::json& latency = ticks["latency_us"];
  CHECK(latency["samples"] == count);
  CHECK(latency["min"].get<double>() > 0);
  CHECK(latency["min"].get<double>() <= latency["median"].get<double>());
  CHECK(latency["median"].get<double>() <= latency["p99"].get<double>());
  CHECK(latency["p99"].get<double>() <= latency["max"].get<double>());
  CHECK(latency["mean"].get<double>() >= latency["min"].get<double>());
  CHECK(latency["mean"].get<double>() <= latency["max"].get<double>());
  CHECK(latency["first"].get<double>() >= latency["min"].get<double>());
  CHECK(latency["max"].get<double>() < 1e6);  // a second for one idle tick of 2,000 deadlines: something broke
  const nlohmann::json& baseline = ticks["empty_round_trip_us"];
  CHECK(baseline["samples"] == count);
  CHECK(baseline["min"].get<double>() > 0);
  CHECK(baseline["min"].get<double>() <= baseline["median"].get<double>());
  CHECK(baseline["median"].get<double>() <= baseline["max"].get<double>());
}

void CheckMemory(const nlohmann::json& memory) {
  INFO(memory.dump(2));
  CHECK(memory["rss_kb"].get<uint64_t>() > 1000);
  CHECK(memory["hwm_kb"].get<uint64_t>() >= memory["rss_kb"].get<uint64_t>());
}

TEST_CASE("deadline_bench fills a store, times idle ticks and one firing, and reports every figure",
          "[deadline_bench]") {
  CommandResult result = Bench({});
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  nlohmann::json report = ReportOf(result);
  INFO(report.dump(2));

  CHECK(report["open"] == 2000);
  CHECK(report["ticks"] == 50);
  CHECK(report["fire"] == 100);
  CHECK(report["max_timers"] == 1000);
  CHECK(report["errors"].empty());
  CHECK(report["request_bytes"].get<uint64_t>() >= 200);  // "a few hundred bytes"
  CHECK(report["request_bytes"].get<uint64_t>() <= 1000);

  const nlohmann::json& fill = report["fill"];
  CHECK(fill["accepted"] == 2000);
  CHECK(fill["seconds"].get<double>() > 0);
  CHECK(fill["per_second"].get<double>() > 0);
  CHECK(fill["batches"].get<uint64_t>() >= 1);
  CHECK(fill["batches"].get<uint64_t>() <= 2000);
  CHECK(fill["requests_per_batch"].get<double>() >= 1);
  CHECK(!report.contains("receive"));
  CHECK(!report.contains("idle_ticks_after_reopen"));

  CheckIdleTicks(report["idle_ticks"], 50);
  CheckIdleTicks(report["idle_ticks_after_firing"], 50);
  CHECK(report["idle_ticks"]["step_ms"] == 1000);  // the first timer is a day away

  // Exactly --fire requests have a timer that sends notices, two each; the ends of periods already due are among
  // the timers scanned too, so the scan can take more timers than it fires.
  const nlohmann::json& firing = report["firing"];
  CHECK(firing["expected"] == 100);
  CHECK(firing["fired"] == 100);
  CHECK(firing["notices"] == 200);
  CHECK(firing["scans"] == 1);
  CHECK(firing["scan_latency_us"].size() == 1);
  CHECK(firing["latency_us"].get<double>() > 0);
  CHECK(firing["per_timer_us"].get<double>() > 0);
  CHECK(firing["recipients_woken"].get<uint64_t>() >= 2);
  CHECK(firing["now_ms"].get<int64_t>() < report["idle_ticks_after_firing"]["from_ms"].get<int64_t>());

  for (const char* phase : {"opened", "filled", "after_idle_ticks", "end"}) {
    INFO(phase);
    REQUIRE(report["memory_kb"].contains(phase));
    CheckMemory(report["memory_kb"][phase]);
  }
  for (const char* phase : {"filled", "end"}) {
    INFO(phase);
    const nlohmann::json& disk = report["disk_bytes"][phase];
    CHECK(disk["total"].get<uint64_t>() > 100'000);  // 2,000 requests with their history and index entries
    CHECK(disk["total"].get<uint64_t>() >= disk["sst"].get<uint64_t>() + disk["wal"].get<uint64_t>());
  }
  CHECK(report["disk_bytes"]["end"]["total"].get<uint64_t>() > report["disk_bytes"]["filled"]["total"].get<uint64_t>());
  CHECK(report["committed_batches"].get<uint64_t>() >= fill["batches"].get<uint64_t>() + 1);

  // The temporary store is gone.
  CHECK(report["kept"] == false);
  CHECK(!std::filesystem::exists(report["data_dir"].get<std::string>()));
}

TEST_CASE("deadline_bench in a given directory, with receiving, a firing that takes several scans and a reopening",
          "[deadline_bench]") {
  TempDir dir;
  const std::string data_dir = (dir / "store").string();
  CommandResult result =
      Bench({{"--data-dir", data_dir}, {"--max-timers", "30"}, {"--ticks", "10"}}, {"--receive", "--reopen"});
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  nlohmann::json report = ReportOf(result);
  INFO(report.dump(2));
  CHECK(report["errors"].empty());
  CHECK(report["receive"]["received"] == 2000);
  CheckMemory(report["memory_kb"]["received"]);
  CheckIdleTicks(report["idle_ticks"], 10);
  CheckIdleTicks(report["idle_ticks_after_firing"], 10);
  // 100 warnings and the ends of the periods already past, 30 timers a scan: as Gateway::ContinueDeadlineScan does.
  CHECK(report["firing"]["fired"] == 100);
  CHECK(report["firing"]["scans"].get<uint64_t>() >= 4);
  CHECK(report["firing"]["scan_latency_us"].size() == report["firing"]["scans"].get<size_t>());
  // The restarted store fires nothing either, though its floor starts again from 0 behind the fired timers.
  CHECK(report["reopen_seconds"].get<double>() > 0);
  CheckIdleTicks(report["idle_ticks_after_reopen"], 10);
  CheckMemory(report["memory_kb"]["reopened"]);
  CHECK(report["disk_bytes"]["reopened"]["total"].get<uint64_t>() > 100'000);

  // A directory the caller named is kept, with the store in it, and is not reused.
  CHECK(report["kept"] == true);
  CHECK(report["data_dir"] == data_dir);
  CHECK(std::filesystem::exists(std::filesystem::path(data_dir) / "CURRENT"));
  CommandResult again = Bench({{"--data-dir", data_dir}});
  CHECK(again.exit_status == 2);
  CHECK(again.err == "error: --data-dir " + data_dir + " is not empty\n");
}

TEST_CASE("deadline_bench exits 2 on bad usage", "[deadline_bench]") {
  CHECK(Bench({{"--open", "0"}}).exit_status == 2);
  CHECK(Bench({{"--ticks", "0"}}).exit_status == 2);
  CHECK(Bench({{"--fire", "0"}}).exit_status == 2);
  CommandResult too_many = Bench({{"--open", "10"}, {"--fire", "11"}});
  CHECK(too_many.exit_status == 2);
  CHECK(too_many.err == "error: --fire 11 is more than --open 10\n");
  CHECK(too_many.out.empty());
}

}  // namespace
}  // namespace mezhved::testing
