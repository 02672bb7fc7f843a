#include "adapters/soap/server.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "adapters/http/server.h"
#include "adapters/soap/operations.h"
#include "adapters/soap/soap.h"
#include "common/wire_names.h"

namespace mezhved::adapters::soap {
namespace {

namespace fs = std::filesystem;

constexpr char kSoapPath[] = "/soap";
constexpr char kSchemaPrefix[] = "/soap/schemas/";
// The files served under /soap/schemas/, relative to the schema directory; the WSDL's and XSDs' relative imports
// resolve among them.
constexpr const char* kServedSchemas[] = {"soap/1/exchange.wsdl", "soap/1/exchange.xsd", "envelope/1/envelope.xsd"};
constexpr char kWsdlFile[] = "soap/1/exchange.wsdl";
// Literals of the WSDL file that the served copy replaces with this gateway's addresses.
constexpr char kWsdlAddressPlaceholder[] = "http://localhost:7792/soap";
constexpr char kWsdlImportPlaceholder[] = "schemaLocation=\"exchange.xsd\"";

http::HttpResponse PlainText(unsigned status, const std::string& text) {
  http::HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = text + "\n";
  return response;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// A Host header fit to be written into the WSDL: a host name or address and a port, nothing else.
bool IsPlainHost(const std::string& host) {
  return !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
}

// Counts each organisation's calls in flight, so that one caller cannot take every thread and connection.
class CallQuota {
 public:
  explicit CallQuota(uint32_t per_organisation) : limit_(per_organisation) {}

  // A token that gives the slot back when the last copy goes; null when the caller is at its limit.
  std::shared_ptr<void> Acquire(const std::string& organisation) {
    std::lock_guard lock(mutex_);
    uint32_t& count = in_flight_[organisation];
    if (count >= limit_) {
      return nullptr;
    }
    ++count;
    return {this, [this, organisation](CallQuota*) {
              std::lock_guard release_lock(mutex_);
              if (--in_flight_[organisation] == 0) {
                in_flight_.erase(organisation);
              }
            }};
  }

 private:
  const uint32_t limit_;
  std::mutex mutex_;
  std::unordered_map<std::string, uint32_t> in_flight_;
};

}  // namespace

struct SoapServer::Impl {
  Impl(const config::v1::GatewayConfig& config, gateway::Gateway& gateway,
       std::shared_ptr<const gateway::ParticipantRegistry> registry)
      : settings(config.soap_api()),
        participants(std::move(registry)),
        operations(gateway),
        quota(config.soap_api().max_calls_per_organisation()) {
    xml_limits.max_bytes = settings.max_request_bytes();
  }

  void Handle(const http::HttpRequest& request, http::Respond respond);
  void HandleCall(const http::HttpRequest& request, http::Respond respond);
  http::HttpResponse Get(const http::HttpRequest& request, const std::string& path, const std::string& query) const;
  StatusOr<std::string> Caller(const http::HttpRequest& request) const;
  std::string BaseUrl(const http::HttpRequest& request) const;

