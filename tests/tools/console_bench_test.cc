// A small console_bench run: the tool that measured the operators' console at 1,000,000 messages (docs/PERFORMANCE.md,
// "The operators' console and metrics") still fills a store the daemon accepts, with every kind of record the pages
// show, every page answers 200 on the real daemon, and its report holds every figure; --reuse measures the same
// store again.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace mezhved::testing {
namespace {

constexpr std::chrono::milliseconds kRunTimeout{60'000};

CommandResult Bench(const TempDir& work, const std::vector<std::string>& options) {
  std::vector<std::string> arguments = {MEZHVED_CONSOLE_BENCH_PATH, "--work-dir", work.path().string(), "--daemon",
                                        MEZHVED_DAEMON_PATH,        "--json"};
  arguments.insert(arguments.end(), options.begin(), options.end());
  return RunCommand(arguments, kRunTimeout);
}

nlohmann::json ReportOf(const CommandResult& result) {
  nlohmann::json report = nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  if (!report.is_object()) {
    FAIL("console_bench printed no JSON report; stdout:\n" << result.out << "stderr:\n" << result.err);
  }
  return report;
}

// Every page answered each request, with ordered percentiles.
void CheckPages(const nlohmann::json& rows, uint64_t at_least) {
  for (const nlohmann::json& row : rows) {
    INFO(row.dump());
    CHECK(row["failures"] == 0);
    CHECK(row["requests"].get<uint64_t>() >= at_least);
    CHECK(row["bytes"].get<uint64_t>() > 0);
    CHECK(row["p50_ms"].get<double>() > 0);
    CHECK(row["p50_ms"].get<double>() <= row["p90_ms"].get<double>());
    CHECK(row["p90_ms"].get<double>() <= row["p99_ms"].get<double>());
    CHECK(row["p99_ms"].get<double>() <= row["max_ms"].get<double>());
  }
}

TEST_CASE("console_bench fills a store and measures every console page on the real daemon", "[console_bench]") {
  TempDir work;
  const CommandResult result =
      Bench(work, {"--messages", "2000", "--requests", "3", "--clients", "2", "--concurrent-seconds", "0.3"});
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  const nlohmann::json report = ReportOf(result);
  INFO(report.dump(2));

  // The fill: exactly the messages asked for, of every kind, and the records the other pages list.
  const nlohmann::json& fill = report["fill"];
  CHECK(fill["messages"] == 2000);
  CHECK(fill["requests_with_answer_due"].get<uint64_t>() > 500);
  CHECK(fill["responses"].get<uint64_t>() > 500);
  CHECK(fill["notices"].get<uint64_t>() > 0);
  CHECK(fill["referrals"].get<uint64_t>() > 0);
  CHECK(fill["rejections"].get<uint64_t>() > 0);
  CHECK(fill["audit_entries"].get<uint64_t>() > 0);
  CHECK(fill["citizen_copies_confirmed"].get<uint64_t>() > 0);
  CHECK(fill["store_bytes"].get<uint64_t>() > 0);
  CHECK(fill["end_ms"].get<int64_t>() - fill["start_ms"].get<int64_t>() > 364LL * 24 * 3600 * 1000);
  CHECK_FALSE(fill.contains("sample_ids"));

  // Every page, one at a time and from two clients at once.
  std::set<std::string> pages;
  for (const nlohmann::json& row : report["sequential"]) {
    pages.insert(row["page"].get<std::string>());
  }
  for (const char* page : {"overview", "queue: first page", "queue: newest first", "queue: a week mid-backlog",
                           "queue: state ACCEPTED", "queue: page 401 by token", "dead letters", "message", "rejections",
                           "rejections: page 101 by token", "overdue", "audit", "metrics", "index.html"}) {
    CHECK(pages.count(page) == 1);
  }
  CHECK(std::count_if(pages.begin(), pages.end(),
                      [](const std::string& page) { return page.starts_with("report: "); }) == 2);
  CheckPages(report["sequential"], 3);
  CheckPages(report["concurrent"]["pages"], 1);
  CheckPages(report["concurrent_with_reports"]["pages"], 1);
  CHECK(report["daemon"]["exit_status"] == 0);
  CHECK(report["daemon"]["ready_seconds"].get<double>() > 0);

  // --reuse: the same store again, no fill.
  const CommandResult reused = Bench(work, {"--reuse", "--requests", "1", "--clients", "0"});
  INFO(reused.err);
  REQUIRE(reused.exit_status == 0);
  const nlohmann::json again = ReportOf(reused);
  CHECK(again["fill"]["end_ms"] == fill["end_ms"]);
  CHECK_FALSE(again.contains("concurrent"));
  CheckPages(again["sequential"], 1);
}

}  // namespace
}  // namespace mezhved::testing
