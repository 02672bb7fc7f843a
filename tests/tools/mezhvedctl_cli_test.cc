// The mezhvedctl binary against the real mezhvedd on loopback ports: option wiring, identity in both modes, output
// of real queues and messages (dead letters made by real deliveries), stable error codes and exit statuses.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "adapters/console/password.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"
#include "tests/tools/gateway_under_test.h"

namespace mezhved::testing {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::milliseconds kCommandTimeout{15'000};
// Well-formed, never issued by the gateway.
constexpr char kUnknownId[] = "0193a1b2-0000-7000-8000-000000000001";
// The simulated clock's start, 2026-03-10T07:00:00Z: Tuesday 10:00 in Moscow, the test region's time (no agency of
// SmallRegionConfigText sets a utc_offset). Monday 9 March is a holiday of the 2026 federal calendar.
constexpr UnixMillis kTuesdayMs = 1'773'126'000'000;
constexpr int64_t kDayMs = 86'400'000;

CommandResult Mezhvedctl(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), MEZHVEDCTL_PATH);
  return RunCommand(arguments, kCommandTimeout);
}

// The operators of SmallRegionConfigText by role ("duty" has none configured: an operator).
constexpr char kOnDuty[] = "duty";              // operator: views, requeues
constexpr char kOperatorIvanova[] = "ivanova";  // operator
constexpr char kSupervisor[] = "petrov";        // views, reveals, reports
constexpr char kAuditor[] = "sidorova";         // views, reports, the audit log
constexpr char kAdministrator[] = "admin";      // views

// mezhvedctl --server <operator API> plus the identity of operator `name`: --insecure --operator NAME (mezhvedctl's
// default, "duty", goes without the option), or its TLS certificate (CN "operator-NAME").
CommandResult CtlAs(GatewayUnderTest& gateway, const std::string& name, const std::vector<std::string>& arguments) {
  std::vector<std::string> all = {"--server", gateway.operator_address()};
  if (gateway.tls()) {
    const CertFiles& cert = gateway.Client("operator-" + name);
    all.insert(all.end(),
               {"--ca", gateway.pki().ca_file().string(), "--cert", cert.cert.string(), "--key", cert.key.string()});
  } else {
    all.push_back("--insecure");
    if (name != kOnDuty) {
      all.insert(all.end(), {"--operator", name});
    }
  }
  all.insert(all.end(), arguments.begin(), arguments.end());
  return Mezhvedctl(all);
}

// As operator "duty".
CommandResult Ctl(GatewayUnderTest& gateway, const std::vector<std::string>& arguments) {
  return CtlAs(gateway, kOnDuty, arguments);
}

// The cells of a table row: mezhvedctl's tables separate columns by at least two spaces.
std::vector<std::string> Cells(const std::string& line) {
  static const std::regex kSeparator(" {2,}");
  std::string trimmed = std::regex_replace(line, std::regex("^ +| +$"), "");
  return {std::sregex_token_iterator(trimmed.begin(), trimmed.end(), kSeparator, -1), std::sregex_token_iterator()};
}

// The cells of the first line of `text` whose first cell is `key`; empty when there is none.
std::vector<std::string> RowOf(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> cells = Cells(line);
    if (!cells.empty() && cells[0] == key) {
      return cells;
    }
  }
  return {};
}

// The cells of the first row of a table in `text` whose cell `column` is `value`; empty when there is none.
std::vector<std::string> RowWith(const std::string& text, size_t column, const std::string& value) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> cells = Cells(line);
    if (cells.size() > column && cells[column] == value) {
      return cells;
    }
  }
  return {};
}

// The rows of an `audit` table whose ACTION is `action`, newest first as listed: TIME, OPERATOR, ROLE, ACTION, TARGET,
// CLIENT, DETAIL.
std::vector<std::vector<std::string>> AuditRows(const std::string& text, const std::string& action) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> cells = Cells(line);
    if (cells.size() == 7 && cells[3] == action) {
      rows.push_back(cells);
    }
  }
  return rows;
}

// The message ids in the order a `list` table shows them.
std::vector<std::string> ListedIds(const std::string& text) {
  static const std::regex kId("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  std::vector<std::string> ids;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> cells = Cells(line);
    if (!cells.empty() && std::regex_match(cells[0], kId)) {
      ids.push_back(cells[0]);
    }
  }
  return ids;
}

// The cells of a `report` table row: agency code and organisation code ("all" for agency rows and the total).
std::vector<std::string> ReportRow(const std::string& text, const std::string& agency,
                                   const std::string& organisation) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> cells = Cells(line);
    if (cells.size() > 2 && cells[0] == agency && cells[1] == organisation) {
      return cells;
    }
  }
  return {};
}

// The rows of the gateway's CSV export (no quoted fields in the test region's names), the header first.
std::vector<std::vector<std::string>> CsvRows(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(csv);
  for (std::string line; std::getline(lines, line);) {
    if (line.ends_with('\r')) {
      line.pop_back();
    }
    std::vector<std::string> fields;
    std::istringstream cells(line);
    for (std::string field; std::getline(cells, field, ',');) {
      fields.push_back(field);
    }
    rows.push_back(fields);
  }
  return rows;
}

// The named columns of the CSV row whose organisation_code is `organisation`; empty when there is none.
std::map<std::string, std::string> CsvOrganisation(const std::string& csv, const std::string& organisation) {
  std::vector<std::vector<std::string>> rows = CsvRows(csv);
  const std::vector<std::string>& header = rows.at(0);
  for (size_t i = 1; i < rows.size(); ++i) {
    std::map<std::string, std::string> named;
    for (size_t column = 0; column < header.size() && column < rows[i].size(); ++column) {
      named[header[column]] = rows[i][column];
    }
    if (named["level"] == "organisation" && named["organisation_code"] == organisation) {
      return named;
    }
  }
  return {};
}

// The element of a JSON array whose `key` is `value`; null when there is none.
nlohmann::json FindBy(const nlohmann::json& array, const std::string& key, const std::string& value) {
  for (const nlohmann::json& element : array) {
    if (element.contains(key) && element[key] == value) {
      return element;
    }
  }
  return nullptr;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string NextPageToken(const std::string& text) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex("; next page token: (\\S+)\n$"))) {
    return "";
  }
  return match[1];
}

