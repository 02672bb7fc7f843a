// The real mezhvedd, started as a process on loopback ports with a PKI generated for the test, driven by real
// gRPC clients and the real mezhvedctl.
#include <sys/wait.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "tests/integration/agency_client.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace mezhved::testing {
namespace {

struct Cli {
  int exit_code = -1;
  std::string output;
};

Cli RunCli(const std::string& arguments) {
  Cli cli;
  const std::string command = std::string(MEZHVED_CTL_PATH) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    cli.output.append(buffer, read);
  }
  const int status = pclose(pipe);
  cli.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return cli;
}

class TlsDaemon {
 public:
  TlsDaemon() : pki_(dir_ / "pki") {
    CertFiles server = pki_.IssueServer();
    ServerTlsFiles tls{server.cert.string(), server.key.string(), pki_.ca_file().string()};
    for (const char* org : {kSocialDept, kZags, kHospital}) {
      clients_[org] = pki_.IssueClient(org);
    }
    operator_ = pki_.IssueClient("operator-duty");
    daemon_ =
        std::make_unique<DaemonProcess>(MEZHVED_DAEMON_PATH, dir_ / "daemon", SmallRegionConfigText("data", &tls));
    daemon_->Start();
  }

  // Debian's stock xmlsec1 verifies the gateway's seal on a received message against the test CA.
  bool SealVerifiesWithStockXmlsec(const v1::Message& message) const {
    const std::filesystem::path file = dir_ / ("sealed-" + message.message_id() + ".xml");
    std::ofstream(file, std::ios::binary) << message.sealed_xml();
    const CommandResult verified = RunCommand({"/usr/bin/xmlsec1", "--verify", "--trusted-pem", pki_.ca_file().string(),
                                               "--enabled-reference-uris", "empty", file.string()});
    INFO(verified.err);
    return verified.exit_status == 0;
  }

  std::shared_ptr<grpc::Channel> ChannelAs(const CertFiles& cert) const {
    return TlsChannel(daemon_->agency_address(), pki_.ca_file(), cert.cert, cert.key);
  }
  AgencyClient As(const std::string& organisation) { return AgencyClient(ChannelAs(clients_.at(organisation)), ""); }
  OperatorClient Operator() const {
    return OperatorClient(TlsChannel(daemon_->operator_address(), pki_.ca_file(), operator_.cert, operator_.key), "");
  }
  std::string CtlArgs() const {
    return "--server " + daemon_->operator_address() + " --ca " + pki_.ca_file().string() + " --cert " +
           operator_.cert.string() + " --key " + operator_.key.string();
  }
  std::string Send(AgencyClient& client, const std::string& from, const std::string& to, const std::string& key) {
    v1::SendResult sent;
    CallResult result = client.SendRequest(key, ValidRequest(from, to), &sent);
    REQUIRE(result.ok());
    return sent.message_id();
  }

