// The operators' console of the real mezhvedd (docs/CONSOLE.md) and its monitoring paths (docs/MONITORING.md),
// spoken to over real HTTP(S) by cpp-httplib, with traffic made through the agency gRPC API: the probes, a live
// scrape that Prometheus's own promtool accepts, counters that move by exactly what a scripted exchange did,
// password sign-in with its lock-out, cookie and CSRF rules, the roles' permissions, masked messages and their
// reveal, the audit log, requeueing a dead letter, the queue listing's filters and the report's downloads.
#include <algorithm>
#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/integration/console_support.h"

namespace mezhved::testing {
namespace {

using Labels = std::map<std::string, std::string>;

constexpr char kType[] = "zags.civil-status-record";
// From ValidRequest(): what masking must hide.
constexpr char kSurname[] = "Иванова";
constexpr char kMiddleName[] = "Петровна";
constexpr char kSnils[] = "112-233-445 95";
constexpr char kReplyEmail[] = "uszn-barnaul@example.ru";
// Well-formed, never issued by the gateway.
constexpr char kUnknownId[] = "0193a1b2-0000-7000-8000-000000000001";

// protobuf's JSON writes 64-bit integers as strings, 32-bit ones as numbers.
uint64_t Number(const nlohmann::json& value) {
  if (value.is_string()) {
    return std::stoull(value.get<std::string>());
  }
  return value.is_number() ? value.get<uint64_t>() : 0;
}

// The overview's row of one organisation.
nlohmann::json QueueRow(ConsoleHttp& console, const std::string& organisation) {
  const nlohmann::json overview = console.GetJson("/api/v1/overview");
  for (const nlohmann::json& queue : overview["queues"]) {
    if (queue["recipient_code"] == organisation) {
      return queue;
    }
  }
  FAIL("no overview row for " << organisation);
  return {};
}

std::vector<std::string> Ids(const nlohmann::json& page) {
  std::vector<std::string> ids;
  for (const nlohmann::json& message : page.value("messages", nlohmann::json::array())) {
    ids.push_back(message["message_id"].get<std::string>());
  }
  return ids;
}

std::string ErrorCode(const HttpReply& reply) {
  const nlohmann::json parsed = nlohmann::json::parse(reply.body, nullptr, false);
  return parsed.is_object() ? parsed.value("code", "") : "";
}

// Whether the audit page has an entry with these fields; returns its index (newest first) or -1.
int FindAudit(const nlohmann::json& page, const std::string& action, const std::string& operator_name,
              const std::string& target = "") {
  const nlohmann::json& entries = page["entries"];
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].value("action", "") == action && entries[i].value("operator", "") == operator_name &&
        (target.empty() || entries[i].value("target", "") == target)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

int CountAudit(const nlohmann::json& page, const std::string& action, const std::string& operator_name) {
  return static_cast<int>(std::count_if(page["entries"].begin(), page["entries"].end(), [&](const nlohmann::json& e) {
    return e.value("action", "") == action && e.value("operator", "") == operator_name;
  }));
}

// Percent-encodes everything but unreserved characters, for a query parameter's value.
std::string QueryValue(const std::string& value) {
  std::string encoded;
  for (const unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      encoded += {'%', kHex[c >> 4], kHex[c & 0xF]};
    }
  }
  return encoded;
}

std::string LocalDay(std::time_t at) {
  std::tm parts{};
  localtime_r(&at, &parts);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &parts);
  return text;
}

// ---- the scripted exchange of the metrics tests ----

struct Exchange {
  std::string dead_letter;            // leased 3 times with 100 ms leases, then dead-lettered
  std::vector<std::string> requests;  // R1..R4, delivered once each
  std::string answer;                 // ZAGS's answer to R3
};

