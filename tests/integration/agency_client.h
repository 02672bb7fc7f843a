// A real gRPC client of the daemon's agency and operator APIs for integration tests, acting as one organisation
// (or operator), over TLS with its own certificate or over the insecure loopback mode with the naming header.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "mezhved/v1/gateway.grpc.pb.h"
#include "mezhved/v1/operator.grpc.pb.h"

namespace mezhved::testing {

// What a call returned: the gRPC status, the stable mezhved code from the trailing metadata ("" on success) and
// the error details.
struct CallResult {
  grpc::Status status;
  std::string error_code;
  v1::ErrorDetail detail;
  bool ok() const { return status.ok(); }
};

class AgencyClient {
 public:
  // `organisation` is sent in the naming header when non-empty (insecure loopback mode); with TLS pass "".
  AgencyClient(std::shared_ptr<grpc::Channel> channel, std::string organisation);

  CallResult SendRequest(const std::string& key, const v1::RequestEnvelope& request, v1::SendResult* result);
  CallResult SendResponse(const std::string& key, const v1::ResponseEnvelope& response, v1::SendResult* result);
  CallResult SendSupplement(const std::string& key, const v1::SupplementEnvelope& supplement, v1::SendResult* result);
  CallResult Receive(uint32_t max_messages, uint32_t wait_ms, uint32_t lease_ms, std::vector<v1::Message>* out);
  CallResult Ack(const std::vector<std::string>& ids, v1::AckResponse* response);
  CallResult GetStatus(const std::string& id, v1::MessageStatus* status);

 private:
  void Prepare(grpc::ClientContext& context, uint32_t extra_ms = 0) const;
  std::unique_ptr<v1::AgencyGateway::Stub> stub_;
  std::string organisation_;
};

class OperatorClient {
 public:
  OperatorClient(std::shared_ptr<grpc::Channel> channel, std::string operator_name);

  CallResult ListQueues(v1::ListQueuesResponse* response);
  CallResult GetMessage(const std::string& id, v1::MessageStatus* status);
  // Polls GetMessage until the message is in `state` or ~5 s pass; returns whether it got there.
  bool WaitForState(const std::string& id, v1::MessageState state);

 private:
  std::unique_ptr<v1::OperatorConsole::Stub> stub_;
  std::string operator_name_;
};

CallResult ResultOf(const grpc::Status& status, const grpc::ClientContext& context);

}  // namespace mezhved::testing
