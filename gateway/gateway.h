// The core of mezhved: what happens to a message between an agency's call and the store, whatever transport the
// call came by. Adapters (adapters/grpc, later adapters/soap) authenticate the caller, translate to and from these
// calls, and never hold a rule of their own.
//
// Threading: every method may be called from any thread. Send*, Receive, Ack and Requeue answer through `done`,
// called once, on a store thread after the change is durably stored (or at once on a validation error); `done` must
// be quick and must not block.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "calendar/deadlines.h"
#include "calendar/production_calendar.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "common/status.h"
#include "gateway/agreements.h"
#include "gateway/deadlines.h"
#include "gateway/information_types.h"
#include "gateway/metrics.h"
#include "gateway/participants.h"
#include "gateway/report_cache.h"
#include "gateway/rules.h"
#include "gateway/validation.h"
#include "mezhved/config/v1/config.pb.h"
#include "mezhved/v1/console.pb.h"
#include "mezhved/v1/gateway.pb.h"
#include "mezhved/v1/messages.pb.h"
#include "mezhved/v1/operator.pb.h"
#include "seal/sealer.h"
#include "seal/verifier.h"
#include "store/message_store.h"

namespace mezhved::gateway {

template <typename T>
using Done = std::function<void(StatusOr<T>)>;

// Delivery and size settings, from the config's delivery and limits sections.
struct GatewaySettings {
  uint32_t lease_ms = 60000;
  uint32_t max_lease_ms = 600000;
  uint32_t max_attempts = 10;
  uint32_t max_receive_batch = 100;
  uint32_t max_wait_ms = 30000;
  uint32_t max_ack_batch = 1000;
  // A Receive answer holds at most this many bytes of messages, so that a client whose receive limit is the
  // gateway's own message limit can always read it.
  uint64_t max_receive_bytes = 4 << 20;
  ValidationLimits limits;
  xml::XmlLimits xml_limits;  // for payloads; max_bytes is limits.max_payload_bytes
  DeadlineSettings deadlines;
  std::string backup_dir;  // absolute; store.backup_dir, or "backups" beside the data directory

  static GatewaySettings FromConfig(const config::v1::GatewayConfig& config);
};

// Tells a waiting Receive that its caller went away.
using CancelledFn = std::function<bool()>;

class Gateway {
 public:
  // The gateway's figures go to `registry` (docs/MONITORING.md), which must outlive it; without one they are kept
  // in a private registry. The gateway observes the store's commits (store::StoreObserver) while it lives.
  Gateway(GatewaySettings settings, Rules rules, store::MessageStore& store, const Clock& clock,
          metrics::Registry* registry = nullptr);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // --- the agency API; `caller` is the organisation the adapter authenticated ---

  void SendRequest(const std::string& caller, const std::string& idempotency_key, v1::RequestEnvelope request,
                   Done<v1::SendResult> done);
  void SendResponse(const std::string& caller, const std::string& idempotency_key, v1::ResponseEnvelope response,
                    Done<v1::SendResult> done);
  // The requester's answer to a clarification request of the addressee (Kuzbass 5.5), linked to the request.
  void SendSupplement(const std::string& caller, const std::string& idempotency_key, v1::SupplementEnvelope supplement,
                      Done<v1::SendResult> done);
  // Leases the caller's next messages; with wait_ms, waits for one when none is ready.
  void Receive(const std::string& caller, const v1::ReceiveRequest& request, CancelledFn cancelled,
               Done<v1::ReceiveResponse> done);
  void Ack(const std::string& caller, const v1::AckRequest& request, Done<v1::AckResponse> done);
  // The requester confirms that a copy of a final answer to its social-support request went to the citizen
  // (Altai 4.13), stopping that answer's citizen-copy clock. NOT_FOUND unless the caller is the answer's
  // recipient; NO_CITIZEN_COPY_DUE when no such clock runs.
  void ConfirmCitizenCopy(const std::string& caller, const v1::ConfirmCitizenCopyRequest& call,
                          Done<v1::MessageStatus> done);
  // Only the message's sender and recipient may see it; to anyone else it does not exist.
  StatusOr<v1::MessageStatus> GetStatus(const std::string& caller, const std::string& message_id) const;
  // The caller's own incoming queue: pending, leased and dead-lettered counts.
  v1::QueueSummary QueueOf(const std::string& caller) const;
  // The calling information system's signature over a block of its call (the SOAP API's
  // CallerInformationSystemSignature; docs/SOAP.md): `signed_block` is a document whose root holds the block, with
  // Id="`id`", and the ds:Signature (seal::SignatureVerifier::VerifyReferenced). It must verify against the senders'
  // trust store (sender_trust) now, and its certificate must identify one of the caller's own information systems in
  // the registry (the organisation's certificate_common_names or certificate_sha256): SENDER_MISMATCH otherwise.
  Status CheckCallerSignature(const std::string& caller, std::string_view signed_block, std::string_view id) const;

