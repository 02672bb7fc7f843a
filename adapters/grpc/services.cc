#include "adapters/grpc/services.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <utility>

#include "adapters/grpc/errors.h"
#include "adapters/grpc/permissions.h"
#include "common/log.h"
#include "gateway/operator_roles.h"

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
  auto caller = identify(*context);
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

// Whether the caller's role allows `method` of the operator API (adapters/grpc/permissions.h).
Status Allowed(const OperatorCaller& caller, std::string_view method) {
  const OperatorCallPermission* entry = FindOperatorCallPermission(method);
  if (entry == nullptr) {
    return {ErrorCode::kPermissionDenied, std::string(method) + " is not in the operator API's table of permissions"};
  }
  if (!entry->permission || gateway::Allows(caller.role, *entry->permission)) {
    return Status::Ok();
  }
  log::Warn("grpc", "operator.permission_denied")
      .Operator(caller.name)
      .Field("role", gateway::NameOf(caller.role))
      .Field("call", method)
      .Msg("the role of the operator does not allow the call");
  return {ErrorCode::kPermissionDenied,
          "the role " + std::string(gateway::NameOf(caller.role)) + " of operator " + caller.name + " does not allow " +
              std::string(gateway::NameOf(*entry->permission)) + " (" + std::string(method) + ")"};
}

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

template <typename Handle>
grpc::ServerUnaryReactor* OperatorService::Authorized(grpc::CallbackServerContext* context, std::string_view method,
                                                      Handle handle) {
  return Authenticated(context, calls_, context->DefaultReactor(), OperatorOf(),
                       [&](const OperatorCaller& caller, grpc::ServerUnaryReactor* reactor) {
                         const Status allowed = Allowed(caller, method);
                         if (!allowed.ok()) {
                           reactor->Finish(Reject(context, allowed));
                           calls_.End();
                           return;
                         }
                         handle(caller, reactor);
                       });
}

template <typename T>
gateway::Done<T> OperatorService::FinishRecorded(grpc::CallbackServerContext* context,
                                                 grpc::ServerUnaryReactor* reactor, T* response,
                                                 std::function<std::vector<v1::AuditEntry>(const T&)> entries_of) {
  return [this, context, reactor, response, entries_of = std::move(entries_of)](StatusOr<T> result) {
    if (!result.ok()) {
      reactor->Finish(Reject(context, result.status()));
      calls_.End();
      return;
    }
    std::vector<v1::AuditEntry> entries = entries_of(*result);
    *response = std::move(*result);
    Record(std::move(entries), [this, reactor] {
      reactor->Finish(grpc::Status::OK);
      calls_.End();
    });
  };
}

v1::AuditEntry OperatorService::AuditEntryOf(const OperatorCaller& caller, const grpc::CallbackServerContext& context,
                                             const std::string& action, const std::string& target,
                                             const std::string& detail) {
  v1::AuditEntry entry;  // `at`: the gateway sets it when it keeps the entry
  entry.set_operator_(caller.name);
  entry.set_role(caller.role);
  entry.set_action(action);
  entry.set_target(target);
  entry.set_detail(detail);
  entry.set_client("cli " + context.peer());
  return entry;
}

