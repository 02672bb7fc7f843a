// The standard gRPC health checking service and server reflection on the real mezhvedd's listeners, probed with
// real gRPC clients the way load balancers and stock tools (grpc_health_probe, grpcurl) do. The clients are
// generated from the tests' own copies of the published protocols (tests/proto/).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace mezhved::testing {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;

constexpr char kAgencyService[] = "mezhved.v1.AgencyGateway";
constexpr char kOperatorService[] = "mezhved.v1.OperatorConsole";
constexpr char kHealthService[] = "grpc.health.v1.Health";
constexpr char kReflectionService[] = "grpc.reflection.v1alpha.ServerReflection";

std::chrono::system_clock::time_point Deadline(std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000)) {
  return std::chrono::system_clock::now() + timeout;
}

// A health Check as a probe makes it: no organisation or operator header, only a deadline.
struct Checked {
  grpc::Status status;
  HealthCheckResponse::ServingStatus serving = HealthCheckResponse::UNKNOWN;
};

Checked Check(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  Checked checked;
  checked.status = stub->Check(&context, request, &response);
  checked.serving = response.status();
  return checked;
}

// One reflection stream: each request is answered by one response, in order.
class Reflection {
 public:
  explicit Reflection(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(grpc::reflection::v1alpha::ServerReflection::NewStub(channel)) {
    context_.set_deadline(Deadline());
    stream_ = stub_->ServerReflectionInfo(&context_);
  }
  ~Reflection() {
    stream_->WritesDone();
    const grpc::Status finished = stream_->Finish();
    CHECK(finished.ok());
  }
  Reflection(const Reflection&) = delete;
  Reflection& operator=(const Reflection&) = delete;

  ServerReflectionResponse Ask(const ServerReflectionRequest& request) {
    REQUIRE(stream_->Write(request));
    ServerReflectionResponse response;
    REQUIRE(stream_->Read(&response));
    return response;
  }

  std::set<std::string> ListServices() {
    ServerReflectionRequest request;
    request.set_list_services("*");
    const ServerReflectionResponse response = Ask(request);
    REQUIRE(response.has_list_services_response());
    std::set<std::string> names;
    for (const auto& service : response.list_services_response().service()) {
      names.insert(service.name());
    }
    return names;
  }

  // The FileDescriptorProtos of an answer, parsed, by file name.
  static std::map<std::string, google::protobuf::FileDescriptorProto> Files(const ServerReflectionResponse& response) {
    INFO(response.error_response().error_message());
    REQUIRE(response.has_file_descriptor_response());
    std::map<std::string, google::protobuf::FileDescriptorProto> files;
    for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      REQUIRE(file.ParseFromString(bytes));
      files[file.name()] = file;
    }
    return files;
  }

  std::map<std::string, google::protobuf::FileDescriptorProto> FileContainingSymbol(const std::string& symbol) {
    ServerReflectionRequest request;
    request.set_file_containing_symbol(symbol);
    return Files(Ask(request));
  }

  std::map<std::string, google::protobuf::FileDescriptorProto> FileByFilename(const std::string& name) {
    ServerReflectionRequest request;
    request.set_file_by_filename(name);
    return Files(Ask(request));
  }

 private:
  std::unique_ptr<grpc::reflection::v1alpha::ServerReflection::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<ServerReflectionRequest, ServerReflectionResponse>> stream_;
};

std::vector<std::string> MethodNames(const google::protobuf::ServiceDescriptorProto& service) {
  std::vector<std::string> names;
  for (const auto& method : service.method()) {
    names.push_back(method.name());
  }
  return names;
}

class LoopbackDaemon {
 public:
  LoopbackDaemon() : daemon_(MEZHVED_DAEMON_PATH, dir_ / "daemon", SmallRegionConfigText("data")) { daemon_.Start(); }

  std::shared_ptr<grpc::Channel> Agency() const { return InsecureChannel(daemon_.agency_address()); }
  std::shared_ptr<grpc::Channel> Operators() const { return InsecureChannel(daemon_.operator_address()); }

  TempDir dir_;
  DaemonProcess daemon_;
};

