// An HTTP/1.1 server on Boost.Beast for the daemon's HTTP doors (the SOAP API; later the operators' console): plain
// on loopback or TLS with client certificates, asynchronous, so that a call waiting on the core (a store write, a
// long poll) holds no thread, and with limits that keep slow or hostile clients from exhausting it:
//   - at most max_connections open connections; one more is closed as soon as it is accepted;
//   - a connection must deliver a whole request, headers and body, within read_timeout (also when it idles between
//     keep-alive requests), so a client that trickles bytes is cut off;
//   - the headers are at most 16 KiB and the body at most max_body_bytes (answered 431 / 413, then closed);
//   - an answer must be sent within write_timeout; keep-alive ends after max_requests_per_connection.
// The server knows nothing of SOAP: a Handler gets each request and answers it once, from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "adapters/http/certificate_identity.h"
#include "common/status.h"

namespace mezhved::adapters::http {

struct ServerState;  // server.cc

struct HttpServerOptions {
  std::string address;  // "host:port"; port 0 picks a free one
  // TLS with client certificates (required and verified against client_ca_file) when certificate_file is set;
  // plain text otherwise.
  std::string certificate_file;
  std::string private_key_file;
  std::string client_ca_file;
  // TLS: a client that shows no certificate is served too (request.client_certificate empty); one that shows a
  // certificate the client CAs did not issue is still refused.
  bool client_certificate_optional = false;
  uint32_t threads = 2;
  uint32_t max_connections = 1000;
  uint64_t max_body_bytes = 8 << 20;
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds write_timeout{30000};
  uint32_t max_requests_per_connection = 10000;
};

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  bool tls = false;
  std::optional<CertificateIdentity> client_certificate;  // TLS: the verified client certificate
  std::string remote_address;                             // "host:port" of the peer

  // A header's value, or empty; `name` in lower case.
  const std::string& Header(const std::string& name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type;
  std::string body;
  std::map<std::string, std::string> headers;  // extra headers
};

using Respond = std::function<void(HttpResponse)>;
// Called on a server thread for every complete request; must call `respond` exactly once, from any thread, and may
// do so later (after the core answers). It should not block for long: the server's threads are few.
using Handler = std::function<void(HttpRequest, Respond)>;
// The answer to a request the server refuses itself (413, 431, 400), so that a protocol can word it its own way
// (a SOAP fault). `request_content_type` is what the client declared, when the headers were read.
using ErrorResponder =
    std::function<HttpResponse(unsigned status, const std::string& why, const std::string& request_content_type)>;

class HttpServer {
 public:
  // Binds and starts serving. CONFIG_INVALID for an address that cannot be bound or TLS files that cannot be used.
  static StatusOr<std::unique_ptr<HttpServer>> Start(HttpServerOptions options, Handler handler,
                                                     ErrorResponder error_responder);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  const std::string& address() const;  // "host:port" actually bound

  // Stops accepting, waits up to `grace` for the requests in flight to be answered, then closes everything.
  void Shutdown(std::chrono::milliseconds grace);
  // Reads the certificate, key and client CA files again for the connections that follow; open ones go on with the
  // files they were made with. CONFIG_INVALID (and the files in use stay) when one does not load. Plain text: OK.
  Status ReloadTls();

 private:
  explicit HttpServer(std::shared_ptr<ServerState> impl);
  std::shared_ptr<ServerState> impl_;
};

}  // namespace mezhved::adapters::http
