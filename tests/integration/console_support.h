// What the operators' console tests share: a real mezhvedd with the console listener (TLS with the test PKI, or the
// insecure loopback trial), an HTTP client of the console that keeps one session the way a browser does (the
// mezhved_session cookie and the CSRF token), a parser of the Prometheus text format, and the traffic the tests make
// through the agency gRPC API (requests, leases, acks, answers and dead letters).
//
// The HTTP client is cpp-httplib (Debian's libcpp-httplib-dev), independent of the daemon's Boost.Beast server.
// Failures are Catch2 REQUIREs (test code).
#pragma once

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/agency_client.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace mezhved::testing {

// Every console operator of SmallRegionConfigText has this password.
std::string PasswordOf(const std::string& operator_name);  // "<name>-night-shift"

struct HttpReply {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  std::string Header(const std::string& name) const;
  nlohmann::json Json() const;  // the body as JSON; REQUIREs that it parses
};

// One client of the console, like one browser: it keeps the session cookie a sign-in sets and the CSRF token of
// GET /api/v1/session, and sends both on every later call (the token only on POST and DELETE).
class ConsoleHttp {
 public:
  // Plain HTTP to the loopback trial.
  explicit ConsoleHttp(const std::string& address);
  // HTTPS, checking the server's certificate against `ca`, with a client certificate when one is given.
  ConsoleHttp(const std::string& address, const std::filesystem::path& ca, const CertFiles* client_certificate);

  HttpReply Get(const std::string& path, const httplib::Headers& headers = {});
  // POST with a JSON body; the CSRF header is added unless `headers` names X-CSRF-Token itself or `csrf` is false.
  HttpReply Post(const std::string& path, const std::string& json_body, const httplib::Headers& headers = {},
                 bool csrf = true);
  HttpReply Delete(const std::string& path, const httplib::Headers& headers = {}, bool csrf = true);

  // POST /api/v1/session {name, password}; on 200 keeps the cookie and the answer's CSRF token.
  HttpReply SignIn(const std::string& name, const std::string& password);
  // SignIn with the operator's own password, REQUIRing 200.
  void SignInAs(const std::string& name);
  // GET that must answer 200 with JSON.
  nlohmann::json GetJson(const std::string& path);

  const std::string& cookie() const { return cookie_; }  // the session token ("" when none)
  void set_cookie(std::string token) { cookie_ = std::move(token); }
  const std::string& csrf_token() const { return csrf_; }
  void set_csrf_token(std::string token) { csrf_ = std::move(token); }

 private:
  HttpReply Send(const std::string& method, const std::string& path, const std::string& body, httplib::Headers headers,
                 bool csrf);
  std::unique_ptr<httplib::Client> client_;
  std::string cookie_;
  std::string csrf_;
};

// A scrape in the Prometheus text format (version 0.0.4), as "name{label="value",...}" (labels sorted) -> value.
class Scrape {
 public:
  explicit Scrape(const std::string& text);
  // The value of the series with exactly these labels; 0 when the scrape has no such series (the daemon leaves a
  // labelled counter out until it moves).
  double Value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const;
  bool Has(const std::string& name, const std::map<std::string, std::string>& labels = {}) const;
  const std::map<std::string, double>& series() const { return series_; }
  const std::string& text() const { return text_; }

  static std::string Key(const std::string& name, const std::map<std::string, std::string>& labels);

 private:
  std::string text_;
  std::map<std::string, double> series_;
};

// mezhvedd with SmallRegionConfigText: over TLS with a PKI made for the test (every organisation of the region,
// "operator-duty" and a "prometheus" client certificate), or in the insecure loopback trial.
class ConsoleDaemon {
 public:
  enum class Mode { kTls, kLoopback };
  explicit ConsoleDaemon(Mode mode, std::vector<std::string> extra_args = {});

  bool tls() const { return mode_ == Mode::kTls; }
  DaemonProcess& daemon() { return *daemon_; }
  const std::string& console_address() const { return daemon_->console_address(); }
  std::string console_url() const;  // "https://127.0.0.1:PORT" or "http://..."
  const TempDir& dir() const { return dir_; }
  TestPki& pki() { return *pki_; }                            // TLS only
  const CertFiles& Certificate(const std::string& cn) const;  // TLS only: an organisation's, "operator-duty", ...

  // A console client: over TLS without a client certificate unless `cn` names one of Certificate()'s.
  ConsoleHttp Console(const std::string& cn = "") const;
  AgencyClient As(const std::string& organisation) const;
  OperatorClient Operator() const;  // "duty", by certificate or by name
  // mezhvedctl's arguments to reach the operator API as `operator_name` (TLS: its certificate "operator-<name>").
  std::vector<std::string> CtlArguments(const std::string& operator_name) const;
  // GET /metrics (over TLS with the "prometheus" certificate).
  Scrape ScrapeMetrics() const;

 private:
  Mode mode_;
  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  std::map<std::string, CertFiles> certificates_;
  std::unique_ptr<DaemonProcess> daemon_;
};

// Sends ValidRequest(from, to) under a fresh idempotency key; REQUIREs acceptance and returns the message id.
std::string SendValidRequest(AgencyClient& sender, const std::string& from, const std::string& to);

// Makes one request from `from` to `to` a dead letter: sends it, then leases it max_attempts (3) times with the
// shortest lease (100 ms), letting each lease run out, and waits until the gateway has dead-lettered it. `to`'s
// queue must hold no other ready message (each lease must pick this one). Returns its id.
std::string MakeDeadLetter(const ConsoleDaemon& gateway, const std::string& from, const std::string& to);

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// The reporting period containing now in the test region's time (Moscow, UTC+3), e.g. "2026-Q4".
std::string CurrentQuarter();

}  // namespace mezhved::testing