  // --- the operator API; `operator_name` is the operator the adapter authenticated ---

  // One row per organisation of the registry (and per former one still holding messages), by code.
  v1::ListQueuesResponse ListQueues() const;
  StatusOr<v1::ListMessagesResponse> ListMessages(const v1::ListMessagesRequest& request) const;
  StatusOr<v1::MessageStatus> InspectMessage(const std::string& message_id) const;
  // A message as the operators' console shows it: status and history, the envelope with the citizen's personal data
  // masked (gateway/personal_data.h), the seal re-verified, and who owes the answer and how late.
  StatusOr<v1::MessageView> ViewMessage(const std::string& message_id) const;
  // The same unmasked, for an operator whose role may see personal data. The reveal is first appended to the
  // message's history (who and when), and only then is the view returned; the caller keeps the audit entry.
  void RevealMessage(const std::string& operator_name, const std::string& message_id, Done<v1::MessageView> done);
  // The history of operators' actions for the auditors: kept (`at` set now when empty), and read newest first.
  void RecordOperatorAction(v1::AuditEntry entry, Done<bool> done);
  StatusOr<v1::AuditPage> ListOperatorActions(uint32_t page_size, const std::string& page_token) const;
  void Requeue(const std::string& operator_name, const v1::RequeueRequest& request, Done<v1::RequeueResponse> done);
  // Registers a request that arrived on paper or by fax, so that it is tracked like an electronic one (Altai 3.4;
  // Kuzbass 5.3-5.4); the envelope is checked as usual (the payload is optional) and the requester is the body
  // named in it.
  void RegisterPaperRequest(const std::string& operator_name, const v1::RegisterPaperRequestRequest& call,
                            Done<v1::SendResult> done);
  // Records in a faxed request's history that its original arrived (Kuzbass 5.4).
  void RecordOriginalReceived(const std::string& operator_name, const v1::RecordOriginalReceivedRequest& call,
                              Done<v1::MessageStatus> done);
  // The agreements applied now (latest version of each), or every version of one.
  StatusOr<v1::ListAgreementsResponse> ListAgreements(const v1::ListAgreementsRequest& request) const;
  // Messages refused at the door, newest first.
  StatusOr<v1::ListRejectionsResponse> ListRejections(const v1::ListRejectionsRequest& request) const;
  // Requests past their answer deadline, the longest overdue first, naming the late party.
  StatusOr<v1::ListOverdueResponse> ListOverdue(const v1::ListOverdueRequest& request) const;
  // Deadline compliance for a period, from the stored history (gateway/reports.h).
  StatusOr<v1::GetReportResponse> GetReport(const v1::GetReportRequest& request) const;
  // Re-verifies a stored message's seal, or every stored message's, a page at a time (docs/SIGNATURES.md).
  StatusOr<v1::SealCheck> VerifySeal(const v1::VerifySealRequest& request) const;
  StatusOr<v1::ScrubSealsResponse> ScrubSeals(const v1::ScrubSealsRequest& request) const;
  // SIGHUP (docs/OPERATIONS.md, "Keys and certificates"): the agreements and the production calendar of a re-read
  // config apply from now on. Requests accepted before keep the id of the agreement they were accepted under (one
  // withdrawn since no longer stops their clock); the kept reports are dropped, as the calendar may differ.
  void ReplaceAgreementsAndCalendar(std::shared_ptr<const AgreementRegistry> agreements,
                                    std::shared_ptr<const calendar::ProductionCalendar> calendar);

  // Where a backup asked for goes: a new directory under settings.backup_dir (INVALID_ARGUMENT, field "directory",
  // for a path outside it), absolute.
  StatusOr<std::string> BackupDirectory(const v1::BackupRequest& request) const;
  // A backup of the store into that directory (INVALID_ARGUMENT when it exists).
  StatusOr<v1::BackupResponse> Backup(const std::string& directory) const;

