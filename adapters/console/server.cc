#include "adapters/console/server.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "adapters/console/access.h"
#include "adapters/console/api.h"
#include "adapters/console/rates.h"
#include "adapters/http/server.h"
#include "common/log.h"

namespace mezhved::adapters::console {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::TimeUtil;

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr char kTextContentType[] = "text/plain; charset=utf-8";
constexpr char kSessionCookie[] = "mezhved_session";
constexpr char kCsrfHeader[] = "x-csrf-token";
constexpr size_t kMaxNameLength = 64;

// Every answer: the page runs only its own scripts, is framed by no one, and leaks no referrer.
void AddSecurityHeaders(http::HttpResponse& response, bool tls) {
  response.headers["content-security-policy"] =
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
      "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  response.headers["x-content-type-options"] = "nosniff";
  response.headers["x-frame-options"] = "DENY";
  response.headers["referrer-policy"] = "no-referrer";
  if (tls) {
    response.headers["strict-transport-security"] = "max-age=31536000";
  }
}

http::HttpResponse Text(unsigned status, std::string body) {
  http::HttpResponse response;
  response.status = status;
  response.content_type = kTextContentType;
  response.body = std::move(body);
  response.headers["cache-control"] = "no-store";
  return response;
}

http::HttpResponse FromApi(ApiAnswer answer) {
  http::HttpResponse response;
  response.status = answer.status;
  response.content_type = std::move(answer.content_type);
  response.body = std::move(answer.body);
  response.headers = std::move(answer.headers);
  response.headers["cache-control"] = "no-store";
  return response;
}

std::string PercentDecode(std::string_view text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      decoded += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      decoded += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> parameters;
  while (!query.empty()) {
    const size_t end = query.find('&');
    const std::string_view pair = query.substr(0, end);
    const size_t equals = pair.find('=');
    if (!pair.empty()) {
      parameters[PercentDecode(pair.substr(0, equals))] =
          equals == std::string_view::npos ? "" : PercentDecode(pair.substr(equals + 1));
    }
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
  }
  return parameters;
}

std::string CookieValue(const std::string& header, std::string_view name) {
  std::string_view rest = header;
  while (!rest.empty()) {
    const size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') {
      pair.remove_prefix(1);
    }
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  return "";
}

std::string ContentTypeOf(const fs::path& path) {
  const std::string extension = path.extension().string();
  if (extension == ".html") return "text/html; charset=utf-8";
  if (extension == ".js") return "text/javascript; charset=utf-8";
  if (extension == ".css") return "text/css; charset=utf-8";
  if (extension == ".svg") return "image/svg+xml";
  if (extension == ".png") return "image/png";
  if (extension == ".ico") return "image/x-icon";
  if (extension == ".json") return "application/json";
  return "text/plain; charset=utf-8";
}

struct Asset {
  std::string content_type;
  std::string body;
};

// Every file of the built pages, read once at start: a request can only name one of them, so no path from a
// request ever reaches the file system.
StatusOr<std::map<std::string, Asset>> LoadAssets(const std::string& dir) {
  std::error_code error;
  if (!fs::is_regular_file(fs::path(dir) / "index.html", error)) {
    return Status(ErrorCode::kConfigInvalid, "operator_console.assets_dir: no index.html in " + dir +
                                                 " (build the target mezhved_console_assets)");
  }
  std::map<std::string, Asset> assets;
  for (auto it = fs::recursive_directory_iterator(dir, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (!it->is_regular_file()) {
      continue;
    }
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    const std::string relative = fs::relative(it->path(), dir).generic_string();
    assets["/" + relative] = Asset{ContentTypeOf(it->path()), contents.str()};
  }
  if (error) {
    return Status(ErrorCode::kConfigInvalid, "operator_console.assets_dir: reading " + dir + ": " + error.message());
  }
  assets["/"] = assets["/index.html"];
  return assets;
}

std::string DefaultAssetsDir() {
  std::error_code error;
  if (fs::is_regular_file(fs::path(MEZHVED_CONSOLE_ASSETS_DIR) / "index.html", error)) {
    return MEZHVED_CONSOLE_ASSETS_DIR;  // this build's own pages
  }
  return MEZHVED_CONSOLE_INSTALLED_ASSETS_DIR;
}

}  // namespace

struct ConsoleServer::Impl {
  ConsoleDependencies dependencies;
  const config::v1::GatewayConfig& config;
  bool insecure_loopback = false;
  std::map<std::string, Asset> assets;
  OperatorAccess access;
  RateHistory rates;
  ConsoleApi api;
  metrics::CollectorHandle ready_gauge;
  std::unique_ptr<http::HttpServer> http;

