#include "adapters/http/server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace mezhved::adapters::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr uint32_t kHeaderLimitBytes = 16 * 1024;
constexpr std::chrono::seconds kTlsShutdownTimeout{2};

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

std::optional<HostPort> SplitHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 >= address.size()) {
    return std::nullopt;
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  for (char c : address.substr(colon + 1)) {
    if (c < '0' || c > '9' || (port = port * 10 + (c - '0')) > 65535) {
      return std::nullopt;
    }
  }
  return HostPort{host == "localhost" ? "127.0.0.1" : host, static_cast<uint16_t>(port)};
}

Status ConfigError(const std::string& why) { return {ErrorCode::kConfigInvalid, why}; }

}  // namespace

const std::string& HttpRequest::Header(const std::string& name) const {
  static const std::string kNone;
  const auto found = headers.find(name);
  return found == headers.end() ? kNone : found->second;
}

struct ServerState : std::enable_shared_from_this<ServerState> {
  HttpServerOptions options;
  Handler handler;
  ErrorResponder error_responder;
  asio::io_context io;
  // The TLS context of new connections, replaced by ReloadTls; every earlier one is kept for the server's life, so
  // the connections made with it stay valid (a reload is rare, a context a few kilobytes).
  std::atomic<std::shared_ptr<asio::ssl::context>> tls;
  std::mutex retired_mutex;
  std::vector<std::shared_ptr<asio::ssl::context>> retired;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::string bound_address;
  std::atomic<uint32_t> connections{0};
  std::atomic<bool> stopping{false};

  // Requests handed to the handler and not yet answered, for a graceful stop.
  std::mutex in_flight_mutex;
  std::condition_variable in_flight_done;
  uint64_t in_flight = 0;

  void BeginCall() {
    std::lock_guard lock(in_flight_mutex);
    ++in_flight;
  }
  void EndCall() {
    std::lock_guard lock(in_flight_mutex);
    if (--in_flight == 0) {
      in_flight_done.notify_all();
    }
  }

  void Accept();
  // A new connection: served, or closed at once when max_connections are open (before it costs anything).
  void Admit(tcp::socket socket);
  template <typename Stream>
  void StartSession(tcp::socket socket);
};

namespace {

// One connection: reads requests one after the other (keep-alive), hands each to the handler and writes its answer.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <typename... StreamArgs>
  explicit Session(std::shared_ptr<ServerState> server, StreamArgs&&... stream_args)
      : server_(std::move(server)), stream_(std::forward<StreamArgs>(stream_args)...) {}

  ~Session() { server_->connections.fetch_sub(1); }

  void Start() {
    if constexpr (kTls) {
      Lowest().expires_after(server_->options.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) { self->OnHandshake(error); });
    } else {
      Read();
    }
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void OnHandshake(beast::error_code error) {
    if (error) {
      return;  // no certificate, an untrusted one, or not TLS at all: the connection just ends
    }
    if constexpr (kTls) {
      X509* peer = SSL_get_peer_certificate(stream_.native_handle());
      if (peer != nullptr) {  // none when the certificate is optional and none was shown
        client_certificate_ = IdentityOf(peer);
        X509_free(peer);
      }
    }
    Read();
  }