  TempDir dir_;
  TestPki pki_;
  std::map<std::string, CertFiles> clients_;
  CertFiles operator_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_CASE_METHOD(TlsDaemon, "request, receive, ack, response and its receipt over mutual TLS", "[integration]") {
  AgencyClient social = As(kSocialDept);
  AgencyClient zags = As(kZags);
  const std::string request_id = Send(social, kSocialDept, kZags, "req-1");

  std::vector<v1::Message> inbox;
  REQUIRE(zags.Receive(10, 2000, 0, &inbox).ok());
  REQUIRE(inbox.size() == 1);
  CHECK(inbox[0].message_id() == request_id);
  CHECK(inbox[0].request().citizen().last_name() == "Иванова");
  CHECK(inbox[0].request().addressee_name() == "Отдел ЗАГС г. Барнаула");
  // Sealed by the gateway before it was stored; anyone with the gateway's CA can check it (docs/SIGNATURES.md).
  REQUIRE_FALSE(inbox[0].sealed_xml().empty());
  CHECK(inbox[0].sealed_xml().find("<m:MessageId>" + request_id + "</m:MessageId>") != std::string::npos);
  CHECK(SealVerifiesWithStockXmlsec(inbox[0]));
  v1::AckResponse acked;
  REQUIRE(zags.Ack({request_id}, &acked).ok());
  CHECK(acked.results(0).outcome() == v1::ACK_OUTCOME_ACKNOWLEDGED);

  v1::SendResult answered;
  REQUIRE(zags.SendResponse("resp-1", DataResponse(request_id, kZags), &answered).ok());
  std::vector<v1::Message> replies;
  REQUIRE(social.Receive(10, 2000, 0, &replies).ok());
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].message_id() == answered.message_id());
  CHECK(replies[0].response().request_id() == request_id);
  CHECK(SealVerifiesWithStockXmlsec(replies[0]));
  REQUIRE(social.Ack({answered.message_id()}, &acked).ok());

  // Operators re-verify a stored seal, and all of them.
  Cli verified = RunCli(CtlArgs() + " message verify " + request_id);
  CHECK(verified.exit_code == 0);
  CHECK(verified.output.find(request_id + ": VALID") != std::string::npos);
  INFO(verified.output);
  CHECK(verified.output.find("sealed with ecdsa-p256-sha256 by /O=mezhved tests/CN=localhost") != std::string::npos);
  Cli scrub = RunCli(CtlArgs() + " scrub --page-size 1");
  CHECK(scrub.exit_code == 0);
  CHECK(scrub.output.find("2 messages checked: 2 seals valid, 0 unsealed, 0 failed") != std::string::npos);

  v1::MessageStatus status;
  REQUIRE(social.GetStatus(request_id, &status).ok());
  CHECK(status.state() == v1::MESSAGE_STATE_ANSWERED);
  std::vector<v1::MessageState> states;
  for (const auto& event : status.history()) states.push_back(event.state());
  CHECK(states == std::vector{v1::MESSAGE_STATE_ACCEPTED, v1::MESSAGE_STATE_DELIVERED, v1::MESSAGE_STATE_ACKNOWLEDGED,
                              v1::MESSAGE_STATE_ANSWERED});
}

TEST_CASE_METHOD(TlsDaemon, "a clarification request is answered with a supplement over gRPC", "[integration]") {
  AgencyClient social = As(kSocialDept);
  AgencyClient zags = As(kZags);
  const std::string request_id = Send(social, kSocialDept, kZags, "req-1");
  std::vector<v1::Message> inbox;
  REQUIRE(zags.Receive(10, 2000, 0, &inbox).ok());
  v1::ResponseEnvelope question = DataResponse(request_id, kZags);
  question.mutable_clarification()->set_question("Укажите прежнюю фамилию");
  v1::SendResult sent;
  REQUIRE(zags.SendResponse("clarify", question, &sent).ok());

  v1::SupplementEnvelope supplement;
  supplement.set_request_id(request_id);
  supplement.set_text("Прежняя фамилия: Теплякова");
  supplement.set_payload(ValidRequest(kSocialDept, kZags).payload());  // a corrected request document
  supplement.mutable_registration()->set_outgoing_number("01-12/3460");
  *supplement.mutable_registration()->mutable_sent_date() = ValidRequest(kSocialDept, kZags).registration().sent_date();
  supplement.mutable_preparer()->set_full_name("Петрова Анна Сергеевна");
  supplement.mutable_preparer()->set_position("главный специалист");
  supplement.mutable_preparer()->set_work_phone("+7 3852 000000");
  CHECK(zags.SendSupplement("s-0", supplement, &sent).error_code == "NOT_REQUESTER");
  REQUIRE(social.SendSupplement("s-1", supplement, &sent).ok());
  REQUIRE(zags.Receive(10, 2000, 0, &inbox).ok());
  REQUIRE(inbox.size() == 1);
  CHECK(inbox[0].supplement().request_id() == request_id);
  CHECK(inbox[0].supplement().text() == "Прежняя фамилия: Теплякова");
  supplement.set_payload("<NotTheType xmlns=\"urn:x\"/>");
  CHECK(social.SendSupplement("s-2", supplement, &sent).error_code == "SCHEMA_INVALID");
}

TEST_CASE_METHOD(TlsDaemon, "a message whose lease ends unacknowledged is delivered again", "[integration]") {
  AgencyClient social = As(kSocialDept);
  AgencyClient zags = As(kZags);
  const std::string id = Send(social, kSocialDept, kZags, "req-1");
  std::vector<v1::Message> first;
  REQUIRE(zags.Receive(1, 2000, 200, &first).ok());
  REQUIRE(first.size() == 1);
  CHECK(first[0].delivery_attempt() == 1);
  // The long poll is answered when the housekeeper ends the lease.
  std::vector<v1::Message> second;
  REQUIRE(zags.Receive(1, 5000, 200, &second).ok());
  REQUIRE(second.size() == 1);
  CHECK(second[0].message_id() == id);
  CHECK(second[0].delivery_attempt() == 2);
  v1::AckResponse acked;
  REQUIRE(zags.Ack({id}, &acked).ok());
  CHECK(acked.results(0).outcome() == v1::ACK_OUTCOME_ACKNOWLEDGED);
  std::vector<v1::Message> none;
  REQUIRE(zags.Receive(1, 400, 200, &none).ok());
  CHECK(none.empty());
}