TEST_CASE_METHOD(LoopbackDaemon, "health: the server and its API service are SERVING on each listener",
                 "[integration][health]") {
  for (const char* service : {"", kAgencyService}) {
    INFO("agency listener, service '" << service << "'");
    const Checked checked = Check(Agency(), service);
    REQUIRE(checked.status.ok());
    CHECK(checked.serving == HealthCheckResponse::SERVING);
  }
  for (const char* service : {"", kOperatorService}) {
    INFO("operator listener, service '" << service << "'");
    const Checked checked = Check(Operators(), service);
    REQUIRE(checked.status.ok());
    CHECK(checked.serving == HealthCheckResponse::SERVING);
  }
  // A name the listener does not serve is unknown to its health service, like any other name.
  CHECK(Check(Agency(), "mezhved.v1.NoSuchService").status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Check(Agency(), kOperatorService).status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Check(Operators(), kAgencyService).status.error_code() == grpc::StatusCode::NOT_FOUND);
  // Watch says so in its first message instead, and keeps the stream open.
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  HealthCheckRequest request;
  request.set_service("mezhved.v1.NoSuchService");
  auto watch = grpc::health::v1::Health::NewStub(Agency())->Watch(&context, request);
  HealthCheckResponse first;
  REQUIRE(watch->Read(&first));
  CHECK(first.status() == HealthCheckResponse::SERVICE_UNKNOWN);
  context.TryCancel();
  while (watch->Read(&first)) {
  }
  CHECK(watch->Finish().error_code() == grpc::StatusCode::CANCELLED);
}