// Over the loopback trial, all from SOCPROT-BARNAUL to ZAGS-BARNAUL unless said otherwise:
// - request D, leased three times with the shortest lease and let run out: dead-lettered;
// - requests R1..R4, accepted; R1 sent a second time under its idempotency key (not a new message);
// - one request to SOCPROT-BIYSK, outside every agreement: refused with ACCESS_DENIED;
// - ZAGS receives R1..R4, acknowledges R1 and R2, answers R3 (the answer acknowledges it) and keeps R4 leased.
Exchange RunScriptedExchange(const ConsoleDaemon& gateway) {
  Exchange exchange;
  exchange.dead_letter = MakeDeadLetter(gateway, kSocialDept, kZags);
  AgencyClient social = gateway.As(kSocialDept);
  AgencyClient zags = gateway.As(kZags);
  for (int i = 1; i <= 4; ++i) {
    v1::SendResult sent;
    const std::string key = "metrics-exchange-r" + std::to_string(i);
    REQUIRE(social.SendRequest(key, ValidRequest(kSocialDept, kZags), &sent).ok());
    exchange.requests.push_back(sent.message_id());
    if (i == 1) {
      v1::SendResult again;
      REQUIRE(social.SendRequest(key, ValidRequest(kSocialDept, kZags), &again).ok());
      REQUIRE(again.message_id() == sent.message_id());
    }
  }
  v1::SendResult refused;
  const CallResult outside =
      social.SendRequest("metrics-exchange-refused", ValidRequest(kSocialDept, kSocialDept2), &refused);
  REQUIRE_FALSE(outside.ok());
  REQUIRE(outside.error_code == "ACCESS_DENIED");

  std::vector<v1::Message> received;
  REQUIRE(zags.Receive(10, 2000, 30000, &received).ok());
  std::vector<std::string> received_ids;
  for (const v1::Message& message : received) {
    received_ids.push_back(message.message_id());
  }
  REQUIRE(received_ids == exchange.requests);
  v1::AckResponse acked;
  REQUIRE(zags.Ack({exchange.requests[0], exchange.requests[1]}, &acked).ok());
  v1::SendResult answered;
  const CallResult answer =
      zags.SendResponse("metrics-exchange-answer", DataResponse(exchange.requests[2], kZags), &answered);
  INFO(answer.error_code << ": " << answer.status.error_message());
  REQUIRE(answer.ok());
  exchange.answer = answered.message_id();
  return exchange;
}

double Sum(const Scrape& scrape, const std::string& name) {
  double sum = 0;
  for (const auto& [key, value] : scrape.series()) {
    if (key == name || key.rfind(name + "{", 0) == 0) {
      sum += value;
    }
  }
  return sum;
}

}  // namespace

