#include "tests/support/daemon_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tools/mezhvedctl/grpc_client.h"

namespace mezhved::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kPollInterval{20};
constexpr milliseconds kReadyTimeout{20'000};
constexpr milliseconds kStopTimeout{20'000};
constexpr size_t kLogLinesInErrors = 40;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in.is_open()) {
    text << in.rdbuf();
  }
  return text.str();
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) {
    throw std::runtime_error("DaemonProcess: cannot write " + path.string());
  }
}

// The exit status as a shell shows it.
int ShellStatus(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  if (WIFSIGNALED(wait_status)) {
    return 128 + WTERMSIG(wait_status);
  }
  return -1;
}

std::string DescribeExitStatus(int exit_status) {
  if (exit_status > 128) {
    return std::string("killed by signal ") + strsignal(exit_status - 128);
  }
  return "exit status " + std::to_string(exit_status);
}

// Closes a descriptor when it goes out of scope.
class OwnedFd {
 public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() { close(fd_); }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Runs in the forked child, so only async-signal-safe calls: restore what exec does not reset, wire stdout and
// stderr, and die with the test process.
[[noreturn]] void ExecChild(char* const* argv, int stdout_fd, int stderr_fd, pid_t test_pid) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != test_pid) {
    _exit(127);  // the test process died before prctl took effect
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
  }
  dup2(stdout_fd, STDOUT_FILENO);
  dup2(stderr_fd, STDERR_FILENO);
  close_range(3, ~0U, 0);  // the test's sockets and files are not the daemon's business
  execv(argv[0], argv);
  constexpr char kExecFailed[] = "DaemonProcess: exec failed\n";
  ssize_t ignored = write(STDERR_FILENO, kExecFailed, sizeof(kExecFailed) - 1);
  (void)ignored;
  _exit(127);
}

// Forks and execs arguments[0] with its output on the given descriptors; throws when fork fails.
pid_t SpawnChild(const std::vector<std::string>& arguments, int stdout_fd, int stderr_fd) {
  // Everything that allocates happens before fork: the child of a multi-threaded process (gRPC has threads) may
  // only make async-signal-safe calls until exec.
  std::vector<char*> argv;
  argv.reserve(arguments.size() + 1);
  for (const std::string& argument : arguments) {
    argv.push_back(const_cast<char*>(argument.c_str()));
  }
  argv.push_back(nullptr);
  pid_t test_pid = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    ExecChild(argv.data(), stdout_fd, stderr_fd, test_pid);
  }
  if (pid < 0) {
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  }
  return pid;
}

