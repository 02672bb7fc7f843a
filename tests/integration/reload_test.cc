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
#include "tests/support/test_pki.h"

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

// The SHA-256 fingerprint of the certificate the server at `address` shows a new TLS connection.
std::string ServerFingerprint(const std::string& address, const TestPki& pki, const CertFiles& client) {
  const CommandResult result =
      RunCommand({"/bin/sh", "-c",
                  "openssl s_client -connect '" + address + "' -cert '" + client.cert.string() + "' -key '" +
                      client.key.string() + "' -CAfile '" + pki.ca_file().string() +
                      "' </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"},
                 std::chrono::milliseconds(10'000));
  REQUIRE(result.exit_status == 0);
  REQUIRE_THAT(result.out, Catch::StartsWith("sha256 Fingerprint=") || Catch::StartsWith("SHA256 Fingerprint="));
  return result.out;
}

TEST_CASE("a renewed server certificate is used by new connections, and open ones go on",
          "[integration][reload][tls]") {
  TempDir dir;
  TestPki pki(dir / "pki");
  const CertFiles server = pki.IssueServer();
  const ServerTlsFiles files{server.cert.string(), server.key.string(), pki.ca_file().string()};
  DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", SmallRegionConfigText("data", &files));
  daemon.Start();
  const CertFiles client = pki.IssueClient(kZags);
  const std::string agency_before = ServerFingerprint(daemon.agency_address(), pki, client);
  const std::string soap_before = ServerFingerprint(daemon.soap_address(), pki, client);
  const std::string console_before = ServerFingerprint(daemon.console_address(), pki, client);
  AgencyClient zags(TlsChannel(daemon.agency_address(), pki.ca_file(), client.cert, client.key), kZags);
  std::vector<v1::Message> got;
  REQUIRE(zags.Receive(1, 0, 0, &got).ok());

  // The certificate is renewed in place, as a renewal job does, and the daemon told.
  const CertFiles renewed = pki.IssueServer();
  for (const auto& [from, to] : {std::pair{renewed.key, server.key}, std::pair{renewed.cert, server.cert}}) {
    fs::copy_file(from, to.string() + ".new");
    fs::rename(to.string() + ".new", to);  // whole files only, as renewal tools write them
  }
  Reload(daemon, SmallRegionConfigText("data", &files), "tls.reloaded");
  CHECK_THAT(daemon.LogText(), Catch::Contains("operator_console TLS files read again") &&
                                   Catch::Contains("soap_api TLS files read again"));
  CHECK(ServerFingerprint(daemon.soap_address(), pki, client) != soap_before);
  CHECK(ServerFingerprint(daemon.console_address(), pki, client) != console_before);
  CHECK(zags.Receive(1, 0, 0, &got).ok());  // the connection made before goes on
  // The gRPC listeners watch their files: within their few seconds, new connections get the new certificate.
  std::string agency_after = agency_before;
  for (int i = 0; i < 40 && agency_after == agency_before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    agency_after = ServerFingerprint(daemon.agency_address(), pki, client);
  }
  CHECK(agency_after != agency_before);
  CHECK(zags.Receive(1, 0, 0, &got).ok());
  CHECK(daemon.Stop() == 0);
}

}  // namespace
}  // namespace mezhved::testing
