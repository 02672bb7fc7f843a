// The operators' listener (docs/CONSOLE.md, docs/MONITORING.md), on an address of its own over the HTTP server of
// adapters/http: the web console's pages and JSON API, Prometheus metrics at /metrics, liveness at /healthz and
// readiness at /readyz. HTTPS with the gateway's PKI (a client certificate is optional: operators without one sign
// in with a password), or plain HTTP on loopback for trying the gateway out.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/metrics.h"
#include "common/readiness.h"
#include "common/status.h"
#include "gateway/gateway.h"
#include "mezhved/config/v1/config.pb.h"

namespace mezhved::adapters::console {

struct ConsoleDependencies {
  gateway::Gateway* gateway = nullptr;   // required; must outlive the server
  metrics::Registry* metrics = nullptr;  // required; must outlive the server
  const Readiness* readiness = nullptr;  // required; must outlive the server
  std::string version;                   // for mezhved_build_info
};

class ConsoleServer {
 public:
  // Loads the pages, binds config.operator_console.listener and serves. CONFIG_INVALID naming the address, TLS file
  // or assets directory at fault.
  static StatusOr<std::unique_ptr<ConsoleServer>> Start(const config::v1::GatewayConfig& config,
                                                        ConsoleDependencies dependencies);
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  const std::string& address() const;  // "host:port" actually bound
  // Stops accepting and waits up to `grace` for the requests in flight.
  void Shutdown(std::chrono::milliseconds grace);
  // SIGHUP: the TLS files again, for new connections (HttpServer::ReloadTls).
  Status ReloadTls();

 private:
  struct Impl;
  explicit ConsoleServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mezhved::adapters::console