  // The rate sampler.
  std::mutex sampler_mutex;
  std::condition_variable sampler_wake;
  bool sampler_stopping = false;
  std::thread sampler;

  Impl(const config::v1::GatewayConfig& gateway_config, ConsoleDependencies deps, AccessSettings access_settings)
      : dependencies(std::move(deps)),
        config(gateway_config),
        insecure_loopback(gateway_config.operator_console().listener().insecure_loopback()),
        access(gateway_config, access_settings, dependencies.gateway->clock()),
        api(*dependencies.gateway, gateway_config, rates, *dependencies.readiness) {}

  ~Impl() {
    {
      std::lock_guard lock(sampler_mutex);
      sampler_stopping = true;
    }
    sampler_wake.notify_all();
    if (sampler.joinable()) {
      sampler.join();
    }
  }

  void RunSampler() {
    std::unique_lock lock(sampler_mutex);
    while (!sampler_stopping) {
      rates.Sample(dependencies.gateway->clock().NowMs(), dependencies.gateway->metrics().totals());
      sampler_wake.wait_for(lock, std::chrono::milliseconds(RateHistory::kIntervalMs),
                            [this] { return sampler_stopping; });
    }
  }

  void Handle(const http::HttpRequest& request, const http::Respond& respond) {
    const size_t question = request.target.find('?');
    const std::string path = request.target.substr(0, question);
    // By value: a reveal or a requeue answers later, from the store's thread, after this call has returned.
    auto answer = [tls = request.tls, respond](http::HttpResponse response) {
      AddSecurityHeaders(response, tls);
      respond(std::move(response));
    };
    if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
      return answer(Probe(request, path));
    }
    if (path.starts_with("/api/")) {
      const std::string query = question == std::string::npos ? "" : request.target.substr(question + 1);
      return HandleApi(request, path, query, std::move(answer));
    }
    if (request.method != "GET" && request.method != "HEAD") {
      return answer(Text(405, "only GET and HEAD\n"));
    }
    const auto asset = assets.find(path);
    if (asset == assets.end()) {
      return answer(Text(404, "not found\n"));
    }
    http::HttpResponse response;
    response.content_type = asset->second.content_type;
    response.body = asset->second.body;
    response.headers["cache-control"] = "no-cache";  // revalidate: a new build's pages show at once
    answer(std::move(response));
  }

  http::HttpResponse Probe(const http::HttpRequest& request, const std::string& path) const {
    if (request.method != "GET" && request.method != "HEAD") {
      return Text(405, "only GET and HEAD\n");
    }
    if (path == "/healthz") {
      return Text(200, "ok\n");  // the process lives and its HTTP threads answer
    }
    if (path == "/readyz") {
      const Status ready = dependencies.readiness->Check();
      return ready.ok() ? Text(200, "ready\n") : Text(503, "not ready: " + ready.message() + "\n");
    }
    // Metrics carry no personal data, but they map the region's exchange: over TLS, only holders of a certificate
    // of the gateway's PKI read them (Prometheus has one).
    if (request.tls && !request.client_certificate) {
      return Text(403, "/metrics needs a client certificate of the gateway's PKI\n");
    }
    http::HttpResponse response = Text(200, dependencies.metrics->Render());
    response.content_type = kMetricsContentType;
    return response;
  }

  // Who is calling: the loopback trial, an operator's certificate, or a session cookie.
  std::optional<Session> Authenticate(const http::HttpRequest& request) {
    if (insecure_loopback) {
      return access.SignInLoopback();
    }
    if (request.client_certificate) {
      if (std::optional<Session> session = access.SignInByCertificate(*request.client_certificate)) {
        return session;
      }
    }
    const std::string token = CookieValue(request.Header("cookie"), kSessionCookie);
    if (std::optional<SignedIn> who = access.Find(token)) {
      return Session{token, *who};
    }
    return std::nullopt;
  }

