#include "common/metrics.h"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "common/readiness.h"

namespace mezhved::metrics {
namespace {

TEST_CASE("a counter renders with its HELP and TYPE and counts every thread's additions", "[metrics]") {
  Registry registry;
  Counter& counter = registry.AddCounter("test_events_total", "Events seen.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < 10000; ++i) {
        counter.Add();
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(registry.Render() ==
        "# HELP test_events_total Events seen.\n# TYPE test_events_total counter\ntest_events_total 40000\n");
}

TEST_CASE("label values and help text are escaped as the text format requires", "[metrics]") {
  std::string out;
  TextWriter writer(out);
  writer.Family("test_gauge", "Help with a \\ and a\nnewline \"quoted\".", "gauge");
  writer.Sample("test_gauge", {{"name", "a \"b\" \\c\nd"}}, 1.5);
  CHECK(out ==
        "# HELP test_gauge Help with a \\\\ and a\\nnewline \"quoted\".\n# TYPE test_gauge gauge\n"
        "test_gauge{name=\"a \\\"b\\\" \\\\c\\nd\"} 1.5\n");
}

TEST_CASE("a histogram's buckets are cumulative and its sum and count add up", "[metrics]") {
  Registry registry;
  Histogram& histogram = registry.AddHistogram("test_seconds", "Durations.", {0.1, 1});
  histogram.Observe(0.05);
  histogram.Observe(0.1);  // on the bound: le is inclusive
  histogram.Observe(0.5);
  histogram.Observe(7);
  const Histogram::Reading reading = histogram.Read();
  CHECK(reading.cumulative == std::vector<uint64_t>{2, 3, 4});
  CHECK(reading.count == 4);
  CHECK(reading.sum == Approx(7.65));
  const std::string text = registry.Render();
  CHECK(text.find("# TYPE test_seconds histogram\n") != std::string::npos);
  CHECK(text.find("test_seconds_bucket{le=\"0.1\"} 2\n") != std::string::npos);
  CHECK(text.find("test_seconds_bucket{le=\"1\"} 3\n") != std::string::npos);
  CHECK(text.find("test_seconds_bucket{le=\"+Inf\"} 4\n") != std::string::npos);
  CHECK(text.find("test_seconds_sum 7.65\n") != std::string::npos);
  CHECK(text.find("test_seconds_count 4\n") != std::string::npos);
}

TEST_CASE("histogram bounds must ascend", "[metrics]") { CHECK_THROWS(Histogram({1, 0.5})); }

TEST_CASE("a counter grid exposes only the cells that moved, with their labels", "[metrics]") {
  Registry registry;
  CounterGrid& grid = registry.AddCounterGrid("test_messages_total", "Messages.",
                                              {{"kind", {"request", "response"}}, {"agency", {"zags", "other"}}});
  grid.At({0, 1}).Add(3);
  grid.At({1, 0}).Add();
  grid.At({1, 7}).Add();  // out of range: the last value ("other")
  CHECK(registry.Render() ==
        "# HELP test_messages_total Messages.\n# TYPE test_messages_total counter\n"
        "test_messages_total{kind=\"request\",agency=\"other\"} 3\n"
        "test_messages_total{kind=\"response\",agency=\"zags\"} 1\n"
        "test_messages_total{kind=\"response\",agency=\"other\"} 1\n");
}

TEST_CASE("a collector runs at each scrape until its handle goes", "[metrics]") {
  Registry registry;
  int scrapes = 0;
  {
    CollectorHandle handle = registry.AddCollector([&scrapes](TextWriter& writer) {
      ++scrapes;
      writer.Family("test_up", "Up.", "gauge");
      writer.Sample("test_up", uint64_t{1});
    });
    CHECK(registry.Render().find("test_up 1\n") != std::string::npos);
    CHECK(registry.Render().find("test_up 1\n") != std::string::npos);
  }
  CHECK(registry.Render().empty());
  CHECK(scrapes == 2);
}

TEST_CASE("the process collector reports the standard process figures", "[metrics]") {
  Registry registry;
  const CollectorHandle handle = AddProcessCollector(registry);
  const std::string text = registry.Render();
  for (const char* name :
       {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_virtual_memory_bytes ",
        "process_start_time_seconds ", "process_open_fds ", "process_max_fds "}) {
    CHECK(text.find(std::string("\n") + name) != std::string::npos);
  }
}

}  // namespace
}  // namespace mezhved::metrics

namespace mezhved {
namespace {

TEST_CASE("readiness waits for the start, follows its conditions and ends with the stop", "[readiness]") {
  Readiness readiness;
  Status store = Status::Ok();
  readiness.Require("store", [&store] { return store; });
  CHECK(readiness.Check().message().find("starting") != std::string::npos);
  readiness.MarkStarted();
  CHECK(readiness.Check().ok());
  store = Status(ErrorCode::kUnavailable, "writing to the store failed");
  CHECK(readiness.Check().code() == ErrorCode::kUnavailable);
  CHECK(readiness.Check().message() == "store: writing to the store failed");
  store = Status::Ok();
  readiness.MarkStopping();
  CHECK(readiness.Check().message() == "stopping");
}

}  // namespace
}  // namespace mezhved
