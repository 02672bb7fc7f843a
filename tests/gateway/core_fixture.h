// The core against the real RocksDB store in a temporary directory, with a manual clock: leases, long polls and
// deadlines are driven by moving the clock, never by sleeping. Shared by the core's tests.
#pragma once

#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "gateway/gateway.h"
#include "store/rocksdb_store.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"

namespace mezhved::gateway::test_fixture {

inline constexpr UnixMillis kStart = 1'795'500'000'000;  // 2026-11-24

template <typename T>
StatusOr<T> Await(const std::function<void(Done<T>)>& call) {
  auto promise = std::make_shared<std::promise<StatusOr<T>>>();
  std::future<StatusOr<T>> future = promise->get_future();
  call([promise](StatusOr<T> result) { promise->set_value(std::move(result)); });
  REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return future.get();
}

class CoreFixture {
 public:
  // `adjust` changes the test region's config before the rules are built from it.
  // With `sealer` (and `seal_verifier`, for VerifySeal), the gateway seals what it accepts.
  explicit CoreFixture(const std::function<void(config::v1::GatewayConfig&)>& adjust = {},
                       std::shared_ptr<const seal::Sealer> sealer = nullptr,
                       std::shared_ptr<const seal::SignatureVerifier> seal_verifier = nullptr)
      : clock_(kStart) {
    OpenStore();
    config::v1::GatewayConfig config = testing::SmallRegionConfig(data_dir());
    if (adjust) {
      adjust(config);
    }
    participants_ = std::make_shared<const ParticipantRegistry>(ParticipantRegistry::FromConfig(config));
    settings_.lease_ms = 30000;
    settings_.max_attempts = 3;
    settings_.max_wait_ms = 60000;
    settings_.limits.max_payload_bytes = 8192;
    settings_.xml_limits.max_bytes = 8192;
    auto types = InformationTypeRegistry::Load(std::string(MEZHVED_SOURCE_DIR) + "/schemas/catalog.textproto");
    REQUIRE(types.ok());
    auto production_calendar =
        calendar::ProductionCalendar::Load(std::string(MEZHVED_SOURCE_DIR) + "/calendars/federal", {});
    REQUIRE(production_calendar.ok());
    rules_.participants = participants_;
    rules_.agreements = std::make_shared<const AgreementRegistry>(config, *participants_);
    rules_.information_types = std::move(*types);
    rules_.calendar = std::make_shared<const calendar::ProductionCalendar>(std::move(*production_calendar));
    rules_.sealer = std::move(sealer);
    rules_.seal_verifier = std::move(seal_verifier);
    metrics_ = std::make_unique<metrics::Registry>();
    gateway_ = std::make_unique<Gateway>(settings_, rules_, *store_, clock_, metrics_.get());
  }

  std::string data_dir() const { return (dir_ / "data").string(); }

  // Closes the gateway and the store; `between` runs while both are closed; then both open again on the same data.
  void Reopen(const std::function<void(const std::string& data_dir)>& between = {}) {
    gateway_.reset();
    store_.reset();
    if (between) {
      between(data_dir());
    }
    OpenStore();
    metrics_ = std::make_unique<metrics::Registry>();  // counters start again, like the daemon's
    gateway_ = std::make_unique<Gateway>(settings_, rules_, *store_, clock_, metrics_.get());
  }

  void OpenStore() {
    store::RocksDbStoreOptions options;
    options.data_dir = data_dir();
    auto opened = store::RocksDbStore::Open(options);
    REQUIRE(opened.ok());
    store_ = std::move(*opened);
  }

  StatusOr<v1::SendResult> Send(const std::string& from, const std::string& to, const std::string& key) {
    return Await<v1::SendResult>(
        [&](Done<v1::SendResult> done) { gateway_->SendRequest(from, key, testing::ValidRequest(from, to), done); });
  }
  StatusOr<v1::SendResult> Respond(const std::string& from, v1::ResponseEnvelope response, const std::string& key) {
    return Await<v1::SendResult>(
        [&](Done<v1::SendResult> done) { gateway_->SendResponse(from, key, std::move(response), done); });
  }
  std::vector<v1::Message> Receive(const std::string& caller, uint32_t max = 10) {
    v1::ReceiveRequest request;
    request.set_max_messages(max);
    auto received = Await<v1::ReceiveResponse>(
        [&](Done<v1::ReceiveResponse> done) { gateway_->Receive(caller, request, nullptr, done); });
    REQUIRE(received.ok());
    return {received->messages().begin(), received->messages().end()};
  }
  std::vector<v1::AckOutcome> Ack(const std::string& caller, const std::vector<std::string>& ids) {
    v1::AckRequest request;
    for (const std::string& id : ids) request.add_message_ids(id);
    auto acked = Await<v1::AckResponse>([&](Done<v1::AckResponse> done) { gateway_->Ack(caller, request, done); });
    REQUIRE(acked.ok());
    std::vector<v1::AckOutcome> outcomes;
    for (const auto& result : acked->results()) outcomes.push_back(result.outcome());
    return outcomes;
  }
  // Housekeeping's store work is asynchronous; the store applies mutations in order, so once a later mutation
  // (a lease on an empty queue) has answered, the sweep is committed.
  void Housekeep() {
    gateway_->RunHousekeeping();
    REQUIRE(Receive("HEALTH-MIN").empty());
  }
  v1::QueueSummary QueueOf(const std::string& recipient) {
    const v1::ListQueuesResponse queues = gateway_->ListQueues();
    for (const v1::QueueSummary& queue : queues.queues()) {
      if (queue.recipient_code() == recipient) return queue;
    }
    FAIL("no queue for " << recipient);
    return {};
  }
  // A sample's value in a scrape of the gateway's metrics, e.g. Metric("mezhved_x_total{kind=\"request\"}"); 0 when
  // the scrape does not hold it (a counter that has not moved).
  double Metric(const std::string& series) const {
    const std::string text = metrics_->Render();
    const std::string key = "\n" + series + " ";
    const size_t at = text.find(key);
    return at == std::string::npos ? 0 : std::stod(text.substr(at + key.size()));
  }

  std::vector<v1::MessageState> History(const std::string& caller, const std::string& id) {
    auto status = gateway_->GetStatus(caller, id);
    REQUIRE(status.ok());
    std::vector<v1::MessageState> states;
    for (const auto& event : status->history()) states.push_back(event.state());
    return states;
  }

  testing::TempDir dir_;
  ManualClock clock_;
  GatewaySettings settings_;
  Rules rules_;
  std::unique_ptr<store::RocksDbStore> store_;
  std::shared_ptr<const ParticipantRegistry> participants_;
  std::unique_ptr<metrics::Registry> metrics_;  // outlives the gateway that registers with it
  std::unique_ptr<Gateway> gateway_;
};

}  // namespace mezhved::gateway::test_fixture