  std::string CookieFor(const http::HttpRequest& request, const std::string& token, int64_t max_age_seconds) const {
    std::string cookie = std::string(kSessionCookie) + "=" + token +
                         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_seconds);
    if (request.tls) {
      cookie += "; Secure";  // plain HTTP only on loopback, where a Secure cookie could not be set
    }
    return cookie;
  }

  std::string ClientOf(const http::HttpRequest& request) const { return "console " + request.remote_address; }

  // A state-changing request must come from the console's own page: its Origin, when the browser sends one, is this
  // listener, and it carries the session's CSRF token.
  static bool SameOrigin(const http::HttpRequest& request) {
    const std::string& origin = request.Header("origin");
    if (origin.empty()) {
      return true;
    }
    const std::string expected = std::string(request.tls ? "https://" : "http://") + request.Header("host");
    return origin == expected;
  }

  void HandleApi(const http::HttpRequest& request, const std::string& path, const std::string& query,
                 std::function<void(http::HttpResponse)> answer) {
    const bool changes = request.method != "GET" && request.method != "HEAD";
    if (changes && !SameOrigin(request)) {
      return answer(FromApi(ErrorAnswer(Status(ErrorCode::kPermissionDenied, "a request from another origin"))));
    }
    if (path == "/api/v1/session" && request.method == "POST") {
      return answer(SignIn(request));
    }
    std::optional<Session> session = Authenticate(request);
    if (!session) {
      return answer(FromApi(ErrorAnswer(Status(ErrorCode::kUnauthenticated, "sign in first"))));
    }
    if (changes && !OperatorAccess::CsrfMatches(session->who, request.Header(kCsrfHeader))) {
      return answer(
          FromApi(ErrorAnswer(Status(ErrorCode::kPermissionDenied, "missing or wrong X-CSRF-Token: reload the page"))));
    }
    if (path == "/api/v1/session") {
      if (request.method == "GET") {
        return answer(FromApi(SessionAnswer(session->who)));
      }
      if (request.method == "DELETE") {
        return answer(SignOut(request, *session));
      }
    }
    ApiRequest call;
    call.method = request.method;
    call.path = path;
    call.query = ParseQuery(query);
    call.body = request.body;
    call.who = session->who;
    call.client = ClientOf(request);
    api.Handle(call, [answer = std::move(answer)](ApiAnswer result) { answer(FromApi(std::move(result))); });
  }

  ApiAnswer SessionAnswer(const SignedIn& who) const {
    v1::ConsoleSession session;
    session.set_operator_(who.operator_name);
    session.set_role(who.role);
    session.set_csrf_token(who.csrf_token);
    for (const std::string& permission : PermissionNames(who.role)) {
      session.add_permissions(permission);
    }
    session.set_authenticated_by(who.authenticated_by);
    *session.mutable_expires_at() = TimeUtil::MillisecondsToTimestamp(who.expires_at_ms);
    session.set_instance_name(config.instance_name());
    ApiAnswer answer;
    answer.body = ToJson(session);
    return answer;
  }

  http::HttpResponse SignIn(const http::HttpRequest& request) {
    v1::LoginRequest login;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    if (!google::protobuf::util::JsonStringToMessage(request.body, &login, options).ok() || login.name().empty()) {
      return FromApi(ErrorAnswer(Status(ErrorCode::kInvalidArgument, R"(a JSON body {"name", "password"})")));
    }
    const std::string name = login.name().substr(0, kMaxNameLength);
    StatusOr<Session> session = access.SignIn(name, login.password());
    SignedIn tried;
    tried.operator_name = name;
    if (!session.ok()) {
      const bool locked = session.status().code() == ErrorCode::kLockedOut;
      api.Audit(tried, ClientOf(request), locked ? "locked_out" : "sign_in_failed", "", session.status().message());
      (locked ? log::Warn("console", "operator.locked_out") : log::Warn("console", "operator.sign_in_failed"))
          .Operator(name)
          .Field("client", request.remote_address)
          .Msg("{}", session.status().message());
      return FromApi(ErrorAnswer(session.status()));
    }
    api.Audit(session->who, ClientOf(request), "sign_in", "", "by password");
    log::Info("console", "operator.signed_in").Operator(name).Field("client", request.remote_address).Msg("signed in");
    http::HttpResponse response = FromApi(SessionAnswer(session->who));
    response.headers["set-cookie"] =
        CookieFor(request, session->token, (session->who.expires_at_ms - dependencies.gateway->clock().NowMs()) / 1000);
    return response;
  }

  http::HttpResponse SignOut(const http::HttpRequest& request, const Session& session) {
    access.SignOut(session.token);
    api.Audit(session.who, ClientOf(request), "sign_out", "", "");
    http::HttpResponse response = FromApi(ApiAnswer{200, "application/json", "{}", {}});
    response.headers["set-cookie"] = CookieFor(request, "", 0);
    return response;
  }
};

