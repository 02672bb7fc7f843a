// The client side of mezhved's gRPC conventions, shared by mezhvedctl, mezhved_bench and the integration tests:
// how to open a channel (mutual TLS or the insecure loopback mode), the metadata that names the caller in the
// loopback mode, and how a failed call's stable error code is read back (docs/API.md, "Error codes").
#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/wire_names.h"
#include "mezhved/v1/gateway.pb.h"

namespace mezhved::ctl {

using wire::kErrorCodeTrailer;
using wire::kOperatorHeader;
using wire::kOrganisationHeader;

// PEM files for mutual TLS.
struct TlsFiles {
  std::filesystem::path ca;    // CAs that issued the gateway's server certificate
  std::filesystem::path cert;  // the client certificate (chain) that identifies the caller
  std::filesystem::path key;   // its private key
  // The name checked against the server certificate instead of the address's host; empty keeps the host.
  std::string server_name;
};

struct ChannelOptions {
  std::string address;          // "host:port"
  std::optional<TlsFiles> tls;  // plain text when absent
  // Gives the channel its own connection instead of sharing one with every other channel to the same address, so
  // load spreads over several HTTP/2 connections (the benchmark).
  bool separate_connection = false;
  int max_message_bytes = 0;  // receive limit; 0 keeps gRPC's default (4 MiB)
};

// Fails with kInvalidArgument when a TLS file cannot be read. Connecting happens lazily, on the first call.
StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options);

// Why a call failed. detail.code is the gateway's stable code ("NOT_FOUND"); when the call failed before the
// gateway answered (connection refused, TLS handshake, deadline) it is the gRPC status name ("UNAVAILABLE").
struct RpcError {
  grpc::StatusCode grpc_code = grpc::StatusCode::UNKNOWN;
  v1::ErrorDetail detail;
  bool from_gateway = false;  // the gateway named a stable code

  // The gateway was never reached: nothing listens, the TLS handshake failed, or the name does not resolve.
  bool CouldNotConnect() const { return !from_gateway && grpc_code == grpc::StatusCode::UNAVAILABLE; }
};

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

// Reads the ErrorDetail from the status's binary details, else the code from the trailing metadata and the
// message from the status.
RpcError DecodeRpcError(const grpc::Status& status, const Metadata& trailing_metadata);

// "UNAVAILABLE", "DEADLINE_EXCEEDED"...
std::string_view GrpcCodeName(grpc::StatusCode code);

}  // namespace mezhved::ctl
