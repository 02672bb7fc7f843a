// The SOAP API's listener (docs/SOAP.md): POST /soap for the operations, GET /soap?wsdl and /soap/schemas/... for
// the WSDL and its XSDs. Callers are identified exactly as on the gRPC agency API: by their TLS client certificate
// in the participant registry, or, in the insecure loopback mode, by the organisation named in the
// X-Mezhved-Organisation header.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "gateway/gateway.h"
#include "mezhved/config/v1/config.pb.h"

namespace mezhved::adapters::soap {

class SoapServer {
 public:
  // Loads the WSDL and XSDs from the schema directory (where config.information_types_catalog lies), binds
  // config.soap_api.listener and serves. CONFIG_INVALID naming the file or address at fault.
  static StatusOr<std::unique_ptr<SoapServer>> Start(
      const config::v1::GatewayConfig& config, gateway::Gateway& gateway,
      const std::shared_ptr<const gateway::ParticipantRegistry>& participants);
  ~SoapServer();
  SoapServer(const SoapServer&) = delete;
  SoapServer& operator=(const SoapServer&) = delete;

  const std::string& address() const;  // "host:port" actually bound
  // Stops accepting and waits up to `grace` for the calls in flight. Call Gateway::BeginShutdown first.
  void Shutdown(std::chrono::milliseconds grace);
  // SIGHUP: the TLS files again, for new connections (HttpServer::ReloadTls).
  Status ReloadTls();

 private:
  struct Impl;
  explicit SoapServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mezhved::adapters::soap
