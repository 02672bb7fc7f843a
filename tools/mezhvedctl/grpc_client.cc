#include "tools/mezhvedctl/grpc_client.h"

#include <fstream>
#include <sstream>

namespace mezhved::ctl {
namespace {

StatusOr<std::string> ReadPemFile(const std::filesystem::path& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in.is_open()) {
    text << in.rdbuf();
  }
  if (text.str().empty()) {
    return Status(ErrorCode::kInvalidArgument, "cannot read the " + std::string(what) + " " + path.string());
  }
  return text.str();
}

StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(const TlsFiles& files) {
  StatusOr<std::string> ca = ReadPemFile(files.ca, "CA file");
  MEZHVED_RETURN_IF_ERROR(ca.status());
  StatusOr<std::string> cert = ReadPemFile(files.cert, "certificate file");
  MEZHVED_RETURN_IF_ERROR(cert.status());
  StatusOr<std::string> key = ReadPemFile(files.key, "key file");
  MEZHVED_RETURN_IF_ERROR(key.status());
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = std::move(*ca);
  options.pem_cert_chain = std::move(*cert);
  options.pem_private_key = std::move(*key);
  return grpc::SslCredentials(options);
}

std::string_view Trailer(const Metadata& metadata, std::string_view key) {
  auto found = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (found == metadata.end()) {
    return {};
  }
  return {found->second.data(), found->second.size()};
}

}  // namespace

StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options) {
  grpc::ChannelArguments args;
  if (options.separate_connection) {
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  }
  if (options.max_message_bytes != 0) {
    args.SetMaxReceiveMessageSize(options.max_message_bytes);
  }
  if (!options.tls) {
    return grpc::CreateCustomChannel(options.address, grpc::InsecureChannelCredentials(), args);
  }
  StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = TlsCredentials(*options.tls);
  MEZHVED_RETURN_IF_ERROR(credentials.status());
  if (!options.tls->server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls->server_name);
  }
  return grpc::CreateCustomChannel(options.address, *credentials, args);
}

RpcError DecodeRpcError(const grpc::Status& status, const Metadata& trailing_metadata) {
  RpcError error;
  error.grpc_code = status.error_code();
  if (!status.error_details().empty() && error.detail.ParseFromString(status.error_details()) &&
      !error.detail.code().empty()) {
    error.from_gateway = true;
  } else {
    error.detail.Clear();
    std::string_view code = Trailer(trailing_metadata, kErrorCodeTrailer);
    error.from_gateway = !code.empty();
    error.detail.set_code(std::string(error.from_gateway ? code : GrpcCodeName(status.error_code())));
  }
  if (error.detail.message().empty()) {
    error.detail.set_message(status.error_message());
  }
  return error;
}

std::string_view GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::DO_NOT_USE:
      break;
  }
  return "UNKNOWN";
}

}  // namespace mezhved::ctl