ConsoleServer::ConsoleServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ConsoleServer::~ConsoleServer() {
  if (impl_->http) {
    impl_->http->Shutdown(std::chrono::milliseconds(0));
  }
}

const std::string& ConsoleServer::address() const { return impl_->http->address(); }

void ConsoleServer::Shutdown(std::chrono::milliseconds grace) { impl_->http->Shutdown(grace); }

Status ConsoleServer::ReloadTls() { return impl_->http->ReloadTls(); }

StatusOr<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(const config::v1::GatewayConfig& config,
                                                              ConsoleDependencies dependencies) {
  if (dependencies.gateway == nullptr || dependencies.metrics == nullptr || dependencies.readiness == nullptr) {
    return Status(ErrorCode::kInternal, "the operator console needs the gateway, the metrics and the readiness checks");
  }
  const config::v1::OperatorConsole& console = config.operator_console();
  StatusOr<std::map<std::string, Asset>> assets =
      LoadAssets(console.assets_dir().empty() ? DefaultAssetsDir() : console.assets_dir());
  MEZHVED_RETURN_IF_ERROR(assets.status());

  AccessSettings access_settings;
  access_settings.idle_timeout_ms = int64_t{console.session_idle_minutes()} * 60 * 1000;
  access_settings.max_failures = console.max_failed_sign_ins();
  access_settings.lockout_ms = int64_t{console.lockout_minutes()} * 60 * 1000;
  auto impl = std::make_unique<Impl>(config, std::move(dependencies), access_settings);
  impl->assets = std::move(*assets);
  const Readiness* readiness = impl->dependencies.readiness;
  impl->ready_gauge = impl->dependencies.metrics->AddCollector(
      [readiness, version = impl->dependencies.version](metrics::TextWriter& writer) {
        writer.Family("mezhved_ready",
                      "1 when the gateway is ready: store open and writable, keys and calendars loaded, listeners up.",
                      "gauge");
        writer.Sample("mezhved_ready", uint64_t{readiness->Check().ok() ? 1U : 0U});
        writer.Family("mezhved_build_info", "The running build; always 1.", "gauge");
        writer.Sample("mezhved_build_info", {{"version", version}}, uint64_t{1});
      });

  http::HttpServerOptions options;
  options.address = console.listener().address();
  if (!console.listener().insecure_loopback()) {
    options.certificate_file = console.listener().tls().certificate_file();
    options.private_key_file = console.listener().tls().private_key_file();
    options.client_ca_file = console.listener().tls().client_ca_file();
    options.client_certificate_optional = true;  // operators without a certificate sign in with a password
  }
  options.threads = console.threads();
  options.max_connections = console.max_connections();
  options.max_body_bytes = 64 << 10;  // the console's own requests are small
  options.read_timeout = std::chrono::milliseconds(console.read_timeout_ms());
  options.write_timeout = std::chrono::milliseconds(console.write_timeout_ms());
  Impl* self = impl.get();
  StatusOr<std::unique_ptr<http::HttpServer>> server = http::HttpServer::Start(
      options,
      [self](const http::HttpRequest& request, const http::Respond& respond) { self->Handle(request, respond); },
      [](unsigned status, const std::string& why, const std::string& /*content_type*/) {
        return Text(status, why + "\n");
      });
  if (!server.ok()) {
    return Status(server.status().code(), "operator_console: " + server.status().message());
  }
  impl->http = std::move(*server);
  impl->sampler = std::thread([self] { self->RunSampler(); });
  return std::unique_ptr<ConsoleServer>(new ConsoleServer(std::move(impl)));
}

}  // namespace mezhved::adapters::console
