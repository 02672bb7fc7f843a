// The real mezhvedd binary as a child process of an integration test: written config, fresh ready file, output
// appended to a log, addresses read back from the ready file. Errors throw std::runtime_error (test code), with the
// tail of the daemon's log when the daemon is the reason.
//
// The child gets PR_SET_PDEATHSIG(SIGKILL), so a crashed test leaves no daemon behind. Linux ties that signal to the
// thread that forked: call Start() and Restart() from the test's own thread, not from a short-lived helper thread.
//
// With MEZHVED_TEST_LOG_DIR in the environment (CTest sets it for every test), the destructor copies the daemon's
// whole log there under a name of its own, whether the daemon stopped, was killed or never got ready, so that
// tests/logs can check every log line of a test run (no citizen's data, nothing but JSON lines).
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mezhved::testing {

class DaemonProcess {
 public:
  // Writes config_text to work_dir/mezhved.textproto (relative paths in it, like store.data_dir, resolve against
  // work_dir). extra_args go after the arguments DaemonProcess passes itself (--config, --ready-file).
  DaemonProcess(std::filesystem::path binary, std::filesystem::path work_dir, const std::string& config_text,
                std::vector<std::string> extra_args = {});
  ~DaemonProcess();  // stops a running daemon, then copies its log to $MEZHVED_TEST_LOG_DIR if that is set
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Starts the daemon and waits, up to 20 s, until it has written its ready file. Throws when it exits first or
  // never gets ready (then it is killed), or when it is running already.
  void Start();
  // SIGTERM, then waits up to 20 s for the exit (and SIGKILLs after that). Returns the exit status the way a shell
  // shows it: the exit code, or 128 + signal number when a signal ended it. Returns -1 when it was not running.
  int Stop();
  // SIGKILL and reap: a crash, for recovery tests.
  void Kill();
  enum class Ports { kFresh, kSame };
  // Stop() then Start(). With kSame the daemon is told to listen on the addresses it had (overriding port 0 in the
  // config), so clients can reconnect to the same address; with kFresh the config decides again. `stopped` runs
  // in between, while no daemon runs (e.g. a restore of its store).
  void Restart(Ports ports = Ports::kFresh, const std::function<void()>& stopped = {});

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // "127.0.0.1:PORT" from the ready file of the last start.
  const std::string& agency_address() const { return agency_address_; }
  const std::string& operator_address() const { return operator_address_; }
  const std::string& soap_address() const { return soap_address_; }  // empty when the config has no soap_api
  // Empty when the config has no operator_console.
  const std::string& console_address() const { return console_address_; }
  const std::filesystem::path& work_dir() const { return work_dir_; }
  std::filesystem::path log_file() const { return work_dir_ / "daemon.log"; }
  // Everything the daemon has written to stdout and stderr, across restarts.
  std::string LogText() const;
  // The "msg" of each JSON line of the log, unescaped, one per line (multi-line messages stay whole); a line that
  // is not JSON as it is. For checking what the daemon said rather than how the log encodes it.
  std::string LogMessages() const;

 private:
  std::vector<std::string> Arguments() const;
  void Spawn(const std::vector<std::string>& arguments);
  void WaitUntilReady();
  bool ReadReadyFile();
  [[noreturn]] void FailWithLog(const std::string& what) const;
  void KeepLog() const;

  std::filesystem::path binary_;
  std::filesystem::path work_dir_;
  std::vector<std::string> extra_args_;
  std::vector<std::string> listen_args_;  // set by Restart(Ports::kSame)
  pid_t pid_ = -1;
  std::string agency_address_;
  std::string operator_address_;
  std::string soap_address_;
  std::string console_address_;
};

// A finished command: its shell-style exit status (128 + signal when a signal ended it) and what it printed.
struct CommandResult {
  int exit_status = -1;
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with the arguments argv[1...] to completion, capturing its stdout and stderr, for tests of
// the command-line tools. A program that cannot be executed exits 127. Throws when it runs longer than timeout
// (then it is killed).
CommandResult RunCommand(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(60'000));

// The last lines of a text, for error messages.
std::string LastLines(std::string_view text, size_t max_lines);

// Channels to a daemon under test. TlsChannel checks the server certificate against ca (TestPki's certificate
// holds IP:127.0.0.1 and DNS:localhost) and presents cert/key as the client identity; server_name overrides the
// name checked, empty keeps the address's host.
std::shared_ptr<grpc::Channel> InsecureChannel(const std::string& address);
std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address, const std::filesystem::path& ca,
                                          const std::filesystem::path& cert, const std::filesystem::path& key,
                                          const std::string& server_name = "");

// A failed call's stable code ("mezhved-error-code", ErrorDetail) is read with mezhved::ctl::DecodeRpcError from
// tools/mezhvedctl/grpc_client.h, as mezhvedctl reads it.
//
// Prepares a call in the insecure loopback mode: names the caller's organisation ("x-mezhved-organisation") or
// operator ("x-mezhved-operator"), and sets a deadline so a hung daemon fails the test instead of stalling it.
// The organisation or operator name may be empty: then no header is sent (TLS, or an anonymous-caller test).
constexpr std::chrono::milliseconds kDefaultCallTimeout{10'000};
void PrepareAgencyCall(grpc::ClientContext& context, const std::string& organisation,
                       std::chrono::milliseconds timeout = kDefaultCallTimeout);
void PrepareOperatorCall(grpc::ClientContext& context, const std::string& operator_name,
                         std::chrono::milliseconds timeout = kDefaultCallTimeout);

}  // namespace mezhved::testing
