#include "tests/integration/agency_client.h"

#include <chrono>
#include <thread>

#include "tests/support/daemon_process.h"

namespace mezhved::testing {

CallResult ResultOf(const grpc::Status& status, const grpc::ClientContext& context) {
  CallResult result;
  result.status = status;
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find("mezhved-error-code"); it != trailers.end()) {
    result.error_code.assign(it->second.data(), it->second.size());
  }
  if (!status.error_details().empty()) {
    result.detail.ParseFromString(status.error_details());
  }
  return result;
}

AgencyClient::AgencyClient(std::shared_ptr<grpc::Channel> channel, std::string organisation)
    : stub_(v1::AgencyGateway::NewStub(std::move(channel))), organisation_(std::move(organisation)) {}

void AgencyClient::Prepare(grpc::ClientContext& context, uint32_t extra_ms) const {
  PrepareAgencyCall(context, organisation_, kDefaultCallTimeout + std::chrono::milliseconds(extra_ms));
}

CallResult AgencyClient::SendRequest(const std::string& key, const v1::RequestEnvelope& request,
                                     v1::SendResult* result) {
  grpc::ClientContext context;
  Prepare(context);
  v1::SendRequestRequest call;
  call.set_idempotency_key(key);
  *call.mutable_request() = request;
  return ResultOf(stub_->SendRequest(&context, call, result), context);
}

CallResult AgencyClient::SendResponse(const std::string& key, const v1::ResponseEnvelope& response,
                                      v1::SendResult* result) {
  grpc::ClientContext context;
  Prepare(context);
  v1::SendResponseRequest call;
  call.set_idempotency_key(key);
  *call.mutable_response() = response;
  return ResultOf(stub_->SendResponse(&context, call, result), context);
}

CallResult AgencyClient::SendSupplement(const std::string& key, const v1::SupplementEnvelope& supplement,
                                        v1::SendResult* result) {
  grpc::ClientContext context;
  Prepare(context);
  v1::SendSupplementRequest call;
  call.set_idempotency_key(key);
  *call.mutable_supplement() = supplement;
  return ResultOf(stub_->SendSupplement(&context, call, result), context);
}

CallResult AgencyClient::Receive(uint32_t max_messages, uint32_t wait_ms, uint32_t lease_ms,
                                 std::vector<v1::Message>* out) {
  grpc::ClientContext context;
  Prepare(context, wait_ms);
  v1::ReceiveRequest call;
  call.set_max_messages(max_messages);
  call.set_wait_ms(wait_ms);
  call.set_lease_ms(lease_ms);
  v1::ReceiveResponse response;
  CallResult result = ResultOf(stub_->Receive(&context, call, &response), context);
  out->assign(response.messages().begin(), response.messages().end());
  return result;
}

CallResult AgencyClient::Ack(const std::vector<std::string>& ids, v1::AckResponse* response) {
  grpc::ClientContext context;
  Prepare(context);
  v1::AckRequest call;
  for (const std::string& id : ids) {
    call.add_message_ids(id);
  }
  return ResultOf(stub_->Ack(&context, call, response), context);
}

CallResult AgencyClient::GetStatus(const std::string& id, v1::MessageStatus* status) {
  grpc::ClientContext context;
  Prepare(context);
  v1::GetStatusRequest call;
  call.set_message_id(id);
  return ResultOf(stub_->GetStatus(&context, call, status), context);
}

OperatorClient::OperatorClient(std::shared_ptr<grpc::Channel> channel, std::string operator_name)
    : stub_(v1::OperatorConsole::NewStub(std::move(channel))), operator_name_(std::move(operator_name)) {}

CallResult OperatorClient::ListQueues(v1::ListQueuesResponse* response) {
  grpc::ClientContext context;
  PrepareOperatorCall(context, operator_name_);
  return ResultOf(stub_->ListQueues(&context, v1::ListQueuesRequest(), response), context);
}

CallResult OperatorClient::GetMessage(const std::string& id, v1::MessageStatus* status) {
  grpc::ClientContext context;
  PrepareOperatorCall(context, operator_name_);
  v1::GetMessageRequest call;
  call.set_message_id(id);
  return ResultOf(stub_->GetMessage(&context, call, status), context);
}

bool OperatorClient::WaitForState(const std::string& id, v1::MessageState state) {
  for (int i = 0; i < 250; ++i) {
    v1::MessageStatus status;
    if (GetMessage(id, &status).ok() && status.state() == state) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace mezhved::testing