TEST_CASE("the console listener serves /healthz, /readyz and /metrics, the latter over TLS only to the PKI's clients",
          "[integration][console][metrics]") {
  ConsoleDaemon gateway(ConsoleDaemon::Mode::kTls);
  ConsoleHttp anonymous = gateway.Console();
  HttpReply health = anonymous.Get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
  HttpReply ready = anonymous.Get("/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body == "ready\n");
  HttpReply no_certificate = anonymous.Get("/metrics");
  CHECK(no_certificate.status == 403);
  CHECK(no_certificate.body.find("mezhved_") == std::string::npos);
  for (const std::string cn : {"prometheus", kZags}) {
    INFO("client certificate " << cn);
    HttpReply scraped = gateway.Console(cn).Get("/metrics");
    CHECK(scraped.status == 200);
    CHECK(Scrape(scraped.body).Value("mezhved_ready") == 1);
  }
  // A certificate of another CA does not get through the handshake.
  const CertFiles stranger = gateway.pki().IssueClient("prometheus", /*from_stranger_ca=*/true);
  httplib::Client foreign("https://" + gateway.console_address(), stranger.cert.string(), stranger.key.string());
  foreign.set_ca_cert_path(gateway.pki().ca_file().string());
  foreign.enable_server_certificate_verification(true);
  foreign.set_read_timeout(5, 0);
  const httplib::Result refused = foreign.Get("/metrics");
  CHECK((!refused || refused->status != 200));

  // Browsers resume the TLS session on their parallel connections (a page loads a dozen files at once): a resumed
  // session is served like a new one. (OpenSSL refuses resumption when peer verification is on and the server set no
  // session id context: chromium then lost some of the page's files with ERR_SSL_PROTOCOL_ERROR.)
  const std::filesystem::path session = gateway.dir() / "tls-session.pem";
  auto s_client = [&](const std::string& session_option) {
    return RunCommand({"/bin/sh", "-c",
                       "printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' | "
                       "exec openssl s_client -connect \"$0\" -CAfile \"$1\" -ign_eof " +
                           session_option + " \"$2\" 2>&1",
                       gateway.console_address(), gateway.pki().ca_file().string(), session.string()});
  };
  const CommandResult first = s_client("-sess_out");
  INFO(first.out);
  CHECK(first.exit_status == 0);
  CHECK(first.out.find("HTTP/1.1 200 OK") != std::string::npos);
  const CommandResult resumed = s_client("-sess_in");
  INFO(resumed.out);
  CHECK(resumed.exit_status == 0);
  CHECK(resumed.out.find("Reused, TLSv1.3") != std::string::npos);
  CHECK(resumed.out.find("HTTP/1.1 200 OK") != std::string::npos);
  CHECK(resumed.out.find("alert") == std::string::npos);

  ConsoleDaemon loopback(ConsoleDaemon::Mode::kLoopback);
  ConsoleHttp plain = loopback.Console();
  CHECK(plain.Get("/healthz").status == 200);
  CHECK(plain.Get("/readyz").body == "ready\n");
  HttpReply scraped = plain.Get("/metrics");
  CHECK(scraped.status == 200);
  CHECK(Scrape(scraped.body).Value("mezhved_ready") == 1);
}

TEST_CASE("promtool check metrics accepts a live scrape taken after an exchange", "[integration][console][metrics]") {
  const std::string promtool = MEZHVED_PROMTOOL_PATH;
  INFO("promtool comes from Debian's prometheus package (tools/install-deps.sh); reconfigure after installing it");
  REQUIRE_FALSE(promtool.empty());
  REQUIRE(std::filesystem::exists(promtool));
  ConsoleDaemon gateway(ConsoleDaemon::Mode::kLoopback);
  RunScriptedExchange(gateway);
  const Scrape scrape = gateway.ScrapeMetrics();
  // What the check must see: histograms with observations and labelled counters.
  REQUIRE(scrape.Value("mezhved_send_to_receive_duration_seconds_count") > 0);
  REQUIRE(Sum(scrape, "mezhved_messages_refused_total") > 0);
  REQUIRE(Sum(scrape, "mezhved_messages_dead_lettered_total") > 0);
  const std::filesystem::path file = gateway.dir() / "scrape.txt";
  std::ofstream(file, std::ios::binary) << scrape.text();
  // promtool reads the scrape on stdin; it prints its lint findings (naming, units, suffixes) and exits non-zero on
  // any. No finding is accepted: any output fails the test.
  const CommandResult checked =
      RunCommand({"/bin/sh", "-c", "exec \"$0\" check metrics < \"$1\"", promtool, file.string()});
  INFO("stdout: " << checked.out);
  INFO("stderr: " << checked.err);
  CHECK(checked.exit_status == 0);
  CHECK(checked.out.empty());
  CHECK(checked.err.empty());
}

TEST_CASE("the message counters move by exactly what a scripted exchange did", "[integration][console][metrics]") {
  ConsoleDaemon gateway(ConsoleDaemon::Mode::kLoopback);
  const Scrape before = gateway.ScrapeMetrics();
  const Exchange exchange = RunScriptedExchange(gateway);

  const Labels request_from_socprot = {{"kind", "request"}, {"information_type", kType}, {"agency", "SOCPROT"}};
  const Labels request_to_zags = {{"kind", "request"}, {"information_type", kType}, {"agency", "ZAGS"}};
  const Labels answer_from_zags = {{"kind", "response"}, {"information_type", kType}, {"agency", "ZAGS"}};
  const Labels refused_socprot = {{"code", "ACCESS_DENIED"}, {"information_type", kType}, {"agency", "SOCPROT"}};
  const Labels zags_queue = {{"organisation", kZags}, {"agency", "ZAGS"}};
  const Labels socprot_queue = {{"organisation", kSocialDept}, {"agency", "SOCPROT"}};
  // {metric, labels, expected change}: D and R1..R4 accepted, R1's resend not; D delivered 3 times, R1..R4 once;
  // R1, R2 acknowledged and R3 answered; D dead-lettered; first deliveries: D and R1..R4.
  struct Expected {
    std::string name;
    Labels labels;
    double delta;
  };
  const std::vector<Expected> expected = {
      {"mezhved_messages_accepted_total", request_from_socprot, 5},
      {"mezhved_messages_accepted_total", answer_from_zags, 1},
      {"mezhved_messages_refused_total", refused_socprot, 1},
      {"mezhved_messages_delivered_total", request_to_zags, 7},
      {"mezhved_messages_acknowledged_total", request_to_zags, 3},
      {"mezhved_messages_dead_lettered_total", request_to_zags, 1},
      {"mezhved_send_to_receive_duration_seconds_count", {}, 5},
      {"mezhved_queue_pending_messages", zags_queue, 1},      // R4
      {"mezhved_queue_leased_messages", zags_queue, 1},       // R4
      {"mezhved_queue_dead_letter_messages", zags_queue, 1},  // D
      {"mezhved_queue_pending_messages", socprot_queue, 1},   // the answer
  };
  // Counters move once the store's commit is durable, which may be a moment after the call's answer: wait for them,
  // then compare exactly.
  auto delta = [&](const Scrape& after, const Expected& e) {
    return after.Value(e.name, e.labels) - before.Value(e.name, e.labels);
  };
  std::optional<Scrape> after;
  Eventually([&] {
    after.emplace(gateway.ScrapeMetrics());
    return std::all_of(expected.begin(), expected.end(),
                       [&](const Expected& e) { return delta(*after, e) >= e.delta; });
  });
  for (const Expected& e : expected) {
    INFO(Scrape::Key(e.name, e.labels));
    CHECK(delta(*after, e) == e.delta);
  }
  // Nothing else moved: the sums over every label equal the changes above.
  CHECK(Sum(*after, "mezhved_messages_accepted_total") - Sum(before, "mezhved_messages_accepted_total") == 6);
  CHECK(Sum(*after, "mezhved_messages_refused_total") - Sum(before, "mezhved_messages_refused_total") == 1);
  CHECK(Sum(*after, "mezhved_messages_delivered_total") - Sum(before, "mezhved_messages_delivered_total") == 7);
  CHECK(Sum(*after, "mezhved_messages_acknowledged_total") - Sum(before, "mezhved_messages_acknowledged_total") == 3);
  CHECK(Sum(*after, "mezhved_messages_dead_lettered_total") - Sum(before, "mezhved_messages_dead_lettered_total") == 1);
  CHECK(after->Value("mezhved_send_to_receive_duration_seconds_bucket", {{"le", "+Inf"}}) -
            before.Value("mezhved_send_to_receive_duration_seconds_bucket", {{"le", "+Inf"}}) ==
        5);
  CHECK(after->Value("mezhved_store_wal_syncs_total") > before.Value("mezhved_store_wal_syncs_total"));
  CHECK(after->Value("mezhved_store_wal_written_bytes_total") > before.Value("mezhved_store_wal_written_bytes_total"));
  CHECK(after->Value("mezhved_ready") == 1);
  CHECK(after->Value("mezhved_build_info", {{"version", MEZHVED_VERSION_FOR_TESTS}}) == 1);
}

TEST_CASE("password sign-in: the session cookie, CSRF and Origin rules, signing out", "[integration][console][auth]") {
  ConsoleDaemon gateway(ConsoleDaemon::Mode::kTls);
  ConsoleHttp browser = gateway.Console();
  HttpReply not_signed_in = browser.Get("/api/v1/overview");
  CHECK(not_signed_in.status == 401);
  CHECK(ErrorCode(not_signed_in) == "UNAUTHENTICATED");
  CHECK(browser.Get("/api/v1/session").status == 401);

  // A wrong password and an unknown name get the same answer, and no cookie.
  HttpReply wrong = browser.SignIn("ivanova", "day-shift");
  CHECK(wrong.status == 401);
  CHECK(ErrorCode(wrong) == "UNAUTHENTICATED");
  CHECK(wrong.Header("Set-Cookie").empty());
  HttpReply unknown = browser.SignIn("nobody", PasswordOf("nobody"));
  CHECK(unknown.status == 401);
  CHECK(unknown.Json()["message"] == wrong.Json()["message"]);
  CHECK(browser.SignIn("", "x").status == 400);

  HttpReply signed_in = browser.SignIn("ivanova", PasswordOf("ivanova"));
  REQUIRE(signed_in.status == 200);
  const std::string set_cookie = signed_in.Header("Set-Cookie");
  INFO("Set-Cookie: " << set_cookie);
  CHECK(set_cookie.find("; HttpOnly") != std::string::npos);
  CHECK(set_cookie.find("; Secure") != std::string::npos);
  CHECK(set_cookie.find("; SameSite=Strict") != std::string::npos);
  CHECK(set_cookie.find("; Path=/") != std::string::npos);
  CHECK(browser.cookie().size() == 64);  // 256 random bits, in hex
  const std::string csrf = browser.csrf_token();
  CHECK_FALSE(csrf.empty());

  const nlohmann::json session = browser.GetJson("/api/v1/session");
  CHECK(session["operator"] == "ivanova");
  CHECK(session["role"] == "OPERATOR_ROLE_OPERATOR");
  CHECK(session["permissions"] == nlohmann::json::array({"view", "requeue"}));
  CHECK(session["authenticated_by"] == "password");
  CHECK(session["csrf_token"] == csrf);
  CHECK(session["instance_name"] == "test-region");
  CHECK(browser.Get("/api/v1/overview").status == 200);

  // A change needs the session's CSRF token and, when the browser names an Origin, this listener's.
  const std::string requeue_body = nlohmann::json({{"message_ids", {kUnknownId}}}).dump();
  HttpReply no_token = browser.Post("/api/v1/requeue", requeue_body, {}, /*csrf=*/false);
  CHECK(no_token.status == 403);
  CHECK(ErrorCode(no_token) == "PERMISSION_DENIED");
  HttpReply wrong_token = browser.Post("/api/v1/requeue", requeue_body, {{"X-CSRF-Token", csrf + "0"}});
  CHECK(wrong_token.status == 403);
  CHECK(ErrorCode(wrong_token) == "PERMISSION_DENIED");
  HttpReply other_site = browser.Post("/api/v1/requeue", requeue_body, {{"Origin", "https://evil.example"}});
  CHECK(other_site.status == 403);
  CHECK(ErrorCode(other_site) == "PERMISSION_DENIED");
  HttpReply other_port = browser.Post("/api/v1/requeue", requeue_body, {{"Origin", "https://127.0.0.1:1"}});
  CHECK(other_port.status == 403);
  // With the right token and its own origin the same call goes through (the message is not a dead letter).
  HttpReply same_site =
      browser.Post("/api/v1/requeue", requeue_body, {{"Origin", "https://" + gateway.console_address()}});
  CHECK(same_site.status == 200);
  CHECK(same_site.Json()["results"][0]["requeued"] == false);
  // Another site cannot sign anyone in either.
  ConsoleHttp elsewhere = gateway.Console();
  CHECK(elsewhere
            .Post("/api/v1/session", nlohmann::json({{"name", "petrov"}, {"password", PasswordOf("petrov")}}).dump(),
                  {{"Origin", "https://evil.example"}}, false)
            .status == 403);

  // Signing out needs the token too; then the cookie is worthless.
  CHECK(browser.Delete("/api/v1/session", {}, /*csrf=*/false).status == 403);
  HttpReply signed_out = browser.Delete("/api/v1/session");
  CHECK(signed_out.status == 200);
  CHECK(signed_out.Header("Set-Cookie").find("mezhved_session=;") == 0);
  CHECK(signed_out.Header("Set-Cookie").find("Max-Age=0") != std::string::npos);
  CHECK(browser.Get("/api/v1/session").status == 401);
  CHECK(browser.Get("/api/v1/overview").status == 401);
  CHECK(browser.Post("/api/v1/requeue", requeue_body).status == 401);

  // Each sign-in is a session of its own: a second one of the same operator outlives the first one's sign-out.
  ConsoleHttp first = gateway.Console();
  ConsoleHttp second = gateway.Console();
  first.SignInAs("petrov");
  second.SignInAs("petrov");
  CHECK(first.cookie() != second.cookie());
  CHECK(first.Delete("/api/v1/session").status == 200);
  CHECK(first.Get("/api/v1/session").status == 401);
  CHECK(second.GetJson("/api/v1/session")["operator"] == "petrov");

  // The audit log has the sign-ins, the failures (with the name tried) and the sign-out.
  ConsoleHttp auditor = gateway.Console();
  auditor.SignInAs("sidorova");
  const nlohmann::json audit = auditor.GetJson("/api/v1/audit");
  CHECK(FindAudit(audit, "sign_in", "ivanova") >= 0);
  CHECK(FindAudit(audit, "sign_in_failed", "ivanova") >= 0);
  CHECK(FindAudit(audit, "sign_in_failed", "nobody") >= 0);
  CHECK(FindAudit(audit, "sign_out", "ivanova") >= 0);
  CHECK(FindAudit(audit, "sign_out", "ivanova") < FindAudit(audit, "sign_in", "ivanova"));  // newest first
}

TEST_CASE("five failed sign-ins lock the name, even against the right password", "[integration][console][auth]") {
  ConsoleDaemon gateway(ConsoleDaemon::Mode::kTls);
  ConsoleHttp browser = gateway.Console();
  for (int failure = 1; failure <= 4; ++failure) {
    HttpReply wrong = browser.SignIn("admin", "guess-" + std::to_string(failure));
    INFO("failure " << failure);
    CHECK(wrong.status == 401);
    CHECK(ErrorCode(wrong) == "UNAUTHENTICATED");
  }
  HttpReply fifth = browser.SignIn("admin", "guess-5");
  CHECK(fifth.status == 429);
  CHECK(ErrorCode(fifth) == "LOCKED_OUT");
  HttpReply right = browser.SignIn("admin", PasswordOf("admin"));
  CHECK(right.status == 429);
  CHECK(ErrorCode(right) == "LOCKED_OUT");
  CHECK(right.Header("Set-Cookie").empty());
  // The lock is the name's: another operator signs in.
  ConsoleHttp auditor = gateway.Console();
  auditor.SignInAs("sidorova");
  const nlohmann::json audit = auditor.GetJson("/api/v1/audit");
  CHECK(CountAudit(audit, "sign_in_failed", "admin") == 4);
  CHECK(CountAudit(audit, "locked_out", "admin") == 2);
  CHECK(FindAudit(audit, "sign_in", "admin") == -1);
}

TEST_CASE("over TLS an operator's certificate signs in by itself, and other certificates do not",
          "[integration][console][auth]") {
  ConsoleDaemon gateway(ConsoleDaemon::Mode::kTls);
  ConsoleHttp duty = gateway.Console("operator-duty");
  const nlohmann::json session = duty.GetJson("/api/v1/session");
  CHECK(session["operator"] == "duty");
  CHECK(session["authenticated_by"] == "certificate");
  CHECK(session["permissions"] == nlohmann::json::array({"view", "requeue"}));
  CHECK(duty.Get("/api/v1/overview").status == 200);
  // An organisation's certificate is no operator's: the console wants a password then.
  ConsoleHttp organisation = gateway.Console(kZags);
  CHECK(organisation.Get("/api/v1/overview").status == 401);
  organisation.SignInAs("ivanova");
  CHECK(organisation.GetJson("/api/v1/session")["operator"] == "ivanova");
}

TEST_CASE("roles: masked messages, a supervisor's reveal, the audit log and an operator's requeue",
          "[integration][console][roles]") {
  ConsoleDaemon gateway(ConsoleDaemon::Mode::kTls);
  const std::string dead = MakeDeadLetter(gateway, kSocialDept, kZags);
  AgencyClient social = gateway.As(kSocialDept);
  const std::string id = SendValidRequest(social, kSocialDept, kZags);
  const std::string period = CurrentQuarter();

  std::map<std::string, ConsoleHttp> as;
  for (const char* name : {"ivanova", "petrov", "sidorova", "admin"}) {
    as.emplace(name, gateway.Console());
    as.at(name).SignInAs(name);
  }
  ConsoleHttp& ivanova = as.at("ivanova");
  ConsoleHttp& petrov = as.at("petrov");
  ConsoleHttp& sidorova = as.at("sidorova");
  ConsoleHttp& admin = as.at("admin");
  const std::string message_path = "/api/v1/messages/" + id;
  const std::string reveal_path = message_path + "/reveal";
  const std::string requeue_body = nlohmann::json({{"message_ids", {dead}}}).dump();

  SECTION("what each role may not do") {
    struct Refusal {
      std::string who, method, path;
    };
    const std::vector<Refusal> refused = {
        {"ivanova", "POST", reveal_path},
        {"ivanova", "GET", "/api/v1/audit"},
        {"ivanova", "GET", "/api/v1/report?period=" + period},
        {"ivanova", "GET", "/api/v1/report.csv?period=" + period},
        {"ivanova", "GET", "/api/v1/participants"},
        {"petrov", "POST", "/api/v1/requeue"},
        {"petrov", "GET", "/api/v1/audit"},
        {"petrov", "GET", "/api/v1/participants"},
        {"sidorova", "POST", "/api/v1/requeue"},
        {"sidorova", "POST", reveal_path},
        {"sidorova", "GET", "/api/v1/participants"},
        {"admin", "POST", "/api/v1/requeue"},
        {"admin", "POST", reveal_path},
        {"admin", "GET", "/api/v1/audit"},
        {"admin", "GET", "/api/v1/report?period=" + period},
    };
    for (const Refusal& refusal : refused) {
      INFO(refusal.who << ": " << refusal.method << " " << refusal.path);
      HttpReply reply = refusal.method == "GET" ? as.at(refusal.who).Get(refusal.path)
                                                : as.at(refusal.who).Post(refusal.path, requeue_body);
      CHECK(reply.status == 403);
      CHECK(ErrorCode(reply) == "PERMISSION_DENIED");
    }
    // ...and what they may.
    CHECK(petrov.Get("/api/v1/report?period=" + period).status == 200);
    CHECK(sidorova.Get("/api/v1/report?period=" + period).status == 200);
    CHECK(sidorova.Get("/api/v1/audit").status == 200);
    const nlohmann::json participants = admin.GetJson("/api/v1/participants");
    std::set<std::string> agencies;
    for (const nlohmann::json& agency : participants["agencies"]) {
      agencies.insert(agency["code"].get<std::string>());
    }
    CHECK(agencies == std::set<std::string>{"SOCPROT", "ZAGS", "HEALTH"});
    for (const char* name : {"ivanova", "petrov", "sidorova", "admin"}) {
      INFO(name);
      CHECK(as.at(name).Get("/api/v1/overview").status == 200);
      CHECK(as.at(name).Get(message_path).status == 200);
      CHECK(as.at(name).Get("/api/v1/agreements").status == 200);
      CHECK(as.at(name).Get("/api/v1/rejections").status == 200);
      CHECK(as.at(name).Get("/api/v1/overdue").status == 200);
    }
    // The refused reveals left no trace in the message's history.
    const nlohmann::json history = ivanova.GetJson(message_path)["status"]["history"];
    CHECK(history.size() == 1);  // accepted
    for (const nlohmann::json& event : history) {
      CHECK(event.value("actor", "").rfind("operator:", 0) == std::string::npos);
    }
  }

  SECTION("masked, revealed by the supervisor, recorded; then the operator requeues a dead letter") {
    const HttpReply masked = ivanova.Get(message_path);
    REQUIRE(masked.status == 200);
    const nlohmann::json view = masked.Json();
    CHECK(view["masked"] == true);
    for (const char* hidden : {kSurname, kMiddleName, kSnils, kReplyEmail, "Мария"}) {
      INFO(hidden);
      CHECK(masked.body.find(hidden) == std::string::npos);
    }
    const nlohmann::json& citizen = view["message"]["request"]["citizen"];
    CHECK(citizen.value("snils", "") != kSnils);
    CHECK_FALSE(citizen.value("last_name", "").empty());  // shown, masked: its initial
    CHECK(view["message"]["request"].value("payload", "").empty());
    CHECK(Number(view["payload_bytes"]) > 0);
    CHECK(view["status"]["message_id"] == id);

    const HttpReply revealed = petrov.Post(reveal_path, "{}");
    REQUIRE(revealed.status == 200);
    const nlohmann::json shown = revealed.Json();
    CHECK(shown["masked"] == false);
    CHECK(shown["message"]["request"]["citizen"]["last_name"] == kSurname);
    CHECK(shown["message"]["request"]["citizen"]["middle_name"] == kMiddleName);
    CHECK(shown["message"]["request"]["citizen"]["snils"] == kSnils);
    // Still masked for everyone else, and the reveal is in the message's history.
    const HttpReply after = ivanova.Get(message_path);
    CHECK(after.body.find(kSurname) == std::string::npos);
    const nlohmann::json history = after.Json()["status"]["history"];
    std::vector<std::string> actors;
    for (const nlohmann::json& event : history) {
      actors.push_back(event.value("actor", ""));
    }
    INFO("history: " << history.dump());
    CHECK(std::count(actors.begin(), actors.end(), "operator:petrov") == 1);

    nlohmann::json audit = sidorova.GetJson("/api/v1/audit");
    const int reveal = FindAudit(audit, "reveal", "petrov", id);
    REQUIRE(reveal >= 0);
    CHECK(audit["entries"][reveal]["role"] == "OPERATOR_ROLE_SUPERVISOR");
    CHECK(audit["entries"][reveal]["client"].get<std::string>().rfind("console 127.0.0.1", 0) == 0);
    CHECK(audit.dump().find(kSurname) == std::string::npos);

    // The requeue: the dead letter is back in its queue.
    const nlohmann::json before = QueueRow(ivanova, kZags);
    CHECK(Number(before["dead_letters"]) == 1);
    const HttpReply requeued = ivanova.Post("/api/v1/requeue", requeue_body);
    REQUIRE(requeued.status == 200);
    CHECK(requeued.Json()["results"][0]["message_id"] == dead);
    CHECK(requeued.Json()["results"][0]["requeued"] == true);
    const nlohmann::json row = QueueRow(ivanova, kZags);
    CHECK(Number(row["pending"]) == Number(before["pending"]) + 1);
    CHECK(Number(row["dead_letters"]) == Number(before["dead_letters"]) - 1);
    const nlohmann::json dead_view = ivanova.GetJson("/api/v1/messages/" + dead);
    CHECK(dead_view["status"]["state"] == "MESSAGE_STATE_ACCEPTED");
    CHECK(dead_view["status"]["history"].back()["actor"] == "operator:ivanova");
    CHECK(Ids(ivanova.GetJson("/api/v1/queues/ZAGS-BARNAUL/messages?view=dead_letters")).empty());
    // Once only.
    const HttpReply again = ivanova.Post("/api/v1/requeue", requeue_body);
    CHECK(again.status == 200);
    CHECK(again.Json()["results"][0]["requeued"] == false);
    CHECK(again.Json()["results"][0]["error_code"] == "NOT_DEAD_LETTERED");

    audit = sidorova.GetJson("/api/v1/audit");
    const int requeue = FindAudit(audit, "requeue", "ivanova", dead);
    REQUIRE(requeue >= 0);
    CHECK(audit["entries"][requeue]["role"] == "OPERATOR_ROLE_OPERATOR");
    CHECK(CountAudit(audit, "requeue", "ivanova") == 1);
    CHECK(requeue < FindAudit(audit, "reveal", "petrov", id));  // newest first
  }
}

TEST_CASE("the report's CSV download has the same figures as mezhvedctl report", "[integration][console][report]") {
  ConsoleDaemon gateway(ConsoleDaemon::Mode::kLoopback);
  AgencyClient social = gateway.As(kSocialDept);
  AgencyClient zags = gateway.As(kZags);
  const std::string first = SendValidRequest(social, kSocialDept, kZags);
  SendValidRequest(social, kSocialDept, kZags);
  std::vector<v1::Message> received;
  REQUIRE(zags.Receive(1, 2000, 30000, &received).ok());
  REQUIRE(received.size() == 1);
  REQUIRE(received[0].message_id() == first);
  v1::SendResult answered;
  const CallResult answer = zags.SendResponse("report-answer", DataResponse(first, kZags), &answered);
  INFO(answer.error_code << ": " << answer.status.error_message());
  REQUIRE(answer.ok());
  const std::string period = CurrentQuarter();
  ConsoleHttp console = gateway.Console();

  const HttpReply csv = console.Get("/api/v1/report.csv?period=" + period);
  REQUIRE(csv.status == 200);
  CHECK(csv.Header("Content-Type") == "text/csv; charset=utf-8");
  CHECK(csv.Header("Content-Disposition") == "attachment; filename=\"mezhved-report-" + period + ".csv\"");
  std::vector<std::string> args = gateway.CtlArguments("petrov");
  args.insert(args.begin(), MEZHVED_CTL_PATH);
  args.insert(args.end(), {"report", period, "--format", "csv"});
  const CommandResult ctl = RunCommand(args);
  INFO(ctl.err);
  REQUIRE(ctl.exit_status == 0);
  CHECK(ctl.out == csv.body);
  // And the figures are this exchange's: ZAGS-BARNAUL received 2 requests and answered one of them in time.
  const std::string zags_row_prefix = "organisation,ZAGS,ZAGS-BARNAUL,";
  const size_t row = csv.body.find(zags_row_prefix);
  REQUIRE(row != std::string::npos);
  const std::string line = csv.body.substr(row, csv.body.find("\r\n", row) - row);
  CHECK(line.find(",2,1,0,1,0,") != std::string::npos);  // received, on time, late, open, open overdue

  const HttpReply json = console.Get("/api/v1/report.json?period=" + period);
  REQUIRE(json.status == 200);
  CHECK(json.Header("Content-Disposition") == "attachment; filename=\"mezhved-report-" + period + ".json\"");
  const nlohmann::json structured = console.GetJson("/api/v1/report?period=" + period);
  for (const nlohmann::json& organisation : structured["report"]["organisations"]) {
    if (organisation["organisation_code"] == kZags) {
      CHECK(Number(organisation["requests_received"]) == 2);
      CHECK(Number(organisation["answered_on_time"]) == 1);
      CHECK(Number(organisation["open"]) == 1);
    }
  }
  HttpReply malformed = console.Get("/api/v1/report.csv?period=2026-Q5");
  CHECK(malformed.status == 400);
}

TEST_CASE("a queue's listing filters by state, type and acceptance day, in either order, a page at a time",
          "[integration][console][queues]") {
  ConsoleDaemon gateway(ConsoleDaemon::Mode::kLoopback);
  const std::string dead = MakeDeadLetter(gateway, kSocialDept, kZags);
  AgencyClient social = gateway.As(kSocialDept);
  const std::string a = SendValidRequest(social, kSocialDept, kZags);
  const std::string b = SendValidRequest(social, kSocialDept, kZags);
  const std::string c = SendValidRequest(social, kSocialDept, kZags);
  AgencyClient zags = gateway.As(kZags);
  std::vector<v1::Message> leased;
  REQUIRE(zags.Receive(1, 0, 60000, &leased).ok());
  REQUIRE(leased.size() == 1);
  REQUIRE(leased[0].message_id() == a);

  ConsoleHttp console = gateway.Console();
  const std::string queue = "/api/v1/queues/ZAGS-BARNAUL/messages";
  using Ids_ = std::vector<std::string>;
  CHECK(Ids(console.GetJson(queue)) == Ids_{a, b, c});
  CHECK(Ids(console.GetJson(queue + "?order=newest")) == Ids_{c, b, a});
  CHECK(Ids(console.GetJson(queue + "?state=MESSAGE_STATE_DELIVERED")) == Ids_{a});
  CHECK(Ids(console.GetJson(queue + "?state=MESSAGE_STATE_ACCEPTED")) == Ids_{b, c});
  CHECK(Ids(console.GetJson(queue + "?state=MESSAGE_STATE_ACCEPTED&order=newest")) == Ids_{c, b});
  CHECK(Ids(console.GetJson(queue + "?type=zags.civil-status-record")) == Ids_{a, b, c});
  CHECK(Ids(console.GetJson(queue + "?type=health.disability-record")).empty());
  const std::time_t now = std::time(nullptr);
  const std::string yesterday = LocalDay(now - 86400);
  const std::string tomorrow = LocalDay(now + 86400);
  CHECK(Ids(console.GetJson(queue + "?from=" + yesterday + "&to=" + tomorrow)) == Ids_{a, b, c});
  CHECK(Ids(console.GetJson(queue + "?from=" + tomorrow)).empty());
  CHECK(Ids(console.GetJson(queue + "?to=" + yesterday)).empty());
  CHECK(Ids(console.GetJson(queue + "?view=dead_letters")) == Ids_{dead});
  CHECK(Ids(console.GetJson(queue + "?view=dead_letters&state=MESSAGE_STATE_ACCEPTED")).empty());

  const nlohmann::json first_page = console.GetJson(queue + "?page_size=2");
  CHECK(Ids(first_page) == Ids_{a, b});
  const std::string token = first_page.value("next_page_token", "");
  REQUIRE_FALSE(token.empty());
  const nlohmann::json second_page = console.GetJson(queue + "?page_size=2&page_token=" + QueryValue(token));
  CHECK(Ids(second_page) == Ids_{c});
  CHECK(second_page.value("next_page_token", "").empty());

  const nlohmann::json summary = console.GetJson(queue + "?state=MESSAGE_STATE_DELIVERED")["messages"][0];
  CHECK(summary["sender_code"] == kSocialDept);
  CHECK(summary["information_type"]["id"] == "zags.civil-status-record");
  CHECK(summary["delivery_attempts"] == 1);

  for (const std::string bad : {"?state=DELIVERED_MAYBE", "?view=everything", "?from=24.11.2026", "?to=tomorrow"}) {
    INFO(bad);
    HttpReply reply = console.Get(queue + bad);
    CHECK(reply.status == 400);
    CHECK(ErrorCode(reply) == "INVALID_ARGUMENT");
  }
}

}  // namespace mezhved::testing