TEST_CASE_METHOD(TlsDaemon, "exhausted messages are dead-lettered: mezhvedctl shows and requeues them",
                 "[integration][cli]") {
  AgencyClient social = As(kSocialDept);
  AgencyClient zags = As(kZags);
  const std::string id = Send(social, kSocialDept, kZags, "req-1");
  for (uint32_t attempt = 1; attempt <= 3; ++attempt) {  // the test config allows 3 deliveries
    std::vector<v1::Message> got;
    REQUIRE(zags.Receive(1, 5000, 150, &got).ok());
    REQUIRE(got.size() == 1);
    CHECK(got[0].delivery_attempt() == attempt);
  }
  REQUIRE(Operator().WaitForState(id, v1::MESSAGE_STATE_DEAD_LETTERED));

  Cli agreements = RunCli(CtlArgs() + " agreements");
  CHECK(agreements.exit_code == 0);
  CHECK_THAT(agreements.output, Catch::Contains("AGR-TEST-1"));
  CHECK_THAT(agreements.output, Catch::Contains("zags.civil-status-record"));

  Cli queues = RunCli(CtlArgs() + " queues");
  CHECK(queues.exit_code == 0);
  CHECK_THAT(queues.output, Catch::Contains(kZags));
  Cli dead = RunCli(CtlArgs() + " list " + kZags + " --dead-letters");
  CHECK(dead.exit_code == 0);
  CHECK_THAT(dead.output, Catch::Contains(id));
  Cli show = RunCli(CtlArgs() + " show " + id);
  CHECK(show.exit_code == 0);
  CHECK_THAT(show.output, Catch::Contains("DEAD_LETTERED"));
  CHECK_THAT(show.output, Catch::Contains("DELIVERED"));
  Cli requeue = RunCli(CtlArgs() + " requeue " + id);
  CHECK(requeue.exit_code == 0);

  std::vector<v1::Message> again;
  REQUIRE(zags.Receive(1, 2000, 0, &again).ok());
  REQUIRE(again.size() == 1);
  CHECK(again[0].message_id() == id);
  CHECK(again[0].delivery_attempt() == 1);
  Cli not_dead = RunCli(CtlArgs() + " requeue " + id);
  CHECK(not_dead.exit_code != 0);
  CHECK_THAT(not_dead.output, Catch::Contains("NOT_DEAD_LETTERED"));
}

TEST_CASE_METHOD(TlsDaemon, "resending with the same idempotency key returns the original id", "[integration]") {
  AgencyClient social = As(kSocialDept);
  v1::SendResult first;
  v1::SendResult second;
  REQUIRE(social.SendRequest("same-key", ValidRequest(kSocialDept, kZags), &first).ok());
  REQUIRE(social.SendRequest("same-key", ValidRequest(kSocialDept, kZags), &second).ok());
  CHECK(second.message_id() == first.message_id());
  CHECK(second.duplicate());
  AgencyClient zags = As(kZags);
  std::vector<v1::Message> inbox;
  REQUIRE(zags.Receive(10, 500, 0, &inbox).ok());
  CHECK(inbox.size() == 1);
}

