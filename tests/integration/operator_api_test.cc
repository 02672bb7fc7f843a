// The operator API's roles and audit log against the real mezhvedd (docs/API.md "OperatorConsole"): each class of
// call refused with PERMISSION_DENIED to the roles that lack its permission, over mutual TLS (the certificate names
// the operator) and in the insecure loopback mode (the header does); and every action that changes something or
// shows personal data written into the audit log with who, role, when and where from.
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/agency_client.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace mezhved::testing {
namespace {

using google::protobuf::util::TimeUtil;

// Well-formed, never issued by the gateway.
constexpr char kUnknownId[] = "0193a1b2-0000-7000-8000-000000000001";

// The operators of SmallRegionConfigText ("duty" has no role configured: an operator).
constexpr char kOnDuty[] = "duty";
constexpr char kOperator[] = "ivanova";
constexpr char kSupervisor[] = "petrov";
constexpr char kAuditor[] = "sidorova";
constexpr char kAdministrator[] = "admin";

class OperatorApiDaemon {
 public:
  enum class Mode { kInsecure, kMutualTls };

  explicit OperatorApiDaemon(Mode mode) {
    if (mode == Mode::kMutualTls) {
      pki_ = std::make_unique<TestPki>(dir_ / "pki");
      CertFiles server = pki_->IssueServer();
      ServerTlsFiles tls{server.cert.string(), server.key.string(), pki_->ca_file().string()};
      daemon_ =
          std::make_unique<DaemonProcess>(MEZHVED_DAEMON_PATH, dir_ / "daemon", SmallRegionConfigText("data", &tls));
    } else {
      daemon_ = std::make_unique<DaemonProcess>(MEZHVED_DAEMON_PATH, dir_ / "daemon", SmallRegionConfigText("data"));
    }
    daemon_->Start();
  }

  // The operator API as operator `name`: its certificate (CN "operator-<name>") or, on loopback, the header.
  struct As {
    std::unique_ptr<v1::OperatorConsole::Stub> stub;
    std::string header;  // empty with TLS
    void Prepare(grpc::ClientContext& context) const { PrepareOperatorCall(context, header); }
  };
  As Operator(const std::string& name) {
    return {v1::OperatorConsole::NewStub(OperatorChannel(name)), pki_ ? "" : name};
  }
  AgencyClient Agency(const std::string& organisation) {
    if (!pki_) {
      return {InsecureChannel(daemon_->agency_address()), organisation};
    }
    const CertFiles& cert = Client(organisation);
    return {TlsChannel(daemon_->agency_address(), pki_->ca_file(), cert.cert, cert.key), ""};
  }

  std::string Send(const std::string& key) {
    AgencyClient social = Agency(kSocialDept);
    v1::SendResult sent;
    REQUIRE(social.SendRequest(key, ValidRequest(kSocialDept, kZags), &sent).ok());
    return sent.message_id();
  }

  // A request to ZAGS-BARNAUL delivered max_attempts (3) times without an ack, and so dead-lettered. The queue must
  // hold nothing older.
  std::string DeadLetter(const std::string& key) {
    std::string id = Send(key);
    AgencyClient zags = Agency(kZags);
    for (uint32_t attempt = 1; attempt <= 3; ++attempt) {
      std::vector<v1::Message> got;
      REQUIRE(zags.Receive(1, 5000, 150, &got).ok());
      REQUIRE(got.size() == 1);
      REQUIRE(got[0].message_id() == id);
    }
    OperatorClient duty(OperatorChannel(kOnDuty), pki_ ? "" : kOnDuty);
    REQUIRE(duty.WaitForState(id, v1::MESSAGE_STATE_DEAD_LETTERED));
    return id;
  }

 private:
  const CertFiles& Client(const std::string& cn) {
    auto found = clients_.find(cn);
    if (found == clients_.end()) {
      found = clients_.emplace(cn, pki_->IssueClient(cn)).first;
    }
    return found->second;
  }
  std::shared_ptr<grpc::Channel> OperatorChannel(const std::string& name) {
    if (!pki_) {
      return InsecureChannel(daemon_->operator_address());
    }
    const CertFiles& cert = Client("operator-" + name);
    return TlsChannel(daemon_->operator_address(), pki_->ca_file(), cert.cert, cert.key);
  }

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  std::map<std::string, CertFiles> clients_;
  std::unique_ptr<DaemonProcess> daemon_;
};

// One call of the operator API as `as`.
template <typename Request, typename Response>
CallResult Call(const OperatorApiDaemon::As& as,
                grpc::Status (v1::OperatorConsole::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                const Request& request, Response* response) {
  grpc::ClientContext context;
  as.Prepare(context);
  return ResultOf(((*as.stub).*method)(&context, request, response), context);
}

template <typename Request, typename Response>
CallResult Call(const OperatorApiDaemon::As& as,
                grpc::Status (v1::OperatorConsole::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                const Request& request) {
  Response response;
  return Call(as, method, request, &response);
}

v1::GetMessageRequest MessageIdRequest(const std::string& id) {
  v1::GetMessageRequest request;
  request.set_message_id(id);
  return request;
}

v1::RegisterPaperRequestRequest PaperRequest(const std::string& key, v1::Channel channel) {
  v1::RegisterPaperRequestRequest request;
  request.set_idempotency_key(key);
  *request.mutable_request() = ValidRequest(kSocialDept, kZags);
  request.mutable_request()->clear_payload();  // the document itself is on paper
  request.set_channel(channel);
  *request.mutable_received_at() = TimeUtil::GetCurrentTime() - TimeUtil::SecondsToDuration(3600);
  return request;
}

bool Refused(const CallResult& result) {
  return result.status.error_code() == grpc::StatusCode::PERMISSION_DENIED &&
         result.error_code == "PERMISSION_DENIED" && result.detail.code() == "PERMISSION_DENIED";
}

// One call of each class of permission, with what it needs.
struct CallClass {
  std::string permission;  // "view", "requeue", "reveal", "reports", "audit", or "" (any operator)
  std::function<CallResult(const OperatorApiDaemon::As&)> call;
};

std::vector<CallClass> OneCallOfEachClass(const std::string& message_id) {
  using Stub = v1::OperatorConsole::Stub;
  return {
      {"view", [](const auto& as) { return Call(as, &Stub::ListQueues, v1::ListQueuesRequest()); }},
      {"view", [=](const auto& as) { return Call(as, &Stub::ViewMessage, MessageIdRequest(message_id)); }},
      {"requeue",
       [](const auto& as) {
         v1::RequeueRequest request;
         request.add_message_ids(kUnknownId);  // answered per id: NOT_FOUND, and no error
         return Call(as, &Stub::Requeue, request);
       }},
      {"reveal", [=](const auto& as) { return Call(as, &Stub::RevealMessage, MessageIdRequest(message_id)); }},
      {"reports",
       [](const auto& as) {
         v1::GetReportRequest request;
         request.set_period("2026");
         return Call(as, &Stub::GetReport, request);
       }},
      {"audit", [](const auto& as) { return Call(as, &Stub::ListAudit, v1::ListAuditRequest()); }},
      {"", [](const auto& as) { return Call(as, &Stub::GetSession, v1::GetSessionRequest()); }},
  };
}

// What each role may do (docs/CONSOLE.md, gateway/operator_roles.cc).
const std::map<std::string, std::set<std::string>>& Allowed() {
  static const std::map<std::string, std::set<std::string>> allowed = {
      {kOnDuty, {"view", "requeue", ""}},
      {kOperator, {"view", "requeue", ""}},
      {kSupervisor, {"view", "reveal", "reports", ""}},
      {kAuditor, {"view", "reports", "audit", ""}},
      {kAdministrator, {"view", ""}},
  };
  return allowed;
}

void CheckEachRoleGetsWhatItMay(OperatorApiDaemon& daemon) {
  const std::string id = daemon.Send("roles-1");
  for (const auto& [name, may] : Allowed()) {
    OperatorApiDaemon::As as = daemon.Operator(name);
    for (const CallClass& call : OneCallOfEachClass(id)) {
      INFO(name << " " << (call.permission.empty() ? "any operator" : call.permission));
      const CallResult result = call.call(as);
      if (may.contains(call.permission)) {
        CHECK(result.ok());
      } else {
        CHECK(Refused(result));
        CHECK_THAT(result.status.error_message(), Catch::StartsWith("PERMISSION_DENIED: the role "));
      }
    }
  }
}

TEST_CASE("each role may make the operator API's calls of its permissions only, over mutual TLS",
          "[integration][operator_api][roles]") {
  OperatorApiDaemon daemon(OperatorApiDaemon::Mode::kMutualTls);
  CheckEachRoleGetsWhatItMay(daemon);

  // Every view call is any role's; every call that mends delivery only the operator's.
  using Stub = v1::OperatorConsole::Stub;
  const std::string id = daemon.Send("roles-2");
  OperatorApiDaemon::As auditor = daemon.Operator(kAuditor);
  v1::ListMessagesRequest queue;
  queue.set_recipient_code(kZags);
  v1::VerifySealRequest seal;
  seal.set_message_id(id);
  for (const CallResult& viewing :
       {Call(auditor, &Stub::ListMessages, queue), Call(auditor, &Stub::GetMessage, MessageIdRequest(id)),
        Call(auditor, &Stub::ListAgreements, v1::ListAgreementsRequest()),
        Call(auditor, &Stub::ListRejections, v1::ListRejectionsRequest()),
        Call(auditor, &Stub::ListOverdue, v1::ListOverdueRequest()), Call(auditor, &Stub::VerifySeal, seal),
        Call(auditor, &Stub::ScrubSeals, v1::ScrubSealsRequest())}) {
    CHECK(viewing.ok());
  }
  v1::RecordOriginalReceivedRequest original;
  original.set_message_id(id);
  *original.mutable_received_at() = TimeUtil::GetCurrentTime();
  for (const char* name : {kAuditor, kSupervisor, kAdministrator}) {
    INFO(name);
    OperatorApiDaemon::As as = daemon.Operator(name);
    CHECK(
        Refused(Call(as, &Stub::RegisterPaperRequest, PaperRequest(std::string("paper-") + name, v1::CHANNEL_PAPER))));
    CHECK(Refused(Call(as, &Stub::RecordOriginalReceived, original)));
  }
  CHECK(Call(daemon.Operator(kOperator), &Stub::RegisterPaperRequest, PaperRequest("paper-1", v1::CHANNEL_PAPER)).ok());

  // GetSession: who the certificate names, the configured role and what it allows.
  v1::ConsoleSession session;
  REQUIRE(Call(daemon.Operator(kSupervisor), &Stub::GetSession, v1::GetSessionRequest(), &session).ok());
  CHECK(session.operator_() == kSupervisor);
  CHECK(session.role() == config::v1::OPERATOR_ROLE_SUPERVISOR);
  CHECK(std::vector<std::string>(session.permissions().begin(), session.permissions().end()) ==
        std::vector<std::string>{"view", "reveal", "reports"});
  CHECK(session.authenticated_by() == "certificate");
  CHECK(session.instance_name() == "test-region");
  CHECK(session.csrf_token().empty());
  CHECK_FALSE(session.has_expires_at());
}

TEST_CASE("in the insecure loopback mode the header's operator acts with its configured role",
          "[integration][operator_api][roles]") {
  OperatorApiDaemon daemon(OperatorApiDaemon::Mode::kInsecure);
  CheckEachRoleGetsWhatItMay(daemon);

  using Stub = v1::OperatorConsole::Stub;
  v1::ConsoleSession session;
  REQUIRE(Call(daemon.Operator(kAuditor), &Stub::GetSession, v1::GetSessionRequest(), &session).ok());
  CHECK(session.role() == config::v1::OPERATOR_ROLE_AUDITOR);
  CHECK(session.authenticated_by() == "loopback");
  // Only configured operators: the console's "loopback" trial name is nobody here, nor is a stranger or no name.
  for (const std::string& name : {std::string("loopback"), std::string("alice"), std::string()}) {
    INFO(name);
    const CallResult result = Call(daemon.Operator(name), &Stub::GetSession, v1::GetSessionRequest());
    CHECK(result.status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(result.error_code == "UNAUTHENTICATED");
  }
}

TEST_CASE("the operator API writes requeues, paper registrations, originals and reveals into the audit log",
          "[integration][operator_api][audit]") {
  OperatorApiDaemon daemon(OperatorApiDaemon::Mode::kMutualTls);
  using Stub = v1::OperatorConsole::Stub;
  OperatorApiDaemon::As ivanova = daemon.Operator(kOperator);
  OperatorApiDaemon::As petrov = daemon.Operator(kSupervisor);
  OperatorApiDaemon::As sidorova = daemon.Operator(kAuditor);
  const auto before = TimeUtil::GetCurrentTime();
  const std::string dead = daemon.DeadLetter("dead-1");

  // A faxed request, registered twice (the second stores nothing), then its original.
  v1::SendResult faxed;
  REQUIRE(Call(ivanova, &Stub::RegisterPaperRequest, PaperRequest("fax-1", v1::CHANNEL_FAX), &faxed).ok());
  v1::SendResult again;
  REQUIRE(Call(ivanova, &Stub::RegisterPaperRequest, PaperRequest("fax-1", v1::CHANNEL_FAX), &again).ok());
  CHECK(again.duplicate());
  v1::RecordOriginalReceivedRequest original;
  original.set_message_id(faxed.message_id());
  *original.mutable_received_at() = TimeUtil::GetCurrentTime();
  REQUIRE(Call(ivanova, &Stub::RecordOriginalReceived, original).ok());
  // A dead letter put back, in a batch with an id that stays where it is; refused to an auditor.
  v1::RequeueRequest requeue;
  requeue.add_message_ids(dead);
  CHECK(Refused(Call(sidorova, &Stub::Requeue, requeue)));
  requeue.add_message_ids(kUnknownId);
  v1::RequeueResponse requeued;
  REQUIRE(Call(ivanova, &Stub::Requeue, requeue, &requeued).ok());
  CHECK(requeued.results(0).requeued());
  CHECK_FALSE(requeued.results(1).requeued());
  // A reveal; one of a message that does not exist is refused and not recorded.
  v1::MessageView revealed;
  REQUIRE(Call(petrov, &Stub::RevealMessage, MessageIdRequest(dead), &revealed).ok());
  CHECK_FALSE(revealed.masked());
  CHECK(revealed.message().request().citizen().last_name() == "Иванова");
  CHECK(Call(petrov, &Stub::RevealMessage, MessageIdRequest(kUnknownId)).error_code == "NOT_FOUND");
  // Viewing, listing and reading change nothing and are not recorded.
  REQUIRE(Call(ivanova, &Stub::ViewMessage, MessageIdRequest(dead)).ok());

  // The message's own history names the supervisor who saw its data.
  v1::MessageStatus status;
  REQUIRE(Call(ivanova, &Stub::GetMessage, MessageIdRequest(dead), &status).ok());
  CHECK(status.history(status.history_size() - 1).actor() == "operator:petrov");
  CHECK(status.history(status.history_size() - 1).note() == "personal data shown to the operator");

  // The audit log, newest first (entries of other kinds, if any, are left aside).
  const std::set<std::string> ours = {"register_paper", "record_original", "requeue", "reveal"};
  std::vector<v1::AuditEntry> entries;
  v1::ListAuditRequest page_request;
  page_request.set_page_size(1);
  int pages = 0;
  do {
    v1::AuditPage page;
    REQUIRE(Call(sidorova, &Stub::ListAudit, page_request, &page).ok());
    CHECK(page.entries_size() <= 1);
    for (const v1::AuditEntry& entry : page.entries()) {
      if (ours.contains(entry.action())) {
        entries.push_back(entry);
      }
    }
    page_request.set_page_token(page.next_page_token());
    ++pages;
  } while (!page_request.page_token().empty() && pages < 100);
  REQUIRE(entries.size() == 4);
  struct Expected {
    std::string action, target, operator_name;
    config::v1::OperatorRole role;
    std::string detail;
  };
  const std::vector<Expected> expected = {
      {"reveal", dead, kSupervisor, config::v1::OPERATOR_ROLE_SUPERVISOR, "personal data shown"},
      {"requeue", dead, kOperator, config::v1::OPERATOR_ROLE_OPERATOR, "dead letter put back into its queue"},
      {"record_original", faxed.message_id(), kOperator, config::v1::OPERATOR_ROLE_OPERATOR,
       "the paper original of a faxed request arrived"},
      {"register_paper", faxed.message_id(), kOperator, config::v1::OPERATOR_ROLE_OPERATOR,
       "request received by fax registered"},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO(i << " " << entries[i].ShortDebugString());
    CHECK(entries[i].action() == expected[i].action);
    CHECK(entries[i].target() == expected[i].target);
    CHECK(entries[i].operator_() == expected[i].operator_name);
    CHECK(entries[i].role() == expected[i].role);
    CHECK(entries[i].detail() == expected[i].detail);
    CHECK_THAT(entries[i].client(), Catch::StartsWith("cli ipv4:127.0.0.1:"));
    CHECK(entries[i].at() >= before);
    if (i > 0) {
      CHECK(entries[i].at() <= entries[i - 1].at());
    }
  }
}

}  // namespace
}  // namespace mezhved::testing
