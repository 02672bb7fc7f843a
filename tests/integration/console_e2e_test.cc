// The operators' console in a real browser against the real daemon: tests/console/e2e/e2e.mjs drives Debian's
// chromium with playwright-core from npm, while this test makes the agency traffic through the gRPC API when the
// script asks for it. The script writes a line "@@mezhved {json command}" to its stdout and waits for one JSON line
// on its stdin; everything else it prints is its log. Screenshots of every page go to
// ${CMAKE_BINARY_DIR}/test-artifacts/console/.
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>
#include <utility>

#include "tests/integration/console_support.h"

namespace mezhved::testing {
namespace {

using Clock = std::chrono::steady_clock;

// A child process with its stdin and its stdout (stderr merged) on pipes, read a line at a time.
class LineProcess {
 public:
  explicit LineProcess(const std::vector<std::string>& argv, const std::filesystem::path& work_dir) {
    int in[2];
    int out[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    std::vector<char*> args;
    for (const std::string& arg : argv) {
      args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no browser driver behind
      if (getppid() != parent) {
        _exit(127);
      }
      dup2(in[0], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      dup2(out[1], STDERR_FILENO);
      setenv("NO_COLOR", "1", 1);  // plain text in the transcript
      setenv("FORCE_COLOR", "0", 1);
      if (chdir(work_dir.c_str()) != 0) {
        _exit(127);
      }
      execv(args[0], args.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~LineProcess() {
    if (stdin_ >= 0) close(stdin_);
    if (stdout_ >= 0) close(stdout_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  LineProcess(const LineProcess&) = delete;
  LineProcess& operator=(const LineProcess&) = delete;

  // The next line of output without its newline, or nullopt at the end of the output. Throws at the deadline.
  std::optional<std::string> ReadLine(Clock::time_point deadline) {
    while (true) {
      const size_t newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      if (eof_) {
        if (buffer_.empty()) {
          return std::nullopt;
        }
        return std::exchange(buffer_, "");
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        throw std::runtime_error("the browser test ran out of time");
      }
      pollfd readable{stdout_, POLLIN, 0};
      const int ready = poll(&readable, 1, static_cast<int>(std::min<long long>(left, 1000)));
      if (ready <= 0) {
        continue;
      }
      char chunk[4096];
      const ssize_t got = read(stdout_, chunk, sizeof chunk);
      if (got > 0) {
        buffer_.append(chunk, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        eof_ = true;
      }
    }
  }

  void WriteLine(const std::string& line) {
    const std::string text = line + "\n";
    size_t written = 0;
    while (written < text.size()) {
      const ssize_t n = write(stdin_, text.data() + written, text.size() - written);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      REQUIRE(n > 0);
      written += static_cast<size_t>(n);
    }
  }

  // The shell-style exit status, waiting at most until `deadline` (then the process is killed).
  int Wait(Clock::time_point deadline) {
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// The traffic the browser script asks for, made through the agency gRPC API:
//   {"command": "send", "count": N}                  N requests SOCPROT-BARNAUL -> ZAGS-BARNAUL; answers their ids
//   {"command": "receive", "max": N, "ack": true}    ZAGS-BARNAUL leases up to N (30 s) and acknowledges them if asked
nlohmann::json Serve(const ConsoleDaemon& gateway, const nlohmann::json& command) {
  const std::string name = command.value("command", "");
  nlohmann::json reply = {{"ok", true}};
  if (name == "send") {
    AgencyClient social = gateway.As(kSocialDept);
    nlohmann::json ids = nlohmann::json::array();
    for (int i = 0; i < command.value("count", 1); ++i) {
      ids.push_back(SendValidRequest(social, kSocialDept, kZags));
    }
    reply["ids"] = ids;
  } else if (name == "receive") {
    AgencyClient zags = gateway.As(kZags);
    std::vector<v1::Message> got;
    const CallResult received = zags.Receive(command.value("max", 1), 2000, 30000, &got);
    REQUIRE(received.ok());
    nlohmann::json ids = nlohmann::json::array();
    std::vector<std::string> to_ack;
    for (const v1::Message& message : got) {
      ids.push_back(message.message_id());
      to_ack.push_back(message.message_id());
    }
    if (command.value("ack", false) && !to_ack.empty()) {
      v1::AckResponse acked;
      REQUIRE(zags.Ack(to_ack, &acked).ok());
    }
    reply["ids"] = ids;
  } else {
    reply = {{"ok", false}, {"error", "unknown command " + name}};
  }
  return reply;
}

}  // namespace

TEST_CASE("the console's pages in Debian's chromium, driven by playwright-core, against the real daemon",
          "[integration][console][e2e]") {
  const std::string node = MEZHVED_NODE_PATH;
  const std::string chromium = MEZHVED_CHROMIUM_PATH;
  const std::filesystem::path script_dir = std::filesystem::path(MEZHVED_SOURCE_DIR) / "tests/console/e2e";
  INFO("needs node and Debian's chromium (tools/install-deps.sh) and `npm ci` in " << script_dir
                                                                                   << " (tools/run-tests.sh runs it)");
  REQUIRE_FALSE(node.empty());
  REQUIRE_FALSE(chromium.empty());
  REQUIRE(std::filesystem::exists(script_dir / "node_modules/playwright-core/package.json"));

  const auto started = Clock::now();
  ConsoleDaemon gateway(ConsoleDaemon::Mode::kTls);
  // What the pages must have to show before the browser starts: a dead letter (HEALTH-CRH-1's, whose queue is
  // otherwise empty), a refusal at the door, and a request ZAGS-BARNAUL answered (a figure for the report).
  const std::string dead_letter = MakeDeadLetter(gateway, kSocialDept, kHospital);
  AgencyClient social = gateway.As(kSocialDept);
  v1::SendResult refused;
  REQUIRE(social.SendRequest("e2e-refused", ValidRequest(kSocialDept, kSocialDept2), &refused).error_code ==
          "ACCESS_DENIED");
  const std::string answered = SendValidRequest(social, kSocialDept, kZags);
  AgencyClient zags = gateway.As(kZags);
  std::vector<v1::Message> got;
  REQUIRE(zags.Receive(1, 2000, 30000, &got).ok());
  REQUIRE(got.size() == 1);
  v1::SendResult answer;
  REQUIRE(zags.SendResponse("e2e-answer", DataResponse(answered, kZags), &answer).ok());

  const std::filesystem::path artifacts = MEZHVED_CONSOLE_ARTIFACTS_DIR;
  std::filesystem::create_directories(artifacts);
  for (const auto& entry : std::filesystem::directory_iterator(artifacts)) {
    if (entry.path().extension() == ".png") {
      std::filesystem::remove(entry.path());  // only this run's screenshots
    }
  }
  std::cout << "console screenshots: " << artifacts.string() << std::endl;
  const CertFiles& duty = gateway.Certificate("operator-duty");
  const std::vector<std::string> command = {node,
                                            (script_dir / "e2e.mjs").string(),
                                            "--url",
                                            gateway.console_url(),
                                            "--out",
                                            artifacts.string(),
                                            "--chromium",
                                            chromium,
                                            "--period",
                                            CurrentQuarter(),
                                            "--dead-letter",
                                            dead_letter,
                                            "--dead-letter-org",
                                            kHospital,
                                            "--duty-cert",
                                            duty.cert.string(),
                                            "--duty-key",
                                            duty.key.string()};
  LineProcess script(command, script_dir);
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  std::string transcript;
  std::string served;
  try {
    while (std::optional<std::string> line = script.ReadLine(deadline)) {
      constexpr std::string_view kCommand = "@@mezhved ";
      if (line->rfind(kCommand, 0) == 0) {
        const nlohmann::json asked = nlohmann::json::parse(line->substr(kCommand.size()));
        const nlohmann::json reply = Serve(gateway, asked);
        served += asked.dump() + " -> " + reply.dump() + "\n";
        script.WriteLine(reply.dump());
        continue;
      }
      transcript += *line + "\n";
    }
  } catch (const std::exception& error) {
    transcript += std::string("[test] ") + error.what() + "\n";
  }
  const int exit_status = script.Wait(deadline + std::chrono::seconds(5));
  std::ofstream(artifacts / "e2e.log", std::ios::binary) << transcript << "\n[traffic]\n" << served;
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::cout << "console e2e: " << seconds << " s (daemon start, traffic and browser)" << std::endl;
  INFO("the script's output:\n" << transcript);
  INFO("traffic served:\n" << served);
  CHECK(exit_status == 0);
  CHECK(transcript.find("all console scenarios passed") != std::string::npos);
  for (const char* page : {"sign-in", "overview", "queue", "message-masked", "message-revealed", "dead-letters",
                           "refusals", "overdue", "reports", "audit", "admin"}) {
    INFO("screenshot " << page);
    bool found = false;
    for (const auto& entry : std::filesystem::directory_iterator(artifacts)) {
      const std::string file = entry.path().filename().string();
      found = found || (file.find(std::string("-") + page + ".png") != std::string::npos &&
                        std::filesystem::file_size(entry.path()) > 1000);
    }
    CHECK(found);
  }
}

}  // namespace mezhved::testing
