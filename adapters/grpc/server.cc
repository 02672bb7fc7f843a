#include "adapters/grpc/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <fstream>
#include <sstream>

#include "adapters/grpc/services.h"

namespace mezhved::adapters::grpc_api {
namespace {

// How often the gRPC listeners read their certificate files again (docs/OPERATIONS.md, "Keys and certificates").
constexpr unsigned int kCertificateReloadSeconds = 5;

StatusOr<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(ErrorCode::kConfigInvalid, "cannot read " + what + " '" + path + "'");
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const config::v1::Listener& listener,
                                                               const std::string& name) {
  if (listener.insecure_loopback()) {
    return grpc::InsecureServerCredentials();
  }
  const config::v1::TlsConfig& tls = listener.tls();
  StatusOr<std::string> certificate = ReadFile(tls.certificate_file(), name + ".tls.certificate_file");
  StatusOr<std::string> key = ReadFile(tls.private_key_file(), name + ".tls.private_key_file");
  StatusOr<std::string> client_ca = ReadFile(tls.client_ca_file(), name + ".tls.client_ca_file");
  for (const Status& status : {certificate.status(), key.status(), client_ca.status()}) {
    MEZHVED_RETURN_IF_ERROR(status);
  }
  // The files are watched: a renewed certificate, key or CA bundle is used for the handshakes that follow, while
  // open connections go on (gRPC keeps the last good files when a read fails half-way through a renewal). A client
  // without a certificate from the configured CA is refused during the handshake.
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.private_key_file(), tls.certificate_file(), tls.client_ca_file(), kCertificateReloadSeconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  return grpc::experimental::TlsServerCredentials(options);
}

std::string WithPort(const std::string& address, int port) {
  return address.substr(0, address.rfind(':')) + ":" + std::to_string(port);
}

struct Listening {
  std::unique_ptr<grpc::Server> server;
  std::string address;
  std::string service_name;  // the API service's full name, e.g. "mezhved.v1.AgencyGateway", for health checks
};

// "" (the server as a whole) and the API service, SERVING or NOT_SERVING. The default health checking service
// answers NOT_FOUND for any other name.
void SetHealth(const Listening& listening, bool serving) {
  if (!listening.server) {
    return;
  }
  grpc::HealthCheckServiceInterface* health = listening.server->GetHealthCheckService();
  if (health == nullptr) {
    return;
  }
  health->SetServingStatus("", serving);
  health->SetServingStatus(listening.service_name, serving);
}

StatusOr<Listening> Listen(const config::v1::Listener& listener, const std::string& name, grpc::Service& service,
                           const std::string& service_name, uint64_t max_message_bytes) {
  StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = Credentials(listener, name);
  MEZHVED_RETURN_IF_ERROR(credentials.status());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listener.address(), *credentials, &port);
  builder.RegisterService(&service);
  // gRPC refuses a larger message from its length prefix, before buffering it.
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_message_bytes));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  Listening listening;
  listening.server = builder.BuildAndStart();
  if (!listening.server || port == 0) {
    return Status(ErrorCode::kConfigInvalid, "cannot listen on " + name + ".address '" + listener.address() + "'");
  }
  listening.address = WithPort(listener.address(), port);
  listening.service_name = service_name;
  SetHealth(listening, true);
  return listening;
}

}  // namespace

struct GrpcServers::Impl {
  CallTracker calls;
  AgencyService agency_service;
  OperatorService operator_service;
  Listening agency;
  Listening operators;

  Impl(gateway::Gateway& gateway, const std::shared_ptr<const gateway::ParticipantRegistry>& participants,
       const config::v1::GatewayConfig& config)
      : agency_service(gateway, CallerIdentifier(participants, config.agency_api().insecure_loopback()), calls),
        operator_service(gateway, CallerIdentifier(participants, config.operator_api().insecure_loopback()), calls,
                         config.instance_name()) {}
};

StatusOr<std::unique_ptr<GrpcServers>> GrpcServers::Start(
    const config::v1::GatewayConfig& config, gateway::Gateway& gateway,
    const std::shared_ptr<const gateway::ParticipantRegistry>& participants) {
  // Process-wide settings that apply to the servers built from here on: every listener gets the standard health
  // checking service (grpc.health.v1.Health) and server reflection (grpc.reflection.v1alpha.ServerReflection), so
  // that stock gRPC tooling can probe and discover it.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  auto impl = std::make_unique<Impl>(gateway, participants, config);
  const uint64_t max_bytes = config.limits().max_message_bytes();
  StatusOr<Listening> agency = Listen(config.agency_api(), "agency_api", impl->agency_service,
                                      v1::AgencyGateway::service_full_name(), max_bytes);
  MEZHVED_RETURN_IF_ERROR(agency.status());
  impl->agency = std::move(*agency);
  StatusOr<Listening> operators = Listen(config.operator_api(), "operator_api", impl->operator_service,
                                         v1::OperatorConsole::service_full_name(), max_bytes);
  if (!operators.ok()) {
    impl->agency.server->Shutdown();
    return operators.status();
  }
  impl->operators = std::move(*operators);
  return std::unique_ptr<GrpcServers>(new GrpcServers(std::move(impl)));
}

GrpcServers::GrpcServers(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GrpcServers::~GrpcServers() { Shutdown(std::chrono::milliseconds(0)); }

const std::string& GrpcServers::agency_address() const { return impl_->agency.address; }
const std::string& GrpcServers::operator_address() const { return impl_->operators.address; }

void GrpcServers::SetServing(bool serving) {
  for (const Listening* listening : {&impl_->agency, &impl_->operators}) {
    SetHealth(*listening, serving);
  }
}

void GrpcServers::Shutdown(std::chrono::milliseconds grace) {
  // The core refuses new sends once it is stopping, so the calls in flight drain; what is left after the grace
  // period is cancelled (a send cancelled that way may still be stored: the client's retry with the same
  // idempotency key finds it).
  impl_->calls.WaitIdle(grace);
  const auto now = std::chrono::system_clock::now();
  for (Listening* listening : {&impl_->agency, &impl_->operators}) {
    if (listening->server) {
      listening->server->Shutdown(now);
      listening->server->Wait();
      listening->server.reset();
    }
  }
}

}  // namespace mezhved::adapters::grpc_api
