// Key rotation without a restart: SIGHUP makes the running daemon seal with the key now in the files the config
// names, while what the earlier key sealed still verifies; a key that cannot be loaded changes nothing.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/integration/agency_client.h"
#include "tests/seal/seal_pki.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"

namespace mezhved::testing {
namespace {

void InstallKey(const SealIdentity& identity, const std::filesystem::path& work_dir) {
  std::filesystem::copy_file(identity.key, work_dir / "seal.key", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(identity.certificate, work_dir / "seal.pem",
                             std::filesystem::copy_options::overwrite_existing);
}

// SIGHUP, then waits until the daemon has logged the outcome `expected` one more time.
void Reload(DaemonProcess& daemon, const std::string& expected) {
  auto count = [&] {
    const std::string log = daemon.LogText();
    size_t n = 0;
    for (size_t at = log.find(expected); at != std::string::npos; at = log.find(expected, at + 1)) ++n;
    return n;
  };
  const size_t before = count();
  REQUIRE(kill(daemon.pid(), SIGHUP) == 0);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (count() == before && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(count() == before + 1);
}

std::string Send(DaemonProcess& daemon, const std::string& key) {
  AgencyClient client(InsecureChannel(daemon.agency_address()), kSocialDept);
  v1::SendResult sent;
  REQUIRE(client.SendRequest(key, ValidRequest(kSocialDept, kZags), &sent).ok());
  return sent.message_id();
}

CommandResult Verify(const DaemonProcess& daemon, const std::string& id) {
  return RunCommand({MEZHVED_CTL_PATH, "--server", daemon.operator_address(), "--insecure", "--operator", "duty",
                     "message", "verify", id});
}

TEST_CASE("SIGHUP rotates the sealing key: earlier seals still verify", "[integration][seal]") {
  TempDir dir;
  SealPki pki(dir / "pki", seal::Algorithm::kEcdsaP256Sha256);
  const std::filesystem::path work_dir = dir / "daemon";
  std::filesystem::create_directories(work_dir);
  InstallKey(pki.Issue("gateway-2026", seal::Algorithm::kEcdsaP256Sha256), work_dir);
  DaemonProcess daemon(MEZHVED_DAEMON_PATH, work_dir,
                       SmallRegionConfigText("data") +
                           "seal { algorithm: \"ecdsa-p256-sha256\" private_key_file: \"seal.key\" "
                           "certificate_file: \"seal.pem\" }\n");
  daemon.Start();
  const std::string before = Send(daemon, "before");

  InstallKey(pki.Issue("gateway-2027", seal::Algorithm::kEcdsaP256Sha256), work_dir);
  Reload(daemon, "sealing key rotated");
  const std::string after = Send(daemon, "after");

  const CommandResult old_seal = Verify(daemon, before);
  INFO(old_seal.out << old_seal.err);
  CHECK(old_seal.exit_status == 0);
  CHECK(old_seal.out.find("VALID") != std::string::npos);
  CHECK(old_seal.out.find("/CN=gateway-2026") != std::string::npos);
  const CommandResult new_seal = Verify(daemon, after);
  CHECK(new_seal.exit_status == 0);
  CHECK(new_seal.out.find("/CN=gateway-2027") != std::string::npos);

  // A broken key file is refused and the current key stays.
  std::filesystem::resize_file(work_dir / "seal.key", 10);
  Reload(daemon, "the sealing key is kept");
  const std::string kept = Send(daemon, "kept");
  CHECK(Verify(daemon, kept).out.find("/CN=gateway-2027") != std::string::npos);
  CHECK(daemon.Stop() == 0);
}

}  // namespace
}  // namespace mezhved::testing
