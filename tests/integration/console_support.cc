#include "tests/integration/console_support.h"

#include <catch2/catch.hpp>
#include <ctime>
#include <random>
#include <sstream>
#include <thread>

namespace mezhved::testing {
namespace {

std::string FreshKey() {
  static std::mt19937_64 random{std::random_device{}()};
  std::ostringstream key;
  key << "console-test-" << std::hex << random() << random();
  return key.str();
}

// "mezhved_session=TOKEN; Path=/; ..." -> TOKEN
std::string CookieToken(const std::string& set_cookie) {
  const std::string prefix = "mezhved_session=";
  if (set_cookie.rfind(prefix, 0) != 0) {
    return "";
  }
  const size_t end = set_cookie.find(';');
  return set_cookie.substr(prefix.size(), end == std::string::npos ? std::string::npos : end - prefix.size());
}

}  // namespace

std::string PasswordOf(const std::string& operator_name) { return operator_name + "-night-shift"; }

std::string HttpReply::Header(const std::string& name) const {
  // httplib keeps header names as received; HTTP says they are case-insensitive.
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && std::equal(key.begin(), key.end(), name.begin(),
                                                [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return "";
}

nlohmann::json HttpReply::Json() const {
  INFO("status " << status << ", body: " << body);
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  REQUIRE_FALSE(parsed.is_discarded());
  return parsed;
}

ConsoleHttp::ConsoleHttp(const std::string& address) : client_(std::make_unique<httplib::Client>("http://" + address)) {
  client_->set_read_timeout(20, 0);
  client_->set_connection_timeout(5, 0);
}

ConsoleHttp::ConsoleHttp(const std::string& address, const std::filesystem::path& ca,
                         const CertFiles* client_certificate) {
  if (client_certificate != nullptr) {
    client_ = std::make_unique<httplib::Client>("https://" + address, client_certificate->cert.string(),
                                                client_certificate->key.string());
  } else {
    client_ = std::make_unique<httplib::Client>("https://" + address);
  }
  client_->set_ca_cert_path(ca.string());
  client_->enable_server_certificate_verification(true);
  client_->set_read_timeout(20, 0);
  client_->set_connection_timeout(5, 0);
}

HttpReply ConsoleHttp::Send(const std::string& method, const std::string& path, const std::string& body,
                            httplib::Headers headers, bool csrf) {
  if (!cookie_.empty()) {
    headers.emplace("Cookie", "mezhved_session=" + cookie_);
  }
  if (csrf && method != "GET" && headers.find("X-CSRF-Token") == headers.end()) {
    headers.emplace("X-CSRF-Token", csrf_);
  }
  REQUIRE((method == "GET" || method == "POST" || method == "DELETE"));
  httplib::Result result = method == "GET"    ? client_->Get(path, headers)
                           : method == "POST" ? client_->Post(path, headers, body, "application/json")
                                              : client_->Delete(path, headers);
  INFO(method << " " << path << ": " << httplib::to_string(result.error()));
  REQUIRE(result);
  return HttpReply{result->status, result->body, result->headers};
}

HttpReply ConsoleHttp::Get(const std::string& path, const httplib::Headers& headers) {
  return Send("GET", path, "", headers, false);
}

HttpReply ConsoleHttp::Post(const std::string& path, const std::string& json_body, const httplib::Headers& headers,
                            bool csrf) {
  return Send("POST", path, json_body, headers, csrf);
}

HttpReply ConsoleHttp::Delete(const std::string& path, const httplib::Headers& headers, bool csrf) {
  return Send("DELETE", path, "", headers, csrf);
}

HttpReply ConsoleHttp::SignIn(const std::string& name, const std::string& password) {
  const nlohmann::json body = {{"name", name}, {"password", password}};
  HttpReply reply = Send("POST", "/api/v1/session", body.dump(), {}, false);
  if (reply.status == 200) {
    cookie_ = CookieToken(reply.Header("Set-Cookie"));
    csrf_ = reply.Json().value("csrf_token", "");
  }
  return reply;
}

void ConsoleHttp::SignInAs(const std::string& name) {
  HttpReply reply = SignIn(name, PasswordOf(name));
  INFO("signing in as " << name << ": " << reply.status << " " << reply.body);
  REQUIRE(reply.status == 200);
  REQUIRE_FALSE(cookie_.empty());
  REQUIRE_FALSE(csrf_.empty());
}

nlohmann::json ConsoleHttp::GetJson(const std::string& path) {
  HttpReply reply = Get(path);
  INFO("GET " << path << ": " << reply.status << " " << reply.body);
  REQUIRE(reply.status == 200);
  return reply.Json();
}

// ---- Scrape ----

Scrape::Scrape(const std::string& text) : text_(text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::string name;
    std::map<std::string, std::string> labels;
    size_t at = line.find_first_of("{ ");
    INFO("metrics line: " << line);
    REQUIRE(at != std::string::npos);
    name = line.substr(0, at);
    if (line[at] == '{') {
      ++at;
      while (line[at] != '}') {
        const size_t equals = line.find('=', at);
        REQUIRE(equals != std::string::npos);
        REQUIRE(line[equals + 1] == '"');
        const std::string label = line.substr(at, equals - at);
        std::string value;
        size_t i = equals + 2;
        for (; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            value += line[i] == 'n' ? '\n' : line[i];
          } else {
            value += line[i];
          }
        }
        REQUIRE(i < line.size());
        labels[label] = value;
        at = i + 1;
        if (line[at] == ',') {
          ++at;
        }
      }
      ++at;
    }
    REQUIRE(at < line.size());
    REQUIRE(line[at] == ' ');
    std::istringstream rest(line.substr(at + 1));
    std::string number;
    rest >> number;  // a timestamp may follow; the daemon writes none
    const double value = number == "+Inf" ? INFINITY : number == "-Inf" ? -INFINITY : std::stod(number);
    const std::string key = Key(name, labels);
    REQUIRE(series_.count(key) == 0);  // each series once
    series_[key] = value;
  }
}

std::string Scrape::Key(const std::string& name, const std::map<std::string, std::string>& labels) {
  if (labels.empty()) {
    return name;
  }
  std::string key = name + "{";
  bool first = true;
  for (const auto& [label, value] : labels) {
    key += (first ? "" : ",") + label + "=\"" + value + "\"";
    first = false;
  }
  return key + "}";
}

double Scrape::Value(const std::string& name, const std::map<std::string, std::string>& labels) const {
  const auto it = series_.find(Key(name, labels));
  return it == series_.end() ? 0 : it->second;
}

bool Scrape::Has(const std::string& name, const std::map<std::string, std::string>& labels) const {
  return series_.count(Key(name, labels)) > 0;
}

// ---- ConsoleDaemon ----

ConsoleDaemon::ConsoleDaemon(Mode mode, std::vector<std::string> extra_args) : mode_(mode) {
  std::string config;
  if (mode == Mode::kTls) {
    pki_ = std::make_unique<TestPki>(dir_ / "pki");
    const CertFiles server = pki_->IssueServer();
    for (const char* cn : {kSocialDept, kSocialDept2, kZags, kHospital, "operator-duty", "prometheus"}) {
      certificates_[cn] = pki_->IssueClient(cn);
    }
    const ServerTlsFiles files{server.cert.string(), server.key.string(), pki_->ca_file().string()};
    config = SmallRegionConfigText("data", &files);
  } else {
    config = SmallRegionConfigText("data");
  }
  daemon_ = std::make_unique<DaemonProcess>(MEZHVED_DAEMON_PATH, dir_ / "daemon", config, std::move(extra_args));
  daemon_->Start();
  REQUIRE_FALSE(daemon_->console_address().empty());
}

std::string ConsoleDaemon::console_url() const {
  return std::string(tls() ? "https://" : "http://") + daemon_->console_address();
}

const CertFiles& ConsoleDaemon::Certificate(const std::string& cn) const {
  REQUIRE(tls());
  return certificates_.at(cn);
}

ConsoleHttp ConsoleDaemon::Console(const std::string& cn) const {
  if (!tls()) {
    return ConsoleHttp(daemon_->console_address());
  }
  return ConsoleHttp(daemon_->console_address(), pki_->ca_file(), cn.empty() ? nullptr : &Certificate(cn));
}

AgencyClient ConsoleDaemon::As(const std::string& organisation) const {
  if (!tls()) {
    return AgencyClient(InsecureChannel(daemon_->agency_address()), organisation);
  }
  const CertFiles& cert = Certificate(organisation);
  return AgencyClient(TlsChannel(daemon_->agency_address(), pki_->ca_file(), cert.cert, cert.key), "");
}

OperatorClient ConsoleDaemon::Operator() const {
  if (!tls()) {
    return OperatorClient(InsecureChannel(daemon_->operator_address()), "duty");
  }
  const CertFiles& cert = Certificate("operator-duty");
  return OperatorClient(TlsChannel(daemon_->operator_address(), pki_->ca_file(), cert.cert, cert.key), "");
}

std::vector<std::string> ConsoleDaemon::CtlArguments(const std::string& operator_name) const {
  if (!tls()) {
    return {"--server", daemon_->operator_address(), "--insecure", "--operator", operator_name};
  }
  // Each operator's certificate is "operator-<name>" (tests/support/envelopes.cc), so the CLI acts with its role.
  const CertFiles& cert = Certificate("operator-" + operator_name);
  return {"--server", daemon_->operator_address(), "--ca",  pki_->ca_file().string(),
          "--cert",   cert.cert.string(),          "--key", cert.key.string()};
}

Scrape ConsoleDaemon::ScrapeMetrics() const {
  ConsoleHttp http = Console(tls() ? "prometheus" : "");
  HttpReply reply = http.Get("/metrics");
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  REQUIRE(reply.Header("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  return Scrape(reply.body);
}

// ---- traffic ----

std::string SendValidRequest(AgencyClient& sender, const std::string& from, const std::string& to) {
  v1::SendResult sent;
  const CallResult result = sender.SendRequest(FreshKey(), ValidRequest(from, to), &sent);
  INFO(result.error_code << ": " << result.status.error_message());
  REQUIRE(result.ok());
  REQUIRE_FALSE(sent.message_id().empty());
  return sent.message_id();
}

std::string MakeDeadLetter(const ConsoleDaemon& gateway, const std::string& from, const std::string& to) {
  AgencyClient sender = gateway.As(from);
  AgencyClient recipient = gateway.As(to);
  const std::string id = SendValidRequest(sender, from, to);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    // Once the previous lease has run out (the housekeeping sweep runs every 50 ms), the message is ready again.
    std::vector<v1::Message> got;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (got.empty() && std::chrono::steady_clock::now() < give_up) {
      const CallResult received = recipient.Receive(1, 1000, 100, &got);
      REQUIRE(received.ok());
    }
    INFO("delivery " << attempt << " of " << id);
    REQUIRE(got.size() == 1);
    REQUIRE(got[0].message_id() == id);
    REQUIRE(got[0].delivery_attempt() == static_cast<uint32_t>(attempt));
  }
  OperatorClient operators = gateway.Operator();
  REQUIRE(operators.WaitForState(id, v1::MESSAGE_STATE_DEAD_LETTERED));
  return id;
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= give_up) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string CurrentQuarter() {
  const std::time_t moscow = std::time(nullptr) + 3 * 3600;
  std::tm parts{};
  gmtime_r(&moscow, &parts);
  return std::to_string(parts.tm_year + 1900) + "-Q" + std::to_string(parts.tm_mon / 3 + 1);
}

}  // namespace mezhved::testing
