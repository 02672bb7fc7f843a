#include "gateway/gateway.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <thread>

#include "common/digest.h"
#include "common/log.h"
#include "envelope/xml_form.h"
#include "gateway/lifecycle.h"
#include "gateway/personal_data.h"
#include "gateway/receive_filter.h"
#include "gateway/reports.h"

namespace mezhved::gateway {
namespace {

using google::protobuf::util::TimeUtil;

// Leases shorter than this would expire before a client could process what it received.
constexpr uint32_t kMinLeaseMs = 100;
// A filtered Receive reads at most this many other messages of the queue per look (the store's index does not know
// kinds or payloads), so that a long queue of other kinds costs a bounded time; the rest is found as the queue moves.
constexpr uint32_t kMaxExaminedPerLease = 1000;
// A rejecting ack's reason is at most this long.
constexpr size_t kMaxAckReasonLength = 1000;

std::string OperatorActor(const std::string& operator_name) { return "operator:" + operator_name; }

// SHA-256 of the message's deterministic serialization: tells a true resend from a key reused for other content.
std::string ContentDigest(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return Sha256(bytes);
}

// Adds the idempotency key's own check to the envelope's.
Status WithKeyCheck(Status envelope_status, const std::string& key) {
  if (IsValidIdempotencyKey(key) || envelope_status.code() == ErrorCode::kMessageTooLarge) {
    return envelope_status;
  }
  Violations violations;
  for (const FieldError& error : envelope_status.fields()) {
    violations.Add(error.path, error.code, error.description);
  }
  violations.Add("idempotency_key", kViolationRequired, "1..128 printable ASCII characters, unique per sender");
  return violations.ToStatus();
}

Status Stopping() { return {ErrorCode::kUnavailable, "the gateway is stopping; retry with the same idempotency key"}; }

Status SenderMismatch(const std::string& field, const std::string& claimed, const std::string& caller) {
  return {ErrorCode::kSenderMismatch,
          field + " is '" + claimed + "' but the caller is '" + caller + "': an organisation sends only as itself"};
}

StatusOr<MessageId> ParseId(const std::string& text, const std::string& field) {
  std::optional<MessageId> id = MessageId::Parse(text);
  if (!id) {
    return Status(ErrorCode::kInvalidArgument, field + " is not a message id", {{field, "MALFORMED", "a UUID"}});
  }
  return *id;
}

StatusOr<std::vector<MessageId>> ParseIds(const google::protobuf::RepeatedPtrField<std::string>& texts,
                                          uint32_t max_count) {
  if (texts.empty()) {
    return Status(ErrorCode::kInvalidArgument, "no message ids", {{"message_ids", "REQUIRED", "at least one"}});
  }
  if (static_cast<uint32_t>(texts.size()) > max_count) {
    return Status(ErrorCode::kInvalidArgument, "too many message ids",
                  {{"message_ids", "TOO_LONG", "at most " + std::to_string(max_count)}});
  }
  std::vector<MessageId> ids;
  for (int i = 0; i < texts.size(); ++i) {
    StatusOr<MessageId> id = ParseId(texts[i], "message_ids[" + std::to_string(i) + "]");
    MEZHVED_RETURN_IF_ERROR(id.status());
    ids.push_back(*id);
  }
  return ids;
}

// A date of receipt of a paper document: given, not in the future, not over a year back.
void CheckReceivedAt(Violations& violations, const std::string& path, bool present, UnixMillis received_ms,
                     UnixMillis now) {
  constexpr int64_t kOldestMs = 366LL * 24 * 3600 * 1000;
  if (!present) {
    violations.Add(path, kViolationRequired, "when the document was received");
  } else if (received_ms > now) {
    violations.Add(path, kViolationDateOrder, "in the future");
  } else if (now - received_ms > kOldestMs) {
    violations.Add(path, kViolationDateOrder, "more than a year ago");
  }
}

v1::AckOutcome ToApi(store::AckOutcome outcome) {
  switch (outcome) {
    case store::AckOutcome::kAcknowledged:
      return v1::ACK_OUTCOME_ACKNOWLEDGED;
    case store::AckOutcome::kAlreadyAcknowledged:
      return v1::ACK_OUTCOME_ALREADY_ACKNOWLEDGED;
    case store::AckOutcome::kNotFound:
      return v1::ACK_OUTCOME_NOT_FOUND;
    case store::AckOutcome::kNotDelivered:
      return v1::ACK_OUTCOME_NOT_DELIVERED;
  }
  return v1::ACK_OUTCOME_UNSPECIFIED;
}

v1::MessageStatus ToStatusView(const store::MessageRecord& record) {
  v1::MessageStatus status;
  status.set_message_id(record.message.message_id());
  status.set_kind(record.message.kind());
  status.set_state(record.state);
  status.set_sender_code(record.message.sender_code());
  status.set_recipient_code(record.message.recipient_code());
  *status.mutable_accepted_at() = record.message.accepted_at();
  status.set_delivery_attempts(record.attempts);
  if (record.state == v1::MESSAGE_STATE_DELIVERED && record.lease_until_ms > 0) {
    *status.mutable_lease_expires_at() = TimeUtil::MillisecondsToTimestamp(record.lease_until_ms);
  }
  *status.mutable_information_type() = record.information_type;
  status.set_channel(record.message.channel());
  status.set_deadline_status(record.deadline_status);
  if (record.deadline_status != v1::DEADLINE_STATUS_UNSPECIFIED) {
    status.set_deadline_kind(record.message.kind() == v1::MESSAGE_KIND_REQUEST ? v1::DEADLINE_KIND_ANSWER
                                                                               : v1::DEADLINE_KIND_CITIZEN_COPY);
  }
  if (record.timers.due_at_ms != 0) {  // the current period, which a supplement may have restarted
    *status.mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(record.timers.due_at_ms);
  }
  if (record.message.has_received_at()) {
    *status.mutable_received_at() = record.message.received_at();
  }
  if (record.message.has_response()) {
    status.set_request_id(record.message.response().request_id());
  } else if (record.message.has_supplement()) {
    status.set_request_id(record.message.supplement().request_id());
  } else if (record.message.has_notice()) {
    status.set_request_id(record.message.notice().request_id());
  }
  for (const std::string& id : record.response_ids) {
    status.add_response_ids(id);
  }
  for (const v1::HistoryEvent& event : record.history) {
    *status.add_history() = event;
  }
  return status;
}

}  // namespace

GatewaySettings GatewaySettings::FromConfig(const config::v1::GatewayConfig& config) {
  GatewaySettings settings;
  const config::v1::DeliveryConfig& delivery = config.delivery();
  settings.lease_ms = delivery.lease_ms();
  settings.max_lease_ms = delivery.max_lease_ms();
  settings.max_attempts = delivery.max_attempts();
  settings.max_receive_batch = delivery.max_receive_batch();
  settings.max_wait_ms = delivery.max_wait_ms();
  settings.limits.max_payload_bytes = config.limits().max_payload_bytes();
  settings.xml_limits.max_bytes = config.limits().max_payload_bytes();
  settings.deadlines = DeadlineSettings::FromConfig(config);
  // Relative paths resolve against the working directory, as the store's data_dir does.
  const std::string& backup_dir = config.store().backup_dir();
  const std::string& data_dir = config.store().data_dir();
  std::error_code error;
  if (!backup_dir.empty()) {
    settings.backup_dir = std::filesystem::absolute(backup_dir, error).lexically_normal().string();
  } else if (!data_dir.empty()) {
    settings.backup_dir =
        (std::filesystem::absolute(data_dir, error).lexically_normal().parent_path() / "backups").string();
  }
  // Room for the answer's own framing around the messages.
  constexpr uint64_t kAnswerOverhead = 16 << 10;
  settings.max_receive_bytes =
      std::max<uint64_t>(config.limits().max_message_bytes(), 2 * kAnswerOverhead) - kAnswerOverhead;
  return settings;
}

struct Gateway::Waiter {
  std::string recipient;
  uint32_t max_messages = 1;
  int64_t lease_ms = 0;
  UnixMillis deadline_ms = 0;
  CancelledFn cancelled;
  MessagePredicate accepts;  // null: any message
  Done<v1::ReceiveResponse> done;
  std::atomic<bool> finished{false};

  // A waiter is answered exactly once, whoever gets there first: a lease, the housekeeper or shutdown.
  void Finish(StatusOr<v1::ReceiveResponse> result) {
    if (!finished.exchange(true)) {
      done(std::move(result));
    }
  }
  bool Cancelled() const { return cancelled && cancelled(); }
};

Gateway::Gateway(GatewaySettings settings, Rules rules, store::MessageStore& store, const Clock& clock,
                 metrics::Registry* registry)
    : settings_(settings),
      rules_(std::move(rules)),
      participants_(*rules_.participants),
      reloadable_(std::make_shared<const Reloadable>(Reloadable{
          rules_.agreements, rules_.calendar, std::make_shared<const AnswerDeadlines>(rules_, settings_.deadlines)})),
      store_(store),
      clock_(clock),
      sealing_(std::make_shared<const Sealing>(Sealing{rules_.sealer, rules_.seal_verifier})),

