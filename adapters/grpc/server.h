// The daemon's two gRPC listeners: the agency API and the operator API, each on its own address, each with
// mutual TLS or (embedded default only) plain text on loopback. Each also serves the standard gRPC health checking
// service (grpc.health.v1.Health) and server reflection (grpc.reflection.v1alpha.ServerReflection).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "gateway/gateway.h"
#include "mezhved/config/v1/config.pb.h"

namespace mezhved::adapters::grpc_api {

class GrpcServers {
 public:
  // Binds both listeners and starts serving. Errors name the listener and the file or address at fault.
  static StatusOr<std::unique_ptr<GrpcServers>> Start(
      const config::v1::GatewayConfig& config, gateway::Gateway& gateway,
      const std::shared_ptr<const gateway::ParticipantRegistry>& participants);
  ~GrpcServers();

  // "host:port" actually bound (the port is chosen by the system when the config says 0).
  const std::string& agency_address() const;
  const std::string& operator_address() const;

  // The health status of each listener: "" and the full name of the API service it serves
  // ("mezhved.v1.AgencyGateway", "mezhved.v1.OperatorConsole"). Start() sets SERVING; the daemon sets NOT_SERVING
  // first thing when it begins to stop, so that load balancers and probes stop sending new calls.
  void SetServing(bool serving);

  // Waits up to `grace` for the calls in flight to finish, then stops listening and cancels what is left. Call
  // Gateway::BeginShutdown first so that no new work starts.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  struct Impl;
  explicit GrpcServers(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mezhved::adapters::grpc_api