  // The core's counters, for the console's rates.
  const GatewayMetrics& metrics() const { return *metrics_; }
  const Clock& clock() const { return clock_; }

  // --- upkeep ---

  // Seals from now on with `sealer`, and checks stored seals with `verifier` (which should still trust the earlier
  // sealing certificates): key rotation without a restart. Messages in flight are sealed with one key or the other.
  void ReplaceSealing(std::shared_ptr<const seal::Sealer> sealer,
                      std::shared_ptr<const seal::SignatureVerifier> verifier);

  // One pass of housekeeping: ends leases (dead-lettering exhausted messages) and answers long polls whose wait
  // is over or whose caller went away. The daemon runs it on a timer; tests call it after moving a ManualClock.
  void RunHousekeeping();
  // Fires the answer-deadline timers due now (gateway/deadlines.h), as many store writes as it takes, and then
  // calls `done` with the number fired. RunHousekeeping calls it every deadlines.scan_interval_ms.
  void FireDeadlineTimers(std::function<void(StatusOr<uint32_t>)> done);
  // Answers every waiting Receive with what it has (nothing); from then on new sends and receives are
  // refused with UNAVAILABLE (acks are still taken), so that the calls in flight drain.
  void BeginShutdown();

 private:
  struct Waiter;
  using WaiterPtr = std::shared_ptr<Waiter>;

  void LeaseFor(WaiterPtr waiter);
  void OnLeased(WaiterPtr waiter, uint64_t generation_before, StatusOr<std::vector<v1::Message>> leased);
  void Park(WaiterPtr waiter, uint64_t generation_before);
  void WakeWaiters(const std::string& recipient);
  uint64_t Generation(const std::string& recipient);
  // Seals and stores a message that passed the door's checks, begun at `checks_started`.
  void Accept(store::NewMessage message, std::chrono::steady_clock::time_point checks_started,
              Done<v1::SendResult> done);
  // Sets message.sealed_xml: the message's XML form with the gateway's seal. Call it last, once every field that
  // goes to the store is set. Nothing when the gateway has no sealer.
  Status SealMessage(v1::Message& message) const;
  // Which document a payload is, for its field name and its XSD.
  enum class PayloadRole { kRequest, kSupplement, kDataAnswer };
  // A payload at the door: its signature (CheckPayloadSignature), then its signed content against the information
  // type's XSD.
  Status CheckPayload(PayloadRole role, const v1::InformationTypeRef& type, const std::string& payload,
                      bool signature_required, UnixMillis at, v1::Message& message) const;
  // A payload's signature (docs/SIGNATURES.md): verified when the payload carries one, required when `required`.
  // Sets `signer`; returns the payload without the signature, for its XSD.
  StatusOr<std::string> CheckPayloadSignature(const std::string& payload, bool required, UnixMillis at,
                                              const std::string& field, v1::Message& message) const;
  // Whether the agreement or the information type requires a sender's signature on the payload.
  bool SignatureRequired(const std::string& agreement_id, const v1::InformationTypeRef& type) const;
  // The verdict on one stored message's seal.
  v1::SealCheck CheckSeal(const v1::Message& stored) const;
  // Wraps `done` so that a refusal is recorded (who, when, why) before the sender hears of it.
  Done<v1::SendResult> RecordingRejections(const std::string& caller, const std::string& idempotency_key,
                                           v1::Rejection context, Done<v1::SendResult> done);
  bool HasQueue(const std::string& recipient_code) const;
  // A queue's row: its figures with its organisation's name and agency from the registry.
  v1::QueueSummary SummaryOf(const std::string& recipient_code, const store::QueueStat& stat) const;
  // Gives a new message its id, kind, parties and acceptance time; returns it for its body.
  v1::Message& Stamp(store::NewMessage& message, v1::MessageKind kind, const std::string& sender,
                     const std::string& recipient) const;
  // The registry name of an organisation, or empty for one no longer in the registry.
  std::string NameOf(const std::string& organisation_code) const;
  static v1::Rejection RequestContext(const char* operation, const v1::RequestEnvelope& request);
  // The checks every request shares, whatever its channel, then acceptance: the agreement in force on the day
  // of receipt, the payload against its XSD.
  // The working days allowed for the answer (the agreement's, else the information type's deadline class: 5 for
  // answers, 10 for progress answers; Altai 3.6, Kuzbass 5.7, Leningrad 3.4), 0 when no answer is due, and the
  // instant the period ends in the addressee's local time. NO_CALENDAR when a year is missing.
  Status SetAnswerDeadline(const AnswerDeadlines& deadlines, const config::v1::Agreement& agreement,
                           const v1::RequestEnvelope& request, UnixMillis received_ms,
                           store::NewMessage& message) const;
  void CheckAndQueueRequest(store::NewMessage message, v1::RequestEnvelope request, UnixMillis received_ms,
                            std::chrono::steady_clock::time_point checks_started, Done<v1::SendResult> done);
  // The request `request_id` if the caller sent or received it: NOT_FOUND for anyone else, NOT_A_REQUEST.
  StatusOr<store::MessageRecord> RequestSeenBy(const std::string& caller, const MessageId& request_id) const;
  // The store's answer to an Accept or AcceptResponse of `message`, handed to the store now: wakes the recipient's
  // long polls and counts the message.
  store::Done<store::AcceptOutcome> OnAccepted(const store::NewMessage& message, Done<v1::SendResult> done);
  v1::MessageView ViewOf(const store::MessageRecord& record, bool masked) const;
  // The queue and deadline gauges of every organisation, at scrape time.
  void WriteQueueMetrics(metrics::TextWriter& writer) const;
  StatusOr<v1::ComplianceReport> BuildReport(const ReportPeriod& period, UnixMillis now) const;