TEST_CASE_METHOD(LoopbackDaemon, "health: SIGTERM turns the listeners NOT_SERVING before they close",
                 "[integration][health][stop]") {
  struct Watch {
    std::string what;
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> stream;
  };
  std::vector<std::unique_ptr<Watch>> watches;
  const std::shared_ptr<grpc::Channel> agency = Agency();
  const std::shared_ptr<grpc::Channel> operators = Operators();
  const std::vector<std::tuple<std::string, std::shared_ptr<grpc::Channel>, std::string>> watched = {
      {"agency", agency, ""},
      {"agency", agency, kAgencyService},
      {"operator", operators, ""},
      {"operator", operators, kOperatorService}};
  for (const auto& [listener, channel, service] : watched) {
    auto watch = std::make_unique<Watch>();
    watch->what = listener;
    watch->what.append(" listener, service '").append(service).append("'");
    watch->context.set_deadline(Deadline(std::chrono::milliseconds(30'000)));
    HealthCheckRequest request;
    request.set_service(service);
    watch->stream = grpc::health::v1::Health::NewStub(channel)->Watch(&watch->context, request);
    HealthCheckResponse first;
    INFO(watch->what);
    REQUIRE(watch->stream->Read(&first));  // the current status comes at once
    CHECK(first.status() == HealthCheckResponse::SERVING);
    watches.push_back(std::move(watch));
  }

  REQUIRE(kill(daemon_.pid(), SIGTERM) == 0);
  for (const auto& watch : watches) {
    INFO(watch->what);
    HealthCheckResponse next;
    REQUIRE(watch->stream->Read(&next));  // a change is sent before the listener closes the stream
    CHECK(next.status() == HealthCheckResponse::NOT_SERVING);
    while (watch->stream->Read(&next)) {
      CHECK(next.status() == HealthCheckResponse::NOT_SERVING);  // never SERVING again
    }
    watch->stream->Finish();
  }
  CHECK(daemon_.Stop() == 0);
  CHECK_THAT(daemon_.LogText(), Catch::Contains("stopped cleanly"));
}

TEST_CASE_METHOD(LoopbackDaemon, "reflection lists the services of each listener", "[integration][reflection]") {
  {
    Reflection agency(Agency());
    const std::set<std::string> services = agency.ListServices();
    CHECK(services.count(kAgencyService) == 1);
    CHECK(services.count(kHealthService) == 1);
    CHECK(services.count(kReflectionService) == 1);
    CHECK(services.count(kOperatorService) == 0);
  }
  {
    Reflection operators(Operators());
    const std::set<std::string> services = operators.ListServices();
    CHECK(services.count(kOperatorService) == 1);
    CHECK(services.count(kHealthService) == 1);
    CHECK(services.count(kReflectionService) == 1);
    CHECK(services.count(kAgencyService) == 0);
  }
}

TEST_CASE_METHOD(LoopbackDaemon, "reflection describes the agency API with every file it imports",
                 "[integration][reflection]") {
  Reflection reflection(Agency());
  std::map<std::string, google::protobuf::FileDescriptorProto> files = reflection.FileContainingSymbol(kAgencyService);
  REQUIRE(files.count("mezhved/v1/gateway.proto") == 1);
  const google::protobuf::FileDescriptorProto& gateway = files.at("mezhved/v1/gateway.proto");
  CHECK(gateway.package() == "mezhved.v1");
  REQUIRE(gateway.service_size() == 1);
  CHECK(gateway.service(0).name() == "AgencyGateway");
  const std::vector<std::string> methods = MethodNames(gateway.service(0));
  for (const char* method :
       {"SendRequest", "SendResponse", "SendSupplement", "Receive", "Ack", "GetStatus", "ConfirmCitizenCopy"}) {
    INFO(method);
    CHECK(std::count(methods.begin(), methods.end(), method) == 1);
  }
  std::vector<std::string> dependencies(gateway.dependency().begin(), gateway.dependency().end());
  CHECK(std::count(dependencies.begin(), dependencies.end(), "mezhved/v1/messages.proto") == 1);

  // A dependency asked for by its name, as a client that was not sent it does.
  const std::map<std::string, google::protobuf::FileDescriptorProto> messages =
      reflection.FileByFilename("mezhved/v1/messages.proto");
  REQUIRE(messages.count("mezhved/v1/messages.proto") == 1);
  CHECK(messages.at("mezhved/v1/messages.proto").package() == "mezhved.v1");
  CHECK(messages.at("mezhved/v1/messages.proto").message_type_size() > 0);
  files.insert(messages.begin(), messages.end());

  // Every import is resolvable: fetch what the answers left out (a server may skip files it sent on the stream
  // before), until the set is closed.
  for (;;) {
    std::set<std::string> missing;
    for (const auto& [name, file] : files) {
      for (const std::string& dependency : file.dependency()) {
        if (files.count(dependency) == 0) {
          missing.insert(dependency);
        }
      }
    }
    if (missing.empty()) {
      break;
    }
    for (const std::string& name : missing) {
      INFO("dependency " << name);
      const std::map<std::string, google::protobuf::FileDescriptorProto> fetched = reflection.FileByFilename(name);
      REQUIRE(fetched.count(name) == 1);
      files.insert(fetched.begin(), fetched.end());
    }
  }

  // A pool built only from what reflection sent knows the service, its methods and their message types, the way
  // grpcurl builds requests from it.
  google::protobuf::SimpleDescriptorDatabase database;
  for (const auto& [name, file] : files) {
    REQUIRE(database.Add(file));
  }
  google::protobuf::DescriptorPool pool(&database);
  const google::protobuf::ServiceDescriptor* service = pool.FindServiceByName(kAgencyService);
  REQUIRE(service != nullptr);
  const google::protobuf::MethodDescriptor* receive = service->FindMethodByName("Receive");
  REQUIRE(receive != nullptr);
  CHECK(receive->input_type()->full_name() == "mezhved.v1.ReceiveRequest");
  CHECK(receive->output_type()->full_name() == "mezhved.v1.ReceiveResponse");
  CHECK(receive->input_type()->FindFieldByName("wait_ms") != nullptr);
  const google::protobuf::MethodDescriptor* send = service->FindMethodByName("SendRequest");
  REQUIRE(send != nullptr);
  CHECK(send->output_type()->full_name() == "mezhved.v1.SendResult");

  // A symbol nobody declares is an error answer on the stream, which stays usable.
  ServerReflectionRequest unknown;
  unknown.set_file_containing_symbol("mezhved.v1.NoSuchService");
  const ServerReflectionResponse refused = reflection.Ask(unknown);
  REQUIRE(refused.has_error_response());
  CHECK(refused.error_response().error_code() == static_cast<int>(grpc::StatusCode::NOT_FOUND));
  CHECK(reflection.ListServices().count(kAgencyService) == 1);
}

TEST_CASE("over mutual TLS, probes need a certificate from the client CA but no participant identity",
          "[integration][health][reflection]") {
  TempDir dir;
  TestPki pki(dir / "pki");
  const CertFiles server = pki.IssueServer();
  const ServerTlsFiles tls{server.cert.string(), server.key.string(), pki.ca_file().string()};
  DaemonProcess daemon(MEZHVED_DAEMON_PATH, dir / "daemon", SmallRegionConfigText("data", &tls));
  daemon.Start();
  // A load balancer's certificate: issued by the trusted CA, naming no organisation and no operator.
  const CertFiles probe = pki.IssueClient("load-balancer");
  for (const auto& [address, service] :
       {std::pair{daemon.agency_address(), kAgencyService}, std::pair{daemon.operator_address(), kOperatorService}}) {
    INFO(address);
    auto channel = TlsChannel(address, pki.ca_file(), probe.cert, probe.key);
    for (const std::string& name : {std::string(), std::string(service)}) {
      const Checked checked = Check(channel, name);
      REQUIRE(checked.status.ok());
      CHECK(checked.serving == HealthCheckResponse::SERVING);
    }
    Reflection reflection(channel);
    CHECK(reflection.ListServices().count(service) == 1);
  }
  // Without a certificate from the client CA the handshake fails, for probes as for every call.
  const CertFiles stranger = pki.IssueClient("load-balancer", /*from_stranger_ca=*/true);
  const Checked refused = Check(TlsChannel(daemon.agency_address(), pki.ca_file(), stranger.cert, stranger.key), "");
  CHECK(refused.status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(daemon.Stop() == 0);
}

}  // namespace
}  // namespace mezhved::testing
