// mezhvedd as a Type=notify service (deploy/systemd/mezhved.service): with NOTIFY_SOCKET set, as systemd sets it,
// the daemon says READY=1 only once it serves, RELOADING=1 then READY=1 around a SIGHUP, and STOPPING=1 when it
// stops. The test plays systemd's part with a datagram socket of its own.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "tests/integration/agency_client.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"

namespace mezhved::testing {
namespace {

// systemd's end of the notification socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path.string().size() < sizeof address.sun_path);
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::setenv("NOTIFY_SOCKET", path.c_str(), 1) == 0);  // the daemon inherits it, as from systemd
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // The next notification, or "" when none comes within `timeout`.
  std::string Next(std::chrono::milliseconds timeout = std::chrono::milliseconds(20'000)) {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1) {
      return "";
    }
    char buffer[4096];
    const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    return got > 0 ? std::string(buffer, static_cast<size_t>(got)) : "";
  }
  // Notifications until one holds `line` (as a whole line); that one, or "" if none comes.
  std::string NextWith(const std::string& line) {
    for (std::string message = Next(); !message.empty(); message = Next()) {
      if (("\n" + message + "\n").find("\n" + line + "\n") != std::string::npos) {
        return message;
      }
    }
    return "";
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

TEST_CASE("mezhvedd tells systemd it is ready only once it serves, and when it reloads and stops",
          "[integration][systemd]") {
  TempDir dir;
  NotifySocket systemd(dir / "notify.sock");
  DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", SmallRegionConfigText("data"));
  daemon.Start();

  const std::string ready = systemd.NextWith("READY=1");
  REQUIRE_FALSE(ready.empty());
  CHECK_THAT(ready, Catch::Contains("STATUS=serving: agency API on " + daemon.agency_address()));
  // When it said so, it answered: the agency API takes calls.
  AgencyClient zags(InsecureChannel(daemon.agency_address()), kZags);
  std::vector<v1::Message> got;
  CHECK(zags.Receive(1, 0, 0, &got).ok());

  // SIGHUP (systemctl reload): reloading, then ready again.
  REQUIRE(::kill(daemon.pid(), SIGHUP) == 0);
  const std::string reloading = systemd.NextWith("RELOADING=1");
  CHECK_THAT(reloading, Catch::Contains("MONOTONIC_USEC="));
  CHECK_FALSE(systemd.NextWith("READY=1").empty());
  CHECK(zags.Receive(1, 0, 0, &got).ok());

  CHECK(daemon.Stop() == 0);
  CHECK_FALSE(systemd.NextWith("STOPPING=1").empty());
}

}  // namespace
}  // namespace mezhved::testing
