// The real mezhvedd for the tests of mezhvedctl and mezhved_bench as binaries: SmallRegionConfigText in a fresh
// directory, started with DaemonProcess on loopback ports, in the insecure loopback mode or with mutual TLS and
// TestPki certificates. It also makes the direct gRPC calls a test needs to set the scene and to check what the
// tools did: sending requests, receiving and answering them as an organisation, and the operator's view of a message
// or queue. Errors throw std::runtime_error (test code).
//
// The daemon reads the system clock, or with a SimulatedClock a clock file (mezhvedd --clock-file) that the test
// moves, so that answer deadlines days ahead are reached without waiting (the daemon's housekeeper fires the
// deadline timers on its next pass).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

#include "mezhved/v1/gateway.grpc.pb.h"
#include "mezhved/v1/operator.grpc.pb.h"
#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace mezhved::testing {

class GatewayUnderTest {
 public:
  enum class Mode { kInsecure, kMutualTls };
  // The daemon's time starts at `start`, runs at the real pace and jumps with SetClock and AdvanceClock.
  struct SimulatedClock {
    UnixMillis start = 0;
  };

  // Writes the config (and, with kMutualTls, the PKI) into a new temporary directory and starts the daemon.
  explicit GatewayUnderTest(Mode mode = Mode::kInsecure);
  GatewayUnderTest(Mode mode, SimulatedClock clock);
  ~GatewayUnderTest();
  GatewayUnderTest(const GatewayUnderTest&) = delete;
  GatewayUnderTest& operator=(const GatewayUnderTest&) = delete;

  DaemonProcess& daemon() { return *daemon_; }
  const std::string& agency_address() const { return daemon_->agency_address(); }
  const std::string& soap_address() const { return daemon_->soap_address(); }
  const std::string& operator_address() const { return daemon_->operator_address(); }
  const std::string& console_address() const { return daemon_->console_address(); }
  bool tls() const { return pki_ != nullptr; }

  // With a SimulatedClock: the time last set, from which the daemon's time runs on at the real pace, and moving it
  // (returns once the daemon has the new time). Throw without one.
  UnixMillis Now() const;
  void SetClock(UnixMillis now);
  void AdvanceClock(int64_t ms) { SetClock(Now() + ms); }

  // kMutualTls only. A client certificate of the test CA with subject CN `cn`, issued on first use.
  TestPki& pki();
  const CertFiles& Client(const std::string& cn);

  // Agency calls as `organisation`: the naming header, or with TLS the certificate whose CN is the code.
  // Sends ValidRequest(from, to) with the idempotency key and returns the new message id.
  std::string Send(const std::string& from, const std::string& to, const std::string& idempotency_key);
  // One Receive call (lease_ms 0: the configured 30 s).
  std::vector<v1::Message> Receive(const std::string& organisation, uint32_t max_messages, uint32_t wait_ms,
                                   uint32_t lease_ms = 0);

  // Sends DataResponse(request_id, responder), or with a refusal reason a refusal, and returns the response's id.
  // The request must have been received (leased) by the responder.
  std::string Respond(const std::string& responder, const std::string& request_id, const std::string& idempotency_key,
                      v1::RefusalReason refusal = v1::REFUSAL_REASON_UNSPECIFIED);

  // Operator calls as "duty" (the header, or the "operator-duty" certificate).
  v1::MessageStatus GetMessage(const std::string& message_id);
  // The recipient's row of ListQueues, or nothing when the gateway lists no queue for it.
  std::optional<v1::QueueSummary> Queue(const std::string& recipient_code);
  // Polls GetMessage until the message is in `state`; false when `timeout` passes first.
  bool WaitForState(const std::string& message_id, v1::MessageState state,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(5'000));
  // The same for the request's deadline status (the housekeeper fires the timers after a clock move).
  bool WaitForDeadlineStatus(const std::string& message_id, v1::DeadlineStatus status,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(5'000));
  // GetReport as the supervisor "petrov", for comparing mezhvedctl's output with the gateway's own export.
  v1::GetReportResponse GetReport(const std::string& period, v1::ReportFormat format);

  // Makes dead letters for real: receives the recipient's queue with 150 ms leases, never acknowledging, until each
  // of `message_ids` has been delivered max_attempts (3) times, then waits until the housekeeper has dead-lettered
  // them all. Throws when that takes longer than ~10 s.
  void DeadLetter(const std::string& recipient_code, const std::vector<std::string>& message_ids);

 private:
  GatewayUnderTest(Mode mode, std::optional<SimulatedClock> clock);
  std::shared_ptr<grpc::Channel> AgencyChannel(const std::string& organisation);
  // As operator `name`: with TLS the certificate whose CN is "operator-<name>" (SmallRegionConfigText).
  std::shared_ptr<grpc::Channel> OperatorChannel(const std::string& name);
  // The naming header's value in the insecure mode; "" (no header) with TLS.
  std::string HeaderName(const std::string& name) const { return tls() ? "" : name; }

  TempDir dir_;
  std::filesystem::path clock_file_;  // empty: the system clock
  std::unique_ptr<TestPki> pki_;
  std::map<std::string, CertFiles> clients_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> agency_channels_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> operator_channels_;  // by operator name
  std::unique_ptr<DaemonProcess> daemon_;
};

}  // namespace mezhved::testing
