#include "common/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace mezhved::log {
namespace {

// A value that counts how often it is formatted.
int formatted = 0;
struct Counted {};

}  // namespace
}  // namespace mezhved::log

template <>
struct fmt::formatter<mezhved::log::Counted> : fmt::formatter<int> {
  auto format(mezhved::log::Counted /*value*/, fmt::format_context& context) const {
    return fmt::formatter<int>::format(++mezhved::log::formatted, context);
  }
};

namespace mezhved::log {
namespace {

// Captures the lines written while it lives; back to stderr at info afterwards.
class Capture {
 public:
  explicit Capture(std::string_view level = "trace") { REQUIRE(Configure(level, out_).ok()); }
  ~Capture() { (void)Configure("info"); }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) {
      lines.push_back(line);
    }
    return lines;
  }
  // The one line written, parsed; fails the test when there is not exactly one.
  nlohmann::ordered_json Only() const {
    const std::vector<std::string> lines = Lines();
    REQUIRE(lines.size() == 1);
    nlohmann::ordered_json line = nlohmann::ordered_json::parse(lines[0], nullptr, /*allow_exceptions=*/false);
    REQUIRE(line.is_object());
    return line;
  }
  std::string Text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::vector<std::string> Keys(const nlohmann::ordered_json& line) {
  std::vector<std::string> keys;
  for (const auto& item : line.items()) {
    keys.push_back(item.key());
  }
  return keys;
}

TEST_CASE("a line is one JSON object with time, level, component, event first and msg last", "[log]") {
  Capture capture;
  Info("gateway", "message.accepted").Msg("accepted {} of {}", 1, 2);
  const std::string text = capture.Text();
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  const nlohmann::ordered_json line = capture.Only();
  CHECK(Keys(line) == std::vector<std::string>{"time", "level", "component", "event", "msg"});
  CHECK(
      std::regex_match(line["time"].get<std::string>(), std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
  CHECK(line["level"] == "info");
  CHECK(line["component"] == "gateway");
  CHECK(line["event"] == "message.accepted");
  CHECK(line["msg"] == "accepted 1 of 2");
}

TEST_CASE("identifiers go under their keys in a fixed order, then the fields in call order", "[log]") {
  Capture capture;
  Warn("gateway", "message.refused")
      .Field("listener", "127.0.0.1:7790")
      .Code(ErrorCode::kAccessDenied)
      .Operator("duty")
      .Field("attempts", 3)
      .Organisation("SOCPROT-BARNAUL")
      .MessageId("0190b2c4-7f00-7000-8000-000000000001")
      .Field("bytes", uint64_t{18446744073709551615U})
      .Field("offset", -5)
      .Field("sealed", false)
      .Field("seconds", 1.5)
      .Msg("refused");
  const nlohmann::ordered_json line = capture.Only();
  CHECK(Keys(line) == std::vector<std::string>{"time", "level", "component", "event", "message_id", "organisation",
                                               "operator", "code", "listener", "attempts", "bytes", "offset", "sealed",
                                               "seconds", "msg"});
  CHECK(line["level"] == "warn");
  CHECK(line["message_id"] == "0190b2c4-7f00-7000-8000-000000000001");
  CHECK(line["organisation"] == "SOCPROT-BARNAUL");
  CHECK(line["operator"] == "duty");
  CHECK(line["code"] == "ACCESS_DENIED");
  CHECK(line["listener"] == "127.0.0.1:7790");
  CHECK(line["attempts"] == 3);
  CHECK(line["bytes"].get<uint64_t>() == 18446744073709551615U);
  CHECK(line["offset"] == -5);
  CHECK(line["sealed"] == false);
  CHECK(line["seconds"] == 1.5);
}

TEST_CASE("quotes, backslashes, new lines and control characters are escaped", "[log]") {
  Capture capture;
  const std::string nasty = "say \"hi\"\\\nnext line\r\tand\x01\x1f end";
  Error("daemon", "test.escaping").Code(nasty).Field("path", nasty).Msg("{}", nasty);
  const std::vector<std::string> lines = capture.Lines();
  REQUIRE(lines.size() == 1);  // the new line inside did not split the line
  CHECK(lines[0].find('\r') == std::string::npos);
  CHECK(lines[0].find('\t') == std::string::npos);
  CHECK(lines[0].find('\x01') == std::string::npos);
  CHECK(lines[0].find("\\u0001") != std::string::npos);
  const nlohmann::ordered_json line = capture.Only();
  CHECK(line["msg"] == nasty);
  CHECK(line["code"] == nasty);
  CHECK(line["path"] == nasty);
}

TEST_CASE("invalid UTF-8 is replaced and the line stays valid JSON", "[log]") {
  Capture capture;
  const std::string broken = "before \xff\xfe\xc3 after";
  Info("soap", "test.utf8").Field("address", broken).Msg("{} and Барнаул", broken);
  const nlohmann::ordered_json line = capture.Only();
  CHECK(line["msg"] == "before \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD after and Барнаул");
  CHECK(line["address"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);
}

TEST_CASE("a line below the level is not written, and costs no formatting", "[log]") {
  Capture capture("info");
  CHECK_FALSE(Enabled(Level::kDebug));
  CHECK(Enabled(Level::kInfo));
  formatted = 0;
  Debug("store", "test.hidden").MessageId("id").Field("n", 1).Msg("hidden {}", Counted{});
  CHECK(formatted == 0);
  CHECK(capture.Text().empty());
  Trace("store", "test.hidden").Msg("hidden");
  CHECK(capture.Text().empty());
  Info("store", "test.shown").Msg("shown");
  Critical("store", "test.shown").Msg("shown");
  const std::vector<std::string> lines = capture.Lines();
  REQUIRE(lines.size() == 2);
  CHECK(nlohmann::json::parse(lines[1])["level"] == "critical");
  Info("store", "test.shown").Msg("shown {}", Counted{});
  CHECK(formatted == 1);
}

TEST_CASE("each configurable level lets through itself and above", "[log]") {
  for (const auto& [name, lowest] : std::vector<std::pair<std::string, Level>>{{"trace", Level::kTrace},
                                                                               {"debug", Level::kDebug},
                                                                               {"info", Level::kInfo},
                                                                               {"warn", Level::kWarn},
                                                                               {"error", Level::kError}}) {
    Capture at(name);
    for (Level level : {Level::kTrace, Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kCritical}) {
      CHECK(Enabled(level) == (level >= lowest));
    }
  }
}

TEST_CASE("a line without Msg is written when it goes out of scope, once", "[log]") {
  Capture capture;
  {
    Line line = Info("daemon", "test.scoped");
    line.Organisation("ZAGS-BARNAUL");
    line.Field("count", 2);
  }
  const nlohmann::ordered_json line = capture.Only();
  CHECK(line["organisation"] == "ZAGS-BARNAUL");
  CHECK(line["msg"].get<std::string>().empty());

  Capture again;
  {
    Line twice = Info("daemon", "test.twice");
    twice.Msg("first");
    twice.Msg("second");
  }
  CHECK(again.Only()["msg"] == "first");
}

TEST_CASE("Configure refuses an unknown level and keeps the one it had", "[log]") {
  Capture capture("warn");
  const Status refused = Configure("verbose");
  CHECK(refused.code() == ErrorCode::kInvalidArgument);
  CHECK_FALSE(Enabled(Level::kInfo));
  CHECK(Enabled(Level::kWarn));
}

TEST_CASE("lines from many threads never interleave", "[log]") {
  Capture capture;
  constexpr int kThreads = 8;
  constexpr int kLinesEach = 200;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesEach; ++i) {
        Info("grpc", "test.concurrent").Field("thread", t).Field("i", i).Msg("{}", std::string(300, 'a' + t));
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const std::vector<std::string> lines = capture.Lines();
  REQUIRE(lines.size() == static_cast<size_t>(kThreads) * kLinesEach);
  for (const std::string& text : lines) {
    const nlohmann::json line = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    REQUIRE(line.is_object());
    CHECK(line["msg"] == std::string(300, static_cast<char>('a' + line["thread"].get<int>())));
  }
}

TEST_CASE("Configure without a stream writes to stderr", "[log]") {
  char path[] = "/tmp/mezhved-log-test-XXXXXX";
  const int file = mkstemp(path);
  REQUIRE(file >= 0);
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  REQUIRE(dup2(file, STDERR_FILENO) == STDERR_FILENO);
  REQUIRE(Configure("debug").ok());
  Debug("daemon", "test.stderr").Msg("to stderr");
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  REQUIRE(Configure("info").ok());
  std::string text(4096, '\0');
  const ssize_t read_bytes = pread(file, text.data(), text.size(), 0);
  close(file);
  unlink(path);
  REQUIRE(read_bytes > 0);
  text.resize(static_cast<size_t>(read_bytes));
  const nlohmann::json line = nlohmann::json::parse(text);
  CHECK(line["event"] == "test.stderr");
  CHECK(line["level"] == "debug");
}

}  // namespace
}  // namespace mezhved::log