  void Read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimitBytes);
    parser_->body_limit(server_->options.max_body_bytes);
    Lowest().expires_after(server_->options.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code error, size_t) { self->OnRead(error); });
  }

  void OnRead(beast::error_code error) {
    if (error == bhttp::error::body_limit) {
      return Refuse(413, "the request body is over " + std::to_string(server_->options.max_body_bytes) + " bytes");
    }
    if (error == bhttp::error::header_limit) {
      return Refuse(431, "the request headers are over " + std::to_string(kHeaderLimitBytes) + " bytes");
    }
    if (error == beast::error::timeout || error == bhttp::error::end_of_stream || error == asio::error::eof ||
        error == asio::error::operation_aborted || error == asio::error::connection_reset) {
      return Close();
    }
    if (error) {
      return Refuse(400, "malformed HTTP request: " + error.message());
    }
    Lowest().expires_never();  // the handler may take its time (a long poll); the core bounds it
    bhttp::request<bhttp::string_body> message = parser_->release();
    keep_alive_ =
        message.keep_alive() && ++requests_ < server_->options.max_requests_per_connection && !server_->stopping.load();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(message.body());
    request.tls = kTls;
    request.client_certificate = client_certificate_;
    beast::error_code ignored;
    const tcp::endpoint peer = Lowest().socket().remote_endpoint(ignored);
    if (!ignored) {
      request.remote_address = peer.address().to_string() + ":" + std::to_string(peer.port());
    }
    server_->BeginCall();
    server_->handler(std::move(request), [self = this->shared_from_this()](HttpResponse response) {
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->server_->EndCall();
        self->Write(std::move(response), /*close=*/false);
      });
    });
  }

  // The server answers a request it will not hand on, and closes the connection: the rest of it is unread.
  void Refuse(unsigned status, const std::string& why) {
    std::string content_type;
    if (parser_ && parser_->is_header_done()) {
      content_type = std::string(parser_->get()[bhttp::field::content_type]);
    }
    Write(server_->error_responder(status, why, content_type), /*close=*/true);
  }

  void Write(HttpResponse answer, bool close) {
    response_ = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(answer.status), 11);
    response_->set(bhttp::field::server, "mezhvedd");
    if (!answer.content_type.empty()) {
      response_->set(bhttp::field::content_type, answer.content_type);
    }
    for (const auto& [name, value] : answer.headers) {
      response_->set(name, value);
    }
    response_->body() = std::move(answer.body);
    const bool keep = keep_alive_ && !close;
    response_->keep_alive(keep);
    response_->prepare_payload();
    Lowest().expires_after(server_->options.write_timeout);
    bhttp::async_write(stream_, *response_, [self = this->shared_from_this(), keep](beast::error_code error, size_t) {
      if (error || !keep) {
        return self->Close();
      }
      self->Read();
    });
  }

  void Close() {
    if constexpr (kTls) {
      Lowest().expires_after(kTlsShutdownTimeout);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        self->Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      });
    } else {
      beast::error_code ignored;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  std::shared_ptr<ServerState> server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<bhttp::response<bhttp::string_body>> response_;
  std::optional<CertificateIdentity> client_certificate_;
  uint32_t requests_ = 0;
  bool keep_alive_ = false;
};

}  // namespace

template <typename Stream>
void ServerState::StartSession(tcp::socket socket) {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    std::make_shared<Session<Stream>>(shared_from_this(), std::move(socket))->Start();
  } else {
    std::make_shared<Session<Stream>>(shared_from_this(), std::move(socket), *tls.load())->Start();
  }
}

void ServerState::Accept() {
  acceptor.async_accept(asio::make_strand(io),
                        [self = shared_from_this()](beast::error_code error, tcp::socket socket) {
                          if (error == asio::error::operation_aborted || !self->acceptor.is_open()) {
                            return;  // shutting down
                          }
                          if (!error) {
                            self->Admit(std::move(socket));
                          }
                          self->Accept();
                        });
}

void ServerState::Admit(tcp::socket socket) {
  beast::error_code ignored;
  if (connections.fetch_add(1) >= options.max_connections || stopping.load()) {
    connections.fetch_sub(1);
    socket.close(ignored);
    return;
  }
  // Answers are written whole: Nagle's algorithm would only hold their last segment back until the peer's delayed
  // ACK, some 40 ms per call.
  socket.set_option(tcp::no_delay(true), ignored);
  if (tls.load() != nullptr) {
    StartSession<beast::ssl_stream<beast::tcp_stream>>(std::move(socket));
  } else {
    StartSession<beast::tcp_stream>(std::move(socket));
  }
}