      report_tally_basis_(ReportTallier(participants_, rules_.information_types).Basis()) {
  metrics::Registry& figures = registry != nullptr ? *registry : own_registry_;
  metrics_ = std::make_unique<GatewayMetrics>(figures, participants_, *rules_.information_types);
  queue_metrics_ = figures.AddCollector([this](metrics::TextWriter& writer) { WriteQueueMetrics(writer); });
  store_.SetObserver(metrics_.get());
}

void Gateway::ReplaceAgreementsAndCalendar(std::shared_ptr<const AgreementRegistry> agreements,
                                           std::shared_ptr<const calendar::ProductionCalendar> calendar) {
  Rules rules = rules_;
  rules.agreements = std::move(agreements);
  rules.calendar = std::move(calendar);
  auto deadlines = std::make_shared<const AnswerDeadlines>(rules, settings_.deadlines);
  reloadable_.store(std::make_shared<const Reloadable>(Reloadable{rules.agreements, rules.calendar, deadlines}));
  report_cache_.Invalidate();
}

void Gateway::ReplaceSealing(std::shared_ptr<const seal::Sealer> sealer,
                             std::shared_ptr<const seal::SignatureVerifier> verifier) {
  sealing_.store(std::make_shared<const Sealing>(Sealing{std::move(sealer), std::move(verifier)}));
}

Gateway::~Gateway() {
  BeginShutdown();
  queue_metrics_.Reset();
  store_.SetObserver(nullptr);
}

void Gateway::SendRequest(const std::string& caller, const std::string& idempotency_key, v1::RequestEnvelope request,
                          Done<v1::SendResult> done) {
  if (shutting_down_) {
    return done(Stopping());
  }
  const auto checks_started = std::chrono::steady_clock::now();
  done = RecordingRejections(caller, idempotency_key, RequestContext("SendRequest", request), std::move(done));
  if (!request.requester_code().empty() && request.requester_code() != caller) {
    return done(SenderMismatch("request.requester_code", request.requester_code(), caller));
  }
  Status valid = WithKeyCheck(ValidateRequest(request, participants_, settings_.limits, rules_.information_types.get()),
                              idempotency_key);
  if (!valid.ok()) {
    return done(valid);
  }
  store::NewMessage message;
  message.idempotency_key = idempotency_key;
  CheckAndQueueRequest(std::move(message), std::move(request), clock_.NowMs(), checks_started, std::move(done));
}

v1::Rejection Gateway::RequestContext(const char* operation, const v1::RequestEnvelope& request) {
  v1::Rejection context;
  context.set_operation(operation);
  context.set_addressee_code(request.addressee_code().substr(0, 64));
  *context.mutable_information_type() = request.information_type();
  return context;
}

void Gateway::CheckAndQueueRequest(store::NewMessage message, v1::RequestEnvelope request, UnixMillis received_ms,
                                   std::chrono::steady_clock::time_point checks_started, Done<v1::SendResult> done) {
  const std::string requester = request.requester_code();
  const std::shared_ptr<const Reloadable> current = Current();  // the agreement pointer below lives in it
  StatusOr<const config::v1::Agreement*> agreement =
      current->agreements->Authorize(requester, request.addressee_code(), request.information_type().id(),
                                     request.authority().code(), UtcDayOf(received_ms));
  if (!agreement.ok()) {
    return done(agreement.status());
  }
  const bool paper = message.message.channel() != v1::CHANNEL_UNSPECIFIED;  // signed on paper, by hand
  const bool signature_required = !paper && SignatureRequired((*agreement)->id(), request.information_type());
  if (!request.payload().empty() || signature_required) {
    Status payload = CheckPayload(PayloadRole::kRequest, request.information_type(), request.payload(),
                                  signature_required, received_ms, message.message);
    if (!payload.ok()) {
      return done(payload);
    }
  }
  if (Status deadline = SetAnswerDeadline(*current->deadlines, **agreement, request, received_ms, message);
      !deadline.ok()) {
    return done(deadline);
  }
  message.citizen_key = CitizenKey(request.citizen());
  message.content_digest = ContentDigest(request);
  message.information_type = request.information_type();
  message.agreement_id = (*agreement)->id();
  request.set_requester_name(NameOf(requester));
  request.set_addressee_name(NameOf(request.addressee_code()));

  v1::Message& envelope = Stamp(message, v1::MESSAGE_KIND_REQUEST, requester, request.addressee_code());
  *envelope.mutable_request() = std::move(request);
  Accept(std::move(message), checks_started, std::move(done));
}

Status Gateway::SetAnswerDeadline(const AnswerDeadlines& deadlines, const config::v1::Agreement& agreement,
                                  const v1::RequestEnvelope& request, UnixMillis received_ms,
                                  store::NewMessage& message) const {
  const uint32_t working_days = deadlines.WorkingDaysFor(agreement, request.information_type());
  if (working_days == 0) {
    return Status::Ok();
  }
  StatusOr<store::AnswerTimers> timers = deadlines.TimersFor(request.addressee_code(), received_ms, working_days);
  if (!timers.ok()) {
    return timers.status().Prefixed("the answer deadline of this request cannot be counted");
  }
  message.timers = *timers;
  message.message.set_answer_working_days(working_days);
  *message.message.mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(timers->due_at_ms);
  return Status::Ok();
}

void Gateway::RegisterPaperRequest(const std::string& operator_name, const v1::RegisterPaperRequestRequest& call,
                                   Done<v1::SendResult> done) {
  if (shutting_down_) {
    return done(Stopping());
  }
  const auto checks_started = std::chrono::steady_clock::now();
  const std::string actor = OperatorActor(operator_name);
  done = RecordingRejections(actor, call.idempotency_key(), RequestContext("RegisterPaperRequest", call.request()),
                             std::move(done));
  const UnixMillis now = clock_.NowMs();
  const UnixMillis received_ms = TimeUtil::TimestampToMilliseconds(call.received_at());
  Violations violations;
  if (call.channel() != v1::CHANNEL_PAPER && call.channel() != v1::CHANNEL_FAX) {
    violations.Add("channel", kViolationRequired, "CHANNEL_PAPER or CHANNEL_FAX");
  }
  CheckReceivedAt(violations, "received_at", call.has_received_at(), received_ms, now);
  Status envelope = WithKeyCheck(ValidateRequest(call.request(), participants_, settings_.limits,
                                                 rules_.information_types.get(), RequestOrigin::kPaper),
                                 call.idempotency_key());
  if (envelope.code() == ErrorCode::kMessageTooLarge) {
    return done(envelope);
  }
  for (const FieldError& field : envelope.fields()) {
    violations.Add(field.path, field.code, field.description);
  }
  if (!violations.empty()) {
    return done(violations.ToStatus());
  }
  store::NewMessage message;
  // The requester's own keys stay its own: registrations live in a namespace of their own.
  message.idempotency_key = "paper/" + call.idempotency_key();
  message.accepted_by = actor;
  message.accepted_note = std::string(call.channel() == v1::CHANNEL_FAX ? "fax" : "paper") + " received " +
                          TimeUtil::ToString(call.received_at()) + ", registered by the operator";
  message.message.set_channel(call.channel());
  *message.message.mutable_received_at() = call.received_at();
  message.message.set_registered_by(actor);
  // A request received in a period that has ended changes its report: the kept reports go once it is stored.
  done = [this, done = std::move(done)](StatusOr<v1::SendResult> result) {
    if (result.ok()) {
      report_cache_.Invalidate();
    }
    done(std::move(result));
  };
  CheckAndQueueRequest(std::move(message), call.request(), received_ms, checks_started, std::move(done));
}

void Gateway::RecordOriginalReceived(const std::string& operator_name, const v1::RecordOriginalReceivedRequest& call,
                                     Done<v1::MessageStatus> done) {
  StatusOr<MessageId> id = ParseId(call.message_id(), "message_id");
  if (!id.ok()) {
    return done(id.status());
  }
  Violations violations;
  const UnixMillis received_ms = TimeUtil::TimestampToMilliseconds(call.received_at());
  CheckReceivedAt(violations, "received_at", call.has_received_at(), received_ms, clock_.NowMs());
  if (!violations.empty()) {
    return done(violations.ToStatus());
  }
  StatusOr<store::MessageRecord> record = store_.Get(*id);
  if (!record.ok()) {
    return done(record.status());
  }
  if (record->message.channel() != v1::CHANNEL_FAX) {
    return done(Status(ErrorCode::kInvalidArgument, "message " + call.message_id() + " was not registered from a fax",
                       {{"message_id", "NOT_A_FAX", "only a faxed request is followed by its original"}}));
  }
  v1::HistoryEvent event;
  *event.mutable_at() = TimeUtil::MillisecondsToTimestamp(clock_.NowMs());
  event.set_actor(OperatorActor(operator_name));
  event.set_note("original of the faxed request received " + TimeUtil::ToString(call.received_at()));
  store_.Annotate(*id, std::move(event), [this, id = *id, done = std::move(done)](const StatusOr<bool>& annotated) {
    if (!annotated.ok()) {
      return done(annotated.status());
    }
    StatusOr<store::MessageRecord> updated = store_.Get(id);
    if (!updated.ok()) {
      return done(updated.status());
    }
    done(ToStatusView(*updated));
  });
}

void Gateway::ConfirmCitizenCopy(const std::string& caller, const v1::ConfirmCitizenCopyRequest& call,
                                 Done<v1::MessageStatus> done) {
  constexpr size_t kMaxHowLength = 200;
  if (shutting_down_) {
    return done(Stopping());
  }
  Violations violations;
  const std::optional<MessageId> id = MessageId::Parse(call.response_id());
  if (!id) {
    violations.Add("response_id", kViolationMalformed, "the message id of the answer");
  }
  const UnixMillis now = clock_.NowMs();
  CheckReceivedAt(violations, "sent_at", call.has_sent_at(), TimeUtil::TimestampToMilliseconds(call.sent_at()), now);
  if (call.how().empty()) {
    violations.Add("how", kViolationRequired, "how the copy went to the citizen");
  } else if (call.how().size() > kMaxHowLength) {
    violations.Add("how", kViolationTooLong, "at most 200 bytes");
  }
  if (!violations.empty()) {
    return done(violations.ToStatus());
  }
  StatusOr<store::MessageRecord> answer = store_.Get(*id);
  if (!answer.ok() || answer->message.recipient_code() != caller) {
    return done(Status(ErrorCode::kNotFound, "no answer " + call.response_id() + " addressed to " + caller));
  }
  v1::HistoryEvent event;
  *event.mutable_at() = TimeUtil::MillisecondsToTimestamp(now);
  event.set_actor(caller);
  event.set_note("copy sent to the citizen (" + call.how() + ") " + TimeUtil::ToString(call.sent_at()));
  *event.mutable_answer_due_at() = call.sent_at();
  store_.StopClock(*id, std::move(event), [this, id = *id, done = std::move(done)](const StatusOr<bool>& stopped) {
    if (!stopped.ok()) {
      return done(stopped.status());
    }
    if (!*stopped) {
      return done(Status(ErrorCode::kNoCitizenCopyDue,
                         "answer " + id.ToString() + " has no citizen-copy deadline running: nothing to confirm"));
    }
    StatusOr<store::MessageRecord> updated = store_.Get(id);
    if (!updated.ok()) {
      return done(updated.status());
    }
    done(ToStatusView(*updated));
  });
}

void Gateway::SendResponse(const std::string& caller, const std::string& idempotency_key, v1::ResponseEnvelope response,
                           Done<v1::SendResult> done) {
  if (shutting_down_) {
    return done(Stopping());
  }
  const auto checks_started = std::chrono::steady_clock::now();
  v1::Rejection context;
  context.set_operation("SendResponse");
  context.set_request_id(response.request_id().substr(0, 64));
  done = RecordingRejections(caller, idempotency_key, std::move(context), std::move(done));
  if (!response.responder_code().empty() && response.responder_code() != caller) {
    return done(SenderMismatch("response.responder_code", response.responder_code(), caller));
  }
  Status valid = WithKeyCheck(ValidateResponse(response, settings_.limits), idempotency_key);
  if (!valid.ok()) {
    return done(valid);
  }
  const MessageId request_id = *MessageId::Parse(response.request_id());
  StatusOr<store::MessageRecord> request = RequestSeenBy(caller, request_id);
  if (!request.ok()) {
    return done(request.status());
  }
  if (request->message.recipient_code() != caller) {
    return done(Status(ErrorCode::kNotAddressee, "request " + response.request_id() + " is addressed to " +
                                                     request->message.recipient_code() + ", not to " + caller));
  }
  store::NewMessage message;
  if (response.has_data()) {
    Status payload = CheckPayload(PayloadRole::kDataAnswer, request->information_type, response.data().payload(),
                                  SignatureRequired(request->agreement_id, request->information_type), clock_.NowMs(),
                                  message.message);
    if (!payload.ok()) {
      return done(payload);
    }
  }

  message.idempotency_key = idempotency_key;
  message.content_digest = ContentDigest(response);
  message.information_type = request->information_type;
  const std::string& requester = request->message.sender_code();
  response.set_responder_name(NameOf(caller));
  response.set_requester_code(requester);
  response.set_requester_name(NameOf(requester));
  const auto outcome = response.outcome_case();

  v1::Message& envelope = Stamp(message, v1::MESSAGE_KIND_RESPONSE, caller, requester);
  *envelope.mutable_response() = std::move(response);
  StatusOr<std::optional<store::AnswerTimers>> copy = Current()->deadlines->CitizenCopyTimers(
      request->information_type, outcome, requester, TimeUtil::TimestampToMilliseconds(envelope.accepted_at()));
  if (!copy.ok()) {
    return done(copy.status());
  }
  if (*copy) {
    message.timers = **copy;
    *envelope.mutable_citizen_copy_due_at() = TimeUtil::MillisecondsToTimestamp((*copy)->due_at_ms);
  }
  metrics_->validation_seconds().ObserveSince(checks_started);

  if (Status sealed = SealMessage(envelope); !sealed.ok()) {
    return done(Status(ErrorCode::kInternal, sealed.message()));
  }
  store::Done<store::AcceptOutcome> accepted = OnAccepted(message, std::move(done));
  store_.AcceptResponse(
      std::move(message), request_id,
      [this, caller, outcome](const store::RequestView& view) -> StatusOr<store::RequestChange> {
        StatusOr<v1::MessageState> next = ApplyResponse(view, caller, outcome);
        MEZHVED_RETURN_IF_ERROR(next.status());
        return store::RequestChange{*next, Current()->deadlines->OnResponse(view.agreement_id, outcome), {}};
      },
      std::move(accepted));
}

Done<v1::SendResult> Gateway::RecordingRejections(const std::string& caller, const std::string& idempotency_key,
                                                  v1::Rejection context, Done<v1::SendResult> done) {
  context.set_organisation_code(caller);
  context.set_idempotency_key(idempotency_key.substr(0, 128));
  return [this, context = std::move(context), done = std::move(done)](StatusOr<v1::SendResult> result) mutable {
    // The gateway's own failures are not refusals of the message: the sender retries them.
    const ErrorCode code = result.status().code();
    if (result.ok() || code == ErrorCode::kUnavailable || code == ErrorCode::kInternal) {
      return done(std::move(result));
    }
    const Status refusal = result.status();
    metrics_->Refused(refusal.code(), context.information_type().id(), context.organisation_code());
    *context.mutable_at() = TimeUtil::MillisecondsToTimestamp(clock_.NowMs());
    context.set_error_code(std::string(ErrorCodeName(refusal.code())));
    context.set_message(refusal.message());
    AppendViolations(refusal, context.mutable_violations());
    // The sender hears of the refusal once its record is stored, so no refusal goes unrecorded.
    store_.RecordRejection(std::move(context),
                           [refusal, done = std::move(done)](const StatusOr<bool>& /*recorded*/) { done(refusal); });
  };
}

StatusOr<v1::ListAgreementsResponse> Gateway::ListAgreements(const v1::ListAgreementsRequest& request) const {
  StatusOr<std::vector<store::AgreementVersion>> versions = store_.AgreementVersions(request.agreement_id());
  MEZHVED_RETURN_IF_ERROR(versions.status());
  if (!request.agreement_id().empty() && versions->empty()) {
    return Status(ErrorCode::kNotFound, "no agreement '" + request.agreement_id() + "' was ever applied");
  }
  v1::ListAgreementsResponse response;
  for (store::AgreementVersion& version : *versions) {
    v1::AgreementVersionView* view = response.add_agreements();
    *view->mutable_agreement() = std::move(version.agreement);
    view->set_version(version.version);
    *view->mutable_recorded_at() = TimeUtil::MillisecondsToTimestamp(version.recorded_at_ms);
    view->set_withdrawn(version.withdrawn);
  }
  return response;
}

StatusOr<v1::ListRejectionsResponse> Gateway::ListRejections(const v1::ListRejectionsRequest& request) const {
  const uint32_t limit = request.page_size() == 0 ? 50 : std::min<uint32_t>(request.page_size(), 1000);
  StatusOr<store::RejectionPage> page = store_.ListRejections(limit, request.page_token());
  MEZHVED_RETURN_IF_ERROR(page.status());
  v1::ListRejectionsResponse response;
  for (v1::Rejection& rejection : page->rejections) {
    *response.add_rejections() = std::move(rejection);
  }
  response.set_next_page_token(page->next_page_token);
  return response;
}

StatusOr<store::MessageRecord> Gateway::RequestSeenBy(const std::string& caller, const MessageId& request_id) const {
  // Who asked whom for what never changes after acceptance, so it is read here; whether the request may still be
  // answered or supplemented is decided atomically by the store (ApplyResponse, ApplySupplement).
  StatusOr<store::MessageRecord> request = store_.Get(request_id);
  const bool visible =
      request.ok() && (request->message.recipient_code() == caller || request->message.sender_code() == caller);
  if (!visible) {
    return Status(ErrorCode::kNotFound, "no request " + request_id.ToString() + " sent by or to " + caller);
  }
  if (request->message.kind() != v1::MESSAGE_KIND_REQUEST) {
    return Status(ErrorCode::kNotARequest, "message " + request_id.ToString() + " is not a request");
  }
  return request;
}

void Gateway::SendSupplement(const std::string& caller, const std::string& idempotency_key,
                             v1::SupplementEnvelope supplement, Done<v1::SendResult> done) {
  if (shutting_down_) {
    return done(Stopping());
  }
  const auto checks_started = std::chrono::steady_clock::now();
  v1::Rejection context;
  context.set_operation("SendSupplement");
  context.set_request_id(supplement.request_id().substr(0, 64));
  done = RecordingRejections(caller, idempotency_key, std::move(context), std::move(done));
  if (!supplement.requester_code().empty() && supplement.requester_code() != caller) {
    return done(SenderMismatch("supplement.requester_code", supplement.requester_code(), caller));
  }
  Status valid = WithKeyCheck(ValidateSupplement(supplement, settings_.limits), idempotency_key);
  if (!valid.ok()) {
    return done(valid);
  }
  const MessageId request_id = *MessageId::Parse(supplement.request_id());
  StatusOr<store::MessageRecord> request = RequestSeenBy(caller, request_id);
  if (!request.ok()) {
    return done(request.status());
  }
  if (request->message.sender_code() != caller) {
    return done(Status(ErrorCode::kNotRequester, "request " + supplement.request_id() + " was sent by " +
                                                     request->message.sender_code() + ", not by " + caller));
  }
  store::NewMessage message;
  if (!supplement.payload().empty()) {
    // A corrected request document is signed like the request was, and is still a document of the request's type.
    Status payload = CheckPayload(PayloadRole::kSupplement, request->information_type, supplement.payload(),
                                  SignatureRequired(request->agreement_id, request->information_type), clock_.NowMs(),
                                  message.message);
    if (!payload.ok()) {
      return done(payload);
    }
  }

  message.idempotency_key = idempotency_key;
  message.content_digest = ContentDigest(supplement);
  message.information_type = request->information_type;
  const std::string& addressee = request->message.recipient_code();
  supplement.set_requester_code(caller);
  supplement.set_requester_name(NameOf(caller));
  supplement.set_addressee_code(addressee);
  supplement.set_addressee_name(NameOf(addressee));

  v1::Message& envelope = Stamp(message, v1::MESSAGE_KIND_SUPPLEMENT, caller, addressee);
  *envelope.mutable_supplement() = std::move(supplement);
  const UnixMillis received_ms = TimeUtil::TimestampToMilliseconds(envelope.accepted_at());
  metrics_->validation_seconds().ObserveSince(checks_started);

  if (Status sealed = SealMessage(envelope); !sealed.ok()) {
    return done(Status(ErrorCode::kInternal, sealed.message()));
  }
  store::Done<store::AcceptOutcome> accepted = OnAccepted(message, std::move(done));
  store_.AcceptResponse(
      std::move(message), request_id,
      [this, caller, received_ms](const store::RequestView& view) -> StatusOr<store::RequestChange> {
        StatusOr<v1::MessageState> next = ApplySupplement(view, caller);
        MEZHVED_RETURN_IF_ERROR(next.status());
        StatusOr<store::RequestChange> change = Current()->deadlines->OnSupplement(view, received_ms);
        MEZHVED_RETURN_IF_ERROR(change.status());
        change->state = *next;
        return change;
      },
      std::move(accepted));
}

v1::Message& Gateway::Stamp(store::NewMessage& message, v1::MessageKind kind, const std::string& sender,
                            const std::string& recipient) const {
  const UnixMillis now = clock_.NowMs();
  v1::Message& envelope = message.message;
  envelope.set_message_id(MessageId::Generate(now).ToString());
  envelope.set_kind(kind);
  envelope.set_sender_code(sender);
  envelope.set_recipient_code(recipient);
  *envelope.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(now);
  return envelope;
}

std::string Gateway::NameOf(const std::string& organisation_code) const {
  const Organisation* organisation = participants_.FindOrganisation(organisation_code);
  return organisation != nullptr ? organisation->name : "";  // a former organisation keeps its messages
}

Status Gateway::SealMessage(v1::Message& message) const {
  const std::shared_ptr<const Sealing> sealing = sealing_.load();
  if (sealing->sealer == nullptr) {
    return Status::Ok();
  }
  const auto started = std::chrono::steady_clock::now();
  StatusOr<std::string> xml = envelope::ToXml(message);
  MEZHVED_RETURN_IF_ERROR(xml.status().Prefixed("the XML form of message " + message.message_id()));
  StatusOr<std::string> sealed = sealing->sealer->Seal(*xml);
  metrics_->sealing_seconds().ObserveSince(started);
  MEZHVED_RETURN_IF_ERROR(sealed.status().Prefixed("sealing message " + message.message_id()));
  message.set_sealed_xml(std::move(*sealed));
  return Status::Ok();
}

bool Gateway::SignatureRequired(const std::string& agreement_id, const v1::InformationTypeRef& type) const {
  const std::shared_ptr<const Reloadable> current = Current();
  const config::v1::Agreement* agreement = current->agreements->Find(agreement_id);
  const config::v1::InformationType* known = rules_.information_types->Find(type.id(), type.version());
  return (agreement != nullptr && agreement->sender_signature_required()) ||
         (known != nullptr && known->sender_signature_required());
}

Status Gateway::CheckPayload(PayloadRole role, const v1::InformationTypeRef& type, const std::string& payload,
                             bool signature_required, UnixMillis at, v1::Message& message) const {
  const char* field = role == PayloadRole::kRequest      ? "request.payload"
                      : role == PayloadRole::kSupplement ? "supplement.payload"
                                                         : "response.data.payload";
  StatusOr<std::string> signed_content = CheckPayloadSignature(payload, signature_required, at, field, message);
  MEZHVED_RETURN_IF_ERROR(signed_content.status());
  const InformationTypeRegistry& types = *rules_.information_types;
  switch (role) {
    case PayloadRole::kRequest:
      return types.ValidateRequestPayload(type, *signed_content, settings_.xml_limits);
    case PayloadRole::kSupplement:  // the registry names a request document's fields "request.payload..."
      return types.ValidateRequestPayload(type, *signed_content, settings_.xml_limits).Prefixed(field);
    case PayloadRole::kDataAnswer:
      return types.ValidateResponsePayload(type, *signed_content, settings_.xml_limits);
  }
  return {ErrorCode::kInternal, "unknown payload role"};
}

StatusOr<std::string> Gateway::CheckPayloadSignature(const std::string& payload, bool required, UnixMillis at,
                                                     const std::string& field, v1::Message& message) const {
  // A signature needs its namespace: a payload without it has none, and costs no parse here.
  const bool signed_payload = payload.find("http://www.w3.org/2000/09/xmldsig#") != std::string::npos;
  if (!signed_payload) {
    if (required) {
      return Status(ErrorCode::kSignatureMissing, field + ": the sender's signature is required",
                    {{field, "SIGNATURE_MISSING", "the agreement or the information type requires a ds:Signature"}});
    }
    return payload;
  }
  if (rules_.sender_verifier == nullptr) {
    return Status(ErrorCode::kCertificateUntrusted, field + ": the gateway trusts no signer (no sender_trust)",
                  {{field, "CERTIFICATE_UNTRUSTED", "no CA is configured for senders' signatures"}});
  }
  StatusOr<seal::VerifiedSignature> verified = rules_.sender_verifier->Verify(payload, at, field);
  if (!verified.ok()) {
    metrics_->SignatureFailed(SignatureCheck::kPayload);
    return verified.status();
  }
  v1::SignerInfo& signer = *message.mutable_payload_signer();
  signer.set_subject(verified->subject);
  signer.set_certificate_sha256(verified->certificate_sha256);
  signer.set_algorithm(std::string(seal::NameOf(verified->algorithm)));
  return seal::WithoutSignature(payload, settings_.xml_limits, field);
}

v1::SealCheck Gateway::CheckSeal(const v1::Message& stored) const {
  v1::SealCheck check;
  check.set_message_id(stored.message_id());
  if (stored.sealed_xml().empty()) {
    check.set_verdict(v1::SEAL_VERDICT_UNSEALED);
    return check;
  }
  const std::shared_ptr<const Sealing> sealing = sealing_.load();
  if (sealing->verifier == nullptr) {
    check.set_verdict(v1::SEAL_VERDICT_SIGNATURE_FAILED);
    check.set_error_code(std::string(ErrorCodeName(ErrorCode::kCertificateUntrusted)));
    check.set_detail("the gateway runs without a sealing key, so it trusts no sealing certificate");
    return check;
  }
  // The seal is judged as of the acceptance: a certificate that has expired since does not void what it sealed.
  StatusOr<seal::VerifiedSignature> verified = sealing->verifier->Verify(
      stored.sealed_xml(), TimeUtil::TimestampToMilliseconds(stored.accepted_at()), "sealed_xml");
  if (!verified.ok()) {
    metrics_->SignatureFailed(SignatureCheck::kSeal);
    check.set_verdict(v1::SEAL_VERDICT_SIGNATURE_FAILED);
    check.set_error_code(std::string(ErrorCodeName(verified.status().code())));
    check.set_detail(verified.status().message());
    return check;
  }
  check.set_algorithm(std::string(seal::NameOf(verified->algorithm)));
  check.set_signer(verified->subject);
  check.set_certificate_sha256(verified->certificate_sha256);
  // What was sealed is the XML form of the message as stored: the sealed document is that form and the signature.
  v1::Message unsealed = stored;
  unsealed.clear_sealed_xml();
  unsealed.set_delivery_attempt(0);
  StatusOr<std::string> form = envelope::ToXml(unsealed);
  const size_t end = form.ok() ? form->rfind("</m:Message>") : std::string::npos;
  if (end == std::string::npos || stored.sealed_xml().compare(0, end, *form, 0, end) != 0) {
    metrics_->SignatureFailed(SignatureCheck::kSeal);
    check.set_verdict(v1::SEAL_VERDICT_CONTENT_MISMATCH);
    check.set_detail("the stored message differs from the one that was sealed");
    return check;
  }
  check.set_verdict(v1::SEAL_VERDICT_VALID);
  return check;
}

StatusOr<v1::SealCheck> Gateway::VerifySeal(const v1::VerifySealRequest& request) const {
  StatusOr<MessageId> id = ParseId(request.message_id(), "message_id");
  MEZHVED_RETURN_IF_ERROR(id.status());
  StatusOr<store::MessageRecord> record = store_.Get(*id);
  MEZHVED_RETURN_IF_ERROR(record.status());
  record->message.set_delivery_attempt(0);
  return CheckSeal(record->message);
}

StatusOr<v1::ScrubSealsResponse> Gateway::ScrubSeals(const v1::ScrubSealsRequest& request) const {
  constexpr uint32_t kDefaultPageSize = 500;
  StatusOr<store::StoredMessagePage> page =
      store_.ScanMessages(request.page_token(), request.page_size() == 0 ? kDefaultPageSize : request.page_size());
  MEZHVED_RETURN_IF_ERROR(page.status());
  v1::ScrubSealsResponse response;
  for (const v1::Message& stored : page->messages) {
    v1::SealCheck check = CheckSeal(stored);
    response.set_checked(response.checked() + 1);
    if (check.verdict() == v1::SEAL_VERDICT_VALID) {
      response.set_valid(response.valid() + 1);
    } else if (check.verdict() == v1::SEAL_VERDICT_UNSEALED) {
      response.set_unsealed(response.unsealed() + 1);
    } else {
      *response.add_failures() = std::move(check);
    }
  }
  response.set_next_page_token(page->next_page_token);
  return response;
}

void Gateway::Accept(store::NewMessage message, std::chrono::steady_clock::time_point checks_started,
                     Done<v1::SendResult> done) {
  metrics_->validation_seconds().ObserveSince(checks_started);
  if (Status sealed = SealMessage(message.message); !sealed.ok()) {
    return done(Status(ErrorCode::kInternal, sealed.message()));  // the door checked the message: a bug
  }
  store::Done<store::AcceptOutcome> accepted = OnAccepted(message, std::move(done));
  store_.Accept(std::move(message), std::move(accepted));
}

store::Done<store::AcceptOutcome> Gateway::OnAccepted(const store::NewMessage& message, Done<v1::SendResult> done) {
  return [this, recipient = message.message.recipient_code(), sender = message.message.sender_code(),
          kind = message.message.kind(), type = message.information_type.id(),
          store_started = std::chrono::steady_clock::now(),
          done = std::move(done)](StatusOr<store::AcceptOutcome> accepted) {
    if (!accepted.ok()) {
      return done(accepted.status());
    }
    metrics_->store_write_seconds().ObserveSince(store_started);
    if (!accepted->duplicate) {
      metrics_->Accepted(kind, type, sender);
      WakeWaiters(recipient);  // a long poll of the recipient may be waiting for exactly this message
    }
    v1::SendResult result;
    result.set_message_id(accepted->id.ToString());
    result.set_duplicate(accepted->duplicate);
    *result.mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(accepted->accepted_at_ms);
    done(std::move(result));
  };
}

void Gateway::Receive(const std::string& caller, const v1::ReceiveRequest& request, CancelledFn cancelled,
                      Done<v1::ReceiveResponse> done) {
  if (shutting_down_) {
    return done(Stopping());
  }
  StatusOr<MessagePredicate> accepts = ReceiveFilter(request);
  if (!accepts.ok()) {
    return done(accepts.status());
  }
  auto waiter = std::make_shared<Waiter>();
  waiter->recipient = caller;
  waiter->accepts = std::move(*accepts);
  waiter->max_messages = std::clamp<uint32_t>(request.max_messages(), 1, settings_.max_receive_batch);
  const uint32_t lease = request.lease_ms() == 0 ? settings_.lease_ms : request.lease_ms();
  waiter->lease_ms = std::clamp<uint32_t>(lease, kMinLeaseMs, settings_.max_lease_ms);
  waiter->deadline_ms = clock_.NowMs() + std::min(request.wait_ms(), settings_.max_wait_ms);
  waiter->cancelled = std::move(cancelled);
  waiter->done = std::move(done);
  LeaseFor(std::move(waiter));
}

void Gateway::LeaseFor(WaiterPtr waiter) {
  const uint64_t generation = Generation(waiter->recipient);
  store::LeaseOptions options;
  options.max_messages = waiter->max_messages;
  options.now_ms = clock_.NowMs();
  options.lease_ms = waiter->lease_ms;
  options.max_attempts = settings_.max_attempts;
  options.max_bytes = settings_.max_receive_bytes;
  options.accepts = waiter->accepts;
  options.max_examined = kMaxExaminedPerLease;
  std::string recipient = waiter->recipient;
  store_.Lease(std::move(recipient), options,
               [this, waiter = std::move(waiter), generation](StatusOr<std::vector<v1::Message>> leased) {
                 OnLeased(waiter, generation, std::move(leased));
               });
}

void Gateway::OnLeased(WaiterPtr waiter, uint64_t generation_before, StatusOr<std::vector<v1::Message>> leased) {
  if (!leased.ok()) {
    return waiter->Finish(leased.status());
  }
  if (!leased->empty() || clock_.NowMs() >= waiter->deadline_ms || waiter->Cancelled()) {
    v1::ReceiveResponse response;
    for (v1::Message& message : *leased) {
      *response.add_messages() = std::move(message);
    }
    return waiter->Finish(std::move(response));
  }
  Park(std::move(waiter), generation_before);
}

void Gateway::Park(WaiterPtr waiter, uint64_t generation_before) {
  {
    std::lock_guard lock(waiters_mutex_);
    if (!shutting_down_ && generations_[waiter->recipient] == generation_before) {
      waiters_[waiter->recipient].push_back(std::move(waiter));
      return;
    }
  }
  if (shutting_down_) {
    return waiter->Finish(v1::ReceiveResponse());
  }
  LeaseFor(std::move(waiter));  // a message may have arrived while we looked: look again
}

uint64_t Gateway::Generation(const std::string& recipient) {
  std::lock_guard lock(waiters_mutex_);
  return generations_[recipient];
}

void Gateway::WakeWaiters(const std::string& recipient) {
  std::list<WaiterPtr> woken;
  {
    std::lock_guard lock(waiters_mutex_);
    ++generations_[recipient];
    auto it = waiters_.find(recipient);
    if (it != waiters_.end()) {
      woken.swap(it->second);
      waiters_.erase(it);
    }
  }
  for (WaiterPtr& waiter : woken) {
    LeaseFor(std::move(waiter));
  }
}

void Gateway::Ack(const std::string& caller, const v1::AckRequest& request, Done<v1::AckResponse> done) {
  // Acks are still taken while stopping: each one spares a redelivery.
  StatusOr<std::vector<MessageId>> ids = ParseIds(request.message_ids(), settings_.max_ack_batch);
  if (!ids.ok()) {
    return done(ids.status());
  }
  if (request.reason().size() > kMaxAckReasonLength || (!request.rejected() && !request.reason().empty())) {
    return done(Status(ErrorCode::kInvalidArgument,
                       "reason: only with rejected, at most " + std::to_string(kMaxAckReasonLength) + " characters"));
  }
  std::string note;
  if (request.rejected()) {
    note = "rejected by the recipient's system";
    if (!request.reason().empty()) {
      note += ": " + request.reason();
    }
  }
  store_.Ack(caller, std::move(*ids), clock_.NowMs(), std::move(note),
             [done = std::move(done)](StatusOr<std::vector<store::AckItem>> acked) {
               if (!acked.ok()) {
                 return done(acked.status());
               }
               v1::AckResponse response;
               for (const store::AckItem& item : *acked) {
                 v1::AckResult* result = response.add_results();
                 result->set_message_id(item.id.ToString());
                 result->set_outcome(ToApi(item.outcome));
               }
               done(std::move(response));
             });
}

StatusOr<v1::MessageStatus> Gateway::GetStatus(const std::string& caller, const std::string& message_id) const {
  StatusOr<MessageId> id = ParseId(message_id, "message_id");
  MEZHVED_RETURN_IF_ERROR(id.status());
  StatusOr<store::MessageRecord> record = store_.Get(*id);
  if (!record.ok() && record.status().code() != ErrorCode::kNotFound) {
    return record.status();
  }
  if (!record.ok() || (record->message.sender_code() != caller && record->message.recipient_code() != caller)) {
    return Status(ErrorCode::kNotFound, "no message " + message_id + " sent by or to " + caller);
  }
  return ToStatusView(*record);
}

v1::ListQueuesResponse Gateway::ListQueues() const {
  // Every organisation of the registry has a queue, empty or not; a queue of an organisation that has left the
  // registry is still shown while it holds messages.
  std::map<std::string, store::QueueStat> queues;
  for (const Organisation* organisation : participants_.Organisations()) {
    queues[organisation->code].recipient_code = organisation->code;
  }
  for (store::QueueStat& stat : store_.QueueStats()) {
    queues[stat.recipient_code] = std::move(stat);
  }
  v1::ListQueuesResponse response;
  for (const auto& [code, stat] : queues) {
    *response.add_queues() = SummaryOf(code, stat);
  }
  return response;
}

v1::QueueSummary Gateway::SummaryOf(const std::string& recipient_code, const store::QueueStat& stat) const {
  v1::QueueSummary queue;
  queue.set_recipient_code(recipient_code);
  if (const Organisation* org = participants_.FindOrganisation(recipient_code)) {
    queue.set_recipient_name(org->name);
    queue.set_agency_code(org->agency_code);
    if (const Agency* agency = participants_.FindAgency(org->agency_code)) {
      queue.set_agency_name(agency->name);
    }
  }
  queue.set_pending(stat.pending);
  queue.set_leased(stat.leased);
  queue.set_dead_letters(stat.dead_letters);
  if (stat.oldest_pending_accepted_ms > 0) {
    *queue.mutable_oldest_pending_accepted_at() = TimeUtil::MillisecondsToTimestamp(stat.oldest_pending_accepted_ms);
  }
  queue.set_due_soon(stat.due_soon);
  queue.set_overdue(stat.overdue);
  return queue;
}

void Gateway::WriteQueueMetrics(metrics::TextWriter& writer) const {
  const v1::ListQueuesResponse queues = ListQueues();
  const UnixMillis now = clock_.NowMs();
  struct Gauge {
    const char* name;
    const char* help;
    std::function<double(const v1::QueueSummary&)> value;
  };
  const Gauge gauges[] = {
      {"mezhved_queue_pending_messages", "Messages accepted for the organisation and not yet acknowledged.",
       [](const v1::QueueSummary& q) { return static_cast<double>(q.pending()); }},
      {"mezhved_queue_leased_messages", "Of them, messages delivered and under lease.",
       [](const v1::QueueSummary& q) { return static_cast<double>(q.leased()); }},
      {"mezhved_queue_dead_letter_messages", "Dead-lettered messages for the organisation, waiting for an operator.",
       [](const v1::QueueSummary& q) { return static_cast<double>(q.dead_letters()); }},
      {"mezhved_queue_oldest_pending_age_seconds",
       "Age of the oldest message not yet acknowledged by the organisation; 0 when none.",
       [now](const v1::QueueSummary& q) {
         return q.has_oldest_pending_accepted_at()
                    ? std::max<double>(0, static_cast<double>(
                                              now - TimeUtil::TimestampToMilliseconds(q.oldest_pending_accepted_at())) /
                                              1000.0)
                    : 0.0;
       }},
      {"mezhved_requests_due_soon",
       "Messages to the organisation whose answer deadline is near (the due-soon notice went out), unanswered.",
       [](const v1::QueueSummary& q) { return static_cast<double>(q.due_soon()); }},
      {"mezhved_requests_overdue",
       "Messages to the organisation past their answer deadline with the clock running: the organisation is late.",
       [](const v1::QueueSummary& q) { return static_cast<double>(q.overdue()); }},
  };
  for (const Gauge& gauge : gauges) {
    writer.Family(gauge.name, gauge.help, "gauge");
    for (const v1::QueueSummary& queue : queues.queues()) {
      const std::string agency = queue.agency_code().empty() ? "other" : queue.agency_code();
      writer.Sample(gauge.name, {{"organisation", queue.recipient_code()}, {"agency", agency}}, gauge.value(queue));
    }
  }
}

Status Gateway::CheckCallerSignature(const std::string& caller, std::string_view signed_block,
                                     std::string_view id) const {
  constexpr char kField[] = "CallerInformationSystemSignature";
  if (rules_.sender_verifier == nullptr) {
    return {ErrorCode::kCertificateUntrusted,
            std::string(kField) + ": the gateway trusts no signer (no sender_trust)",
            {{kField, "CERTIFICATE_UNTRUSTED", "no CA is configured for senders' signatures"}}};
  }
  StatusOr<seal::VerifiedSignature> verified =
      rules_.sender_verifier->VerifyReferenced(signed_block, id, clock_.NowMs(), kField);
  if (!verified.ok()) {
    metrics_->SignatureFailed(SignatureCheck::kCaller);
    return verified.status();
  }
  const Organisation* owner = participants_.FindByCertificate(verified->common_name, verified->certificate_sha256);
  if (owner == nullptr || owner->code != caller) {
    metrics_->SignatureFailed(SignatureCheck::kCaller);
    const std::string why = "the signing certificate (" + verified->subject + ") is not one of " + caller +
                            "'s information systems in the registry";
    return {ErrorCode::kSenderMismatch, std::string(kField) + ": " + why, {{kField, "SENDER_MISMATCH", why}}};
  }
  return Status::Ok();
}

v1::QueueSummary Gateway::QueueOf(const std::string& caller) const {
  for (const store::QueueStat& stat : store_.QueueStats()) {
    if (stat.recipient_code == caller) {
      return SummaryOf(caller, stat);
    }
  }
  return SummaryOf(caller, store::QueueStat{});  // nothing queued for the caller, ever
}

bool Gateway::HasQueue(const std::string& recipient_code) const {
  if (participants_.FindOrganisation(recipient_code) != nullptr) {
    return true;
  }
  const std::vector<store::QueueStat> stats = store_.QueueStats();
  return std::any_of(stats.begin(), stats.end(),
                     [&](const store::QueueStat& stat) { return stat.recipient_code == recipient_code; });
}

StatusOr<v1::ListMessagesResponse> Gateway::ListMessages(const v1::ListMessagesRequest& request) const {
  if (request.recipient_code().empty()) {
    return Status(ErrorCode::kInvalidArgument, "recipient_code is required",
                  {{"recipient_code", "REQUIRED", "the queue's organisation"}});
  }
  if (!HasQueue(request.recipient_code())) {
    return Status(ErrorCode::kNotFound, "no organisation '" + request.recipient_code() + "' has a queue");
  }
  // The filters. Stored acceptance times are whole milliseconds: a bound between two rounds up to the next one.
  Violations violations;
  if (!v1::MessageState_IsValid(request.state())) {
    violations.Add("state", kViolationMalformed, "not a known MessageState");
  }
  const auto bound_ms = [&violations](const std::string& path, bool present, const google::protobuf::Timestamp& at) {
    if (!present) {
      return UnixMillis{0};
    }
    if (at.seconds() < 0 || at.seconds() > TimeUtil::kTimestampMaxSeconds || at.nanos() < 0 ||
        at.nanos() > 999'999'999) {
      violations.Add(path, kViolationInvalidDate, "not an instant from 1970 on");
      return UnixMillis{0};
    }
    return TimeUtil::TimestampToMilliseconds(at) + (at.nanos() % 1'000'000 != 0 ? 1 : 0);
  };
  const UnixMillis from_ms = bound_ms("accepted_from", request.has_accepted_from(), request.accepted_from());
  const UnixMillis to_ms = bound_ms("accepted_to", request.has_accepted_to(), request.accepted_to());
  if (request.has_accepted_to() && to_ms < from_ms) {
    violations.Add("accepted_to", kViolationDateOrder, "before accepted_from");
  }
  if (!violations.empty()) {
    const FieldError& first = violations.errors().front();  // a call's parameters, not a message: INVALID_ARGUMENT
    return Status(ErrorCode::kInvalidArgument, first.path + ": " + first.description, violations.errors());
  }
  store::ListQuery query;
  query.recipient_code = request.recipient_code();
  query.view =
      request.view() == v1::QUEUE_VIEW_DEAD_LETTERS ? store::QueueView::kDeadLetters : store::QueueView::kPending;
  query.limit = request.page_size() == 0 ? 50 : std::min<uint32_t>(request.page_size(), 1000);
  query.newest_first = request.newest_first();
  query.page_token = request.page_token();
  if (request.state() != v1::MESSAGE_STATE_UNSPECIFIED) {
    query.state = request.state();
  }
  query.information_type_id = request.information_type_id();
  query.accepted_from_ms = from_ms;
  query.accepted_to_ms = to_ms;
  query.max_examined = 10 * query.limit;  // a selective filter gives short pages, never a slow one
  StatusOr<store::MessagePage> page = store_.ListQueue(query);
  MEZHVED_RETURN_IF_ERROR(page.status());
  v1::ListMessagesResponse response;
  for (const store::MessageSummary& summary : page->messages) {
    v1::MessageSummary* item = response.add_messages();
    item->set_message_id(summary.id.ToString());
    item->set_kind(summary.kind);
    item->set_state(summary.state);
    item->set_sender_code(summary.sender_code);
    *item->mutable_information_type() = summary.information_type;
    *item->mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(summary.accepted_at_ms);
    item->set_delivery_attempts(summary.attempts);
    if (summary.answer_due_at_ms != 0) {
      *item->mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(summary.answer_due_at_ms);
    }
    item->set_deadline_status(summary.deadline_status);
    item->set_recipient_code(summary.recipient_code);
  }
  response.set_next_page_token(page->next_page_token);
  return response;
}

StatusOr<v1::MessageStatus> Gateway::InspectMessage(const std::string& message_id) const {
  StatusOr<MessageId> id = ParseId(message_id, "message_id");
  MEZHVED_RETURN_IF_ERROR(id.status());
  StatusOr<store::MessageRecord> record = store_.Get(*id);
  MEZHVED_RETURN_IF_ERROR(record.status());
  return ToStatusView(*record);
}

StatusOr<v1::MessageView> Gateway::ViewMessage(const std::string& message_id) const {
  StatusOr<MessageId> id = ParseId(message_id, "message_id");
  MEZHVED_RETURN_IF_ERROR(id.status());
  StatusOr<store::MessageRecord> record = store_.Get(*id);
  MEZHVED_RETURN_IF_ERROR(record.status());
  return ViewOf(*record, /*masked=*/true);
}

void Gateway::RevealMessage(const std::string& operator_name, const std::string& message_id,
                            Done<v1::MessageView> done) {
  StatusOr<MessageId> id = ParseId(message_id, "message_id");
  if (!id.ok()) {
    return done(id.status());
  }
  v1::HistoryEvent event;
  *event.mutable_at() = TimeUtil::MillisecondsToTimestamp(clock_.NowMs());
  event.set_actor(OperatorActor(operator_name));
  event.set_note("personal data shown to the operator");
  // Recorded before it is shown: a reveal that cannot be recorded does not happen.
  store_.Annotate(*id, std::move(event), [this, id = *id, done = std::move(done)](const StatusOr<bool>& recorded) {
    if (!recorded.ok()) {
      return done(recorded.status());
    }
    StatusOr<store::MessageRecord> record = store_.Get(id);
    if (!record.ok()) {
      return done(record.status());
    }
    done(ViewOf(*record, /*masked=*/false));
  });
}

void Gateway::RecordOperatorAction(v1::AuditEntry entry, Done<bool> done) {
  if (!entry.has_at()) {
    *entry.mutable_at() = TimeUtil::MillisecondsToTimestamp(clock_.NowMs());
  }
  store_.RecordAudit(std::move(entry), std::move(done));
}

StatusOr<v1::AuditPage> Gateway::ListOperatorActions(uint32_t page_size, const std::string& page_token) const {
  StatusOr<store::AuditPage> page = store_.ListAudit(page_size == 0 ? 50 : page_size, page_token);
  MEZHVED_RETURN_IF_ERROR(page.status());
  v1::AuditPage response;
  for (v1::AuditEntry& entry : page->entries) {
    *response.add_entries() = std::move(entry);
  }
  response.set_next_page_token(page->next_page_token);
  return response;
}

v1::MessageView Gateway::ViewOf(const store::MessageRecord& record, bool masked) const {
  v1::MessageView view;
  *view.mutable_status() = ToStatusView(record);
  v1::Message message = record.message;
  message.set_delivery_attempt(0);
  *view.mutable_seal() = CheckSeal(message);
  if (masked) {
    view.set_payload_bytes(MaskPersonalData(message));
  } else {
    message.clear_sealed_xml();
    const std::string& payload = message.has_request()      ? message.request().payload()
                                 : message.has_supplement() ? message.supplement().payload()
                                                            : message.response().data().payload();
    view.set_payload_bytes(payload.size());
  }
  view.set_masked(masked);
  *view.mutable_message() = std::move(message);
  if (record.deadline_status != v1::DEADLINE_STATUS_UNSPECIFIED) {
    const std::string& party = record.message.recipient_code();
    view.set_late_party_code(party);
    view.set_late_party_name(NameOf(party));
    if (record.deadline_status == v1::DEADLINE_STATUS_OVERDUE) {
      view.set_working_days_late(Current()->deadlines->WorkingDaysLate(party, record.timers.due_at_ms, clock_.NowMs()));
    }
  }
  return view;
}

void Gateway::Requeue(const std::string& operator_name, const v1::RequeueRequest& request,
                      Done<v1::RequeueResponse> done) {
  StatusOr<std::vector<MessageId>> ids = ParseIds(request.message_ids(), settings_.max_ack_batch);
  if (!ids.ok()) {
    return done(ids.status());
  }
  store_.Requeue(std::move(*ids), OperatorActor(operator_name), clock_.NowMs(),
                 [this, done = std::move(done)](StatusOr<std::vector<store::RequeueItem>> requeued) {
                   if (!requeued.ok()) {
                     return done(requeued.status());
                   }
                   v1::RequeueResponse response;
                   for (const store::RequeueItem& item : *requeued) {
                     v1::RequeueResult* result = response.add_results();
                     result->set_message_id(item.id.ToString());
                     result->set_requeued(item.status.ok());
                     if (!item.status.ok()) {
                       result->set_error_code(std::string(ErrorCodeName(item.status.code())));
                       continue;
                     }
                     if (StatusOr<store::MessageRecord> record = store_.Get(item.id); record.ok()) {
                       WakeWaiters(record->message.recipient_code());
                     }
                   }
                   done(std::move(response));
                 });
}

void Gateway::RunHousekeeping() {
  const UnixMillis now = clock_.NowMs();
  std::vector<WaiterPtr> finished;
  {
    std::lock_guard lock(waiters_mutex_);
    for (auto& [recipient, waiting] : waiters_) {
      for (auto it = waiting.begin(); it != waiting.end();) {
        if ((*it)->deadline_ms <= now || (*it)->Cancelled()) {
          finished.push_back(std::move(*it));
          it = waiting.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  for (WaiterPtr& waiter : finished) {
    waiter->Finish(v1::ReceiveResponse());
  }
  if (now >= next_deadline_scan_ms_ && !deadline_scan_running_.exchange(true)) {
    next_deadline_scan_ms_ = now + settings_.deadlines.scan_interval_ms;
    FireDeadlineTimers([this](const StatusOr<uint32_t>&) { deadline_scan_running_ = false; });
  }
  store_.SweepExpiredLeases(now, settings_.max_attempts, [this](StatusOr<store::SweepOutcome> swept) {
    if (!swept.ok()) {
      return;  // the store reports its own failure to every later call
    }
    for (const std::string& recipient : swept->recipients_with_ready) {
      WakeWaiters(recipient);
    }
  });
}

void Gateway::FireDeadlineTimers(std::function<void(StatusOr<uint32_t>)> done) {
  ContinueDeadlineScan(clock_.NowMs(), 0, std::move(done));
}

// One store write fires at most max_notices_per_scan timers; the next one follows at once while more are due, so a
// backlog (after a long stop) drains without holding up other writes for long.
void Gateway::ContinueDeadlineScan(UnixMillis now, uint32_t fired_so_far,
                                   std::function<void(StatusOr<uint32_t>)> done) {
  store_.FireDueTimers(
      now, settings_.deadlines.max_notices_per_scan,
      [this, now](const store::FiredTimer& timer) {
        std::vector<v1::Message> notices = Current()->deadlines->Notices(timer, now);
        for (v1::Message& notice : notices) {
          if (Status sealed = SealMessage(notice); !sealed.ok()) {
            log::Error("gateway", "deadline.notice_unsealed")
                .MessageId(timer.request.message_id())
                .Code(sealed.code())
                .Msg("a deadline notice of request {} is stored unsealed: {}", timer.request.message_id(),
                     sealed.ToString());
          }
        }
        return notices;
      },
      [this, now, fired_so_far, done = std::move(done)](StatusOr<store::TimerSweep> sweep) mutable {
        if (!sweep.ok()) {
          return done(sweep.status());
        }
        for (const std::string& recipient : sweep->recipients_with_ready) {
          WakeWaiters(recipient);
        }
        const uint32_t fired = fired_so_far + sweep->fired;
        if (sweep->more) {
          return ContinueDeadlineScan(now, fired, std::move(done));
        }
        done(fired);
      });
}

StatusOr<v1::ListOverdueResponse> Gateway::ListOverdue(const v1::ListOverdueRequest& request) const {
  constexpr uint32_t kDefaultPageSize = 50;
  StatusOr<store::OverduePage> page =
      store_.ListOverdue(request.page_size() == 0 ? kDefaultPageSize : request.page_size(), request.page_token());
  MEZHVED_RETURN_IF_ERROR(page.status());
  const UnixMillis now = clock_.NowMs();
  v1::ListOverdueResponse response;
  for (const store::OverdueRequest& overdue : page->requests) {
    const store::MessageSummary& summary = overdue.request;
    v1::OverdueRequest* item = response.add_requests();
    item->set_message_id(summary.id.ToString());
    item->set_requester_code(summary.sender_code);
    item->set_addressee_code(summary.recipient_code);
    item->set_addressee_name(NameOf(summary.recipient_code));
    if (const Agency* agency = participants_.AgencyOf(summary.recipient_code)) {
      item->set_agency_code(agency->code);
    }
    *item->mutable_information_type() = summary.information_type;
    item->set_state(summary.state);
    *item->mutable_accepted_at() = TimeUtil::MillisecondsToTimestamp(summary.accepted_at_ms);
    *item->mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(overdue.due_at_ms);
    item->set_working_days_late(Current()->deadlines->WorkingDaysLate(summary.recipient_code, overdue.due_at_ms, now));
  }
  response.set_next_page_token(page->next_page_token);
  return response;
}

namespace {

// Where a backup may go: `asked` as a path under `root` (relative) or inside it (absolute), never `root` itself or
// anything outside it ("..", a symbolic link's name is taken as written).
StatusOr<std::filesystem::path> BackupPath(const std::string& root, const std::string& asked, UnixMillis now) {
  namespace fs = std::filesystem;
  const fs::path base = fs::path(root).lexically_normal();
  std::string name = asked;
  if (name.empty()) {
    name = "mezhved-" + TimeUtil::ToString(TimeUtil::MillisecondsToTimestamp(now / 1000 * 1000));
    for (char& c : name) {
      c = c == ':' ? '-' : c;
    }
  }
  const fs::path path = (fs::path(name).is_absolute() ? fs::path(name) : base / name).lexically_normal();
  const fs::path relative = path.lexically_relative(base);
  if (relative.empty() || relative == "." || *relative.begin() == "..") {
    return Status(ErrorCode::kInvalidArgument, "backups go into a new directory under " + base.string(),
                  {{"directory", "OUTSIDE_BACKUP_DIR", "a name or a path under " + base.string()}});
  }
  return path;
}

}  // namespace

StatusOr<std::string> Gateway::BackupDirectory(const v1::BackupRequest& request) const {
  if (settings_.backup_dir.empty()) {
    return Status(ErrorCode::kUnavailable, "no directory for backups is configured (store.backup_dir)");
  }
  StatusOr<std::filesystem::path> path = BackupPath(settings_.backup_dir, request.directory(), clock_.NowMs());
  MEZHVED_RETURN_IF_ERROR(path.status());
  return path->string();
}

StatusOr<v1::BackupResponse> Gateway::Backup(const std::string& directory) const {
  const UnixMillis started = clock_.NowMs();
  std::error_code error;
  const std::filesystem::path parent = std::filesystem::path(directory).parent_path();
  std::filesystem::create_directories(parent, error);
  if (error) {
    return Status(ErrorCode::kUnavailable, "creating " + parent.string() + ": " + error.message());
  }
  const auto timer = std::chrono::steady_clock::now();
  StatusOr<store::BackupSummary> summary = store_.Backup(directory);
  MEZHVED_RETURN_IF_ERROR(summary.status());
  v1::BackupResponse response;
  response.set_directory(summary->directory);
  response.set_format_version(summary->format_version);
  response.set_files(summary->files);
  response.set_bytes(summary->bytes);
  *response.mutable_taken_at() = TimeUtil::MillisecondsToTimestamp(started);
  response.set_seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - timer).count());
  return response;
}

// From the store's daily tallies when they were counted by these rules: a few figures per organisation and day.
// Otherwise every request of the period is read with its history, which gives the same figures more slowly.
StatusOr<v1::ComplianceReport> Gateway::BuildReport(const ReportPeriod& period, UnixMillis now) const {
  if (store_.TallyBasis() == report_tally_basis_) {
    const TallyDays days = TallyDaysOf(period);
    StatusOr<store::TallyRange> tallies = store_.ReadTallies(days.first, days.last);
    MEZHVED_RETURN_IF_ERROR(tallies.status());
    return ComplianceReportFromTallies(participants_, *Current()->calendar, period, now, *tallies);
  }
  ComplianceReportBuilder builder(participants_, *rules_.information_types, *Current()->calendar, period, now);
  MEZHVED_RETURN_IF_ERROR(store_.VisitRequestsReceived(
      builder.ScanFromMs(), builder.ScanToMs(), [&builder](const store::RequestFacts& facts) { builder.Add(facts); }));
  return builder.Finish();
}

StatusOr<v1::GetReportResponse> Gateway::GetReport(const v1::GetReportRequest& request) const {
  StatusOr<ReportPeriod> period = ParseReportPeriod(request.period());
  MEZHVED_RETURN_IF_ERROR(period.status());
  const UnixMillis now = clock_.NowMs();
  // Only the report of a period that has ended everywhere is kept (ReportCache::Put checks period_complete), so a
  // kept one is always current. (ScanToMs is no test of that: for an open period the scan stops at now.)
  const std::string key = ReportCache::KeyOf(*period);
  v1::GetReportResponse response;
  if (std::optional<v1::ComplianceReport> kept = report_cache_.Get(key)) {
    // The figures as computed before; named and dated as asked now.
    *response.mutable_report() = *std::move(kept);
    response.mutable_report()->set_period(period->label);
    *response.mutable_report()->mutable_generated_at() = TimeUtil::MillisecondsToTimestamp(now);
  } else {
    const uint64_t generation = report_cache_.generation();
    StatusOr<v1::ComplianceReport> report = BuildReport(*period, now);
    MEZHVED_RETURN_IF_ERROR(report.status());
    *response.mutable_report() = *std::move(report);
    report_cache_.Put(key, generation, response.report());  // kept only when the period has ended
  }
  if (request.format() == v1::REPORT_FORMAT_CSV) {
    response.set_exported(ReportCsv(response.report()));
  } else if (request.format() == v1::REPORT_FORMAT_JSON) {
    response.set_exported(ReportJson(response.report()));
  }
  return response;
}

void Gateway::BeginShutdown() {
  std::vector<WaiterPtr> finished;
  {
    std::lock_guard lock(waiters_mutex_);
    shutting_down_ = true;
    for (auto& [recipient, waiting] : waiters_) {
      for (WaiterPtr& waiter : waiting) {
        finished.push_back(std::move(waiter));
      }
    }
    waiters_.clear();
  }
  for (WaiterPtr& waiter : finished) {
    waiter->Finish(v1::ReceiveResponse());
  }
}

struct Housekeeper::State {
  Gateway& gateway;
  std::chrono::milliseconds interval;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::thread thread;

  void Run() {
    std::unique_lock lock(mutex);
    while (!wake.wait_for(lock, interval, [this] { return stopping; })) {
      lock.unlock();
      gateway.RunHousekeeping();
      lock.lock();
    }
  }
};

Housekeeper::Housekeeper(Gateway& gateway, uint32_t interval_ms)
    : state_(new State{gateway, std::chrono::milliseconds(interval_ms), {}, {}, false, {}}) {
  state_->thread = std::thread([state = state_.get()] { state->Run(); });
}

Housekeeper::~Housekeeper() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  state_->thread.join();
}

}  // namespace mezhved::gateway
