#include "adapters/grpc/services.h"

#include <atomic>
#include <memory>

#include "adapters/grpc/errors.h"

namespace mezhved::adapters::grpc_api {
namespace {

// Finishes `reactor` with the core's result: the value goes into the response, an error becomes a gRPC error.
template <typename T>
gateway::Done<T> FinishWith(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor, T* response,
                            CallTracker& calls) {
  return [context, reactor, response, &calls](StatusOr<T> result) {
    if (result.ok()) {
      *response = std::move(*result);
      reactor->Finish(grpc::Status::OK);
    } else {
      reactor->Finish(Reject(context, result.status()));
    }
    calls.End();
  };
}

// Authenticates the caller with `identify` and, if that succeeds, runs `handle(caller, reactor)`, which must
// finish the reactor through FinishWith; otherwise finishes the call with the authentication error.
template <typename Identify, typename Handle>
grpc::ServerUnaryReactor* Authenticated(grpc::CallbackServerContext* context, CallTracker& calls,
                                        grpc::ServerUnaryReactor* reactor, Identify identify, Handle handle) {
  calls.Begin();
  StatusOr<std::string> caller = identify(*context);
  if (!caller.ok()) {
    reactor->Finish(Reject(context, caller.status()));
    calls.End();
    return reactor;
  }
  handle(*caller, reactor);
  return reactor;
}

// A long poll must notice its caller leaving, so that no message is leased to a caller that is gone.
class ReceiveReactor final : public grpc::ServerUnaryReactor {
 public:
  ReceiveReactor() : cancelled_(std::make_shared<std::atomic<bool>>(false)) {}
  void OnCancel() override { cancelled_->store(true); }
  void OnDone() override { delete this; }
  gateway::CancelledFn CancelledFn() const {
    return [flag = cancelled_] { return flag->load(); };
  }

 private:
  std::shared_ptr<std::atomic<bool>> cancelled_;
};

}  // namespace

void CallTracker::Begin() {
  std::lock_guard lock(mutex_);
  ++in_flight_;
}

void CallTracker::End() {
  std::lock_guard lock(mutex_);
  if (--in_flight_ == 0) {
    idle_.notify_all();
  }
}

bool CallTracker::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return in_flight_ == 0; });
}

grpc::ServerUnaryReactor* AgencyService::SendRequest(grpc::CallbackServerContext* context,
                                                     const v1::SendRequestRequest* request, v1::SendResult* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OrganisationOf(),
                       [&](const std::string& caller, grpc::ServerUnaryReactor* reactor) {
                         gateway_.SendRequest(caller, request->idempotency_key(), request->request(),
                                              FinishWith(context, reactor, response, calls_));
                       });
}

grpc::ServerUnaryReactor* AgencyService::SendResponse(grpc::CallbackServerContext* context,
                                                      const v1::SendResponseRequest* request,
                                                      v1::SendResult* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OrganisationOf(),
                       [&](const std::string& caller, grpc::ServerUnaryReactor* reactor) {
                         gateway_.SendResponse(caller, request->idempotency_key(), request->response(),
                                               FinishWith(context, reactor, response, calls_));
                       });
}

grpc::ServerUnaryReactor* AgencyService::SendSupplement(grpc::CallbackServerContext* context,
                                                        const v1::SendSupplementRequest* request,
                                                        v1::SendResult* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OrganisationOf(),
                       [&](const std::string& caller, grpc::ServerUnaryReactor* reactor) {
                         gateway_.SendSupplement(caller, request->idempotency_key(), request->supplement(),
                                                 FinishWith(context, reactor, response, calls_));
                       });
}

grpc::ServerUnaryReactor* AgencyService::Receive(grpc::CallbackServerContext* context,
                                                 const v1::ReceiveRequest* request, v1::ReceiveResponse* response) {
  auto* receive = new ReceiveReactor();  // deletes itself in OnDone
  return Authenticated(
      context, calls_, receive, OrganisationOf(), [&](const std::string& caller, grpc::ServerUnaryReactor* reactor) {
        gateway_.Receive(caller, *request, receive->CancelledFn(), FinishWith(context, reactor, response, calls_));
      });
}

grpc::ServerUnaryReactor* AgencyService::Ack(grpc::CallbackServerContext* context, const v1::AckRequest* request,
                                             v1::AckResponse* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OrganisationOf(),
                       [&](const std::string& caller, grpc::ServerUnaryReactor* reactor) {
                         gateway_.Ack(caller, *request, FinishWith(context, reactor, response, calls_));
                       });
}

grpc::ServerUnaryReactor* AgencyService::GetStatus(grpc::CallbackServerContext* context,
                                                   const v1::GetStatusRequest* request, v1::MessageStatus* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OrganisationOf(),
                       [&](const std::string& caller, grpc::ServerUnaryReactor* reactor) {
                         FinishWith(context, reactor, response,
                                    calls_)(gateway_.GetStatus(caller, request->message_id()));
                       });
}