TEST_CASE_METHOD(TlsDaemon, "a stranger's certificate is refused", "[integration][identity]") {
  // Issued by a CA the gateway does not trust: the TLS handshake fails.
  CertFiles stranger = pki_.IssueClient(kZags, /*from_stranger_ca=*/true);
  AgencyClient impostor(ChannelAs(stranger), "");
  std::vector<v1::Message> got;
  CallResult refused = impostor.Receive(1, 0, 0, &got);
  CHECK(refused.status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(got.empty());
  // Issued by the trusted CA but naming no organisation of the registry.
  CertFiles unknown = pki_.IssueClient("NOBODY");
  AgencyClient nobody(ChannelAs(unknown), "");
  CallResult unauthenticated = nobody.Receive(1, 0, 0, &got);
  CHECK(unauthenticated.status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(unauthenticated.error_code == "UNAUTHENTICATED");
  // An organisation's certificate does not open the operator API.
  OperatorClient not_operator(
      TlsChannel(daemon_->operator_address(), pki_.ca_file(), clients_.at(kZags).cert, clients_.at(kZags).key), "");
  v1::ListQueuesResponse queues;
  CHECK(not_operator.ListQueues(&queues).error_code == "UNAUTHENTICATED");
}

TEST_CASE_METHOD(TlsDaemon, "one agency can neither read another's queue nor answer its requests",
                 "[integration][identity]") {
  AgencyClient social = As(kSocialDept);
  AgencyClient hospital = As(kHospital);
  const std::string id = Send(social, kSocialDept, kZags, "req-1");

  std::vector<v1::Message> got;
  REQUIRE(hospital.Receive(10, 300, 0, &got).ok());
  CHECK(got.empty());
  v1::MessageStatus status;
  CHECK(hospital.GetStatus(id, &status).error_code == "NOT_FOUND");
  v1::AckResponse acked;
  REQUIRE(hospital.Ack({id}, &acked).ok());
  CHECK(acked.results(0).outcome() == v1::ACK_OUTCOME_NOT_FOUND);
  v1::SendResult answer;
  CHECK(hospital.SendResponse("r", DataResponse(id, kHospital), &answer).error_code == "NOT_FOUND");
  CHECK(social.SendResponse("r", DataResponse(id, kSocialDept), &answer).error_code == "NOT_ADDRESSEE");
  // Sending as another organisation.
  v1::SendResult forged;
  CallResult mismatch = hospital.SendRequest("f", ValidRequest(kSocialDept, kZags), &forged);
  CHECK(mismatch.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(mismatch.error_code == "SENDER_MISMATCH");
  // The addressee still has its message.
  AgencyClient zags = As(kZags);
  REQUIRE(zags.Receive(10, 2000, 0, &got).ok());
  CHECK(got.size() == 1);
}

TEST_CASE_METHOD(TlsDaemon, "invalid and oversized messages are refused with stable codes", "[integration]") {
  AgencyClient social = As(kSocialDept);
  v1::RequestEnvelope request = ValidRequest(kSocialDept, kZags);
  request.mutable_citizen()->set_snils("112-233-445 00");
  request.clear_registration();
  v1::SendResult sent;
  CallResult invalid = social.SendRequest("k1", request, &sent);
  CHECK(invalid.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(invalid.error_code == "INVALID_MESSAGE");
  REQUIRE(invalid.detail.violations_size() == 2);
  CHECK(invalid.detail.violations(0).field() == "request.citizen.snils");
  CHECK(invalid.detail.violations(0).code() == "MALFORMED");
  CHECK(invalid.detail.violations(1).field() == "request.registration");

  request = ValidRequest(kSocialDept, kZags);
  request.mutable_information_type()->set_id("mse.disability");  // no agreement lets SOCPROT ask ZAGS for it
  CallResult denied = social.SendRequest("k1b", request, &sent);
  CHECK(denied.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(denied.error_code == "ACCESS_DENIED");
  REQUIRE(denied.detail.violations_size() == 1);
  CHECK(denied.detail.violations(0).code() == "NO_AGREEMENT");

  request = ValidRequest(kSocialDept, kZags);
  request.set_payload(std::string(140000, 'x'));  // over limits.max_payload_bytes, under the message limit
  CallResult too_large = social.SendRequest("k2", request, &sent);
  CHECK(too_large.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(too_large.error_code == "MESSAGE_TOO_LARGE");
  request.set_payload(std::string(300000, 'x'));  // over limits.max_message_bytes: gRPC refuses it unread
  CallResult refused = social.SendRequest("k3", request, &sent);
  CHECK(refused.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);

  Cli rejections = RunCli(CtlArgs() + " rejections");
  CHECK(rejections.exit_code == 0);
  CHECK_THAT(rejections.output, Catch::Contains("INVALID_MESSAGE"));
  CHECK_THAT(rejections.output, Catch::Contains("request.citizen.snils MALFORMED"));
  CHECK_THAT(rejections.output, Catch::Contains("ACCESS_DENIED"));
  CHECK_THAT(rejections.output, Catch::Contains("MESSAGE_TOO_LARGE"));

  v1::ListQueuesResponse queues;
  REQUIRE(Operator().ListQueues(&queues).ok());
  for (const auto& queue : queues.queues()) {
    CHECK(queue.pending() == 0);  // nothing half written
  }
}

TEST_CASE("the insecure loopback mode names the caller in a header and warns", "[integration][identity]") {
  TempDir dir;
  DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", SmallRegionConfigText("data"));
  daemon.Start();
  CHECK_THAT(daemon.LogText(), Catch::Contains("PLAIN TEXT"));
  AgencyClient social(InsecureChannel(daemon.agency_address()), kSocialDept);
  AgencyClient zags(InsecureChannel(daemon.agency_address()), kZags);
  v1::SendResult sent;
  REQUIRE(social.SendRequest("k", ValidRequest(kSocialDept, kZags), &sent).ok());
  std::vector<v1::Message> got;
  REQUIRE(zags.Receive(1, 2000, 0, &got).ok());
  CHECK(got.size() == 1);
  AgencyClient anonymous(InsecureChannel(daemon.agency_address()), "");
  CHECK(anonymous.Receive(1, 0, 0, &got).error_code == "UNAUTHENTICATED");
  AgencyClient unknown(InsecureChannel(daemon.agency_address()), "NOBODY");
  CHECK(unknown.Receive(1, 0, 0, &got).error_code == "UNAUTHENTICATED");
  CHECK(RunCli("--server " + daemon.operator_address() + " --insecure --operator duty queues").exit_code == 0);
  CHECK(daemon.Stop() == 0);
}

TEST_CASE("SIGTERM answers waiting long polls and stops promptly", "[integration][stop]") {
  TempDir dir;
  DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", SmallRegionConfigText("data"));
  daemon.Start();
  AgencyClient zags(InsecureChannel(daemon.agency_address()), kZags);
  CallResult polled;
  std::thread poller([&] {
    std::vector<v1::Message> got;
    polled = zags.Receive(1, 60000, 0, &got);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the poll park in the daemon
  const auto stop_started = std::chrono::steady_clock::now();
  CHECK(daemon.Stop() == 0);
  poller.join();
  CHECK(std::chrono::steady_clock::now() - stop_started < std::chrono::seconds(3));
  CHECK(polled.ok());  // answered, empty, rather than cut off
  CHECK_THAT(daemon.LogText(), Catch::Contains("stopped cleanly"));
}

TEST_CASE("flags override the config file and the effective config is logged", "[integration][config]") {
  TempDir dir;
  const std::string data_dir = (dir / "elsewhere").string();
  DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", SmallRegionConfigText("data"),
                       {"--data-dir", data_dir, "--log-level", "trace"});  // the config says debug
  daemon.Start();
  const std::string log = daemon.LogMessages();  // the config as the daemon printed it, not as JSON escapes it
  CHECK_THAT(log, Catch::Contains("effective configuration"));
  CHECK_THAT(log, Catch::Contains("data_dir: \"" + data_dir + "\""));
  CHECK_THAT(log, Catch::Contains("level: \"trace\""));
  CHECK(std::filesystem::exists(std::filesystem::path(data_dir) / "CURRENT"));  // RocksDB opened it there
  CHECK_FALSE(std::filesystem::exists(dir / "daemon" / "data"));
  CHECK(daemon.Stop() == 0);
}

TEST_CASE("a bad configuration stops start-up naming the field", "[integration][config]") {
  TempDir dir;
  std::string config = SmallRegionConfigText("data");
  SECTION("unknown field") {
    config += "\nno_such_setting: 1\n";
    DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", config);
    CHECK_THROWS(daemon.Start());
    CHECK_THAT(daemon.LogText(), Catch::Contains("no_such_setting"));
  }
  SECTION("missing reference") {
    const std::string parent = "parent: \"SOCPROT-MAIN\"";
    config.replace(config.find(parent), parent.size(), "parent: \"SOCPROT-NOWHERE\"");
    DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", config);
    CHECK_THROWS(daemon.Start());
    CHECK_THAT(daemon.LogText(), Catch::Contains("agencies[0].organisations[1].parent"));
  }
  SECTION("out of range") {
    const std::string attempts = "max_attempts: 3";
    config.replace(config.find(attempts), attempts.size(), "max_attempts: 5000");
    DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", config);
    CHECK_THROWS(daemon.Start());
    CHECK_THAT(daemon.LogText(), Catch::Contains("delivery.max_attempts"));
  }
}

}  // namespace
}  // namespace mezhved::testing