// Waits up to timeout for the child to exit. Returns its shell-style exit status (-1 when someone else reaped it),
// or nothing when it still runs at the deadline.
std::optional<int> WaitForExit(pid_t pid, milliseconds timeout) {
  steady_clock::time_point deadline = steady_clock::now() + timeout;
  while (true) {
    int wait_status = 0;
    pid_t reaped = waitpid(pid, &wait_status, WNOHANG);
    if (reaped == pid) {
      return ShellStatus(wait_status);
    }
    if (reaped == -1 && errno == ECHILD) {
      return -1;
    }
    if (steady_clock::now() > deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void KillAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {
  }
}

// An anonymous file for a command's output, read back when it has finished.
int AnonymousFile() {
  int fd = open(std::filesystem::temp_directory_path().c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error(std::string("cannot create a temporary file: ") + std::strerror(errno));
  }
  return fd;
}

std::string ReadAll(int fd) {
  std::string text;
  std::array<char, 65536> buffer{};
  lseek(fd, 0, SEEK_SET);
  ssize_t count = 0;
  while ((count = read(fd, buffer.data(), buffer.size())) > 0) {
    text.append(buffer.data(), static_cast<size_t>(count));
  }
  return text;
}

std::shared_ptr<grpc::Channel> ChannelOrThrow(const ctl::ChannelOptions& options) {
  StatusOr<std::shared_ptr<grpc::Channel>> channel = ctl::MakeChannel(options);
  if (!channel.ok()) {
    throw std::runtime_error(channel.status().ToString());
  }
  return *channel;
}

void PrepareCall(grpc::ClientContext& context, const char* header, const std::string& caller, milliseconds timeout) {
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  if (!caller.empty()) {
    context.AddMetadata(header, caller);
  }
}

}  // namespace

DaemonProcess::DaemonProcess(std::filesystem::path binary, std::filesystem::path work_dir,
                             const std::string& config_text, std::vector<std::string> extra_args)
    : binary_(std::move(binary)), work_dir_(std::move(work_dir)), extra_args_(std::move(extra_args)) {
  std::filesystem::create_directories(work_dir_);
  WriteFile(work_dir_ / "mezhved.textproto", config_text);
}

DaemonProcess::~DaemonProcess() {
  if (running()) {
    Stop();
  }
  KeepLog();
}

void DaemonProcess::KeepLog() const {
  const char* directory = std::getenv("MEZHVED_TEST_LOG_DIR");
  std::error_code error;
  if (directory == nullptr || *directory == '\0' || !std::filesystem::exists(log_file(), error)) {
    return;
  }
  // The temporary directory's name, the test process and a count: unique across the parallel tests of a run.
  static std::atomic<int> kept{0};
  const std::string name = work_dir_.parent_path().filename().string() + "-" + work_dir_.filename().string() + "-" +
                           std::to_string(getpid()) + "-" + std::to_string(++kept) + ".log";
  std::filesystem::create_directories(directory, error);
  std::filesystem::copy_file(log_file(), std::filesystem::path(directory) / name,
                             std::filesystem::copy_options::overwrite_existing, error);
}

void DaemonProcess::Start() {
  if (running()) {
    throw std::runtime_error("DaemonProcess: already running as pid " + std::to_string(pid_));
  }
  std::filesystem::remove(work_dir_ / "ready.json");
  agency_address_.clear();
  operator_address_.clear();
  Spawn(Arguments());
  WaitUntilReady();
}

int DaemonProcess::Stop() {
  if (!running()) {
    return -1;
  }
  kill(pid_, SIGTERM);
  std::optional<int> exit_status = WaitForExit(pid_, kStopTimeout);
  if (!exit_status) {
    Kill();
    return 128 + SIGKILL;
  }
  pid_ = -1;
  return *exit_status;
}

void DaemonProcess::Kill() {
  if (!running()) {
    return;
  }
  KillAndReap(pid_);
  pid_ = -1;
}

void DaemonProcess::Restart(Ports ports, const std::function<void()>& stopped) {
  std::string agency = agency_address_;
  std::string operator_api = operator_address_;
  std::string soap = soap_address_;
  std::string console = console_address_;
  Stop();
  if (stopped) {
    stopped();
  }
  listen_args_.clear();
  if (ports == Ports::kSame) {
    if (agency.empty() || operator_api.empty()) {
      throw std::runtime_error("DaemonProcess: Restart(kSame) before a successful start");
    }
    listen_args_ = {"--agency-listen", agency, "--operator-listen", operator_api};
    if (!soap.empty()) {
      listen_args_.insert(listen_args_.end(), {"--soap-listen", soap});
    }
    if (!console.empty()) {
      listen_args_.insert(listen_args_.end(), {"--console-listen", console});
    }
  }
  Start();
}

std::string DaemonProcess::LogText() const { return ReadFile(log_file()); }

std::string DaemonProcess::LogMessages() const {
  std::istringstream lines(LogText());
  std::string messages;
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object() && parsed.contains("msg") && parsed["msg"].is_string()) {
      messages += parsed["msg"].get<std::string>();
    } else {
      messages += line;
    }
    messages += "\n";
  }
  return messages;
}

std::vector<std::string> DaemonProcess::Arguments() const {
  std::vector<std::string> arguments = {binary_.string(), "--config", (work_dir_ / "mezhved.textproto").string(),
                                        "--ready-file", (work_dir_ / "ready.json").string()};
  arguments.insert(arguments.end(), extra_args_.begin(), extra_args_.end());
  arguments.insert(arguments.end(), listen_args_.begin(), listen_args_.end());
  return arguments;
}

