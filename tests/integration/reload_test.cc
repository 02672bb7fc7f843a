// SIGHUP on the real daemon (docs/OPERATIONS.md, "Keys and certificates"): the agreements and the production calendars
// of the config file, read again, apply from the next request, on connections that stay open; a config that does not
// load changes nothing. The sealing key's rotation on the same signal is seal_rotation_test.cc's.
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/integration/agency_client.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"

namespace mezhved::testing {
namespace {

namespace fs = std::filesystem;

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// Writes the config, sends SIGHUP and waits until the daemon's log has said `event` once more than before.
void Reload(DaemonProcess& daemon, const std::string& config, const std::string& event) {
  const auto count = [&daemon, &event] {
    const std::string log = daemon.LogText();
    size_t seen = 0;
    for (size_t at = log.find(event); at != std::string::npos; at = log.find(event, at + 1)) {
      ++seen;
    }
    return seen;
  };
  const size_t before = count();
  std::ofstream(daemon.work_dir() / "mezhved.textproto", std::ios::trunc) << config;
  REQUIRE(::kill(daemon.pid(), SIGHUP) == 0);
  for (int i = 0; i < 200 && count() == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  REQUIRE(count() > before);
}

std::string SendCode(AgencyClient& client, const std::string& to, int& sequence) {
  v1::SendResult result;
  return client.SendRequest("reload-" + std::to_string(++sequence), ValidRequest(kSocialDept, to), &result).error_code;
}

TEST_CASE("SIGHUP applies the re-read agreements and calendars without a restart", "[integration][reload]") {
  TempDir dir;
  const std::string config = SmallRegionConfigText("data");
  DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", config);
  daemon.Start();
  const pid_t pid = daemon.pid();
  AgencyClient social(InsecureChannel(daemon.agency_address()), kSocialDept);  // one connection throughout
  int sequence = 0;
  REQUIRE(SendCode(social, kHospital, sequence).empty());
  REQUIRE(SendCode(social, kZags, sequence).empty());

  // The agreement no longer names the health agency as an addressee.
  const std::string narrower = Replaced(config, "      addressees: \"HEALTH\"\n", "");
  Reload(daemon, narrower, "reload.applied");
  CHECK(SendCode(social, kHospital, sequence) == "ACCESS_DENIED");
  CHECK(SendCode(social, kZags, sequence).empty());
  CHECK_THAT(daemon.LogText(), Catch::Contains("1 changed"));

  // A calendar directory with no year the deadlines need: refused, never guessed.
  const fs::path calendars = dir / "calendars-2025";
  fs::create_directories(calendars);
  fs::copy_file(fs::path(MEZHVED_SOURCE_DIR) / "calendars/federal/2025.textproto", calendars / "2025.textproto");
  const std::string old_calendar =
      Replaced(narrower, std::string(MEZHVED_SOURCE_DIR) + "/calendars/federal", calendars.string());
  Reload(daemon, old_calendar, "reload.applied");
  CHECK(SendCode(social, kZags, sequence) == "NO_CALENDAR");

  // A config that does not load changes nothing: the rules of the last reload stay.
  Reload(daemon, old_calendar + "\nno_such_field: 1\n", "reload.failed");
  CHECK(SendCode(social, kZags, sequence) == "NO_CALENDAR");
  Reload(daemon, config, "reload.applied");
  CHECK(SendCode(social, kZags, sequence).empty());
  CHECK(SendCode(social, kHospital, sequence).empty());

  CHECK(daemon.pid() == pid);  // the same process all along
  CHECK(daemon.Stop() == 0);
}

}  // namespace
}  // namespace mezhved::testing
