// Deadlines in the real daemon on a simulated time (mezhvedd --clock-file): a request's due-soon and overdue notices
// reach its addressee and its requester exactly once, across a crash and a clean restart in between; the late
// request is listed as overdue until its answer comes; the half-year report counts it as answered late.
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "mezhved/v1/operator.grpc.pb.h"
#include "tests/integration/agency_client.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"

namespace mezhved::testing {
namespace {

// The test region keeps Moscow time (UTC+3). The request is received on Tuesday 2026-11-24 at 09:00 local time:
// its five working days are 11-25, 11-26, 11-27, 11-30 and 12-01.
constexpr int64_t kReceived = 1'795'500'000'000;  // 2026-11-24 06:00 UTC
constexpr int64_t kDueSoon = 1'796'072'400'000;   // 2026-12-01 00:00 +03:00: the last working day begins
constexpr int64_t kDue = 1'796'158'800'000;       // 2026-12-02 00:00 +03:00: the period is over
constexpr int64_t kDay = 24LL * 3600 * 1000;

void SetClock(const std::filesystem::path& file, int64_t now_ms) {
  const std::filesystem::path next = file.string() + ".next";
  std::ofstream(next) << now_ms << "\n";
  std::filesystem::rename(next, file);  // the daemon never reads a half-written file
}

// Every message waiting for `organisation`, received and acknowledged, until none has come for `quiet`.
std::vector<v1::Message> DrainFor(const std::string& address, const std::string& organisation,
                                  std::chrono::milliseconds quiet) {
  AgencyClient client(InsecureChannel(address), organisation);
  std::vector<v1::Message> received;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto last_news = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - last_news < quiet && std::chrono::steady_clock::now() < give_up) {
    std::vector<v1::Message> batch;
    const CallResult result = client.Receive(100, 100, 60'000, &batch);
    INFO(result.error_code << ": " << result.status.error_message());
    REQUIRE(result.ok());
    if (batch.empty()) {
      continue;
    }
    last_news = std::chrono::steady_clock::now();
    std::vector<std::string> ids;
    for (const v1::Message& message : batch) ids.push_back(message.message_id());
    v1::AckResponse acked;
    REQUIRE(client.Ack(ids, &acked).ok());
    received.insert(received.end(), batch.begin(), batch.end());
  }
  return received;
}

// The deadline events among `messages`, in order.
std::vector<v1::DeadlineEvent> NoticeEvents(const std::vector<v1::Message>& messages, const std::string& request_id) {
  std::vector<v1::DeadlineEvent> events;
  for (const v1::Message& message : messages) {
    REQUIRE(message.kind() == v1::MESSAGE_KIND_NOTICE);
    CHECK(message.sender_code() == "gateway");
    CHECK(message.notice().request_id() == request_id);
    events.push_back(message.notice().event());
  }
  return events;
}

std::unique_ptr<v1::OperatorConsole::Stub> Operator(const DaemonProcess& daemon) {
  return v1::OperatorConsole::NewStub(InsecureChannel(daemon.operator_address()));
}

TEST_CASE("due-soon and overdue notices go out once to each party across restarts", "[integration][deadlines]") {
  TempDir dir;
  const std::filesystem::path clock_file = dir / "now";
  SetClock(clock_file, kReceived);
  DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon",
                       SmallRegionConfigText("data") + "deadlines { scan_interval_ms: 20 }\n",
                       {"--clock-file", clock_file.string()});
  daemon.Start();
  constexpr std::chrono::milliseconds kQuiet{600};

  v1::SendResult sent;
  {
    AgencyClient social(InsecureChannel(daemon.agency_address()), kSocialDept);
    REQUIRE(social.SendRequest("deadline-1", ValidRequest(kSocialDept, kZags), &sent).ok());
    v1::MessageStatus status;
    REQUIRE(social.GetStatus(sent.message_id(), &status).ok());
    CHECK(status.deadline_status() == v1::DEADLINE_STATUS_RUNNING);
    CHECK(google::protobuf::util::TimeUtil::TimestampToMilliseconds(status.answer_due_at()) == kDue);
  }
  REQUIRE(DrainFor(daemon.agency_address(), kZags, kQuiet).size() == 1);  // the request itself