grpc::ServerUnaryReactor* AgencyService::ConfirmCitizenCopy(grpc::CallbackServerContext* context,
                                                            const v1::ConfirmCitizenCopyRequest* request,
                                                            v1::MessageStatus* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OrganisationOf(),
                       [&](const std::string& caller, grpc::ServerUnaryReactor* reactor) {
                         gateway_.ConfirmCitizenCopy(caller, *request, FinishWith(context, reactor, response, calls_));
                       });
}

grpc::ServerUnaryReactor* OperatorService::ListQueues(grpc::CallbackServerContext* context,
                                                      const v1::ListQueuesRequest* /*request*/,
                                                      v1::ListQueuesResponse* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& /*name*/, grpc::ServerUnaryReactor* reactor) {
                         FinishWith(context, reactor, response,
                                    calls_)(StatusOr<v1::ListQueuesResponse>(gateway_.ListQueues()));
                       });
}

grpc::ServerUnaryReactor* OperatorService::ListMessages(grpc::CallbackServerContext* context,
                                                        const v1::ListMessagesRequest* request,
                                                        v1::ListMessagesResponse* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& /*name*/, grpc::ServerUnaryReactor* reactor) {
                         FinishWith(context, reactor, response, calls_)(gateway_.ListMessages(*request));
                       });
}

grpc::ServerUnaryReactor* OperatorService::GetMessage(grpc::CallbackServerContext* context,
                                                      const v1::GetMessageRequest* request,
                                                      v1::MessageStatus* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& /*name*/, grpc::ServerUnaryReactor* reactor) {
                         FinishWith(context, reactor, response, calls_)(gateway_.InspectMessage(request->message_id()));
                       });
}

grpc::ServerUnaryReactor* OperatorService::Requeue(grpc::CallbackServerContext* context,
                                                   const v1::RequeueRequest* request, v1::RequeueResponse* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& name, grpc::ServerUnaryReactor* reactor) {
                         gateway_.Requeue(name, *request, FinishWith(context, reactor, response, calls_));
                       });
}

grpc::ServerUnaryReactor* OperatorService::RegisterPaperRequest(grpc::CallbackServerContext* context,
                                                                const v1::RegisterPaperRequestRequest* request,
                                                                v1::SendResult* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& name, grpc::ServerUnaryReactor* reactor) {
                         gateway_.RegisterPaperRequest(name, *request, FinishWith(context, reactor, response, calls_));
                       });
}

grpc::ServerUnaryReactor* OperatorService::RecordOriginalReceived(grpc::CallbackServerContext* context,
                                                                  const v1::RecordOriginalReceivedRequest* request,
                                                                  v1::MessageStatus* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& name, grpc::ServerUnaryReactor* reactor) {
                         gateway_.RecordOriginalReceived(name, *request,
                                                         FinishWith(context, reactor, response, calls_));
                       });
}

grpc::ServerUnaryReactor* OperatorService::ListAgreements(grpc::CallbackServerContext* context,
                                                          const v1::ListAgreementsRequest* request,
                                                          v1::ListAgreementsResponse* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& /*name*/, grpc::ServerUnaryReactor* reactor) {
                         FinishWith(context, reactor, response, calls_)(gateway_.ListAgreements(*request));
                       });
}

grpc::ServerUnaryReactor* OperatorService::ListRejections(grpc::CallbackServerContext* context,
                                                          const v1::ListRejectionsRequest* request,
                                                          v1::ListRejectionsResponse* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& /*name*/, grpc::ServerUnaryReactor* reactor) {
                         FinishWith(context, reactor, response, calls_)(gateway_.ListRejections(*request));
                       });
}

grpc::ServerUnaryReactor* OperatorService::ListOverdue(grpc::CallbackServerContext* context,
                                                       const v1::ListOverdueRequest* request,
                                                       v1::ListOverdueResponse* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& /*name*/, grpc::ServerUnaryReactor* reactor) {
                         FinishWith(context, reactor, response, calls_)(gateway_.ListOverdue(*request));
                       });
}

grpc::ServerUnaryReactor* OperatorService::GetReport(grpc::CallbackServerContext* context,
                                                     const v1::GetReportRequest* request,
                                                     v1::GetReportResponse* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& /*name*/, grpc::ServerUnaryReactor* reactor) {
                         FinishWith(context, reactor, response, calls_)(gateway_.GetReport(*request));
                       });
}

grpc::ServerUnaryReactor* OperatorService::VerifySeal(grpc::CallbackServerContext* context,
                                                      const v1::VerifySealRequest* request, v1::SealCheck* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& /*name*/, grpc::ServerUnaryReactor* reactor) {
                         FinishWith(context, reactor, response, calls_)(gateway_.VerifySeal(*request));
                       });
}

grpc::ServerUnaryReactor* OperatorService::ScrubSeals(grpc::CallbackServerContext* context,
                                                      const v1::ScrubSealsRequest* request,
                                                      v1::ScrubSealsResponse* response) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const std::string& /*name*/, grpc::ServerUnaryReactor* reactor) {
                         FinishWith(context, reactor, response, calls_)(gateway_.ScrubSeals(*request));
                       });
}

}  // namespace mezhved::adapters::grpc_api
