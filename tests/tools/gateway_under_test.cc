#include "tests/tools/gateway_under_test.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <thread>

#include "tests/support/envelopes.h"
#include "tools/mezhvedctl/grpc_client.h"

namespace mezhved::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr char kOperator[] = "duty";      // an operator: views and requeues
constexpr char kSupervisor[] = "petrov";  // reports
constexpr uint32_t kMaxAttempts = 3;      // delivery.max_attempts of SmallRegionConfigText
constexpr uint32_t kShortLeaseMs = 150;
constexpr milliseconds kPollInterval{20};
constexpr milliseconds kDeadLetterTimeout{10'000};

[[noreturn]] void Fail(const std::string& what, const grpc::Status& status, const grpc::ClientContext& context) {
  ctl::RpcError error = ctl::DecodeRpcError(status, context.GetServerTrailingMetadata());
  throw std::runtime_error(what + " failed: " + error.detail.code() + ": " + error.detail.message());
}

// Polls `done` until it holds; false when `timeout` passes first.
template <typename Predicate>
bool PollUntil(Predicate done, milliseconds timeout) {
  steady_clock::time_point deadline = steady_clock::now() + timeout;
  while (!done()) {
    if (steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

}  // namespace

GatewayUnderTest::GatewayUnderTest(Mode mode) : GatewayUnderTest(mode, std::optional<SimulatedClock>()) {}

GatewayUnderTest::GatewayUnderTest(Mode mode, SimulatedClock clock)
    : GatewayUnderTest(mode, std::optional<SimulatedClock>(clock)) {}

GatewayUnderTest::GatewayUnderTest(Mode mode, std::optional<SimulatedClock> clock) {
  std::vector<std::string> extra_args;
  if (clock) {
    clock_file_ = dir_ / "clock";
    SetClock(clock->start);
    extra_args = {"--clock-file", clock_file_.string()};
  }
  std::string config;
  if (mode == Mode::kMutualTls) {
    pki_ = std::make_unique<TestPki>(dir_ / "pki");
    CertFiles server = pki_->IssueServer();
    ServerTlsFiles files{server.cert.string(), server.key.string(), pki_->ca_file().string()};
    config = SmallRegionConfigText("data", &files);
  } else {
    config = SmallRegionConfigText("data");
  }
  daemon_ = std::make_unique<DaemonProcess>(MEZHVED_DAEMON_PATH, dir_ / "daemon", config, std::move(extra_args));
  daemon_->Start();
}

GatewayUnderTest::~GatewayUnderTest() = default;

UnixMillis GatewayUnderTest::Now() const {
  if (clock_file_.empty()) {
    throw std::runtime_error("GatewayUnderTest: the daemon reads the system clock");
  }
  std::ifstream in(clock_file_);
  UnixMillis now = 0;
  if (!(in >> now)) {
    throw std::runtime_error("GatewayUnderTest: cannot read " + clock_file_.string());
  }
  return now;
}

void GatewayUnderTest::SetClock(UnixMillis now) {
  if (clock_file_.empty()) {
    throw std::runtime_error("GatewayUnderTest: the daemon reads the system clock");
  }
  // Replaced in one rename, so the daemon never reads half a number.
  const std::filesystem::path staged = clock_file_.string() + ".new";
  {
    std::ofstream out(staged, std::ios::trunc);
    out << now << "\n";
    if (!out.flush()) {
      throw std::runtime_error("GatewayUnderTest: cannot write " + staged.string());
    }
  }
  std::filesystem::rename(staged, clock_file_);
  // The daemon reads the file again at most every FileClock::kRereadMs: from now on it has the new time.
  std::this_thread::sleep_for(milliseconds(3 * FileClock::kRereadMs));
}

TestPki& GatewayUnderTest::pki() {
  if (!pki_) {
    throw std::runtime_error("GatewayUnderTest: no PKI in the insecure mode");
  }
  return *pki_;
}

const CertFiles& GatewayUnderTest::Client(const std::string& cn) {
  auto found = clients_.find(cn);
  if (found == clients_.end()) {
    found = clients_.emplace(cn, pki().IssueClient(cn)).first;
  }
  return found->second;
}

std::shared_ptr<grpc::Channel> GatewayUnderTest::AgencyChannel(const std::string& organisation) {
  std::shared_ptr<grpc::Channel>& channel = agency_channels_[tls() ? organisation : ""];
  if (!channel) {
    if (tls()) {
      const CertFiles& cert = Client(organisation);
      channel = TlsChannel(agency_address(), pki_->ca_file(), cert.cert, cert.key);
    } else {
      channel = InsecureChannel(agency_address());
    }
  }
  return channel;
}

std::shared_ptr<grpc::Channel> GatewayUnderTest::OperatorChannel(const std::string& name) {
  std::shared_ptr<grpc::Channel>& channel = operator_channels_[tls() ? name : ""];
  if (!channel) {
    if (tls()) {
      const CertFiles& cert = Client("operator-" + name);
      channel = TlsChannel(operator_address(), pki_->ca_file(), cert.cert, cert.key);
    } else {
      channel = InsecureChannel(operator_address());
    }
  }
  return channel;
}

std::string GatewayUnderTest::Send(const std::string& from, const std::string& to, const std::string& idempotency_key) {
  auto stub = v1::AgencyGateway::NewStub(AgencyChannel(from));
  v1::SendRequestRequest request;
  request.set_idempotency_key(idempotency_key);
  *request.mutable_request() = ValidRequest(from, to);
  v1::SendResult result;
  grpc::ClientContext context;
  PrepareAgencyCall(context, HeaderName(from));
  grpc::Status status = stub->SendRequest(&context, request, &result);
  if (!status.ok()) {
    Fail("SendRequest from " + from + " to " + to, status, context);
  }
  return result.message_id();
}

std::string GatewayUnderTest::Respond(const std::string& responder, const std::string& request_id,
                                      const std::string& idempotency_key, v1::RefusalReason refusal) {
  auto stub = v1::AgencyGateway::NewStub(AgencyChannel(responder));
  v1::SendResponseRequest request;
  request.set_idempotency_key(idempotency_key);
  *request.mutable_response() = DataResponse(request_id, responder);
  if (refusal != v1::REFUSAL_REASON_UNSPECIFIED) {
    request.mutable_response()->mutable_refusal()->set_reason(refusal);
    request.mutable_response()->mutable_refusal()->set_explanation("сведения в организации не хранятся");
  }
  v1::SendResult result;
  grpc::ClientContext context;
  PrepareAgencyCall(context, HeaderName(responder));
  grpc::Status status = stub->SendResponse(&context, request, &result);
  if (!status.ok()) {
    Fail("SendResponse from " + responder + " to " + request_id, status, context);
  }
  return result.message_id();
}

std::vector<v1::Message> GatewayUnderTest::Receive(const std::string& organisation, uint32_t max_messages,
                                                   uint32_t wait_ms, uint32_t lease_ms) {
  auto stub = v1::AgencyGateway::NewStub(AgencyChannel(organisation));
  v1::ReceiveRequest request;
  request.set_max_messages(max_messages);
  request.set_wait_ms(wait_ms);
  request.set_lease_ms(lease_ms);
  v1::ReceiveResponse response;
  grpc::ClientContext context;
  PrepareAgencyCall(context, HeaderName(organisation), kDefaultCallTimeout + milliseconds(wait_ms));
  grpc::Status status = stub->Receive(&context, request, &response);
  if (!status.ok()) {
    Fail("Receive as " + organisation, status, context);
  }
  return {response.messages().begin(), response.messages().end()};
}

v1::MessageStatus GatewayUnderTest::GetMessage(const std::string& message_id) {
  auto stub = v1::OperatorConsole::NewStub(OperatorChannel(kOperator));
  v1::GetMessageRequest request;
  request.set_message_id(message_id);
  v1::MessageStatus response;
  grpc::ClientContext context;
  PrepareOperatorCall(context, HeaderName(kOperator));
  grpc::Status status = stub->GetMessage(&context, request, &response);
  if (!status.ok()) {
    Fail("GetMessage " + message_id, status, context);
  }
  return response;
}

std::optional<v1::QueueSummary> GatewayUnderTest::Queue(const std::string& recipient_code) {
  auto stub = v1::OperatorConsole::NewStub(OperatorChannel(kOperator));
  v1::ListQueuesResponse response;
  grpc::ClientContext context;
  PrepareOperatorCall(context, HeaderName(kOperator));
  grpc::Status status = stub->ListQueues(&context, v1::ListQueuesRequest(), &response);
  if (!status.ok()) {
    Fail("ListQueues", status, context);
  }
  for (const v1::QueueSummary& queue : response.queues()) {
    if (queue.recipient_code() == recipient_code) {
      return queue;
    }
  }
  return std::nullopt;
}

bool GatewayUnderTest::WaitForState(const std::string& message_id, v1::MessageState state, milliseconds timeout) {
  return PollUntil([&] { return GetMessage(message_id).state() == state; }, timeout);
}

bool GatewayUnderTest::WaitForDeadlineStatus(const std::string& message_id, v1::DeadlineStatus status,
                                             milliseconds timeout) {
  return PollUntil([&] { return GetMessage(message_id).deadline_status() == status; }, timeout);
}

v1::GetReportResponse GatewayUnderTest::GetReport(const std::string& period, v1::ReportFormat format) {
  auto stub = v1::OperatorConsole::NewStub(OperatorChannel(kSupervisor));
  v1::GetReportRequest request;
  request.set_period(period);
  request.set_format(format);
  v1::GetReportResponse response;
  grpc::ClientContext context;
  PrepareOperatorCall(context, HeaderName(kSupervisor));
  grpc::Status status = stub->GetReport(&context, request, &response);
  if (!status.ok()) {
    Fail("GetReport " + period, status, context);
  }
  return response;
}

void GatewayUnderTest::DeadLetter(const std::string& recipient_code, const std::vector<std::string>& message_ids) {
  steady_clock::time_point deadline = steady_clock::now() + kDeadLetterTimeout;
  const std::set<std::string> wanted(message_ids.begin(), message_ids.end());
  std::set<std::string> exhausted;  // of those, delivered max_attempts times
  while (exhausted.size() < wanted.size()) {
    if (steady_clock::now() > deadline) {
      throw std::runtime_error("DeadLetter: " + std::to_string(exhausted.size()) + " of " +
                               std::to_string(wanted.size()) + " messages delivered " + std::to_string(kMaxAttempts) +
                               " times within 10 s");
    }
    // The long poll is answered as soon as the housekeeper ends the previous leases.
    for (const v1::Message& message : Receive(recipient_code, 100, 2'000, kShortLeaseMs)) {
      if (message.delivery_attempt() >= kMaxAttempts && wanted.contains(message.message_id())) {
        exhausted.insert(message.message_id());
      }
    }
  }
  for (const std::string& id : message_ids) {
    milliseconds left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    if (!WaitForState(id, v1::MESSAGE_STATE_DEAD_LETTERED, std::max(left, milliseconds(1'000)))) {
      throw std::runtime_error("DeadLetter: " + id + " is not DEAD_LETTERED but " +
                               v1::MessageState_Name(GetMessage(id).state()));
    }
  }
}

}  // namespace mezhved::testing