void DaemonProcess::Spawn(const std::vector<std::string>& arguments) {
  int log_fd = open(log_file().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw std::runtime_error("DaemonProcess: cannot open " + log_file().string() + ": " + std::strerror(errno));
  }
  OwnedFd log(log_fd);
  pid_ = SpawnChild(arguments, log.get(), log.get());
}

void DaemonProcess::WaitUntilReady() {
  steady_clock::time_point deadline = steady_clock::now() + kReadyTimeout;
  while (true) {
    if (std::optional<int> exit_status = WaitForExit(pid_, milliseconds(0))) {
      pid_ = -1;
      FailWithLog(binary_.filename().string() + " exited before it was ready (" + DescribeExitStatus(*exit_status) +
                  ")");
    }
    if (ReadReadyFile()) {
      return;
    }
    if (steady_clock::now() > deadline) {
      Kill();
      FailWithLog(binary_.filename().string() + " did not write its ready file within 20 s");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

bool DaemonProcess::ReadReadyFile() {
  std::filesystem::path ready_file = work_dir_ / "ready.json";
  if (!std::filesystem::exists(ready_file)) {
    return false;
  }
  // The daemon renames a complete file into place, so what is there is final: a bad file is a daemon bug.
  std::string text = ReadFile(ready_file);
  nlohmann::json ready = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!ready.is_object() || !ready.value("agency_address", nlohmann::json()).is_string() ||
      !ready.value("operator_address", nlohmann::json()).is_string()) {
    Kill();
    FailWithLog("malformed ready file: " + text);
  }
  agency_address_ = ready["agency_address"].get<std::string>();
  operator_address_ = ready["operator_address"].get<std::string>();
  soap_address_ = ready.value("soap_address", std::string());
  console_address_ = ready.value("console_address", std::string());
  return true;
}

void DaemonProcess::FailWithLog(const std::string& what) const {
  throw std::runtime_error("DaemonProcess: " + what + "\n--- last lines of " + log_file().string() + " ---\n" +
                           LastLines(LogText(), kLogLinesInErrors));
}

CommandResult RunCommand(const std::vector<std::string>& argv, milliseconds timeout) {
  OwnedFd out(AnonymousFile());
  OwnedFd err(AnonymousFile());
  pid_t pid = SpawnChild(argv, out.get(), err.get());
  std::optional<int> exit_status = WaitForExit(pid, timeout);
  if (!exit_status) {
    KillAndReap(pid);
    throw std::runtime_error("RunCommand: " + argv.front() + " ran longer than " + std::to_string(timeout.count()) +
                             " ms; its stderr:\n" + ReadAll(err.get()));
  }
  return {*exit_status, ReadAll(out.get()), ReadAll(err.get())};
}

std::string LastLines(std::string_view text, size_t max_lines) {
  size_t start = text.size();
  // A trailing newline does not start another line.
  size_t search_end = !text.empty() && text.back() == '\n' ? text.size() - 1 : text.size();
  for (size_t lines = 0; lines < max_lines; ++lines) {
    size_t newline = search_end == 0 ? std::string_view::npos : text.rfind('\n', search_end - 1);
    if (newline == std::string_view::npos) {
      return std::string(text);
    }
    start = newline + 1;
    search_end = newline;
  }
  return std::string(text.substr(start));
}

std::shared_ptr<grpc::Channel> InsecureChannel(const std::string& address) {
  ctl::ChannelOptions options;
  options.address = address;
  return ChannelOrThrow(options);
}

std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address, const std::filesystem::path& ca,
                                          const std::filesystem::path& cert, const std::filesystem::path& key,
                                          const std::string& server_name) {
  ctl::ChannelOptions options;
  options.address = address;
  options.tls = ctl::TlsFiles{ca, cert, key, server_name};
  return ChannelOrThrow(options);
}

void PrepareAgencyCall(grpc::ClientContext& context, const std::string& organisation, milliseconds timeout) {
  PrepareCall(context, ctl::kOrganisationHeader, organisation, timeout);
}

void PrepareOperatorCall(grpc::ClientContext& context, const std::string& operator_name, milliseconds timeout) {
  PrepareCall(context, ctl::kOperatorHeader, operator_name, timeout);
}

}  // namespace mezhved::testing