  const config::v1::SoapApi settings;
  const std::shared_ptr<const gateway::ParticipantRegistry> participants;
  Operations operations;
  CallQuota quota;
  xml::XmlLimits xml_limits;
  std::map<std::string, std::string> schemas;  // path under /soap/schemas/ -> contents
  std::unique_ptr<http::HttpServer> http;
};

void SoapServer::Impl::Handle(const http::HttpRequest& request, http::Respond respond) {
  const size_t question = request.target.find('?');
  const std::string path = request.target.substr(0, question);
  const std::string query = question == std::string::npos ? "" : request.target.substr(question + 1);
  if (request.method == "GET" || request.method == "HEAD") {
    return respond(Get(request, path, query));
  }
  if (path != kSoapPath) {
    return respond(PlainText(404, "not found: SOAP calls go to POST /soap, the WSDL is at GET /soap?wsdl"));
  }
  if (request.method != "POST") {
    http::HttpResponse refused = PlainText(405, "SOAP calls are POST requests");
    refused.headers["Allow"] = "GET, POST";
    return respond(std::move(refused));
  }
  HandleCall(request, std::move(respond));
}

void SoapServer::Impl::HandleCall(const http::HttpRequest& request, http::Respond respond) {
  const std::optional<SoapVersion> version = VersionOfContentType(request.Header("content-type"));
  if (!version) {
    return respond(SoapFault(SoapVersion::k11, Status(ErrorCode::kInvalidArgument,
                                                      "Content-Type must be text/xml (SOAP 1.1) or "
                                                      "application/soap+xml (SOAP 1.2)")));
  }
  StatusOr<std::string> caller = Caller(request);
  if (!caller.ok()) {
    return respond(SoapFault(*version, caller.status()));
  }
  std::shared_ptr<void> slot = quota.Acquire(*caller);
  if (!slot) {
    return respond(SoapFault(
        *version, Status(ErrorCode::kQuotaExceeded, "organisation " + *caller + " has " +
                                                        std::to_string(settings.max_calls_per_organisation()) +
                                                        " SOAP calls in flight already; retry when one has finished")));
  }
  StatusOr<SoapCall> call = ParseSoapCall(request.body, *version, xml_limits);
  if (!call.ok()) {
    return respond(SoapFault(*version, call.status()));
  }
  operations.Run(
      *caller, call->operation,
      [version = *version, respond = std::move(respond), slot = std::move(slot)](StatusOr<std::string> body) {
        respond(body.ok() ? SoapAnswer(version, *body) : SoapFault(version, body.status()));
      });
}

http::HttpResponse SoapServer::Impl::Get(const http::HttpRequest& request, const std::string& path,
                                         const std::string& query) const {
  std::string file;
  if (path == kSoapPath && (query == "wsdl" || query == "WSDL")) {
    file = kWsdlFile;
  } else if (path.rfind(kSchemaPrefix, 0) == 0) {
    file = path.substr(std::string(kSchemaPrefix).size());
  }
  const auto found = schemas.find(file);
  if (found == schemas.end()) {
    return PlainText(404, "not found: the WSDL is at /soap?wsdl");
  }
  http::HttpResponse response;
  response.content_type = "text/xml; charset=utf-8";
  response.body = found->second;
  if (file == kWsdlFile) {
    const std::string base = BaseUrl(request);
    response.body =
        ReplaceAll(ReplaceAll(response.body, kWsdlAddressPlaceholder, base + kSoapPath), kWsdlImportPlaceholder,
                   "schemaLocation=\"" + base + kSchemaPrefix + "soap/1/exchange.xsd\"");
  }
  return response;
}

std::string SoapServer::Impl::BaseUrl(const http::HttpRequest& request) const {
  if (!settings.public_url().empty()) {
    std::string base = settings.public_url();
    while (!base.empty() && base.back() == '/') {
      base.pop_back();
    }
    return base;
  }
  const std::string& host = request.Header("host");
  return std::string(request.tls ? "https://" : "http://") + (IsPlainHost(host) ? host : http->address());
}

StatusOr<std::string> SoapServer::Impl::Caller(const http::HttpRequest& request) const {
  return CallingOrganisation(*participants, settings.listener().insecure_loopback(),
                             request.Header(wire::kOrganisationHeader), request.client_certificate);
}

SoapServer::SoapServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SoapServer::~SoapServer() { Shutdown(std::chrono::milliseconds(0)); }

const std::string& SoapServer::address() const { return impl_->http->address(); }

void SoapServer::Shutdown(std::chrono::milliseconds grace) { impl_->http->Shutdown(grace); }

Status SoapServer::ReloadTls() { return impl_->http->ReloadTls(); }

StatusOr<std::unique_ptr<SoapServer>> SoapServer::Start(
    const config::v1::GatewayConfig& config, gateway::Gateway& gateway,
    const std::shared_ptr<const gateway::ParticipantRegistry>& participants) {
  auto impl = std::make_unique<Impl>(config, gateway, participants);
  const fs::path schema_dir = fs::path(config.information_types_catalog()).parent_path();
  for (const char* file : kServedSchemas) {
    std::ifstream in(schema_dir / file, std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    if (!in || contents.str().empty()) {
      return Status(ErrorCode::kConfigInvalid, "soap_api: cannot read " + (schema_dir / file).string() +
                                                   " (the WSDL and XSDs lie next to the information types' catalogue)");
    }
    impl->schemas[file] = contents.str();
  }
  const config::v1::SoapApi& soap = config.soap_api();
  http::HttpServerOptions options;
  options.address = soap.listener().address();
  if (!soap.listener().insecure_loopback()) {
    options.certificate_file = soap.listener().tls().certificate_file();
    options.private_key_file = soap.listener().tls().private_key_file();
    options.client_ca_file = soap.listener().tls().client_ca_file();
  }
  options.threads = soap.threads();
  options.max_connections = soap.max_connections();
  options.max_body_bytes = soap.max_request_bytes();
  options.read_timeout = std::chrono::milliseconds(soap.read_timeout_ms());
  options.write_timeout = std::chrono::milliseconds(soap.write_timeout_ms());
  options.max_requests_per_connection = soap.max_requests_per_connection();
  Impl* self = impl.get();
  StatusOr<std::unique_ptr<http::HttpServer>> server = http::HttpServer::Start(
      options,
      [self](const http::HttpRequest& request, http::Respond respond) { self->Handle(request, std::move(respond)); },
      [](unsigned status, const std::string& why, const std::string& content_type) {
        const SoapVersion version = VersionOfContentType(content_type).value_or(SoapVersion::k11);
        const ErrorCode code = status == 413 ? ErrorCode::kMessageTooLarge : ErrorCode::kInvalidArgument;
        http::HttpResponse fault = SoapFault(version, Status(code, why));
        fault.status = status;
        return fault;
      });
  if (!server.ok()) {
    return Status(server.status().code(), "soap_api: " + server.status().message());
  }
  impl->http = std::move(*server);
  return std::unique_ptr<SoapServer>(new SoapServer(std::move(impl)));
}

}  // namespace mezhved::adapters::soap
