// The gRPC services: each handler authenticates the caller, hands the call to the core and finishes when the core
// answers. Handlers never block: the core answers from its store thread after the durable write.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/grpc/identity.h"
#include "gateway/gateway.h"
#include "mezhved/v1/gateway.grpc.pb.h"
#include "mezhved/v1/operator.grpc.pb.h"

namespace mezhved::adapters::grpc_api {

// Counts the calls between a handler's start and its Finish, so that a stop can wait for them to drain instead
// of a fixed grace period (gRPC's own Shutdown deadline also waits for idle client connections).
class CallTracker {
 public:
  void Begin();
  void End();
  // Waits until no call is in flight or the timeout passes; returns whether it drained.
  bool WaitIdle(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  uint64_t in_flight_ = 0;
};

class AgencyService final : public v1::AgencyGateway::CallbackService {
 public:
  AgencyService(gateway::Gateway& gateway, CallerIdentifier identifier, CallTracker& calls)
      : gateway_(gateway), identifier_(std::move(identifier)), calls_(calls) {}

  grpc::ServerUnaryReactor* SendRequest(grpc::CallbackServerContext* context, const v1::SendRequestRequest* request,
                                        v1::SendResult* response) override;
  grpc::ServerUnaryReactor* SendResponse(grpc::CallbackServerContext* context, const v1::SendResponseRequest* request,
                                         v1::SendResult* response) override;
  grpc::ServerUnaryReactor* SendSupplement(grpc::CallbackServerContext* context,
                                           const v1::SendSupplementRequest* request, v1::SendResult* response) override;
  grpc::ServerUnaryReactor* Receive(grpc::CallbackServerContext* context, const v1::ReceiveRequest* request,
                                    v1::ReceiveResponse* response) override;
  grpc::ServerUnaryReactor* Ack(grpc::CallbackServerContext* context, const v1::AckRequest* request,
                                v1::AckResponse* response) override;
  grpc::ServerUnaryReactor* ConfirmCitizenCopy(grpc::CallbackServerContext* context,
                                               const v1::ConfirmCitizenCopyRequest* request,
                                               v1::MessageStatus* response) override;
  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context, const v1::GetStatusRequest* request,
                                      v1::MessageStatus* response) override;

 private:
  auto OrganisationOf() const {
    return [this](const grpc::CallbackServerContext& context) { return identifier_.Organisation(context); };
  }

  gateway::Gateway& gateway_;
  CallerIdentifier identifier_;
  CallTracker& calls_;
};

// The operator API. Each call needs the permission adapters/grpc/permissions.h names for it of the caller's role
// (else PERMISSION_DENIED); the actions that change something or show personal data (Requeue, RegisterPaperRequest,
// RecordOriginalReceived, RevealMessage) are written into the audit log once they succeeded, before the call is
// answered (a failure to record is logged and does not fail the call: the action is done).
class OperatorService final : public v1::OperatorConsole::CallbackService {
 public:
  OperatorService(gateway::Gateway& gateway, CallerIdentifier identifier, CallTracker& calls, std::string instance_name)
      : gateway_(gateway),
        identifier_(std::move(identifier)),
        calls_(calls),
        instance_name_(std::move(instance_name)) {}

  grpc::ServerUnaryReactor* ListQueues(grpc::CallbackServerContext* context, const v1::ListQueuesRequest* request,
                                       v1::ListQueuesResponse* response) override;
  grpc::ServerUnaryReactor* ListMessages(grpc::CallbackServerContext* context, const v1::ListMessagesRequest* request,
                                         v1::ListMessagesResponse* response) override;
  grpc::ServerUnaryReactor* GetMessage(grpc::CallbackServerContext* context, const v1::GetMessageRequest* request,
                                       v1::MessageStatus* response) override;
  grpc::ServerUnaryReactor* Requeue(grpc::CallbackServerContext* context, const v1::RequeueRequest* request,
                                    v1::RequeueResponse* response) override;
  grpc::ServerUnaryReactor* RegisterPaperRequest(grpc::CallbackServerContext* context,
                                                 const v1::RegisterPaperRequestRequest* request,
                                                 v1::SendResult* response) override;
  grpc::ServerUnaryReactor* RecordOriginalReceived(grpc::CallbackServerContext* context,
                                                   const v1::RecordOriginalReceivedRequest* request,
                                                   v1::MessageStatus* response) override;
  grpc::ServerUnaryReactor* ListAgreements(grpc::CallbackServerContext* context,
                                           const v1::ListAgreementsRequest* request,
                                           v1::ListAgreementsResponse* response) override;
  grpc::ServerUnaryReactor* ListRejections(grpc::CallbackServerContext* context,
                                           const v1::ListRejectionsRequest* request,
                                           v1::ListRejectionsResponse* response) override;
  grpc::ServerUnaryReactor* ListOverdue(grpc::CallbackServerContext* context, const v1::ListOverdueRequest* request,
                                        v1::ListOverdueResponse* response) override;
  grpc::ServerUnaryReactor* GetReport(grpc::CallbackServerContext* context, const v1::GetReportRequest* request,
                                      v1::GetReportResponse* response) override;
  grpc::ServerUnaryReactor* VerifySeal(grpc::CallbackServerContext* context, const v1::VerifySealRequest* request,
                                       v1::SealCheck* response) override;
  grpc::ServerUnaryReactor* ScrubSeals(grpc::CallbackServerContext* context, const v1::ScrubSealsRequest* request,
                                       v1::ScrubSealsResponse* response) override;
  grpc::ServerUnaryReactor* Backup(grpc::CallbackServerContext* context, const v1::BackupRequest* request,
                                   v1::BackupResponse* response) override;
  grpc::ServerUnaryReactor* ViewMessage(grpc::CallbackServerContext* context, const v1::GetMessageRequest* request,
                                        v1::MessageView* response) override;
  grpc::ServerUnaryReactor* RevealMessage(grpc::CallbackServerContext* context, const v1::GetMessageRequest* request,
                                          v1::MessageView* response) override;
  grpc::ServerUnaryReactor* ListAudit(grpc::CallbackServerContext* context, const v1::ListAuditRequest* request,
                                      v1::AuditPage* response) override;
  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* context, const v1::GetSessionRequest* request,
                                       v1::ConsoleSession* response) override;

 private:
  auto OperatorOf() const {
    return [this](const grpc::CallbackServerContext& context) { return identifier_.Operator(context); };
  }

  // Authenticates the operator, checks that its role allows `method` (the RPC's name in operator.proto), and if so
  // runs handle(caller, reactor), which must finish the reactor through FinishWith or FinishRecorded.
  template <typename Handle>
  grpc::ServerUnaryReactor* Authorized(grpc::CallbackServerContext* context, std::string_view method, Handle handle);
  // Like FinishWith, but on success first writes entries_of(result) into the audit log and answers once they are
  // written (or failed: logged).
  template <typename T>
  gateway::Done<T> FinishRecorded(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor, T* response,
                                  std::function<std::vector<v1::AuditEntry>(const T&)> entries_of);
  // An audit entry of `caller`'s action through this API: client "cli <gRPC peer>".
  static v1::AuditEntry AuditEntryOf(const OperatorCaller& caller, const grpc::CallbackServerContext& context,
                                     const std::string& action, const std::string& target, const std::string& detail);
  // Writes the entries, then runs `then` (at once when there are none).
  void Record(std::vector<v1::AuditEntry> entries, std::function<void()> then);

  gateway::Gateway& gateway_;
  CallerIdentifier identifier_;
  CallTracker& calls_;
  std::string instance_name_;
};

}  // namespace mezhved::adapters::grpc_api