  // A minute before the last working day begins (simulated time runs on at the real pace): nothing yet.
  SetClock(clock_file, kDueSoon - 60'000);
  CHECK(DrainFor(daemon.agency_address(), kZags, kQuiet).empty());

  SetClock(clock_file, kDueSoon);
  CHECK(NoticeEvents(DrainFor(daemon.agency_address(), kZags, kQuiet), sent.message_id()) ==
        std::vector{v1::DEADLINE_EVENT_DUE_SOON});
  CHECK(NoticeEvents(DrainFor(daemon.agency_address(), kSocialDept, kQuiet), sent.message_id()) ==
        std::vector{v1::DEADLINE_EVENT_DUE_SOON});

  // A crash after the warning: it is not sent again.
  daemon.Kill();
  daemon.Start();
  CHECK(DrainFor(daemon.agency_address(), kZags, kQuiet).empty());
  CHECK(DrainFor(daemon.agency_address(), kSocialDept, kQuiet).empty());

  // The period ends while the daemon is down; it catches up when it starts.
  CHECK(daemon.Stop() == 0);
  SetClock(clock_file, kDue + kDay);
  daemon.Start();
  CHECK(NoticeEvents(DrainFor(daemon.agency_address(), kZags, kQuiet), sent.message_id()) ==
        std::vector{v1::DEADLINE_EVENT_OVERDUE});
  CHECK(NoticeEvents(DrainFor(daemon.agency_address(), kSocialDept, kQuiet), sent.message_id()) ==
        std::vector{v1::DEADLINE_EVENT_OVERDUE});
  daemon.Restart();
  CHECK(DrainFor(daemon.agency_address(), kZags, kQuiet).empty());
  CHECK(DrainFor(daemon.agency_address(), kSocialDept, kQuiet).empty());

  // Operators see it overdue, the addressee named as the late party.
  auto console = Operator(daemon);
  {
    grpc::ClientContext context;
    PrepareOperatorCall(context, "duty");
    v1::ListOverdueResponse overdue;
    REQUIRE(console->ListOverdue(&context, {}, &overdue).ok());
    REQUIRE(overdue.requests_size() == 1);
    CHECK(overdue.requests(0).message_id() == sent.message_id());
    CHECK(overdue.requests(0).addressee_code() == kZags);
    CHECK(overdue.requests(0).working_days_late() == 2);  // Wednesday and Thursday
  }
  // The request's history records each event once.
  {
    AgencyClient social(InsecureChannel(daemon.agency_address()), kSocialDept);
    v1::MessageStatus status;
    REQUIRE(social.GetStatus(sent.message_id(), &status).ok());
    std::vector<v1::DeadlineEvent> events;
    for (const v1::HistoryEvent& event : status.history()) {
      if (event.deadline_event() != v1::DEADLINE_EVENT_UNSPECIFIED) events.push_back(event.deadline_event());
    }
    CHECK(events == std::vector{v1::DEADLINE_EVENT_DUE_SOON, v1::DEADLINE_EVENT_OVERDUE});
    CHECK(status.deadline_status() == v1::DEADLINE_STATUS_OVERDUE);
  }

  // The late answer stops the clock and takes the request off the overdue list.
  {
    AgencyClient zags(InsecureChannel(daemon.agency_address()), kZags);
    v1::SendResult answered;
    REQUIRE(zags.SendResponse("answer-1", DataResponse(sent.message_id(), kZags), &answered).ok());
    grpc::ClientContext context;
    PrepareOperatorCall(context, "duty");
    v1::ListOverdueResponse overdue;
    REQUIRE(console->ListOverdue(&context, {}, &overdue).ok());
    CHECK(overdue.requests().empty());
  }
  // The second half-year's report counts it for the addressee: received, answered late, after 7 working days
  // (11-25 .. 12-03).
  {
    grpc::ClientContext context;
    PrepareOperatorCall(context, "petrov");  // reports are a supervisor's
    v1::GetReportRequest request;
    request.set_period("2026-H2");
    request.set_format(v1::REPORT_FORMAT_CSV);
    v1::GetReportResponse report;
    REQUIRE(console->GetReport(&context, request, &report).ok());
    const v1::ComplianceReport& figures = report.report();
    CHECK_FALSE(figures.period_complete());
    CHECK(figures.total().requests_received() == 1);
    CHECK(figures.total().answered_late() == 1);
    CHECK(figures.total().answered_on_time() == 0);
    CHECK(figures.total().open() == 0);
    CHECK(figures.total().median_answer_working_days() == 7.0);
    REQUIRE(figures.organisations_size() >= 1);
    CHECK(report.exported().rfind("level,", 0) == 0);
    CHECK(report.exported().find(kZags) != std::string::npos);
  }
  CHECK(daemon.Stop() == 0);
}

}  // namespace
}  // namespace mezhved::testing
