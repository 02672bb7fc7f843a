// Crash safety: the daemon is killed with SIGKILL while clients send, receive and acknowledge, and restarted on
// the same data directory. Every send it acknowledged must be delivered, and nothing acknowledged by its
// recipient may be delivered again.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/agency_client.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"

namespace mezhved::testing {
namespace {

constexpr int kSenders = 4;
constexpr int kPerSender = 400;
constexpr int kKillAfterAcknowledged = 600;

// Receives and acknowledges everything waiting for `organisation` until the queue stays empty.
std::vector<std::string> Drain(const std::string& address, const std::string& organisation) {
  AgencyClient client(InsecureChannel(address), organisation);
  std::vector<std::string> received;
  for (int empty_polls = 0; empty_polls < 2;) {
    std::vector<v1::Message> batch;
    REQUIRE(client.Receive(100, 300, 60000, &batch).ok());
    if (batch.empty()) {
      ++empty_polls;
      continue;
    }
    std::vector<std::string> ids;
    for (const v1::Message& message : batch) ids.push_back(message.message_id());
    v1::AckResponse acked;
    REQUIRE(client.Ack(ids, &acked).ok());
    received.insert(received.end(), ids.begin(), ids.end());
  }
  return received;
}

TEST_CASE("no acknowledged send is lost and no acknowledged message returns after SIGKILL", "[integration][crash]") {
  TempDir dir;
  DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", SmallRegionConfigText("data"));
  daemon.Start();

  std::mutex mutex;
  std::set<std::string> acknowledged_sends;
  std::atomic<int> acknowledged_count{0};
  std::vector<std::thread> senders;
  const std::string address = daemon.agency_address();
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      AgencyClient client(InsecureChannel(address), kSocialDept);
      for (int i = 0; i < kPerSender; ++i) {
        v1::SendResult sent;
        const std::string key = "crash-" + std::to_string(s) + "-" + std::to_string(i);
        if (!client.SendRequest(key, ValidRequest(kSocialDept, kZags), &sent).ok()) {
          return;  // the daemon is gone
        }
        std::lock_guard lock(mutex);
        acknowledged_sends.insert(sent.message_id());
        ++acknowledged_count;
      }
    });
  }
  while (acknowledged_count.load() < kKillAfterAcknowledged) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  daemon.Kill();  // mid-stream: senders are still sending
  for (std::thread& sender : senders) sender.join();
  REQUIRE(acknowledged_sends.size() >= static_cast<size_t>(kKillAfterAcknowledged));
  REQUIRE(acknowledged_sends.size() < static_cast<size_t>(kSenders * kPerSender));

  // Restart, receive half and acknowledge it, crash again.
  daemon.Start();
  AgencyClient zags(InsecureChannel(daemon.agency_address()), kZags);
  std::set<std::string> acknowledged_receipts;
  while (acknowledged_receipts.size() < acknowledged_sends.size() / 2) {
    std::vector<v1::Message> batch;
    REQUIRE(zags.Receive(50, 1000, 60000, &batch).ok());
    REQUIRE_FALSE(batch.empty());
    std::vector<std::string> ids;
    for (const v1::Message& message : batch) ids.push_back(message.message_id());
    v1::AckResponse acked;
    REQUIRE(zags.Ack(ids, &acked).ok());
    acknowledged_receipts.insert(ids.begin(), ids.end());
  }
  daemon.Kill();

  daemon.Start();
  std::vector<std::string> rest = Drain(daemon.agency_address(), kZags);
  std::set<std::string> delivered(acknowledged_receipts);
  for (const std::string& id : rest) {
    CHECK(acknowledged_receipts.count(id) == 0);  // acknowledged before the crash: never again
    CHECK(delivered.insert(id).second);           // and nothing twice in one pass
  }
  for (const std::string& id : acknowledged_sends) {
    CHECK(delivered.count(id) == 1);  // every acknowledged send arrived
  }
  // Sends in flight at the kill may or may not have been stored; nothing else can appear.
  CHECK(delivered.size() <= acknowledged_sends.size() + kSenders);

  daemon.Restart();
  CHECK(Drain(daemon.agency_address(), kZags).empty());
}

}  // namespace
}  // namespace mezhved::testing