  const GatewaySettings settings_;
  const Rules rules_;
  const ParticipantRegistry& participants_;  // *rules_.participants, the most used
  // What SIGHUP may replace while the gateway serves (ReplaceAgreementsAndCalendar): the agreements, the production
  // calendar and the deadline rules over them. Each call takes one snapshot and uses it throughout, so a request is
  // checked and given its deadline by one set of rules.
  struct Reloadable {
    std::shared_ptr<const AgreementRegistry> agreements;
    std::shared_ptr<const calendar::ProductionCalendar> calendar;
    std::shared_ptr<const AnswerDeadlines> deadlines;
  };
  std::shared_ptr<const Reloadable> Current() const { return reloadable_.load(); }
  std::atomic<std::shared_ptr<const Reloadable>> reloadable_;
  store::MessageStore& store_;
  const Clock& clock_;
  metrics::Registry own_registry_;  // used when the daemon gives none
  std::unique_ptr<GatewayMetrics> metrics_;
  metrics::CollectorHandle queue_metrics_;
  // The sealer and the verifier of stored seals in use, replaced whole by ReplaceSealing (key rotation).
  struct Sealing {
    std::shared_ptr<const seal::Sealer> sealer;
    std::shared_ptr<const seal::SignatureVerifier> verifier;
  };
  std::atomic<std::shared_ptr<const Sealing>> sealing_;

  // The deadline scan: when the next one is due, and whether one is under way. Housekeeping thread only, but the
  // flag is cleared by the store thread.
  UnixMillis next_deadline_scan_ms_ = 0;
  std::atomic<bool> deadline_scan_running_{false};
  void ContinueDeadlineScan(UnixMillis now, uint32_t fired_so_far, std::function<void(StatusOr<uint32_t>)> done);

  std::mutex waiters_mutex_;
  std::atomic<bool> shutting_down_{false};
  // Per recipient: long polls waiting for a message, and a counter bumped whenever a message may have become
  // ready, so that a poll that found nothing can tell whether it raced with a new message before it parks.
  std::unordered_map<std::string, std::list<WaiterPtr>> waiters_;
  std::unordered_map<std::string, uint64_t> generations_;

  // The reports of ended periods (gateway/report_cache.h); a registered paper or fax request empties it.
  mutable ReportCache report_cache_;
  // The basis of the report tallies these rules count (ReportTallier): a store whose tallies have it answers reports
  // from them; another one (a store opened without a tallier, say) from every request's history.
  const std::string report_tally_basis_;
};

// Runs Gateway::RunHousekeeping on its own thread at a fixed interval until destroyed.
class Housekeeper {
 public:
  Housekeeper(Gateway& gateway, uint32_t interval_ms);
  ~Housekeeper();
  Housekeeper(const Housekeeper&) = delete;
  Housekeeper& operator=(const Housekeeper&) = delete;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mezhved::gateway
