#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <optional>
#include <string>

#include "tools/mezhvedctl/format.h"
#include "tools/mezhvedctl/grpc_client.h"

namespace mezhved::ctl {
namespace {

// 2026-11-24T10:15:30.123Z
constexpr int64_t kAcceptedSeconds = 1795515330;
constexpr UnixMillis kAcceptedMs = kAcceptedSeconds * 1000 + 123;

google::protobuf::Timestamp At(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(nanos);
  return timestamp;
}

TEST_CASE("timestamps print as UTC ISO-8601 with milliseconds", "[format]") {
  CHECK(FormatTimestamp(At(kAcceptedSeconds, 123'456'789)) == "2026-11-24T10:15:30.123Z");
  CHECK(FormatTimestamp(At(0, 1'000'000)) == "1970-01-01T00:00:00.001Z");
  CHECK(FormatTimestamp(At(951782400)) == "2000-02-29T00:00:00.000Z");
  CHECK(FormatTimestamp(google::protobuf::Timestamp()) == "-");
}

TEST_CASE("durations are humanised to at most two units", "[format]") {
  CHECK(HumaniseDuration(0) == "0s");
  CHECK(HumaniseDuration(999) == "0s");
  CHECK(HumaniseDuration(45'000) == "45s");
  CHECK(HumaniseDuration(59'999) == "59s");
  CHECK(HumaniseDuration(60'000) == "1m 00s");
  CHECK(HumaniseDuration(185'000) == "3m 05s");
  CHECK(HumaniseDuration(3'600'000) == "1h 00m");
  CHECK(HumaniseDuration((2 * 3600 + 7 * 60 + 59) * 1000LL) == "2h 07m");
  CHECK(HumaniseDuration((3 * 86400 + 4 * 3600) * 1000LL) == "3d 04h");
  CHECK(HumaniseDuration(400LL * 86400 * 1000) == "400d 00h");
  CHECK(HumaniseDuration(-5'000) == "0s");  // clock skew
}

TEST_CASE("ages are measured from now", "[format]") {
  CHECK(FormatAge(At(kAcceptedSeconds, 123'000'000), kAcceptedMs + 185'000) == "3m 05s");
  CHECK(FormatAge(google::protobuf::Timestamp(), kAcceptedMs) == "-");
}

TEST_CASE("enum values print without their prefix", "[format]") {
  CHECK(StateName(v1::MESSAGE_STATE_DEAD_LETTERED) == "DEAD_LETTERED");
  CHECK(StateName(v1::MESSAGE_STATE_CLARIFICATION_REQUESTED) == "CLARIFICATION_REQUESTED");
  CHECK(StateName(static_cast<v1::MessageState>(77)) == "MESSAGE_STATE_77");
  CHECK(KindName(v1::MESSAGE_KIND_RESPONSE) == "RESPONSE");
}

TEST_CASE("tables align columns by characters, not bytes", "[format]") {
  TextTable table({"CODE", "NAME", "N"});
  table.AlignColumn(2, TextTable::Align::kRight);
  table.AddRow({"ZAGS", "ЗАГС Барнаул", "7"});
  table.AddRow({"SOCPROT-BARNAUL", "Соцзащита", "1234"});
  table.AddRow({"SHORT"});

  CHECK(DisplayWidth("ЗАГС") == 4);
  CHECK(table.Render() ==
        "CODE             NAME             N\n"
        "---------------  ------------  ----\n"
        "ZAGS             ЗАГС Барнаул     7\n"
        "SOCPROT-BARNAUL  Соцзащита     1234\n"
        "SHORT\n");
}

TEST_CASE("queues show depth and the age of the oldest pending message", "[format]") {
  v1::ListQueuesResponse response;
  v1::QueueSummary* queue = response.add_queues();
  queue->set_recipient_code("ZAGS-BARNAUL");
  queue->set_recipient_name("ЗАГС г. Барнаула");
  queue->set_pending(12);
  queue->set_leased(3);
  queue->set_dead_letters(1);
  *queue->mutable_oldest_pending_accepted_at() = At(kAcceptedSeconds);
  v1::QueueSummary* idle = response.add_queues();
  idle->set_recipient_code("SOCPROT-BARNAUL");
  idle->set_recipient_name("Соцзащита");

  CHECK(FormatQueues(response, kAcceptedSeconds * 1000 + 7'500'000) ==
        "RECIPIENT        NAME              PENDING  LEASED  DEAD LETTERS  OLDEST PENDING\n"
        "---------------  ----------------  -------  ------  ------------  --------------\n"
        "ZAGS-BARNAUL     ЗАГС г. Барнаула       12       3             1          2h 05m\n"
        "SOCPROT-BARNAUL  Соцзащита               0       0             0               -\n");
  CHECK(FormatQueues(v1::ListQueuesResponse(), 0) == "No queues.\n");
}

v1::MessageSummary Summary(const std::string& id, v1::MessageState state, uint32_t attempts) {
  v1::MessageSummary summary;
  summary.set_message_id(id);
  summary.set_kind(v1::MESSAGE_KIND_REQUEST);
  summary.set_state(state);
  summary.set_sender_code("SOCPROT-BARNAUL");
  summary.mutable_information_type()->set_id("zags.civil-status-record");
  summary.mutable_information_type()->set_version("1.0");
  *summary.mutable_accepted_at() = At(kAcceptedSeconds, 123'000'000);
  summary.set_delivery_attempts(attempts);
  return summary;
}

TEST_CASE("message lists end with the next page token", "[format]") {
  v1::ListMessagesResponse response;
  *response.add_messages() = Summary("0193a1b2-0000-7000-8000-000000000001", v1::MESSAGE_STATE_DEAD_LETTERED, 10);
  *response.add_messages() = Summary("0193a1b2-0000-7000-8000-000000000002", v1::MESSAGE_STATE_ACCEPTED, 0);
  *response.mutable_messages(0)->mutable_answer_due_at() = At(1796158800);  // 2026-12-01T21:00:00Z
  response.mutable_messages(0)->set_deadline_status(v1::DEADLINE_STATUS_RUNNING);
  response.set_next_page_token("CgQIARAB");

  std::string text = FormatMessageList(response, kAcceptedMs + 65'000);
  CHECK(text ==
        "MESSAGE ID                            KIND     STATE          SENDER           INFORMATION TYPE"
        "              ACCEPTED (UTC)               AGE  ATTEMPTS  ANSWER DUE (UTC)\n"
        "------------------------------------  -------  -------------  ---------------  ----------------------------"
        "  ------------------------  ------  --------  ----------------------------------\n"
        "0193a1b2-0000-7000-8000-000000000001  REQUEST  DEAD_LETTERED  SOCPROT-BARNAUL  zags.civil-status-record 1.0"
        "  2026-11-24T10:15:30.123Z  1m 05s        10  2026-12-01T21:00:00.000Z (RUNNING)\n"
        "0193a1b2-0000-7000-8000-000000000002  REQUEST  ACCEPTED       SOCPROT-BARNAUL  zags.civil-status-record 1.0"
        "  2026-11-24T10:15:30.123Z  1m 05s         0  -\n"
        "2 messages; next page token: CgQIARAB\n");

  response.clear_next_page_token();
  response.mutable_messages()->DeleteSubrange(1, 1);
  CHECK(FormatMessageList(response, kAcceptedMs).ends_with("\n1 message; last page.\n"));
  CHECK(FormatMessageList(v1::ListMessagesResponse(), kAcceptedMs) == "0 messages; last page.\n");
}

v1::HistoryEvent Event(int64_t seconds, v1::MessageState state, const std::string& actor) {
  v1::HistoryEvent event;
  *event.mutable_at() = At(seconds);
  event.set_state(state);
  event.set_actor(actor);
  return event;
}

TEST_CASE("show prints the fields, the links and the history", "[format]") {
  v1::MessageStatus status;
  status.set_message_id("0193a1b2-0000-7000-8000-000000000001");
  status.set_kind(v1::MESSAGE_KIND_REQUEST);
  status.set_state(v1::MESSAGE_STATE_IN_PROGRESS);
  status.set_sender_code("SOCPROT-BARNAUL");
  status.set_recipient_code("ZAGS-BARNAUL");
  *status.mutable_accepted_at() = At(kAcceptedSeconds);
  status.set_delivery_attempts(2);
  *status.mutable_lease_expires_at() = At(kAcceptedSeconds + 120);
  status.mutable_information_type()->set_id("zags.civil-status-record");
  status.mutable_information_type()->set_version("1.0");
  status.add_response_ids("0193a1b2-0000-7000-8000-0000000000r1");
  *status.add_history() = Event(kAcceptedSeconds, v1::MESSAGE_STATE_ACCEPTED, "SOCPROT-BARNAUL");
  v1::HistoryEvent delivered = Event(kAcceptedSeconds + 1, v1::MESSAGE_STATE_DELIVERED, "gateway");
  delivered.set_attempt(2);
  delivered.set_note("lease 60s");
  *status.add_history() = delivered;
  v1::HistoryEvent interim = Event(kAcceptedSeconds + 2, v1::MESSAGE_STATE_IN_PROGRESS, "ZAGS-BARNAUL");
  interim.set_related_message_id("0193a1b2-0000-7000-8000-0000000000r1");
  *status.add_history() = interim;

  CHECK(
      FormatMessageStatus(status, kAcceptedSeconds * 1000 + 90'000) ==
      "Message:            0193a1b2-0000-7000-8000-000000000001\n"
      "Kind:               REQUEST\n"
      "State:              IN_PROGRESS\n"
      "Sender:             SOCPROT-BARNAUL\n"
      "Recipient:          ZAGS-BARNAUL\n"
      "Information type:   zags.civil-status-record 1.0\n"
      "Accepted:           2026-11-24T10:15:30.000Z (1m 30s ago)\n"
      "Delivery attempts:  2\n"
      "Lease expires:      2026-11-24T10:17:30.000Z (in 30s)\n"
      "Responses:          0193a1b2-0000-7000-8000-0000000000r1\n"
      "\n"
      "History:\n"
      "TIME (UTC)                STATE        ACTOR            ATTEMPT  DETAILS\n"
      "------------------------  -----------  ---------------  -------  --------------------------------------------\n"
      "2026-11-24T10:15:30.000Z  ACCEPTED     SOCPROT-BARNAUL\n"
      "2026-11-24T10:15:31.000Z  DELIVERED    gateway                2  lease 60s\n"
      "2026-11-24T10:15:32.000Z  IN_PROGRESS  ZAGS-BARNAUL              message "
      "0193a1b2-0000-7000-8000-0000000000r1\n");
}

TEST_CASE("show prints a request's answer deadline and a paper channel", "[format]") {
  v1::MessageStatus status;
  status.set_kind(v1::MESSAGE_KIND_REQUEST);
  *status.mutable_accepted_at() = At(kAcceptedSeconds);
  *status.mutable_answer_due_at() = At(kAcceptedSeconds + 7 * 86400);
  status.set_channel(v1::CHANNEL_FAX);
  *status.mutable_received_at() = At(kAcceptedSeconds - 3600);
  const std::string text = FormatMessageStatus(status, kAcceptedSeconds * 1000);
  CHECK_THAT(text, Catch::Contains("Answer due before:  2026-12-01T10:15:30.000Z\n"));
  CHECK_THAT(text, Catch::Contains("Channel:            FAX, received 2026-11-24T09:15:30.000Z\n"));
}

TEST_CASE("show of a response links its request: an ended lease says so", "[format]") {
  v1::MessageStatus status;
  status.set_message_id("r1");
  status.set_kind(v1::MESSAGE_KIND_RESPONSE);
  status.set_state(v1::MESSAGE_STATE_DELIVERED);
  status.set_request_id("q1");
  *status.mutable_lease_expires_at() = At(kAcceptedSeconds);

  std::string text = FormatMessageStatus(status, kAcceptedSeconds * 1000 + 3'000);
  CHECK(text.find("Answers request:    q1\n") != std::string::npos);
  CHECK(text.find("Responses:") == std::string::npos);
  CHECK(text.find("Lease expires:      2026-11-24T10:15:30.000Z (expired 3s ago)\n") != std::string::npos);
  CHECK(text.find("Information type:   -\n") != std::string::npos);
  CHECK(text.ends_with("History: none\n"));
}

TEST_CASE("show prints the deadline status next to the due date", "[format]") {
  v1::MessageStatus status;
  status.set_kind(v1::MESSAGE_KIND_REQUEST);
  *status.mutable_answer_due_at() = At(kAcceptedSeconds + 7 * 86400);
  status.set_deadline_status(v1::DEADLINE_STATUS_OVERDUE);
  CHECK_THAT(FormatMessageStatus(status, kAcceptedSeconds * 1000),
             Catch::Contains("Answer due before:  2026-12-01T10:15:30.000Z (OVERDUE)\n"));
  status.set_deadline_status(v1::DEADLINE_STATUS_DUE_SOON);
  CHECK_THAT(FormatMessageStatus(status, kAcceptedSeconds * 1000),
             Catch::Contains("Answer due before:  2026-12-01T10:15:30.000Z (DUE_SOON)\n"));
  // A status without a period to show still says where the deadline stands.
  status.clear_answer_due_at();
  status.set_deadline_status(v1::DEADLINE_STATUS_STOPPED);
  std::string stopped = FormatMessageStatus(status, kAcceptedSeconds * 1000);
  CHECK_THAT(stopped, Catch::Contains("Deadline:           STOPPED\n"));
  CHECK(stopped.find("Answer due before") == std::string::npos);
  // No answer due (referrals): neither line.
  status.clear_deadline_status();
  std::string none = FormatMessageStatus(status, kAcceptedSeconds * 1000);
  CHECK(none.find("Deadline") == std::string::npos);
  CHECK(none.find("Answer due") == std::string::npos);
}

TEST_CASE("show's history names deadline events and refusal reasons", "[format]") {
  v1::MessageStatus status;
  status.set_message_id("q1");
  status.set_kind(v1::MESSAGE_KIND_REQUEST);
  status.set_state(v1::MESSAGE_STATE_REFUSED);
  v1::HistoryEvent due_soon = Event(kAcceptedSeconds, v1::MESSAGE_STATE_DELIVERED, "gateway");
  due_soon.set_deadline_event(v1::DEADLINE_EVENT_DUE_SOON);
  due_soon.set_note("answer due soon");
  *due_soon.mutable_answer_due_at() = At(kAcceptedSeconds + 86400);  // in the field above already: not repeated
  *status.add_history() = due_soon;
  v1::HistoryEvent restarted = Event(kAcceptedSeconds + 1, v1::MESSAGE_STATE_SUPPLEMENTED, "SOCPROT-BARNAUL");
  restarted.set_deadline_event(v1::DEADLINE_EVENT_RESTARTED);
  *restarted.mutable_answer_due_at() = At(kAcceptedSeconds + 8 * 86400);
  restarted.set_related_message_id("s1");
  *status.add_history() = restarted;
  v1::HistoryEvent refused = Event(kAcceptedSeconds + 2, v1::MESSAGE_STATE_REFUSED, "ZAGS-BARNAUL");
  refused.set_deadline_event(v1::DEADLINE_EVENT_STOPPED);
  refused.set_refusal_reason(v1::REFUSAL_REASON_NO_DATA);
  refused.set_related_message_id("r1");
  *status.add_history() = refused;

  CHECK_THAT(FormatMessageStatus(status, kAcceptedSeconds * 1000),
             Catch::EndsWith("History:\n"
                             "TIME (UTC)                STATE         ACTOR            ATTEMPT  DETAILS\n"
                             "------------------------  ------------  ---------------  -------  "
                             "-------------------------------------------------------------------\n"
                             "2026-11-24T10:15:30.000Z  DELIVERED     gateway                   "
                             "deadline DUE_SOON; answer due soon\n"
                             "2026-11-24T10:15:31.000Z  SUPPLEMENTED  SOCPROT-BARNAUL           "
                             "deadline RESTARTED, due before 2026-12-02T10:15:30.000Z; message s1\n"
                             "2026-11-24T10:15:32.000Z  REFUSED       ZAGS-BARNAUL              "
                             "deadline STOPPED; refusal NO_DATA; message r1\n"));
  CHECK(DeadlineEventName(static_cast<v1::DeadlineEvent>(9)) == "DEADLINE_EVENT_9");
  CHECK(RefusalReasonName(v1::REFUSAL_REASON_CONTRADICTS_LAW) == "CONTRADICTS_LAW");
}

TEST_CASE("show of a deadline notice names the request it is about", "[format]") {
  v1::MessageStatus status;
  status.set_message_id("n1");
  status.set_kind(v1::MESSAGE_KIND_NOTICE);
  status.set_state(v1::MESSAGE_STATE_ACCEPTED);
  status.set_sender_code("gateway");
  status.set_recipient_code("ZAGS-BARNAUL");
  status.set_request_id("q1");
  std::string text = FormatMessageStatus(status, kAcceptedSeconds * 1000);
  CHECK_THAT(text, Catch::Contains("Kind:               NOTICE\n"));
  CHECK_THAT(text, Catch::Contains("About request:      q1\n"));
  CHECK(text.find("Answers request") == std::string::npos);
  CHECK(text.find("Responses:") == std::string::npos);
}

v1::OverdueRequest Overdue(const std::string& id, const std::string& addressee, uint32_t days_late) {
  v1::OverdueRequest request;
  request.set_message_id(id);
  request.set_requester_code("SOCPROT-BARNAUL");
  request.set_addressee_code(addressee);
  request.set_addressee_name(addressee == "ZAGS-BARNAUL" ? "Отдел ЗАГС г. Барнаула" : "");
  request.set_agency_code(addressee == "ZAGS-BARNAUL" ? "ZAGS" : "");
  request.mutable_information_type()->set_id("zags.civil-status-record");
  request.mutable_information_type()->set_version("1.0");
  request.set_state(v1::MESSAGE_STATE_ACKNOWLEDGED);
  *request.mutable_accepted_at() = At(kAcceptedSeconds);
  *request.mutable_answer_due_at() = At(kAcceptedSeconds + 7 * 86400);
  request.set_working_days_late(days_late);
  return request;
}

TEST_CASE("overdue requests name the late party", "[format]") {
  v1::ListOverdueResponse response;
  *response.add_requests() = Overdue("0193a1b2-0000-7000-8000-000000000001", "ZAGS-BARNAUL", 12);
  // A former organisation: no name and no agency in the registry any more.
  *response.add_requests() = Overdue("0193a1b2-0000-7000-8000-000000000002", "ZAGS-OLD", 3);
  response.set_next_page_token("CgQIARAB");

  CHECK(FormatOverdue(response) ==
        "MESSAGE ID                            LATE PARTY    NAME                    AGENCY  REQUESTER        "
        "INFORMATION TYPE              DUE BEFORE (UTC)          WORKING DAYS LATE\n"
        "------------------------------------  ------------  ----------------------  ------  ---------------  "
        "----------------------------  ------------------------  -----------------\n"
        "0193a1b2-0000-7000-8000-000000000001  ZAGS-BARNAUL  Отдел ЗАГС г. Барнаула  ZAGS    SOCPROT-BARNAUL  "
        "zags.civil-status-record 1.0  2026-12-01T10:15:30.000Z                 12\n"
        "0193a1b2-0000-7000-8000-000000000002  ZAGS-OLD      -                       -       SOCPROT-BARNAUL  "
        "zags.civil-status-record 1.0  2026-12-01T10:15:30.000Z                  3\n"
        "2 overdue requests; next page token: CgQIARAB\n");

  response.clear_next_page_token();
  response.mutable_requests()->DeleteSubrange(1, 1);
  CHECK(FormatOverdue(response).ends_with("\n1 overdue request; last page.\n"));
  CHECK(FormatOverdue(v1::ListOverdueResponse()) == "0 overdue requests; last page.\n");
}

v1::ComplianceRow Row(const std::string& agency, const std::string& organisation, const std::string& name) {
  v1::ComplianceRow row;
  row.set_agency_code(agency);
  row.set_organisation_code(organisation);
  row.set_name(name);
  return row;
}

TEST_CASE("reports print the period and one row per organisation, agency and the total", "[format]") {
  v1::ComplianceReport report;
  report.set_period("2026-Q1");
  report.mutable_first_day()->set_year(2026);
  report.mutable_first_day()->set_month(1);
  report.mutable_first_day()->set_day(1);
  report.mutable_last_day()->set_year(2026);
  report.mutable_last_day()->set_month(3);
  report.mutable_last_day()->set_day(31);
  *report.mutable_generated_at() = At(1773126000);  // 2026-03-10T07:00:00Z
  report.set_period_complete(false);

  v1::ComplianceRow zags = Row("ZAGS", "ZAGS-BARNAUL", "Отдел ЗАГС г. Барнаула");
  zags.set_requests_received(12);
  zags.set_answered_on_time(7);
  zags.set_answered_late(2);
  zags.set_open(3);
  zags.set_open_overdue(1);
  v1::RefusalCount* no_data = zags.add_refusals();
  no_data->set_reason(v1::REFUSAL_REASON_NO_DATA);
  no_data->set_count(2);
  v1::RefusalCount* denied = zags.add_refusals();
  denied->set_reason(v1::REFUSAL_REASON_ACCESS_DENIED);
  denied->set_count(1);
  zags.set_answers_timed(9);
  zags.set_median_answer_working_days(2.5);
  zags.set_p90_answer_working_days(6);
  *report.add_organisations() = zags;
  v1::ComplianceRow social = Row("SOCPROT", "SOCPROT-BARNAUL", "Соцзащита");
  social.set_social_support_requests_sent(4);
  social.set_social_support_citizens(3);
  social.set_referrals_received(1);
  *report.add_organisations() = social;
  v1::ComplianceRow zags_agency = zags;
  zags_agency.set_organisation_code("");
  zags_agency.set_name("Управление юстиции (ЗАГС)");
  *report.add_agencies() = zags_agency;
  v1::ComplianceRow total = zags;
  total.set_agency_code("");
  total.set_organisation_code("");
  total.set_name("");
  total.set_referrals_received(1);
  total.set_social_support_requests_sent(4);
  total.set_social_support_citizens(3);
  *report.mutable_total() = total;

  CHECK(FormatReport(report) ==
        "Report 2026-Q1: 2026-01-01 .. 2026-03-31, generated 2026-03-10T07:00:00.000Z; the period is not over: the "
        "figures may still change.\n"
        "\n"
        "AGENCY   ORGANISATION     NAME                       RECEIVED  ON TIME  LATE  OPEN  OVERDUE  REFUSALS  "
        "MEDIAN WD  P90 WD  REFERRALS  SOCIAL SUPPORT SENT  CITIZENS\n"
        "-------  ---------------  -------------------------  --------  -------  ----  ----  -------  --------  "
        "---------  ------  ---------  -------------------  --------\n"
        "ZAGS     ZAGS-BARNAUL     Отдел ЗАГС г. Барнаула           12        7     2     3        1         3  "
        "      2.5       6          0                    0         0\n"
        "SOCPROT  SOCPROT-BARNAUL  Соцзащита                         0        0     0     0        0         0  "
        "        -       -          1                    4         3\n"
        "ZAGS     all              Управление юстиции (ЗАГС)        12        7     2     3        1         3  "
        "      2.5       6          0                    0         0\n"
        "all      all              total                            12        7     2     3        1         3  "
        "      2.5       6          1                    4         3\n"
        "\n"
        "Received: requests with an answer due; open: no final answer at the end of the period, overdue: of them past "
        "their answer period;\n"
        "refusals: final refusals, all reasons; WD: working days from receipt to the final answer.\n");

  report.set_period_complete(true);
  report.clear_organisations();
  report.clear_agencies();
  report.clear_total();
  std::string empty = FormatReport(report);
  CHECK(
      empty.starts_with("Report 2026-Q1: 2026-01-01 .. 2026-03-31, generated 2026-03-10T07:00:00.000Z; the "
                        "period is complete.\n"));
  CHECK_THAT(empty, Catch::Contains("\nall     all           total         0        0     0     0        0  "));
}

TEST_CASE("message states parse by their names without the prefix, in either case", "[format]") {
  CHECK(ParseMessageState("delivered") == v1::MESSAGE_STATE_DELIVERED);
  CHECK(ParseMessageState("ACCEPTED") == v1::MESSAGE_STATE_ACCEPTED);
  CHECK(ParseMessageState("Dead_Lettered") == v1::MESSAGE_STATE_DEAD_LETTERED);
  CHECK_FALSE(ParseMessageState("").has_value());
  CHECK_FALSE(ParseMessageState("unspecified").has_value());
  CHECK_FALSE(ParseMessageState("MESSAGE_STATE_ACCEPTED").has_value());
  CHECK_FALSE(ParseMessageState("frozen").has_value());
}

// Runs `check` with the process's local time zone set to `zone` (a POSIX TZ string, no tzdata needed).
void InZone(const char* zone, const std::function<void()>& check) {
  const char* before = std::getenv("TZ");
  const std::string saved = before != nullptr ? before : "";
  setenv("TZ", zone, 1);
  tzset();
  check();
  if (before != nullptr) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

TEST_CASE("list bounds are RFC 3339 instants, or local dates counted whole", "[format]") {
  // 2026-03-10T00:00:00Z
  constexpr int64_t kTenthOfMarch = 1773100800;
  const auto seconds = [](std::string_view text, bool end_of_day) {
    const std::optional<google::protobuf::Timestamp> bound = ParseTimeBound(text, end_of_day);
    REQUIRE(bound.has_value());
    return bound->seconds();
  };
  CHECK(seconds("2026-03-10T00:00:00Z", false) == kTenthOfMarch);
  CHECK(seconds("2026-03-10T09:00:00+03:00", true) == kTenthOfMarch + 6 * 3600);  // an instant is never widened
  CHECK(ParseTimeBound("2026-03-10T00:00:00.250Z", false)->nanos() == 250'000'000);
  InZone("MSK-3", [&] {  // UTC+3
    CHECK(seconds("2026-03-10", false) == kTenthOfMarch - 3 * 3600);
    CHECK(seconds("2026-03-10", true) == kTenthOfMarch + 21 * 3600);
    CHECK(seconds("2026-02-28", true) == kTenthOfMarch - 10 * 86400 + 21 * 3600);  // into March
    CHECK(seconds("2025-12-31", true) == 1767225600 - 3 * 3600);                   // into 2026
  });
  InZone("UTC0", [&] { CHECK(seconds("2026-03-10", false) == kTenthOfMarch); });
  for (const char* malformed : {"", "2026-3-10", "2026-02-30", "2026-13-01", "10.03.2026", "2026-03-10 09:00",
                                "2026-03-10T09:00:00", "yesterday", "2026-03-1x"}) {
    INFO(malformed);
    CHECK_FALSE(ParseTimeBound(malformed, false).has_value());
  }
}

TEST_CASE("dates print as ISO days", "[format]") {
  v1::Date date;
  CHECK(FormatDate(date) == "-");
  date.set_year(2026);
  date.set_month(3);
  date.set_day(9);
  CHECK(FormatDate(date) == "2026-03-09");
}

TEST_CASE("requeue results say which ids stayed and why", "[format]") {
  v1::RequeueResponse response;
  v1::RequeueResult* done = response.add_results();
  done->set_message_id("id-1");
  done->set_requeued(true);
  v1::RequeueResult* refused = response.add_results();
  refused->set_message_id("id-2");
  refused->set_error_code("NOT_DEAD_LETTERED");

  CHECK(FormatRequeueResults(response) ==
        "MESSAGE ID  OUTCOME\n"
        "----------  -------------------------------\n"
        "id-1        requeued\n"
        "id-2        not requeued: NOT_DEAD_LETTERED\n");
}

TEST_CASE("RPC errors come from the ErrorDetail, else the trailer, else the gRPC code", "[format][grpc_client]") {
  v1::ErrorDetail detail;
  detail.set_code("INVALID_MESSAGE");
  detail.set_message("the request breaks 2 rules");
  v1::FieldViolation* violation = detail.add_violations();
  violation->set_field("request.citizen.snils");
  violation->set_code("MALFORMED");
  violation->set_description("checksum mismatch");
  detail.add_violations()->set_field("request.preparer.full_name");
  detail.mutable_violations(1)->set_code("REQUIRED");
  Metadata no_trailers;

  RpcError from_details = DecodeRpcError(
      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "status text", detail.SerializeAsString()), no_trailers);
  CHECK(from_details.from_gateway);
  CHECK_FALSE(from_details.CouldNotConnect());
  CHECK(FormatRpcError(from_details) ==
        "error: INVALID_MESSAGE: the request breaks 2 rules\n"
        "  request.citizen.snils MALFORMED (checksum mismatch)\n"
        "  request.preparer.full_name REQUIRED\n");

  Metadata trailers = {{kErrorCodeTrailer, "NOT_FOUND"}};
  RpcError from_trailer = DecodeRpcError(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such message"), trailers);
  CHECK(from_trailer.from_gateway);
  CHECK(FormatRpcError(from_trailer) == "error: NOT_FOUND: no such message\n");

  // A gateway that is shutting down answers UNAVAILABLE with its code: that is a server error, not "no connection".
  Metadata unavailable = {{kErrorCodeTrailer, "UNAVAILABLE"}};
  CHECK_FALSE(
      DecodeRpcError(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"), unavailable).CouldNotConnect());

  RpcError transport = DecodeRpcError(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"), no_trailers);
  CHECK_FALSE(transport.from_gateway);
  CHECK(transport.CouldNotConnect());
  CHECK(FormatRpcError(transport) == "error: UNAVAILABLE: connection refused\n");

  RpcError deadline = DecodeRpcError(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "late"), no_trailers);
  CHECK(deadline.detail.code() == "DEADLINE_EXCEEDED");
  CHECK_FALSE(deadline.CouldNotConnect());
}

TEST_CASE("a channel with unreadable TLS files is refused before connecting", "[grpc_client]") {
  ChannelOptions options;
  options.address = "127.0.0.1:1";
  options.tls = TlsFiles{"/nonexistent/ca.pem", "/nonexistent/cert.pem", "/nonexistent/key.pem", ""};
  StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
  REQUIRE_FALSE(channel.ok());
  CHECK(channel.status().code() == ErrorCode::kInvalidArgument);
  CHECK(channel.status().message() == "cannot read the CA file /nonexistent/ca.pem");

  options.tls.reset();
  CHECK(MakeChannel(options).ok());
}

v1::QueueSummary QueueRow(const std::string& agency, const std::string& code, const std::string& name, uint64_t pending,
                          uint64_t dead_letters, uint64_t overdue) {
  v1::QueueSummary queue;
  queue.set_agency_code(agency);
  queue.set_recipient_code(code);
  queue.set_recipient_name(name);
  queue.set_pending(pending);
  queue.set_dead_letters(dead_letters);
  queue.set_overdue(overdue);
  return queue;
}

TEST_CASE("the overview lists organisations by agency, then the totals, and flags what wants attention",
          "[format][watch]") {
  v1::ListQueuesResponse response;
  *response.add_queues() = QueueRow("ZAGS", "ZAGS-BARNAUL", "ЗАГС Барнаула", 3, 0, 1);
  *response.add_queues() = QueueRow("HEALTH", "HEALTH-CRH-1", "ЦРБ", 1, 2, 0);
  *response.add_queues() = QueueRow("HEALTH", "HEALTH-A", "Минздрав", 0, 0, 0);
  response.mutable_queues(0)->set_leased(1);
  response.mutable_queues(0)->set_due_soon(2);
  *response.mutable_queues(0)->mutable_oldest_pending_accepted_at() = At(kAcceptedSeconds, 123'000'000);
  *response.mutable_queues(1)->mutable_oldest_pending_accepted_at() = At(kAcceptedSeconds + 60, 123'000'000);

  const std::string text = FormatOverview(response, kAcceptedMs + 65'000, false);
  CHECK(text ==
        "AGENCY  ORGANISATION  NAME             PENDING  LEASED  OLDEST UNACKED  DEAD LETTERS  DUE SOON  OVERDUE"
        "  ATTENTION\n"
        "------  ------------  ---------------  -------  ------  --------------  ------------  --------  -------"
        "  ---------------------\n"
        "HEALTH  HEALTH-A      Минздрав               0       0               -             0         0        0"
        "  -\n"
        "HEALTH  HEALTH-CRH-1  ЦРБ                    1       0              5s             2         0        0"
        "  dead letters\n"
        "ZAGS    ZAGS-BARNAUL  ЗАГС Барнаула          3       1          1m 05s             0         2        1"
        "  overdue\n"
        "total   -             3 organisations        4       1          1m 05s             2         2        1"
        "  overdue, dead letters\n");

  // On a terminal the rows that want attention are bold red, the others as they were.
  const std::string highlighted = FormatOverview(response, kAcceptedMs + 65'000, true);
  CHECK(highlighted.find("\n\x1b[1;31mHEALTH  HEALTH-CRH-1  ЦРБ ") != std::string::npos);
  CHECK(highlighted.find("overdue\x1b[0m\n") != std::string::npos);
  CHECK(highlighted.find("\nHEALTH  HEALTH-A      Минздрав ") != std::string::npos);
  CHECK(highlighted.find("\x1b[1;31mtotal ") != std::string::npos);
}

TEST_CASE("the overview shortens the organisations' names to fit a narrow terminal", "[format][watch]") {
  v1::ListQueuesResponse response;
  *response.add_queues() = QueueRow("SOCPROT", "SOCPROT-HQ",
                                    "Министерство социальной защиты Алтайского края (центральный аппарат)", 0, 0, 0);
  const std::string wide = FormatOverview(response, kAcceptedMs, false, 0);
  CHECK(wide.find("(центральный аппарат)") != std::string::npos);
  const size_t full_width = DisplayWidth(wide.substr(0, wide.find('\n')));
  CHECK(FormatOverview(response, kAcceptedMs, false, full_width + 10) == wide);  // fits: untouched
  const std::string narrow = FormatOverview(response, kAcceptedMs, false, full_width - 20);
  INFO(narrow);
  const std::string header = narrow.substr(0, narrow.find('\n'));
  CHECK(DisplayWidth(header) <= full_width - 20);
  CHECK(narrow.find(" Министерство социальной защиты Алтайского края…  ") != std::string::npos);
  // Never below 16 characters: the table is then wider than asked.
  const std::string tiny = FormatOverview(response, kAcceptedMs, false, 40);
  INFO(tiny);
  CHECK(tiny.find(" Министерство со… ") != std::string::npos);
}

TEST_CASE("the audit log prints one row per entry, then the page token", "[format][audit]") {
  v1::AuditPage page;
  v1::AuditEntry* reveal = page.add_entries();
  *reveal->mutable_at() = At(kAcceptedSeconds, 123'000'000);
  reveal->set_operator_("petrov");
  reveal->set_role(config::v1::OPERATOR_ROLE_SUPERVISOR);
  reveal->set_action("reveal");
  reveal->set_target("0193a1b2-0000-7000-8000-000000000001");
  reveal->set_detail("personal data shown");
  reveal->set_client("cli ipv4:127.0.0.1:40112");
  v1::AuditEntry* failed = page.add_entries();
  *failed->mutable_at() = At(kAcceptedSeconds - 60);
  failed->set_operator_("nobody");
  failed->set_action("sign_in_failed");
  failed->set_client("console 10.0.0.5:53211");
  page.set_next_page_token("AAAB");
  CHECK(FormatAudit(page) ==
        "TIME (UTC)                OPERATOR  ROLE        ACTION          TARGET                                "
        "CLIENT                    DETAIL\n"
        "------------------------  --------  ----------  --------------  ------------------------------------  "
        "------------------------  -------------------\n"
        "2026-11-24T10:15:30.123Z  petrov    supervisor  reveal          0193a1b2-0000-7000-8000-000000000001  "
        "cli ipv4:127.0.0.1:40112  personal data shown\n"
        "2026-11-24T10:14:30.000Z  nobody    -           sign_in_failed  -                                     "
        "console 10.0.0.5:53211    -\n"
        "2 entries; next page token: AAAB\n");
  page.clear_next_page_token();
  page.mutable_entries()->RemoveLast();
  CHECK(FormatAudit(page).ends_with("\n1 entry; last page.\n"));
  CHECK(FormatAudit(v1::AuditPage()) == "0 entries; last page.\n");
}

TEST_CASE("roles print in lower case", "[format]") {
  CHECK(RoleName(config::v1::OPERATOR_ROLE_OPERATOR) == "operator");
  CHECK(RoleName(config::v1::OPERATOR_ROLE_ADMINISTRATOR) == "administrator");
  CHECK(RoleName(config::v1::OPERATOR_ROLE_LOOPBACK) == "loopback");
  CHECK(RoleName(config::v1::OPERATOR_ROLE_UNSPECIFIED) == "-");
}

TEST_CASE("a message view prints the status, the seal, the late party and the envelope's fields", "[format][show]") {
  v1::MessageView view;
  v1::MessageStatus& status = *view.mutable_status();
  status.set_message_id("0193a1b2-0000-7000-8000-000000000001");
  status.set_kind(v1::MESSAGE_KIND_REQUEST);
  status.set_state(v1::MESSAGE_STATE_ACCEPTED);
  status.set_sender_code("SOCPROT-BARNAUL");
  status.set_recipient_code("ZAGS-BARNAUL");
  *status.mutable_accepted_at() = At(kAcceptedSeconds, 123'000'000);
  v1::Message& message = *view.mutable_message();
  message.set_message_id(status.message_id());
  message.set_sender_code("SOCPROT-BARNAUL");
  message.set_sealed_xml("<sealed/>");
  v1::RequestEnvelope& request = *message.mutable_request();
  request.set_requester_code("SOCPROT-BARNAUL");
  request.mutable_citizen()->set_last_name("И.");
  request.mutable_citizen()->add_other_identifiers()->set_kind("passport");
  *request.mutable_registration()->mutable_sent_date() = v1::Date();
  request.mutable_registration()->mutable_sent_date()->set_year(2026);
  request.mutable_registration()->mutable_sent_date()->set_month(3);
  request.mutable_registration()->mutable_sent_date()->set_day(10);
  request.mutable_reply_contact()->set_postal_address("line one\nline two");
  view.set_masked(true);
  view.set_payload_bytes(1234);
  view.mutable_seal()->set_verdict(v1::SEAL_VERDICT_VALID);
  view.mutable_seal()->set_algorithm("gost2012-256");
  view.mutable_seal()->set_signer("CN=mezhved");
  view.set_late_party_code("ZAGS-BARNAUL");
  view.set_late_party_name("ЗАГС");
  view.set_working_days_late(3);

  const std::string text = FormatMessageView(view, kAcceptedMs + 5'000);
  INFO(text);
  CHECK(text.starts_with(FormatMessageStatus(status, kAcceptedMs + 5'000) + "\n"));
  CHECK(text.find("\nSeal:             VALID, gost2012-256 by CN=mezhved\n"
                  "Owes the answer:  ZAGS-BARNAUL (ЗАГС), 3 working days late\n"
                  "Payload:          1234 bytes, not shown\n"
                  "\nEnvelope (personal data masked):\n") != std::string::npos);
  CHECK(
      text.ends_with("Envelope (personal data masked):\n"
                     "  request.requester_code:                     SOCPROT-BARNAUL\n"
                     "  request.citizen.last_name:                  И.\n"
                     "  request.citizen.other_identifiers[0].kind:  passport\n"
                     "  request.reply_contact.postal_address:       line one line two\n"
                     "  request.registration.sent_date:             2026-03-10\n"));
  CHECK(text.find("sealed") == std::string::npos);  // the sealed form is never printed

  view.set_masked(false);
  request.set_payload("<a/>");
  const std::string revealed = FormatMessageView(view, kAcceptedMs);
  CHECK(revealed.find("\nEnvelope (personal data REVEALED):\n") != std::string::npos);
  CHECK(revealed.find("\n  request.payload:") != std::string::npos);
  CHECK(revealed.find("4 bytes (--json shows them)\n") != std::string::npos);
}

TEST_CASE("whoami prints the operator, its role and what it may do", "[format]") {
  v1::ConsoleSession session;
  session.set_operator_("sidorova");
  session.set_role(config::v1::OPERATOR_ROLE_AUDITOR);
  session.add_permissions("view");
  session.add_permissions("reports");
  session.add_permissions("audit");
  session.set_authenticated_by("certificate");
  session.set_instance_name("altai");
  CHECK(FormatSession(session) ==
        "Operator:       sidorova\n"
        "Role:           auditor\n"
        "May:            view, reports, audit\n"
        "Identified by:  certificate\n"
        "Gateway:        altai\n");
}

}  // namespace
}  // namespace mezhved::ctl