void OperatorService::Record(std::vector<v1::AuditEntry> entries, std::function<void()> then) {
  if (entries.empty()) {
    then();
    return;
  }
  struct Pending {
    std::atomic<size_t> left;
    std::function<void()> then;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = entries.size();
  pending->then = std::move(then);
  for (v1::AuditEntry& entry : entries) {
    const std::string action = entry.action();
    const std::string target = entry.target();
    const std::string name = entry.operator_();
    gateway_.RecordOperatorAction(std::move(entry), [pending, action, target, name](const StatusOr<bool>& kept) {
      if (!kept.ok()) {
        log::Error("grpc", "audit.not_recorded")
            .Operator(name)
            .Code(kept.status().code())
            .Field("action", action)
            .Field("target", target)
            .Msg("an operator's action through the operator API could not be recorded in the audit log");
      }
      if (pending->left.fetch_sub(1) == 1) {
        pending->then();
      }
    });
  }
}

grpc::ServerUnaryReactor* OperatorService::ListQueues(grpc::CallbackServerContext* context,
                                                      const v1::ListQueuesRequest* /*request*/,
                                                      v1::ListQueuesResponse* response) {
  return Authorized(context, "ListQueues", [&](const OperatorCaller& /*caller*/, grpc::ServerUnaryReactor* reactor) {
    FinishWith(context, reactor, response, calls_)(StatusOr<v1::ListQueuesResponse>(gateway_.ListQueues()));
  });
}

grpc::ServerUnaryReactor* OperatorService::ListMessages(grpc::CallbackServerContext* context,
                                                        const v1::ListMessagesRequest* request,
                                                        v1::ListMessagesResponse* response) {
  return Authorized(context, "ListMessages", [&](const OperatorCaller& /*caller*/, grpc::ServerUnaryReactor* reactor) {
    FinishWith(context, reactor, response, calls_)(gateway_.ListMessages(*request));
  });
}

grpc::ServerUnaryReactor* OperatorService::GetMessage(grpc::CallbackServerContext* context,
                                                      const v1::GetMessageRequest* request,
                                                      v1::MessageStatus* response) {
  return Authorized(context, "GetMessage", [&](const OperatorCaller& /*caller*/, grpc::ServerUnaryReactor* reactor) {
    FinishWith(context, reactor, response, calls_)(gateway_.InspectMessage(request->message_id()));
  });
}

grpc::ServerUnaryReactor* OperatorService::Requeue(grpc::CallbackServerContext* context,
                                                   const v1::RequeueRequest* request, v1::RequeueResponse* response) {
  return Authorized(context, "Requeue", [&](const OperatorCaller& caller, grpc::ServerUnaryReactor* reactor) {
    // One entry per message put back; the ids that stayed where they were changed nothing.
    gateway_.Requeue(caller.name, *request,
                     FinishRecorded<v1::RequeueResponse>(
                         context, reactor, response, [caller, context](const v1::RequeueResponse& requeued) {
                           std::vector<v1::AuditEntry> entries;
                           for (const v1::RequeueResult& result : requeued.results()) {
                             if (result.requeued()) {
                               entries.push_back(AuditEntryOf(caller, *context, "requeue", result.message_id(),
                                                              "dead letter put back into its queue"));
                             }
                           }
                           return entries;
                         }));
  });
}

grpc::ServerUnaryReactor* OperatorService::RegisterPaperRequest(grpc::CallbackServerContext* context,
                                                                const v1::RegisterPaperRequestRequest* request,
                                                                v1::SendResult* response) {
  return Authorized(
      context, "RegisterPaperRequest", [&](const OperatorCaller& caller, grpc::ServerUnaryReactor* reactor) {
        const std::string detail =
            request->channel() == v1::CHANNEL_FAX ? "request received by fax registered" : "paper request registered";
        // A repeated registration (the same idempotency key) stored nothing new: nothing to record.
        gateway_.RegisterPaperRequest(
            caller.name, *request,
            FinishRecorded<v1::SendResult>(
                context, reactor, response, [caller, context, detail](const v1::SendResult& registered) {
                  std::vector<v1::AuditEntry> entries;
                  if (!registered.duplicate()) {
                    entries.push_back(
                        AuditEntryOf(caller, *context, "register_paper", registered.message_id(), detail));
                  }
                  return entries;
                }));
      });
}

grpc::ServerUnaryReactor* OperatorService::RecordOriginalReceived(grpc::CallbackServerContext* context,
                                                                  const v1::RecordOriginalReceivedRequest* request,
                                                                  v1::MessageStatus* response) {
  return Authorized(
      context, "RecordOriginalReceived", [&](const OperatorCaller& caller, grpc::ServerUnaryReactor* reactor) {
        gateway_.RecordOriginalReceived(
            caller.name, *request,
            FinishRecorded<v1::MessageStatus>(
                context, reactor, response, [caller, context](const v1::MessageStatus& status) {
                  return std::vector<v1::AuditEntry>{AuditEntryOf(caller, *context, "record_original",
                                                                  status.message_id(),
                                                                  "the paper original of a faxed request arrived")};
                }));
      });
}

grpc::ServerUnaryReactor* OperatorService::ListAgreements(grpc::CallbackServerContext* context,
                                                          const v1::ListAgreementsRequest* request,
                                                          v1::ListAgreementsResponse* response) {
  return Authorized(context, "ListAgreements",
                    [&](const OperatorCaller& /*caller*/, grpc::ServerUnaryReactor* reactor) {
                      FinishWith(context, reactor, response, calls_)(gateway_.ListAgreements(*request));
                    });
}

grpc::ServerUnaryReactor* OperatorService::ListRejections(grpc::CallbackServerContext* context,
                                                          const v1::ListRejectionsRequest* request,
                                                          v1::ListRejectionsResponse* response) {
  return Authorized(context, "ListRejections",
                    [&](const OperatorCaller& /*caller*/, grpc::ServerUnaryReactor* reactor) {
                      FinishWith(context, reactor, response, calls_)(gateway_.ListRejections(*request));
                    });
}

grpc::ServerUnaryReactor* OperatorService::ListOverdue(grpc::CallbackServerContext* context,
                                                       const v1::ListOverdueRequest* request,
                                                       v1::ListOverdueResponse* response) {
  return Authorized(context, "ListOverdue", [&](const OperatorCaller& /*caller*/, grpc::ServerUnaryReactor* reactor) {
    FinishWith(context, reactor, response, calls_)(gateway_.ListOverdue(*request));
  });
}

grpc::ServerUnaryReactor* OperatorService::GetReport(grpc::CallbackServerContext* context,
                                                     const v1::GetReportRequest* request,
                                                     v1::GetReportResponse* response) {
  return Authorized(context, "GetReport", [&](const OperatorCaller& /*caller*/, grpc::ServerUnaryReactor* reactor) {
    FinishWith(context, reactor, response, calls_)(gateway_.GetReport(*request));
  });
}

grpc::ServerUnaryReactor* OperatorService::VerifySeal(grpc::CallbackServerContext* context,
                                                      const v1::VerifySealRequest* request, v1::SealCheck* response) {
  return Authorized(context, "VerifySeal", [&](const OperatorCaller& /*caller*/, grpc::ServerUnaryReactor* reactor) {
    FinishWith(context, reactor, response, calls_)(gateway_.VerifySeal(*request));
  });
}

grpc::ServerUnaryReactor* OperatorService::Backup(grpc::CallbackServerContext* context,
                                                  const v1::BackupRequest* request, v1::BackupResponse* response) {
  return Authorized(context, "Backup", [&](const OperatorCaller& caller, grpc::ServerUnaryReactor* reactor) {
    StatusOr<std::string> directory = gateway_.BackupDirectory(*request);
    if (!directory.ok()) {
      FinishWith(context, reactor, response, calls_)(StatusOr<v1::BackupResponse>(directory.status()));
      return;
    }
    // Recorded before the backup is taken, so that a store restored from it still shows who took it and when.
    std::promise<void> recorded;
    Record({AuditEntryOf(caller, *context, "backup", *directory, "backup of the store taken")},
           [&recorded] { recorded.set_value(); });
    recorded.get_future().wait();
    // The checkpoint links or copies the store's files (about a second for a gigabyte): on this thread, like a scrub.
    FinishWith(context, reactor, response, calls_)(gateway_.Backup(*directory));
  });
}

grpc::ServerUnaryReactor* OperatorService::ScrubSeals(grpc::CallbackServerContext* context,
                                                      const v1::ScrubSealsRequest* request,
                                                      v1::ScrubSealsResponse* response) {
  return Authorized(context, "ScrubSeals", [&](const OperatorCaller& /*caller*/, grpc::ServerUnaryReactor* reactor) {
    FinishWith(context, reactor, response, calls_)(gateway_.ScrubSeals(*request));
  });
}

grpc::ServerUnaryReactor* OperatorService::ViewMessage(grpc::CallbackServerContext* context,
                                                       const v1::GetMessageRequest* request,
                                                       v1::MessageView* response) {
  return Authorized(context, "ViewMessage", [&](const OperatorCaller& /*caller*/, grpc::ServerUnaryReactor* reactor) {
    FinishWith(context, reactor, response, calls_)(gateway_.ViewMessage(request->message_id()));
  });
}

grpc::ServerUnaryReactor* OperatorService::RevealMessage(grpc::CallbackServerContext* context,
                                                         const v1::GetMessageRequest* request,
                                                         v1::MessageView* response) {
  return Authorized(context, "RevealMessage", [&](const OperatorCaller& caller, grpc::ServerUnaryReactor* reactor) {
    // The gateway writes the reveal into the message's history before it returns the data (or refuses it); the audit
    // entry follows, and the data is sent once that is written too.
    gateway_.RevealMessage(
        caller.name, request->message_id(),
        FinishRecorded<v1::MessageView>(context, reactor, response, [caller, context](const v1::MessageView& view) {
          return std::vector<v1::AuditEntry>{
              AuditEntryOf(caller, *context, "reveal", view.status().message_id(), "personal data shown")};
        }));
  });
}

grpc::ServerUnaryReactor* OperatorService::ListAudit(grpc::CallbackServerContext* context,
                                                     const v1::ListAuditRequest* request, v1::AuditPage* response) {
  return Authorized(context, "ListAudit", [&](const OperatorCaller& /*caller*/, grpc::ServerUnaryReactor* reactor) {
    FinishWith(context, reactor, response, calls_)(
        gateway_.ListOperatorActions(std::min<uint32_t>(request->page_size(), 1000), request->page_token()));
  });
}

grpc::ServerUnaryReactor* OperatorService::GetSession(grpc::CallbackServerContext* context,
                                                      const v1::GetSessionRequest* /*request*/,
                                                      v1::ConsoleSession* response) {
  return Authorized(context, "GetSession", [&](const OperatorCaller& caller, grpc::ServerUnaryReactor* reactor) {
    v1::ConsoleSession session;
    session.set_operator_(caller.name);
    session.set_role(caller.role);
    for (std::string& permission : gateway::PermissionNames(caller.role)) {
      session.add_permissions(std::move(permission));
    }
    session.set_authenticated_by(caller.authenticated_by);
    session.set_instance_name(instance_name_);
    FinishWith(context, reactor, response, calls_)(StatusOr<v1::ConsoleSession>(std::move(session)));
  });
}

}  // namespace mezhved::adapters::grpc_api