namespace {

// The server's TLS context from the options' files: a chain, its key, the client CAs.
StatusOr<std::shared_ptr<asio::ssl::context>> MakeTlsContext(const HttpServerOptions& config) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  asio::ssl::context& tls = *context;
  beast::error_code error;
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use);
  if (tls.use_certificate_chain_file(config.certificate_file, error); error) {
    return ConfigError("cannot use the server certificate '" + config.certificate_file + "': " + error.message());
  }
  if (tls.use_private_key_file(config.private_key_file, asio::ssl::context::pem, error); error) {
    return ConfigError("cannot use the server key '" + config.private_key_file + "': " + error.message());
  }
  if (tls.load_verify_file(config.client_ca_file, error); error) {
    return ConfigError("cannot load the client CAs '" + config.client_ca_file + "': " + error.message());
  }
  // A certificate, when shown, must chain to the client CAs; showing none is allowed only where the door has
  // another way in (the console's password sign-in).
  tls.set_verify_mode(config.client_certificate_optional
                          ? asio::ssl::verify_peer
                          : asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  // With peer verification on, OpenSSL refuses to resume a session (TLS 1.3 ticket or 1.2 session id) that has no
  // session id context, with an internal_error alert: browsers resume on their parallel connections, and every
  // page load would lose some of its files (ERR_SSL_PROTOCOL_ERROR). Resumed sessions keep the verified client
  // certificate, so the context only has to name this server.
  static constexpr unsigned char kSessionIdContext[] = "mezhved-http";
  SSL_CTX_set_session_id_context(tls.native_handle(), kSessionIdContext, sizeof kSessionIdContext - 1);
  return context;
}

}  // namespace

Status HttpServer::ReloadTls() {
  if (impl_->tls.load() == nullptr) {
    return Status::Ok();  // plain text: nothing to read again
  }
  StatusOr<std::shared_ptr<asio::ssl::context>> fresh = MakeTlsContext(impl_->options);
  MEZHVED_RETURN_IF_ERROR(fresh.status());
  std::shared_ptr<asio::ssl::context> previous = impl_->tls.exchange(*std::move(fresh));
  std::lock_guard lock(impl_->retired_mutex);
  impl_->retired.push_back(std::move(previous));
  return Status::Ok();
}

HttpServer::HttpServer(std::shared_ptr<ServerState> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Shutdown(std::chrono::milliseconds(0)); }

const std::string& HttpServer::address() const { return impl_->bound_address; }

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options, Handler handler,
                                                        ErrorResponder error_responder) {
  auto impl = std::make_shared<ServerState>();
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  impl->error_responder = std::move(error_responder);
  const HttpServerOptions& config = impl->options;
  if (!config.certificate_file.empty()) {
    StatusOr<std::shared_ptr<asio::ssl::context>> tls = MakeTlsContext(config);
    MEZHVED_RETURN_IF_ERROR(tls.status());
    impl->tls.store(*std::move(tls));
  }
  const std::optional<HostPort> host_port = SplitHostPort(config.address);
  if (!host_port) {
    return ConfigError("'" + config.address + "' is not host:port");
  }
  beast::error_code error;
  const asio::ip::address ip = asio::ip::make_address(host_port->host, error);
  if (error) {
    return ConfigError("cannot listen on '" + config.address + "': the host must be an IP address or localhost");
  }
  const tcp::endpoint endpoint(ip, host_port->port);
  impl->acceptor.open(endpoint.protocol(), error);
  if (!error) {
    impl->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  }
  if (!error) {
    impl->acceptor.bind(endpoint, error);
  }
  if (!error) {
    impl->acceptor.listen(asio::socket_base::max_listen_connections, error);
  }
  if (error) {
    return ConfigError("cannot listen on '" + config.address + "': " + error.message());
  }
  const tcp::endpoint bound = impl->acceptor.local_endpoint();
  impl->bound_address =
      (bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string()) + ":" +
      std::to_string(bound.port());
  impl->Accept();
  for (uint32_t i = 0; i < std::max<uint32_t>(config.threads, 1); ++i) {
    impl->threads.emplace_back([io = &impl->io] { io->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Shutdown(std::chrono::milliseconds grace) {
  if (impl_->threads.empty()) {
    return;
  }
  impl_->stopping = true;
  asio::post(impl_->io, [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  {
    std::unique_lock lock(impl_->in_flight_mutex);
    impl_->in_flight_done.wait_for(lock, grace, [this] { return impl_->in_flight == 0; });
  }
  impl_->io.stop();
  for (std::thread& thread : impl_->threads) {
    thread.join();
  }
  impl_->threads.clear();
}

}  // namespace mezhved::adapters::http