TEST_CASE("mezhvedctl queues shows the gateway's real queue depths and names the operator", "[mezhvedctl]") {
  GatewayUnderTest gateway;
  CommandResult empty = Ctl(gateway, {"queues"});
  CHECK(empty.exit_status == 0);
  // Every organisation of the registry has a queue, empty on a fresh gateway.
  std::vector<std::string> fresh_zags = RowOf(empty.out, kZags);
  REQUIRE(fresh_zags.size() == 6);
  CHECK(fresh_zags[2] == "0");
  CHECK(fresh_zags[5] == "-");

  for (const char* key : {"q-1", "q-2", "q-3"}) {
    gateway.Send(kSocialDept, kZags, key);
  }
  gateway.Send(kSocialDept, kHospital, "q-4");
  REQUIRE(gateway.Receive(kZags, 1, 2'000).size() == 1);  // leased for the configured 30 s

  CommandResult result = Ctl(gateway, {"queues"});
  INFO(result.err);
  CHECK(result.exit_status == 0);
  CHECK(result.err.empty());
  CHECK(result.out.starts_with("RECIPIENT"));
  CHECK(Cells(result.out.substr(0, result.out.find('\n'))) ==
        std::vector<std::string>{"RECIPIENT", "NAME", "PENDING", "LEASED", "DEAD LETTERS", "OLDEST PENDING"});
  std::vector<std::string> zags = RowOf(result.out, kZags);
  REQUIRE(zags.size() == 6);
  CHECK(zags[1] == "Отдел ЗАГС г. Барнаула");
  CHECK(std::vector<std::string>(zags.begin() + 2, zags.begin() + 5) == std::vector<std::string>{"3", "1", "0"});
  CHECK(std::regex_match(zags[5], std::regex("\\d+s")));
  std::vector<std::string> hospital = RowOf(result.out, kHospital);
  REQUIRE(hospital.size() == 6);
  CHECK(std::vector<std::string>(hospital.begin() + 2, hospital.begin() + 5) ==
        std::vector<std::string>{"1", "0", "0"});
  std::vector<std::string> social = RowOf(result.out, kSocialDept);  // nothing was sent to it
  REQUIRE(social.size() == 6);
  CHECK(social[2] == "0");

  // Protobuf JSON: 64-bit counters are strings, every field is printed.
  CommandResult json = Ctl(gateway, {"queues", "--json"});
  CHECK(json.exit_status == 0);
  nlohmann::json parsed = nlohmann::json::parse(json.out);
  REQUIRE(parsed["queues"].size() == 7);  // every organisation of the test region
  for (const nlohmann::json& queue : parsed["queues"]) {
    if (queue["recipientCode"] == kZags) {
      CHECK(queue["agencyCode"] == "ZAGS");
      CHECK(queue["pending"] == "3");
      CHECK(queue["leased"] == "1");
      CHECK(queue["deadLetters"] == "0");
      CHECK(!queue["oldestPendingAcceptedAt"].get<std::string>().empty());
    }
  }

  // --operator names a configured operator in the insecure mode, before or after the subcommand.
  CHECK(Ctl(gateway, {"--operator", "duty", "queues"}).exit_status == 0);
  CHECK(Ctl(gateway, {"queues", "--operator", "duty"}).exit_status == 0);
  CommandResult stranger = Ctl(gateway, {"queues", "--operator", "alice"});
  CHECK(stranger.exit_status == 1);
  CHECK(stranger.out.empty());
  CHECK(stranger.err.starts_with("error: UNAUTHENTICATED: "));
}

TEST_CASE("mezhvedctl list pages through a real queue", "[mezhvedctl]") {
  GatewayUnderTest gateway;
  std::vector<std::string> ids;
  for (const char* key : {"l-1", "l-2", "l-3"}) {
    ids.push_back(gateway.Send(kSocialDept, kZags, key));
  }

  CommandResult whole = Ctl(gateway, {"list", kZags});
  CHECK(whole.exit_status == 0);
  CHECK(ListedIds(whole.out) == ids);  // oldest first
  CHECK(whole.out.ends_with("\n3 messages; last page.\n"));
  std::vector<std::string> row = RowOf(whole.out, ids[0]);
  REQUIRE(row.size() == 9);
  CHECK(std::vector<std::string>(row.begin() + 1, row.begin() + 5) ==
        std::vector<std::string>{"REQUEST", "ACCEPTED", kSocialDept, "zags.civil-status-record 1.0"});
  CHECK(std::regex_match(row[5], std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z")));
  CHECK(row[7] == "0");
  CHECK(std::regex_match(row[8], std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\(RUNNING\\)")));

  CommandResult first = Ctl(gateway, {"list", kZags, "--limit", "2"});
  CHECK(first.exit_status == 0);
  CHECK(ListedIds(first.out) == std::vector<std::string>{ids[0], ids[1]});
  CHECK(first.out.find("2 messages; next page token: ") != std::string::npos);
  std::string token = NextPageToken(first.out);
  REQUIRE(!token.empty());
  CommandResult second = Ctl(gateway, {"list", kZags, "--limit", "2", "--page-token", token});
  CHECK(second.exit_status == 0);
  CHECK(ListedIds(second.out) == std::vector<std::string>{ids[2]});
  CHECK(second.out.ends_with("\n1 message; last page.\n"));
  // A page that ends exactly at the end of the queue is the last one.
  CHECK(Ctl(gateway, {"list", kZags, "--limit", "3"}).out.ends_with("\n3 messages; last page.\n"));

  CommandResult newest = Ctl(gateway, {"list", kZags, "--newest-first", "--limit", "1"});
  CHECK(ListedIds(newest.out) == std::vector<std::string>{ids[2]});
  CHECK(!NextPageToken(newest.out).empty());

  CommandResult all = Ctl(gateway, {"list", kZags, "--all", "--limit", "1"});
  CHECK(all.exit_status == 0);
  CHECK(ListedIds(all.out) == ids);
  CHECK(all.out.ends_with("\n3 messages; last page.\n"));

  CommandResult json = Ctl(gateway, {"--json", "list", kZags, "--all", "--limit", "2"});
  CHECK(json.exit_status == 0);
  nlohmann::json parsed = nlohmann::json::parse(json.out);
  REQUIRE(parsed["messages"].size() == 3);
  for (size_t i = 0; i < ids.size(); ++i) {
    CHECK(parsed["messages"][i]["messageId"] == ids[i]);
  }
  CHECK(parsed["messages"][0]["kind"] == "MESSAGE_KIND_REQUEST");
  CHECK(parsed["messages"][0]["state"] == "MESSAGE_STATE_ACCEPTED");
  CHECK(parsed["messages"][0]["senderCode"] == kSocialDept);
  CHECK(parsed["messages"][0]["deliveryAttempts"] == 0);
  CHECK(parsed["nextPageToken"] == "");

  CHECK(Ctl(gateway, {"list", kZags, "--dead-letters"}).out == "0 messages; last page.\n");
}

// mezhvedctl in the insecure mode with the local time zone `zone` (a POSIX TZ string, which needs no tzdata), so
// that local dates mean the same wherever the test runs.
CommandResult CtlInZone(GatewayUnderTest& gateway, const std::string& zone, const std::vector<std::string>& arguments) {
  std::vector<std::string> all = {"/usr/bin/env", "TZ=" + zone, MEZHVEDCTL_PATH, "--server", gateway.operator_address(),
                                  "--insecure"};
  all.insert(all.end(), arguments.begin(), arguments.end());
  return RunCommand(all, kCommandTimeout);
}

TEST_CASE("mezhvedctl list filters by state, type and acceptance time, and shows each deadline", "[mezhvedctl]") {
  GatewayUnderTest gateway(GatewayUnderTest::Mode::kInsecure, {kTuesdayMs});
  // Accepted on Tuesday 10, Wednesday 11 and Thursday 12 March, 10:00 in Moscow (07:00Z).
  std::vector<std::string> ids;
  for (const char* key : {"f-1", "f-2", "f-3"}) {
    ids.push_back(gateway.Send(kSocialDept, kZags, key));
    gateway.AdvanceClock(kDayMs);
  }
  REQUIRE(gateway.Receive(kZags, 1, 2'000).size() == 1);  // the first one, leased

  CommandResult leased = Ctl(gateway, {"list", kZags, "--state", "delivered"});
  INFO(leased.err);
  CHECK(leased.exit_status == 0);
  CHECK(ListedIds(leased.out) == std::vector<std::string>{ids[0]});
  CHECK(Cells(leased.out.substr(0, leased.out.find('\n'))).back() == "ANSWER DUE (UTC)");
  // Received on Tuesday 10 March: due before Tuesday 17 March, midnight in Moscow.
  CHECK(RowOf(leased.out, ids[0]).back() == "2026-03-17T21:00:00.000Z (RUNNING)");

  CHECK(ListedIds(Ctl(gateway, {"list", kZags, "--state", "ACCEPTED", "--type", "zags.civil-status-record"}).out) ==
        std::vector<std::string>{ids[1], ids[2]});
  CHECK(Ctl(gateway, {"list", kZags, "--type", "health.disability-status"}).out == "0 messages; last page.\n");

  // Local dates count whole days of the machine's zone; instants are exact, the end excluded.
  CommandResult wednesday = CtlInZone(gateway, "MSK-3", {"list", kZags, "--from", "2026-03-11", "--to", "2026-03-11"});
  INFO(wednesday.err);
  CHECK(ListedIds(wednesday.out) == std::vector<std::string>{ids[1]});
  // Ten hours behind UTC (POSIX counts west), 10 March runs from 10:00Z to 10:00Z: Wednesday's message came at 21:00.
  CHECK(ListedIds(CtlInZone(gateway, "UTC+10", {"list", kZags, "--from", "2026-03-10", "--to", "2026-03-10"}).out) ==
        std::vector<std::string>{ids[1]});
  CHECK(ListedIds(Ctl(gateway, {"list", kZags, "--from", "2026-03-11T07:00:00Z", "--newest-first"}).out) ==
        std::vector<std::string>{ids[2], ids[1]});
  CHECK(ListedIds(Ctl(gateway, {"list", kZags, "--to", "2026-03-11T10:00:00+03:00"}).out) ==
        std::vector<std::string>{ids[0]});

  CommandResult json = Ctl(gateway, {"--json", "list", kZags, "--state", "delivered"});
  CHECK(json.exit_status == 0);
  nlohmann::json parsed = nlohmann::json::parse(json.out);
  REQUIRE(parsed["messages"].size() == 1);
  CHECK(parsed["messages"][0]["answerDueAt"] == "2026-03-17T21:00:00Z");
  CHECK(parsed["messages"][0]["deadlineStatus"] == "DEADLINE_STATUS_RUNNING");
  CHECK(parsed["messages"][0]["recipientCode"] == kZags);

  // What does not parse is a usage error; a range that ends before it starts is the gateway's refusal.
  CHECK(Ctl(gateway, {"list", kZags, "--state", "frozen"}).exit_status == 2);
  CHECK(Ctl(gateway, {"list", kZags, "--from", "2026-02-30"}).exit_status == 2);
  CHECK(Ctl(gateway, {"list", kZags, "--to", "tomorrow"}).exit_status == 2);
  CommandResult backwards = Ctl(gateway, {"list", kZags, "--from", "2026-03-12T00:00:00Z", "--to", "2026-03-10"});
  CHECK(backwards.exit_status == 1);
  CHECK(backwards.err.starts_with("error: INVALID_ARGUMENT: "));
  CHECK(backwards.err.find("accepted_to") != std::string::npos);
}

TEST_CASE("mezhvedctl prints the gateway's stable error code and exits 1", "[mezhvedctl]") {
  GatewayUnderTest gateway;

  CommandResult missing = Ctl(gateway, {"show", kUnknownId});
  CHECK(missing.exit_status == 1);
  CHECK(missing.out.empty());
  CHECK(missing.err.starts_with("error: NOT_FOUND: "));
  CHECK(missing.err.find(kUnknownId) != std::string::npos);

  CommandResult json = Ctl(gateway, {"show", kUnknownId, "--json"});
  CHECK(json.exit_status == 1);
  nlohmann::json detail = nlohmann::json::parse(json.out);
  CHECK(detail["code"] == "NOT_FOUND");
  CHECK(detail["message"].get<std::string>().find(kUnknownId) != std::string::npos);

  // Invalid arguments name the failing field.
  CommandResult malformed = Ctl(gateway, {"show", "missing"});
  CHECK(malformed.exit_status == 1);
  CHECK(malformed.err.starts_with("error: INVALID_ARGUMENT: "));
  CHECK(malformed.err.find("\n  message_id MALFORMED") != std::string::npos);
  CommandResult bad_token = Ctl(gateway, {"list", kZags, "--page-token", "not-a-token"});
  CHECK(bad_token.exit_status == 1);
  CHECK(bad_token.err.starts_with("error: INVALID_ARGUMENT: "));

  // The agency API's address answers, but not with the operator API.
  CommandResult wrong_port = Mezhvedctl({"--server", gateway.agency_address(), "--insecure", "queues"});
  CHECK(wrong_port.exit_status == 1);
  CHECK(wrong_port.err.starts_with("error: UNIMPLEMENTED"));
  CHECK(wrong_port.err.find("does not serve the operator API") != std::string::npos);
}

TEST_CASE("mezhvedctl shows and requeues real dead letters", "[mezhvedctl]") {
  GatewayUnderTest gateway;
  std::string dead1 = gateway.Send(kSocialDept, kZags, "d-1");
  std::string dead2 = gateway.Send(kSocialDept, kZags, "d-2");
  gateway.DeadLetter(kZags, {dead1, dead2});
  std::string live = gateway.Send(kSocialDept, kZags, "d-3");

  CommandResult show = Ctl(gateway, {"show", dead1});
  INFO(show.out << show.err);
  CHECK(show.exit_status == 0);
  CHECK(show.out.starts_with("Message:            " + dead1 + "\n"));
  CHECK(show.out.find("State:              DEAD_LETTERED\n") != std::string::npos);
  CHECK(show.out.find("Recipient:          ZAGS-BARNAUL\n") != std::string::npos);
  CHECK(show.out.find("Delivery attempts:  3\n") != std::string::npos);
  std::vector<std::string> history_header = RowOf(show.out.substr(show.out.find("History:\n")), "TIME (UTC)");
  CHECK(history_header == std::vector<std::string>{"TIME (UTC)", "STATE", "ACTOR", "ATTEMPT", "DETAILS"});
  CHECK(std::regex_search(show.out, std::regex("Z  ACCEPTED +SOCPROT-BARNAUL")));
  for (const char* attempt : {"1", "2", "3"}) {
    CHECK(std::regex_search(show.out, std::regex(std::string("Z  DELIVERED +ZAGS-BARNAUL +") + attempt + "\\b")));
  }
  CHECK(std::regex_search(show.out, std::regex("Z  DEAD_LETTERED ")));
  nlohmann::json shown = nlohmann::json::parse(Ctl(gateway, {"show", dead1, "--json"}).out);
  CHECK(shown["status"]["state"] == "MESSAGE_STATE_DEAD_LETTERED");
  CHECK(shown["status"]["history"].back()["state"] == "MESSAGE_STATE_DEAD_LETTERED");
  CHECK(shown["masked"] == true);

  std::vector<std::string> queue = RowOf(Ctl(gateway, {"queues"}).out, kZags);
  REQUIRE(queue.size() == 6);
  CHECK(std::vector<std::string>(queue.begin() + 2, queue.begin() + 5) == std::vector<std::string>{"1", "0", "2"});
  // The overview flags the organisation with dead letters, and the totals.
  CommandResult overview = Ctl(gateway, {"watch", "--once"});
  CHECK(overview.exit_status == 0);
  std::vector<std::string> zags_overview = RowWith(overview.out, 1, kZags);
  REQUIRE(zags_overview.size() == 10);
  CHECK(zags_overview[6] == "2");
  CHECK(zags_overview[9] == "dead letters");
  CHECK(RowOf(overview.out, "total").at(9) == "dead letters");
  CHECK(RowWith(overview.out, 1, kHospital).at(9) == "-");
  CommandResult dead_letters = Ctl(gateway, {"list", kZags, "--dead-letters"});
  CHECK(ListedIds(dead_letters.out) == std::vector<std::string>{dead1, dead2});
  CHECK(RowOf(dead_letters.out, dead1).at(2) == "DEAD_LETTERED");
  CHECK(RowOf(dead_letters.out, dead1).at(7) == "3");

  // A batch with ids that stay where they are: exit 1, and each id's outcome.
  CommandResult partly = Ctl(gateway, {"requeue", dead1, live, kUnknownId});
  CHECK(partly.exit_status == 1);
  CHECK(RowOf(partly.out, dead1) == std::vector<std::string>{dead1, "requeued"});
  CHECK(RowOf(partly.out, live) == std::vector<std::string>{live, "not requeued: NOT_DEAD_LETTERED"});
  CHECK(RowOf(partly.out, kUnknownId) == std::vector<std::string>{kUnknownId, "not requeued: NOT_FOUND"});

  CommandResult requeued = Ctl(gateway, {"requeue", dead2, "--json"});
  CHECK(requeued.exit_status == 0);
  nlohmann::json results = nlohmann::json::parse(requeued.out)["results"];
  REQUIRE(results.size() == 1);
  CHECK(results[0]["messageId"] == dead2);
  CHECK(results[0]["requeued"] == true);
  CHECK(results[0]["errorCode"] == "");

  CommandResult again = Ctl(gateway, {"requeue", dead2});
  CHECK(again.exit_status == 1);
  CHECK(again.out.find(dead2 + "  not requeued: NOT_DEAD_LETTERED\n") != std::string::npos);

  // The audit log has each message put back, newest first, with who, role and where from; not the ids that stayed.
  CommandResult audit = CtlAs(gateway, kAuditor, {"audit"});
  INFO(audit.out << audit.err);
  CHECK(audit.exit_status == 0);
  CHECK(Cells(audit.out.substr(0, audit.out.find('\n'))) ==
        std::vector<std::string>{"TIME (UTC)", "OPERATOR", "ROLE", "ACTION", "TARGET", "CLIENT", "DETAIL"});
  std::vector<std::vector<std::string>> requeues = AuditRows(audit.out, "requeue");
  REQUIRE(requeues.size() == 2);
  CHECK(requeues[0][4] == dead2);
  CHECK(requeues[1][4] == dead1);
  for (const std::vector<std::string>& row : requeues) {
    CHECK(std::regex_match(row[0], std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z")));
    CHECK(row[1] == kOnDuty);
    CHECK(row[2] == "operator");
    CHECK(std::regex_match(row[5], std::regex("cli ipv4:127\\.0\\.0\\.1:\\d+")));
    CHECK(row[6] == "dead letter put back into its queue");
  }
  CHECK(audit.out.ends_with("; last page.\n"));
  CommandResult first_page = CtlAs(gateway, kAuditor, {"audit", "--page-size", "1"});
  CHECK(AuditRows(first_page.out, "requeue").size() == 1);
  const std::string audit_token = NextPageToken(first_page.out);
  REQUIRE(!audit_token.empty());
  CommandResult second_page = CtlAs(gateway, kAuditor, {"audit", "--page-size", "1", "--page-token", audit_token});
  CHECK(AuditRows(second_page.out, "requeue").size() == 1);
  CHECK(AuditRows(CtlAs(gateway, kAuditor, {"audit", "--all", "--page-size", "1"}).out, "requeue").size() == 2);
  nlohmann::json entries = nlohmann::json::parse(CtlAs(gateway, kAuditor, {"--json", "audit"}).out)["entries"];
  nlohmann::json newest = FindBy(entries, "action", "requeue");
  REQUIRE(newest.is_object());
  CHECK(newest["target"] == dead2);
  CHECK(newest["operator"] == kOnDuty);
  CHECK(newest["role"] == "OPERATOR_ROLE_OPERATOR");
  // The operator on call mends delivery; the log of what operators did is the auditors'.
  CommandResult not_auditor = Ctl(gateway, {"audit"});
  CHECK(not_auditor.exit_status == 1);
  CHECK(not_auditor.err.starts_with("error: PERMISSION_DENIED: "));

  // Back at their original positions, before the live message, with the attempts reset.
  CHECK(gateway.GetMessage(dead1).state() == v1::MESSAGE_STATE_ACCEPTED);
  CHECK(Ctl(gateway, {"list", kZags, "--dead-letters"}).out == "0 messages; last page.\n");
  CHECK(ListedIds(Ctl(gateway, {"list", kZags}).out) == std::vector<std::string>{dead1, dead2, live});
  std::vector<v1::Message> redelivered = gateway.Receive(kZags, 10, 2'000);
  REQUIRE(redelivered.size() == 3);
  CHECK(redelivered[0].message_id() == dead1);
  CHECK(redelivered[0].delivery_attempt() == 1);
  CHECK(redelivered[1].message_id() == dead2);
  CHECK(redelivered[1].delivery_attempt() == 1);
}

TEST_CASE("mezhvedctl overdue names the late party of real overdue requests", "[mezhvedctl]") {
  GatewayUnderTest gateway(GatewayUnderTest::Mode::kInsecure, {kTuesdayMs});
  // Received Tuesday 10 March: 5 working days from Wednesday end on Tuesday 17 March, midnight in Moscow.
  std::string first = gateway.Send(kSocialDept, kZags, "o-1");
  gateway.AdvanceClock(kDayMs);
  // Received Wednesday 11 March: due before Thursday 19 March.
  std::string second = gateway.Send(kSocialDept, kHospital, "o-2");

  CommandResult none = Ctl(gateway, {"overdue"});
  CHECK(none.exit_status == 0);
  CHECK(none.out == "0 overdue requests; last page.\n");
  CHECK(Ctl(gateway, {"show", first}).out.find("Answer due before:  2026-03-17T21:00:00.000Z (RUNNING)\n") !=
        std::string::npos);

  gateway.SetClock(kTuesdayMs + 10 * kDayMs);  // Friday 20 March
  REQUIRE(gateway.WaitForDeadlineStatus(first, v1::DEADLINE_STATUS_OVERDUE));
  REQUIRE(gateway.WaitForDeadlineStatus(second, v1::DEADLINE_STATUS_OVERDUE));

  CommandResult overdue = Ctl(gateway, {"overdue"});
  INFO(overdue.out << overdue.err);
  CHECK(overdue.exit_status == 0);
  CHECK(Cells(overdue.out.substr(0, overdue.out.find('\n'))) ==
        std::vector<std::string>{"MESSAGE ID", "LATE PARTY", "NAME", "AGENCY", "REQUESTER", "INFORMATION TYPE",
                                 "DUE BEFORE (UTC)", "WORKING DAYS LATE"});
  CHECK(ListedIds(overdue.out) == std::vector<std::string>{first, second});  // the longest overdue first
  // Working days late, today included: 18, 19, 20 March; 19, 20 March.
  CHECK(RowOf(overdue.out, first) == std::vector<std::string>{first, kZags, "Отдел ЗАГС г. Барнаула", "ZAGS",
                                                              kSocialDept, "zags.civil-status-record 1.0",
                                                              "2026-03-17T21:00:00.000Z", "3"});
  CHECK(RowOf(overdue.out, second) == std::vector<std::string>{second, kHospital, "Центральная районная больница",
                                                               "HEALTH", kSocialDept, "zags.civil-status-record 1.0",
                                                               "2026-03-18T21:00:00.000Z", "2"});
  CHECK(overdue.out.ends_with("\n2 overdue requests; last page.\n"));
  // The overview counts them for the late organisations and flags their rows.
  CommandResult overview = Ctl(gateway, {"watch", "--once"});
  CHECK(overview.exit_status == 0);
  for (const char* late : {kZags, kHospital}) {
    std::vector<std::string> row = RowWith(overview.out, 1, late);
    REQUIRE(row.size() == 10);
    CHECK(row[8] == "1");
    CHECK(row[9] == "overdue");
  }
  CHECK(RowOf(overview.out, "total").at(8) == "2");

  CommandResult page = Ctl(gateway, {"overdue", "--limit", "1"});
  CHECK(ListedIds(page.out) == std::vector<std::string>{first});
  std::string token = NextPageToken(page.out);
  REQUIRE(!token.empty());
  CommandResult next = Ctl(gateway, {"overdue", "--limit", "1", "--page-token", token});
  CHECK(ListedIds(next.out) == std::vector<std::string>{second});
  CHECK(next.out.ends_with("\n1 overdue request; last page.\n"));
  CommandResult all = Ctl(gateway, {"overdue", "--all", "--limit", "1"});
  CHECK(ListedIds(all.out) == std::vector<std::string>{first, second});
  CHECK(all.out.ends_with("\n2 overdue requests; last page.\n"));

  CommandResult json = Ctl(gateway, {"--json", "overdue", "--all", "--limit", "1"});
  CHECK(json.exit_status == 0);
  nlohmann::json parsed = nlohmann::json::parse(json.out);
  REQUIRE(parsed["requests"].size() == 2);
  CHECK(parsed["requests"][0]["messageId"] == first);
  CHECK(parsed["requests"][0]["addresseeCode"] == kZags);
  CHECK(parsed["requests"][0]["agencyCode"] == "ZAGS");
  CHECK(parsed["requests"][0]["answerDueAt"] == "2026-03-17T21:00:00Z");
  CHECK(parsed["requests"][0]["workingDaysLate"] == 3);
  CHECK(parsed["nextPageToken"] == "");

  // show: the deadline status by the due date, the deadline events in the history, and the notices.
  CommandResult show = Ctl(gateway, {"show", first});
  CHECK(show.out.find("Answer due before:  2026-03-17T21:00:00.000Z (OVERDUE)\n") != std::string::npos);
  CHECK(std::regex_search(show.out, std::regex("Z  ACCEPTED +gateway +deadline OVERDUE\\b")));
  std::string notice_id;
  for (const v1::Message& message : gateway.Receive(kZags, 10, 0)) {
    if (message.kind() == v1::MESSAGE_KIND_NOTICE && message.notice().request_id() == first &&
        message.notice().event() == v1::DEADLINE_EVENT_OVERDUE) {
      notice_id = message.message_id();
    }
  }
  REQUIRE(!notice_id.empty());
  CommandResult notice = Ctl(gateway, {"show", notice_id});
  CHECK(notice.exit_status == 0);
  CHECK(notice.out.find("Kind:               NOTICE\n") != std::string::npos);
  CHECK(notice.out.find("About request:      " + first + "\n") != std::string::npos);
}

TEST_CASE("mezhvedctl report prints the gateway's own figures as a table, CSV or JSON", "[mezhvedctl]") {
  // Reports are a supervisor's (or an auditor's): see "roles" below for the operator on call.
  GatewayUnderTest gateway(GatewayUnderTest::Mode::kInsecure, {kTuesdayMs});
  std::string answered = gateway.Send(kSocialDept, kZags, "r-1");
  std::string open = gateway.Send(kSocialDept, kZags, "r-2");
  std::string refused = gateway.Send(kSocialDept, kHospital, "r-3");
  REQUIRE(gateway.Receive(kZags, 10, 0).size() == 2);
  REQUIRE(gateway.Receive(kHospital, 10, 0).size() == 1);
  gateway.AdvanceClock(3'600'000);  // answered an hour later, on the day of receipt: 0 working days
  gateway.Respond(kZags, answered, "a-1");
  gateway.Respond(kHospital, refused, "a-2", v1::REFUSAL_REASON_NO_DATA);

  // The table: the period, then the figures of the addressees, their agencies and the total.
  CommandResult table = CtlAs(gateway, kSupervisor, {"report", "2026-Q1"});
  INFO(table.out << table.err);
  CHECK(table.exit_status == 0);
  // The gateway's time runs on from the simulated clock's at the real pace.
  CHECK(std::regex_search(table.out, std::regex("^Report 2026-Q1: 2026-01-01 \\.\\. 2026-03-31, generated "
                                                "2026-03-10T08:00:\\d\\d\\.\\d{3}Z; the period is not over: "
                                                "the figures may still change\\.\n")));
  // Received, on time, late, open, overdue, refusals, median and p90 working days.
  std::vector<std::string> zags = ReportRow(table.out, "ZAGS", kZags);
  REQUIRE(zags.size() == 14);
  CHECK(zags[2] == "Отдел ЗАГС г. Барнаула");
  CHECK(std::vector<std::string>(zags.begin() + 3, zags.begin() + 11) ==
        std::vector<std::string>{"2", "1", "0", "1", "0", "0", "0", "0"});
  std::vector<std::string> hospital = ReportRow(table.out, "HEALTH", kHospital);
  REQUIRE(hospital.size() == 14);
  CHECK(std::vector<std::string>(hospital.begin() + 3, hospital.begin() + 9) ==
        std::vector<std::string>{"1", "1", "0", "0", "0", "1"});
  std::vector<std::string> zags_agency = ReportRow(table.out, "ZAGS", "all");
  REQUIRE(zags_agency.size() == 14);
  CHECK(zags_agency[2] == "Управление юстиции (ЗАГС)");
  CHECK(zags_agency[3] == "2");
  std::vector<std::string> total = ReportRow(table.out, "all", "all");
  REQUIRE(total.size() == 14);
  CHECK(std::vector<std::string>(total.begin() + 3, total.begin() + 9) ==
        std::vector<std::string>{"3", "2", "0", "1", "0", "1"});
  // show's history names the refusal's reason.
  CHECK(std::regex_search(Ctl(gateway, {"show", refused}).out,
                          std::regex("Z  REFUSED +HEALTH-CRH-1 +deadline STOPPED; refusal NO_DATA; message ")));

  // CSV and JSON are the gateway's export, byte for byte, on stdout or in a file.
  const std::string server_csv = gateway.GetReport("2026-Q1", v1::REPORT_FORMAT_CSV).exported();
  REQUIRE(!server_csv.empty());
  CommandResult csv = CtlAs(gateway, kSupervisor, {"report", "2026-Q1", "--format", "csv"});
  CHECK(csv.exit_status == 0);
  CHECK(csv.out == server_csv);
  std::map<std::string, std::string> zags_csv = CsvOrganisation(csv.out, kZags);
  CHECK(zags_csv["requests_received"] == "2");
  CHECK(zags_csv["answered_on_time"] == "1");
  CHECK(zags_csv["answered_late"] == "0");
  CHECK(zags_csv["open"] == "1");
  TempDir dir;
  CommandResult to_file =
      CtlAs(gateway, kSupervisor, {"report", "2026-Q1", "--format", "csv", "--output", (dir / "q1.csv").string()});
  CHECK(to_file.exit_status == 0);
  CHECK(to_file.out.empty());
  CHECK(ReadFile(dir / "q1.csv") == server_csv);

  CommandResult json_export = CtlAs(gateway, kSupervisor, {"report", "2026-Q1", "--format", "json"});
  CHECK(json_export.exit_status == 0);
  // The same export but for the instant it was made.
  nlohmann::json from_ctl = nlohmann::json::parse(json_export.out);
  nlohmann::json from_server = nlohmann::json::parse(gateway.GetReport("2026-Q1", v1::REPORT_FORMAT_JSON).exported());
  CHECK(from_ctl.at("generated_at").get<std::string>().starts_with("2026-03-10T08:00:"));
  from_ctl.erase("generated_at");
  from_server.erase("generated_at");
  CHECK(from_ctl == from_server);
  nlohmann::json exported = FindBy(from_ctl["organisations"], "organisation_code", kZags);
  REQUIRE(exported.is_object());
  CHECK(exported["requests_received"] == "2");
  CHECK(exported["answered_on_time"] == "1");
  CHECK(exported["open"] == "1");

  // --json: the API's response, like every other command.
  CommandResult api = CtlAs(gateway, kSupervisor, {"--json", "report", "2026-Q1"});
  CHECK(api.exit_status == 0);
  nlohmann::json response = nlohmann::json::parse(api.out);
  CHECK(response["report"]["period"] == "2026-Q1");
  CHECK(response["report"]["periodComplete"] == false);
  CHECK(response["report"]["total"]["requestsReceived"] == "3");
  nlohmann::json zags_json = FindBy(response["report"]["organisations"], "organisationCode", kZags);
  REQUIRE(zags_json.is_object());
  CHECK(zags_json["requestsReceived"] == "2");
  CHECK(zags_json["answeredOnTime"] == "1");
  CHECK(zags_json["open"] == "1");
  CHECK(response["exported"] == "");

  // Other spellings of a period with today in it, and one without.
  std::vector<std::string> day =
      ReportRow(CtlAs(gateway, kSupervisor, {"report", "2026-03-10..2026-03-10"}).out, "ZAGS", kZags);
  REQUIRE(day.size() == 14);
  CHECK(day[3] == "2");
  CHECK(ReportRow(CtlAs(gateway, kSupervisor, {"report", "2026-H1"}).out, "ZAGS", kZags).at(3) == "2");
  CommandResult later = CtlAs(gateway, kSupervisor, {"report", "2026-Q2"});
  CHECK(later.exit_status == 0);
  CHECK(ReportRow(later.out, "ZAGS", kZags).empty());
  CHECK(ReportRow(later.out, "all", "all").at(3) == "0");

  // A malformed period is the gateway's INVALID_ARGUMENT, naming the field.
  CommandResult malformed = CtlAs(gateway, kSupervisor, {"report", "2026-Q5"});
  CHECK(malformed.exit_status == 1);
  CHECK(malformed.out.empty());
  CHECK(malformed.err.starts_with("error: INVALID_ARGUMENT: "));
  CHECK(malformed.err.find("\n  period MALFORMED") != std::string::npos);
  CommandResult malformed_csv =
      CtlAs(gateway, kSupervisor, {"report", "last-year", "--format", "csv", "--output", (dir / "never.csv").string()});
  CHECK(malformed_csv.exit_status == 1);
  CHECK(malformed_csv.err.starts_with("error: INVALID_ARGUMENT: "));
  CHECK_FALSE(std::filesystem::exists(dir / "never.csv"));

  // Usage: the format is one of three, the period is required, the output file must be writable.
  CHECK(CtlAs(gateway, kSupervisor, {"report", "2026-Q1", "--format", "xlsx"}).exit_status == 2);
  CHECK(CtlAs(gateway, kSupervisor, {"report"}).exit_status == 2);
  CommandResult unwritable =
      CtlAs(gateway, kSupervisor,
            {"report", "2026-Q1", "--format", "csv", "--output", (dir / "missing" / "q1.csv").string()});
  CHECK(unwritable.exit_status == 2);
  CHECK(unwritable.err == "error: cannot write " + (dir / "missing" / "q1.csv").string() + "\n");
}

TEST_CASE("mezhvedctl watch --once prints the overview's figures per agency and organisation", "[mezhvedctl]") {
  GatewayUnderTest gateway;
  for (const char* key : {"w-1", "w-2", "w-3"}) {
    gateway.Send(kSocialDept, kZags, key);
  }
  gateway.Send(kSocialDept, kHospital, "w-4");
  REQUIRE(gateway.Receive(kZags, 1, 2'000).size() == 1);  // leased for the configured 30 s

  CommandResult frame = Ctl(gateway, {"watch", "--once"});
  INFO(frame.out << frame.err);
  CHECK(frame.exit_status == 0);
  CHECK(frame.err.empty());
  CHECK(frame.out.find('\x1b') == std::string::npos);  // no terminal codes off a terminal
  CHECK(std::regex_search(frame.out, std::regex("^Overview at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\n")));
  std::istringstream lines(frame.out);
  std::string line;
  std::getline(lines, line);
  std::getline(lines, line);
  CHECK(Cells(line) == std::vector<std::string>{"AGENCY", "ORGANISATION", "NAME", "PENDING", "LEASED", "OLDEST UNACKED",
                                                "DEAD LETTERS", "DUE SOON", "OVERDUE", "ATTENTION"});

  // The figures are the queues' own.
  const std::optional<v1::QueueSummary> queue = gateway.Queue(kZags);
  REQUIRE(queue.has_value());
  std::vector<std::string> zags = RowWith(frame.out, 1, kZags);
  REQUIRE(zags.size() == 10);
  CHECK(zags[0] == "ZAGS");
  CHECK(zags[2] == "Отдел ЗАГС г. Барнаула");
  CHECK(std::vector<std::string>{zags[3], zags[4], zags[6], zags[7], zags[8]} ==
        std::vector<std::string>{std::to_string(queue->pending()), std::to_string(queue->leased()),
                                 std::to_string(queue->dead_letters()), std::to_string(queue->due_soon()),
                                 std::to_string(queue->overdue())});
  CHECK(std::vector<std::string>{zags[3], zags[4], zags[6], zags[7], zags[8], zags[9]} ==
        std::vector<std::string>{"3", "1", "0", "0", "0", "-"});
  CHECK(std::regex_match(zags[5], std::regex("\\d+s")));
  std::vector<std::string> hospital = RowWith(frame.out, 1, kHospital);
  REQUIRE(hospital.size() == 10);
  CHECK(std::vector<std::string>(hospital.begin() + 3, hospital.begin() + 5) == std::vector<std::string>{"1", "0"});
  std::vector<std::string> social = RowWith(frame.out, 1, kSocialDept);  // nothing was sent to it
  REQUIRE(social.size() == 10);
  CHECK(social[3] == "0");
  CHECK(social[5] == "-");
  std::vector<std::string> total = RowOf(frame.out, "total");
  REQUIRE(total.size() == 10);
  CHECK(total[2] == "7 organisations");
  CHECK(std::vector<std::string>{total[3], total[4], total[6], total[7], total[8], total[9]} ==
        std::vector<std::string>{"4", "1", "0", "0", "0", "-"});
  // By agency, then organisation code, as in the console.
  std::vector<std::string> order;
  std::istringstream rows(frame.out);
  for (std::string row; std::getline(rows, row);) {
    std::vector<std::string> cells = Cells(row);
    if (cells.size() == 10 && cells[0] != "AGENCY" && cells[0] != "total" && !cells[0].starts_with("---")) {
      order.push_back(cells[0] + " " + cells[1]);
    }
  }
  CHECK(order.size() == 7);
  CHECK(std::is_sorted(order.begin(), order.end()));

  nlohmann::json json = nlohmann::json::parse(Ctl(gateway, {"--json", "watch", "--once"}).out);
  nlohmann::json zags_json = FindBy(json["queues"], "recipientCode", kZags);
  REQUIRE(zags_json.is_object());
  CHECK(zags_json["pending"] == "3");
  CHECK(zags_json["dueSoon"] == "0");
  CHECK(zags_json["overdue"] == "0");

  // Live, into a pipe: a frame per interval one after another, no terminal codes, until Ctrl-C (SIGINT), exit 0.
  CommandResult live = RunCommand({"/usr/bin/timeout", "--preserve-status", "--signal=INT", "1.5", MEZHVEDCTL_PATH,
                                   "--server", gateway.operator_address(), "--insecure", "watch", "--interval", "0.2"},
                                  kCommandTimeout);
  CHECK(live.exit_status == 0);
  CHECK(live.out.find('\x1b') == std::string::npos);
  size_t frames = 0;
  for (size_t at = live.out.find("Overview at "); at != std::string::npos; at = live.out.find("Overview at ", at + 1)) {
    ++frames;
  }
  CHECK(frames >= 2);

  CHECK(Ctl(gateway, {"watch", "--interval", "0"}).exit_status == 2);
}

TEST_CASE("mezhvedctl show masks the citizen's data, and --reveal shows it to a supervisor and records it",
          "[mezhvedctl]") {
  GatewayUnderTest gateway;
  const std::string id = gateway.Send(kSocialDept, kZags, "p-1");

  CommandResult masked = Ctl(gateway, {"show", id});
  INFO(masked.out << masked.err);
  CHECK(masked.exit_status == 0);
  CHECK(masked.out.starts_with("Message:            " + id + "\n"));
  CHECK(masked.out.find("\nEnvelope (personal data masked):\n") != std::string::npos);
  CHECK(std::regex_search(masked.out, std::regex("\n  request\\.requester_code: +SOCPROT-BARNAUL\n")));
  CHECK(std::regex_search(masked.out, std::regex("\nSeal: +UNSEALED\n")));  // a loopback trial has no sealing key
  CHECK(std::regex_search(masked.out, std::regex("\nOwes the answer: +ZAGS-BARNAUL \\(Отдел ЗАГС г\\. Барнаула\\), "
                                                 "not late\n")));
  // The test citizen (tests/support/envelopes.cc): surname, first name, SNILS, birth date.
  for (const char* personal : {"Иванова", "Мария", "112-233-445 95", "1948-03-17"}) {
    INFO(personal);
    CHECK(masked.out.find(personal) == std::string::npos);
  }
  nlohmann::json masked_json = nlohmann::json::parse(Ctl(gateway, {"--json", "show", id}).out);
  CHECK(masked_json["masked"] == true);
  CHECK(masked_json["status"]["messageId"] == id);
  CHECK(masked_json["message"]["request"]["citizen"]["lastName"] != "Иванова");

  // The operator on call may not look into the citizen's data.
  CommandResult refused = Ctl(gateway, {"show", id, "--reveal"});
  CHECK(refused.exit_status == 1);
  CHECK(refused.out.empty());
  CHECK(refused.err.starts_with("error: PERMISSION_DENIED: "));
  CHECK(refused.err.find("mezhvedctl whoami") != std::string::npos);
  CHECK(refused.err.find("notice:") == std::string::npos);

  CommandResult revealed = CtlAs(gateway, kSupervisor, {"show", id, "--reveal"});
  INFO(revealed.out << revealed.err);
  CHECK(revealed.exit_status == 0);
  CHECK(revealed.err.starts_with("notice: this reveal of the personal data of message " + id + " is recorded"));
  CHECK(revealed.out.find("\nEnvelope (personal data REVEALED):\n") != std::string::npos);
  CHECK(std::regex_search(revealed.out, std::regex("\n  request\\.citizen\\.last_name: +Иванова\n")));
  CHECK(std::regex_search(revealed.out, std::regex("\n  request\\.citizen\\.snils: +112-233-445 95\n")));

  // Recorded in the message's history and in the audit log.
  CHECK(std::regex_search(Ctl(gateway, {"show", id}).out,
                          std::regex("Z  [A-Z_]+ +operator:petrov +personal data shown to the operator\n")));
  std::vector<std::vector<std::string>> reveals = AuditRows(CtlAs(gateway, kAuditor, {"audit"}).out, "reveal");
  REQUIRE(reveals.size() == 1);
  CHECK(reveals[0][1] == kSupervisor);
  CHECK(reveals[0][2] == "supervisor");
  CHECK(reveals[0][4] == id);
  CHECK(reveals[0][5].starts_with("cli ipv4:127.0.0.1:"));

  // A reveal of nothing is refused and leaves no record.
  CommandResult missing = CtlAs(gateway, kSupervisor, {"show", kUnknownId, "--reveal"});
  CHECK(missing.exit_status == 1);
  CHECK(missing.err.starts_with("error: NOT_FOUND: "));
  CHECK(AuditRows(CtlAs(gateway, kAuditor, {"audit"}).out, "reveal").size() == 1);
}

TEST_CASE("mezhvedctl whoami names the operator, its role and what the role allows", "[mezhvedctl]") {
  GatewayUnderTest gateway;
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {kOnDuty, {"operator", "view, requeue"}},
      {kOperatorIvanova, {"operator", "view, requeue"}},
      {kSupervisor, {"supervisor", "view, reveal, reports"}},
      {kAuditor, {"auditor", "view, reports, audit"}},
      {kAdministrator, {"administrator", "view, administer"}}};
  for (const auto& [name, role_and_permissions] : expected) {
    INFO(name);
    CommandResult who = CtlAs(gateway, name, {"whoami"});
    CHECK(who.exit_status == 0);
    CHECK(who.out == "Operator:       " + name + "\nRole:           " + role_and_permissions.first +
                         "\nMay:            " + role_and_permissions.second +
                         "\nIdentified by:  loopback\nGateway:        test-region\n");
  }
  nlohmann::json session = nlohmann::json::parse(CtlAs(gateway, kAuditor, {"--json", "whoami"}).out);
  CHECK(session["operator"] == kAuditor);
  CHECK(session["role"] == "OPERATOR_ROLE_AUDITOR");
  CHECK(session["permissions"] == nlohmann::json::array({"view", "reports", "audit"}));
  CHECK(session["authenticatedBy"] == "loopback");
  CHECK(session["csrfToken"] == "");
  // A name the configuration does not list is nobody, on loopback too.
  CommandResult stranger = CtlAs(gateway, "loopback", {"whoami"});
  CHECK(stranger.exit_status == 1);
  CHECK(stranger.err.starts_with("error: UNAUTHENTICATED: "));
}

TEST_CASE("mezhvedctl is refused what the operator's role does not allow, with PERMISSION_DENIED", "[mezhvedctl]") {
  GatewayUnderTest gateway;
  const std::string id = gateway.Send(kSocialDept, kZags, "r-1");
  const auto refused = [&](const std::string& name, const std::vector<std::string>& arguments) {
    CommandResult result = CtlAs(gateway, name, arguments);
    INFO(name << " " << result.out << result.err);
    CHECK(result.exit_status == 1);
    CHECK(result.out.empty());
    CHECK(result.err.starts_with("error: PERMISSION_DENIED: the role "));
  };
  refused(kAuditor, {"requeue", id});  // auditors change nothing
  refused(kSupervisor, {"requeue", id});
  refused(kAdministrator, {"requeue", id});
  refused(kOperatorIvanova, {"report", "2026"});  // the operator on call has no reports
  refused(kAdministrator, {"report", "2026"});
  refused(kOperatorIvanova, {"show", id, "--reveal"});
  refused(kAuditor, {"show", id, "--reveal"});  // auditors see no personal data
  refused(kSupervisor, {"audit"});
  refused(kAdministrator, {"audit"});
  // What each may do.
  CHECK(CtlAs(gateway, kAdministrator, {"queues"}).exit_status == 0);
  CHECK(CtlAs(gateway, kAuditor, {"show", id}).exit_status == 0);
  CHECK(CtlAs(gateway, kAuditor, {"report", "2026"}).exit_status == 0);
  CHECK(RowOf(CtlAs(gateway, kOperatorIvanova, {"requeue", id}).out, id) ==
        std::vector<std::string>{id, "not requeued: NOT_DEAD_LETTERED"});
  // Nothing refused was recorded, and a requeue that put nothing back neither.
  CommandResult audit = CtlAs(gateway, kAuditor, {"audit"});
  CHECK(audit.exit_status == 0);
  CHECK(AuditRows(audit.out, "requeue").empty());
  CHECK(AuditRows(audit.out, "reveal").empty());
}

TEST_CASE("mezhvedctl hash-password prints an Argon2id hash of stdin's line without a gateway", "[mezhvedctl]") {
  const auto hash_of = [](const std::string& input) {
    return RunCommand(
        {"/bin/sh", "-c", "printf '" + input + "' | '" + std::string(MEZHVEDCTL_PATH) + "' hash-password"},
        kCommandTimeout);
  };
  CommandResult hashed = hash_of("petrov-night-shift\\n");
  INFO(hashed.err);
  CHECK(hashed.exit_status == 0);
  CHECK(hashed.err.empty());
  CHECK(std::regex_match(hashed.out,
                         std::regex("\\$argon2id\\$v=19\\$m=65536,t=3,p=1\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+\n")));
  const std::string hash = hashed.out.substr(0, hashed.out.size() - 1);
  CHECK(adapters::console::PasswordMatches(hash, "petrov-night-shift"));
  CHECK_FALSE(adapters::console::PasswordMatches(hash, "petrov-night-shift\n"));
  CHECK_FALSE(adapters::console::PasswordMatches(hash, "ivanova-night-shift"));
  CHECK(hash_of("petrov-night-shift\\n").out != hashed.out);  // a fresh salt each time
  // A line without its end, or with a CR, is the same password.
  CommandResult crlf = hash_of("petrov-night-shift\\r\\n");
  CHECK(adapters::console::PasswordMatches(crlf.out.substr(0, crlf.out.size() - 1), "petrov-night-shift"));
  CommandResult unterminated = hash_of("petrov-night-shift");
  CHECK(adapters::console::PasswordMatches(unterminated.out.substr(0, unterminated.out.size() - 1),
                                           "petrov-night-shift"));
  // Nothing to hash: a usage error.
  CommandResult empty = hash_of("");
  CHECK(empty.exit_status == 2);
  CHECK(empty.out.empty());
  CHECK(hash_of("\\n").exit_status == 2);
}

TEST_CASE("mezhvedctl backup under load and restore with the daemon stopped: nothing accepted before it is lost",
          "[mezhvedctl][backup]") {
  GatewayUnderTest gateway(GatewayUnderTest::Mode::kMutualTls);  // beyond loopback the gateway seals what it accepts
  // A client sends all along; `accepted` holds the ids the gateway answered, in order.
  std::mutex mutex;
  std::vector<std::string> accepted;
  std::atomic<bool> stop = false;
  std::thread sender([&] {
    for (int i = 0; !stop.load(); ++i) {
      const std::string id = gateway.Send(kSocialDept, kZags, "load-" + std::to_string(i));
      std::lock_guard lock(mutex);
      accepted.push_back(id);
    }
  });
  const auto accepted_count = [&] {
    std::lock_guard lock(mutex);
    return accepted.size();
  };
  while (accepted_count() < 100) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<std::string> before;
  {
    std::lock_guard lock(mutex);
    before = accepted;
  }
  const CommandResult refused = Ctl(gateway, {"backup", "by-duty"});  // an operator on call may not
  CommandResult taken = CtlAs(gateway, kAdministrator, {"backup", "under-load"});
  const size_t sent_by_then = accepted_count();
  while (accepted_count() < sent_by_then + 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  sender.join();
  CHECK(refused.exit_status == 1);
  CHECK_THAT(refused.err, Catch::Contains("PERMISSION_DENIED"));
  INFO(taken.err);
  REQUIRE(taken.exit_status == 0);
  const fs::path backup = gateway.daemon().work_dir() / "backups" / "under-load";
  CHECK_THAT(taken.out, Catch::Contains("backup taken into " + fs::absolute(backup).lexically_normal().string()));
  CHECK(fs::exists(backup / "CURRENT"));

  // Outside store.backup_dir, and into a directory that exists: refused with the field.
  const CommandResult outside = CtlAs(gateway, kAdministrator, {"backup", "/tmp/elsewhere"});
  CHECK(outside.exit_status == 1);
  CHECK_THAT(outside.err, Catch::Contains("INVALID_ARGUMENT") && Catch::Contains("backups go into a new directory"));
  CHECK(CtlAs(gateway, kAdministrator, {"backup", "under-load"}).exit_status == 1);

  // While the daemon runs, restore refuses; stopped, it restores.
  const std::string data_dir = (gateway.daemon().work_dir() / "data").string();
  const CommandResult busy = Mezhvedctl({"restore", backup.string(), "--data-dir", data_dir});
  CHECK(busy.exit_status == 1);
  CHECK_THAT(busy.err, Catch::Contains("stop the daemon"));
  CommandResult restored;
  gateway.daemon().Restart(DaemonProcess::Ports::kSame, [&] {
    restored = Mezhvedctl({"restore", backup.string(), "--data-dir", data_dir});
  });
  INFO(restored.err);
  REQUIRE(restored.exit_status == 0);
  CHECK_THAT(restored.out, Catch::Contains("what was there before is kept in " + data_dir + ".before-restore-"));

  // Every seal of the restored store checks, and every message accepted before the backup is delivered.
  const CommandResult scrub = Ctl(gateway, {"scrub"});
  INFO(scrub.out << scrub.err);
  CHECK(scrub.exit_status == 0);
  CHECK_THAT(scrub.out, Catch::Contains(" 0 failed"));
  std::set<std::string> delivered;
  for (std::vector<v1::Message> batch = gateway.Receive(kZags, 1000, 0); !batch.empty();
       batch = gateway.Receive(kZags, 1000, 0)) {
    for (const v1::Message& message : batch) {
      delivered.insert(message.message_id());
    }
  }
  for (const std::string& id : before) {
    CHECK(delivered.count(id) == 1);
  }
  // The backup is in the audit log, as the administrator's.
  const CommandResult audit = CtlAs(gateway, kAuditor, {"audit", "--all"});
  CHECK_THAT(audit.out, Catch::Contains("backup") && Catch::Contains(kAdministrator));
}

TEST_CASE("mezhvedctl usage errors exit 2", "[mezhvedctl]") {
  CHECK(Mezhvedctl({}).exit_status == 2);
  CHECK(Mezhvedctl({"--insecure", "frobnicate"}).exit_status == 2);
  CHECK(Mezhvedctl({"--insecure", "list"}).exit_status == 2);
  CHECK(Mezhvedctl({"--insecure", "list", kZags, "--limit", "0"}).exit_status == 2);
  CHECK(Mezhvedctl({"--insecure", "overdue", "--limit", "1001"}).exit_status == 2);
  CHECK(Mezhvedctl({"--insecure", "--ca", "ca.pem", "queues"}).exit_status == 2);
  CHECK(Mezhvedctl({"--operator", "alice", "queues"}).exit_status == 2);  // --operator needs --insecure
  CHECK(Mezhvedctl({"--insecure", "--timeout", "0", "queues"}).exit_status == 2);
  CommandResult no_identity = Mezhvedctl({"queues"});
  CHECK(no_identity.exit_status == 2);
  CHECK(no_identity.err.find("--insecure") != std::string::npos);
  CommandResult unreadable = Mezhvedctl({"--ca", "/nonexistent/ca.pem", "--cert", "c", "--key", "k", "queues"});
  CHECK(unreadable.exit_status == 2);
  CHECK(unreadable.err == "error: cannot read the CA file /nonexistent/ca.pem\n");
  CommandResult help = Mezhvedctl({"--help"});
  CHECK(help.exit_status == 0);
  CHECK(help.out.find("requeue") != std::string::npos);
  CHECK(help.out.find("overdue") != std::string::npos);
  CHECK(help.out.find("report") != std::string::npos);
  for (const char* command : {"watch", "audit", "whoami", "hash-password"}) {
    CHECK(help.out.find(command) != std::string::npos);
  }
}

TEST_CASE("mezhvedctl exits 3 when nothing listens", "[mezhvedctl]") {
  std::string address;
  {
    GatewayUnderTest gateway;
    address = gateway.operator_address();
    CHECK(gateway.daemon().Stop() == 0);  // a clean stop
  }
  CommandResult result = Mezhvedctl({"--server", address, "--insecure", "queues"});
  CHECK(result.exit_status == 3);
  CHECK(result.out.empty());
  CHECK(result.err.starts_with("error: cannot connect to " + address));
  CommandResult json = Mezhvedctl({"--server", address, "--insecure", "--json", "show", kUnknownId});
  CHECK(json.exit_status == 3);
  CHECK(nlohmann::json::parse(json.out)["code"] == "UNAVAILABLE");
}

TEST_CASE("mezhvedctl speaks mutual TLS with TestPki's certificates", "[mezhvedctl][test_pki]") {
  GatewayUnderTest gateway(GatewayUnderTest::Mode::kMutualTls);
  std::string id = gateway.Send(kSocialDept, kZags, "tls-1");  // over TLS, as SOCPROT-BARNAUL's certificate

  CommandResult queues = Ctl(gateway, {"queues"});
  INFO(queues.err);
  CHECK(queues.exit_status == 0);
  std::vector<std::string> zags = RowOf(queues.out, kZags);
  REQUIRE(zags.size() == 6);
  CHECK(zags[2] == "1");
  CommandResult list = Ctl(gateway, {"--tls-server-name", "localhost", "list", kZags});
  CHECK(list.exit_status == 0);
  CHECK(ListedIds(list.out) == std::vector<std::string>{id});
  CHECK(Ctl(gateway, {"show", id}).out.find("Sender:             SOCPROT-BARNAUL\n") != std::string::npos);
  // The certificate names the operator, and the configuration its role.
  CommandResult who = CtlAs(gateway, kSupervisor, {"whoami"});
  CHECK(who.exit_status == 0);
  CHECK(std::regex_search(who.out, std::regex("Operator: +petrov\n")));
  CHECK(std::regex_search(who.out, std::regex("Role: +supervisor\n")));
  CHECK(std::regex_search(who.out, std::regex("Identified by: +certificate\n")));
  CommandResult refused = CtlAs(gateway, kAuditor, {"requeue", id});
  CHECK(refused.exit_status == 1);
  CHECK(refused.err.starts_with("error: PERMISSION_DENIED: "));
  CommandResult revealed = CtlAs(gateway, kSupervisor, {"show", id, "--reveal"});
  CHECK(revealed.exit_status == 0);
  CHECK(revealed.out.find("Иванова") != std::string::npos);
  // Sealed with the server's key over TLS: the view re-verifies the seal.
  CHECK(std::regex_search(revealed.out, std::regex("\nSeal: +VALID, ecdsa-p256-sha256 by ")));

  // The test helpers' channel and call preparation reach the TLS operator API too.
  {
    auto stub = v1::OperatorConsole::NewStub(TlsChannel(gateway.operator_address(), gateway.pki().ca_file(),
                                                        gateway.Client("operator-duty").cert,
                                                        gateway.Client("operator-duty").key));
    grpc::ClientContext context;
    PrepareOperatorCall(context, "");
    v1::ListQueuesResponse response;
    REQUIRE(stub->ListQueues(&context, v1::ListQueuesRequest(), &response).ok());
    uint64_t zags_pending = 0;
    for (const auto& queue : response.queues()) {
      zags_pending += queue.recipient_code() == kZags ? queue.pending() : 0;
    }
    CHECK(zags_pending == 1);
  }

  auto as = [&](const CertFiles& client, std::vector<std::string> extra = {}) {
    std::vector<std::string> arguments = {"--server",  gateway.operator_address(),
                                          "--ca",      gateway.pki().ca_file().string(),
                                          "--cert",    client.cert.string(),
                                          "--key",     client.key.string(),
                                          "--timeout", "5"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    arguments.push_back("queues");
    return Mezhvedctl(arguments);
  };
  // Trusted certificates that are not an operator's: the gateway refuses them by their stable code.
  CommandResult not_operator = as(gateway.pki().IssueClient("night"));
  CHECK(not_operator.exit_status == 1);
  CHECK(not_operator.err.starts_with("error: UNAUTHENTICATED: "));
  CHECK(as(gateway.Client(kZags)).err.starts_with("error: UNAUTHENTICATED: "));
  // No TLS session at all: a stranger CA's certificate, a server name the certificate does not hold, plain text.
  CHECK(as(gateway.pki().IssueClient("operator-duty", /*from_stranger_ca=*/true)).exit_status == 3);
  CHECK(as(gateway.Client("operator-duty"), {"--tls-server-name", "gateway.example"}).exit_status == 3);
  CHECK(Mezhvedctl({"--server", gateway.operator_address(), "--insecure", "--timeout", "5", "queues"}).exit_status ==
        3);
}

}  // namespace
}  // namespace mezhved::testing
