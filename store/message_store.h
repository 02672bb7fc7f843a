// The durable outbox/inbox, in the domain's words: accept, lease, ack, dead-letter, requeue, history. The core
// (gateway/) talks only to this interface; store/rocksdb_store.h implements it on RocksDB, and a replicated backend
// can implement it later. Keys, column families and encodings are private to the implementation.
//
// Threading: mutations (Accept*, Lease, Ack, Requeue, SweepExpiredLeases) are asynchronous. Each is applied in
// submission order, atomically (one write batch per state change), and its callback runs only after that batch
// is durably synced, on a store thread: a callback must be quick and must not block or call back into the
// store synchronously waiting for a result. Reads (Get, ListQueue, QueueStats) return committed state and may be
// called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/message_id.h"
#include "common/status.h"
#include "mezhved/config/v1/config.pb.h"
#include "mezhved/v1/messages.pb.h"
#include "mezhved/v1/operator.pb.h"  // v1::AuditEntry

namespace mezhved::store {

template <typename T>
using Done = std::function<void(StatusOr<T>)>;

// The answer deadline of a request, as the core counted it (gateway/deadlines.h): the instants the store's timers
// fire at. due_at_ms == 0: no answer is due and no timer is kept.
struct AnswerTimers {
  UnixMillis due_soon_at_ms = 0;  // the due-soon notice; 0: none
  UnixMillis due_at_ms = 0;       // the end of the period: the overdue notice
};

// A message the core has validated and wants stored. message.message_id, kind, sender_code, recipient_code,
// accepted_at and body are filled in by the core.
struct NewMessage {
  v1::Message message;
  std::string idempotency_key;  // empty: no idempotency check
  std::string content_digest;   // compared when the key was seen before
  v1::InformationTypeRef information_type;
  std::string agreement_id;  // requests: the agreement that allowed them
  // Who the ACCEPTED history event names (default: the sender) and its note, e.g. an operator registering paper.
  std::string accepted_by;
  std::string accepted_note;
  // Requests: the answer deadline's timers, and a digest telling citizens apart for the reports.
  AnswerTimers timers;
  std::string citizen_key;
};

struct AcceptOutcome {
  MessageId id;
  bool duplicate = false;  // the idempotency key was known: nothing was stored, id is the original message
  UnixMillis accepted_at_ms = 0;
};

// What a response does to the request it answers, decided by the core's rules (gateway/lifecycle.h) from the
// request and its current state. Runs on the store thread inside the atomic update; it must not block.
struct RequestView {
  const v1::Message& request;
  v1::MessageState state;
  const std::string& agreement_id;
  v1::DeadlineStatus deadline_status;
};

// What a response does to the request's answer clock.
enum class ClockChange {
  kKeep,     // the period runs on
  kStop,     // the clock stops: the timers are dropped (history: DEADLINE_EVENT_STOPPED)
  kRestart,  // a new period with RequestChange::restarted (history: DEADLINE_EVENT_RESTARTED)
};

struct RequestChange {
  v1::MessageState state = v1::MESSAGE_STATE_UNSPECIFIED;
  ClockChange clock = ClockChange::kKeep;
  AnswerTimers restarted;  // kRestart only

  // A new state with the clock as it is.
  static RequestChange StateOnly(v1::MessageState state) {
    RequestChange change;
    change.state = state;
    return change;
  }
};
using RequestTransition = std::function<StatusOr<RequestChange>(const RequestView& request)>;

// A deadline timer that fired: the request, which event, and the end of its period.
struct FiredTimer {
  const v1::Message& request;  // the message whose clock it is: a request, or an answer with a citizen copy due
  const v1::InformationTypeRef& information_type;
  v1::DeadlineEvent event;  // DUE_SOON or OVERDUE
  UnixMillis due_at_ms;
};
// The notices a fired timer sends, decided by the core (gateway/deadlines.h); each is stored and queued like any
// new message (message_id, kind, parties and accepted_at filled in). Runs on the store thread inside the atomic
// update; it must not block.
using NoticeBuilder = std::function<std::vector<v1::Message>(const FiredTimer& timer)>;

struct TimerSweep {
  uint32_t fired = 0;                              // timers that sent their notices
  std::vector<std::string> recipients_with_ready;  // queues that got a notice
  bool more = false;                               // max_timers were fired and more are due
};

struct LeaseOptions {
  uint32_t max_messages = 1;
  UnixMillis now_ms = 0;
  int64_t lease_ms = 0;
  uint32_t max_attempts = 1;  // a message whose lease ends after this many deliveries is dead-lettered
  // Stop before the message that would take the leased messages' serialized size over this (0: no limit). The
  // first message is always leased, whatever its size.
  uint64_t max_bytes = 0;
  // When set, only the ready messages it accepts are leased; the others stay ready, in place. It runs on the store
  // thread and must be quick. A lease gives up after `max_examined` messages it refuses (0: no limit), so that a
  // long queue of other messages costs a bounded time.
  std::function<bool(const v1::Message&)> accepts;
  uint32_t max_examined = 0;
};

enum class AckOutcome { kAcknowledged, kAlreadyAcknowledged, kNotFound, kNotDelivered };

struct AckItem {
  MessageId id;
  AckOutcome outcome = AckOutcome::kNotFound;
};

struct RequeueItem {
  MessageId id;
  Status status;  // OK, NOT_FOUND or NOT_DEAD_LETTERED
};

struct SweepOutcome {
  std::vector<std::string> recipients_with_ready;  // queues where a lease ended and a message is ready again
  uint32_t dead_lettered = 0;
};

// A message with its current state and full history, as read from committed state.
struct MessageRecord {
  v1::Message message;  // delivery_attempt holds the number of deliveries so far
  v1::InformationTypeRef information_type;
  std::string agreement_id;
  v1::MessageState state = v1::MESSAGE_STATE_UNSPECIFIED;
  uint32_t attempts = 0;
  UnixMillis lease_until_ms = 0;  // non-zero while DELIVERED
  std::vector<std::string> response_ids;
  std::vector<v1::HistoryEvent> history;
  // Requests with an answer due: the deadline's status and the current period's timers.
  v1::DeadlineStatus deadline_status = v1::DEADLINE_STATUS_UNSPECIFIED;
  AnswerTimers timers;
};

// One organisation's figures: its incoming queue, and the answer clocks it is the late party of.
struct QueueStat {
  std::string recipient_code;
  uint64_t pending = 0;  // ready + leased
  uint64_t leased = 0;
  uint64_t dead_letters = 0;
  UnixMillis oldest_pending_accepted_ms = 0;  // 0 when nothing is pending
  // Running answer clocks of messages addressed to it: past the due-soon warning, and past the deadline.
  uint64_t due_soon = 0;
  uint64_t overdue = 0;
};

// Something the store did to a message, for the core's figures (metrics): reported once the change is durable.
struct MessageFact {
  enum class Event {
    kDelivered,     // leased to its recipient (attempt: 1 for the first delivery)
    kAcknowledged,  // left its recipient's queue as received: acknowledged, or a request answered while queued
    kDeadLettered,  // its lease ended after the last allowed delivery
  };
  Event event = Event::kDelivered;
  std::string recipient_code;
  v1::MessageKind kind = v1::MESSAGE_KIND_UNSPECIFIED;
  std::string information_type_id;  // empty for messages stored before the store kept it with the state
  UnixMillis accepted_at_ms = 0;
  UnixMillis at_ms = 0;
  uint32_t attempt = 0;
};

// Told of the facts of each commit, after it is durable, on the store's writer thread, in commit order. It must be
// quick and must not call the store.
class StoreObserver {
 public:
  virtual ~StoreObserver() = default;
  virtual void OnCommitted(const std::vector<MessageFact>& facts) = 0;
};

enum class QueueView { kPending, kDeadLetters };

// One page of a recipient's queue (or dead letters) in acceptance order, optionally filtered. The acceptance-time
// range needs no read per message: the queue is seeked to where the range starts and read until it leaves it. The
// state and type filters read each examined message's state, so a page stops after `max_examined` entries: it may
// then hold fewer than `limit` messages, or none, and still have a next_page_token to go on from.
struct ListQuery {
  std::string recipient_code;
  QueueView view = QueueView::kPending;
  uint32_t limit = 50;
  bool newest_first = false;
  std::string page_token;  // opaque, from a previous page's next_page_token (of a query with the same filters)
  // Only messages in this state (ACCEPTED: ready; DELIVERED: leased, or leased until a lease that ended).
  std::optional<v1::MessageState> state;
  std::string information_type_id;  // empty: any; responses and notices have the type of their request
  // Accepted in [accepted_from_ms, accepted_to_ms); 0: unbounded on that side. INVALID_ARGUMENT when negative or
  // when the range ends before it starts.
  UnixMillis accepted_from_ms = 0;
  UnixMillis accepted_to_ms = 0;
  uint32_t max_examined = 0;  // queue entries one page looks at, at most; 0: 10 x limit
};

struct MessageSummary {
  MessageId id;
  v1::MessageKind kind = v1::MESSAGE_KIND_UNSPECIFIED;
  v1::MessageState state = v1::MESSAGE_STATE_UNSPECIFIED;
  std::string sender_code;
  std::string recipient_code;
  v1::InformationTypeRef information_type;
  UnixMillis accepted_at_ms = 0;
  uint32_t attempts = 0;
  // Requests with an answer due: the end of the current period and where the deadline stands.
  UnixMillis answer_due_at_ms = 0;
  v1::DeadlineStatus deadline_status = v1::DEADLINE_STATUS_UNSPECIFIED;
};

struct RejectionPage {
  std::vector<v1::Rejection> rejections;  // newest first
  std::string next_page_token;            // empty on the last page
};

// A page of the operators' audit log (v1::AuditPage is its form in the operator and console APIs).
struct AuditPage {
  std::vector<v1::AuditEntry> entries;  // newest first
  std::string next_page_token;          // empty on the last page
};

// One recorded version of an interagency agreement.
struct AgreementVersion {
  config::v1::Agreement agreement;  // as configured; only its id when withdrawn
  uint32_t version = 0;             // 1, 2, ... per agreement id
  UnixMillis recorded_at_ms = 0;    // when the gateway started applying it
  bool withdrawn = false;           // it left the configuration
};

struct AgreementSync {
  uint32_t added = 0;      // agreements seen for the first time
  uint32_t changed = 0;    // new versions of known agreements
  uint32_t withdrawn = 0;  // agreements no longer configured
};

struct MessagePage {
  std::vector<MessageSummary> messages;
  std::string next_page_token;  // empty on the last page
};

struct OverdueRequest {
  MessageSummary request;
  UnixMillis due_at_ms = 0;
};

struct OverduePage {
  std::vector<OverdueRequest> requests;  // the longest overdue first
  std::string next_page_token;           // empty on the last page
};

// What the reports need of one request: the facts fixed at acceptance and its history.
struct RequestFacts {
  MessageId id;
  std::string requester_code;
  std::string addressee_code;
  v1::InformationTypeRef information_type;
  UnixMillis received_at_ms = 0;
  uint32_t answer_working_days = 0;  // 0: no answer due
  UnixMillis due_at_ms = 0;          // the end of the first period
  std::string citizen_key;
  std::vector<v1::HistoryEvent> history;
};
using RequestVisitor = std::function<void(const RequestFacts& request)>;

// ---- The reports' daily tallies ----
//
// A report over a year would otherwise read every request of the year with its history. Instead the core says
// what each request adds to a few daily figures (a RequestTallier, gateway/reports.h), and the store keeps the sums
// in the same atomic write that changes the request, so a report reads a few figures per organisation and day.
// The store knows nothing of what the figures mean.

// A figure of one scope (an organisation, say) on one day, with a second dimension of the tallier's choosing (a
// day, an instant, a packed outcome); `count` is what one request adds.
struct TallyCount {
  uint8_t figure = 0;
  std::string scope;  // non-empty, no '\0'
  int32_t day = 0;    // days since 1970-01-01, in whatever zone the tallier counts days
  int64_t detail = 0;
  int64_t count = 1;
};

// A member of a set that reports count distinct over any range of days (a citizen, say). A member, once tallied,
// stays: a request's members must be fixed when it is accepted.
struct TallyMember {
  std::string scope;  // non-empty, no '\0'
  int32_t day = 0;
  std::string member;  // any bytes, at most 255
};

struct RequestTally {
  std::vector<TallyCount> counts;
  std::vector<TallyMember> members;
};

// What a request adds to the tallies. Called on the store's writer thread (and at open, for a rebuild); it must be
// quick, must not block and must not call the store.
class RequestTallier {
 public:
  virtual ~RequestTallier() = default;
  // Names the rules and the configuration the tallies are counted by. When it differs from the basis the stored
  // tallies were counted by, opening the store counts them again from every request's history.
  virtual std::string Basis() const = 0;
  virtual RequestTally Tally(const RequestFacts& request) const = 0;
  // Whether appending `event` to a request's history may change its tally: only then is the request tallied again
  // (its tally before and after the event, and the difference written). Any other event must leave Tally unchanged.
  virtual bool Affects(const v1::HistoryEvent& event) const = 0;
};

// The tallies of a range of days, as ReadTallies returns them.
struct TallyRange {
  std::vector<TallyCount> counts;  // the sums per (figure, scope, day, detail) with a day in the range; none is zero
  std::map<std::string, uint64_t> distinct_members;  // per scope: members with a day in the range, each once
};

// A backup: a copy of the store that can be opened in its place (RocksDbStore's RestoreBackup brings it back).
struct BackupSummary {
  std::string directory;
  uint32_t format_version = 0;  // the store format it was written in
  uint32_t files = 0;
  uint64_t bytes = 0;
};

// Stored messages in id order (ids are UUIDv7: by the millisecond of creation), as accepted: delivery_attempt is 0.
struct StoredMessagePage {
  std::vector<v1::Message> messages;
  std::string next_page_token;  // empty on the last page
};

class MessageStore {
 public:
  virtual ~MessageStore() = default;

  // Stores a new message and queues it for its recipient. With an idempotency key already used by the same
  // sender, stores nothing and returns the original id (duplicate) or IDEMPOTENCY_CONFLICT when the content digest
  // differs. History: ACCEPTED by the sender.
  virtual void Accept(NewMessage message, Done<AcceptOutcome> done) = 0;

  // Stores a response and applies `transition` to the request it answers, atomically: the response is stored only
  // if the request exists (else NOT_FOUND) and `transition` returns a state. A response to a request that is still
  // queued for the responder also acknowledges the request. The response is queued for its recipient.
  virtual void AcceptResponse(NewMessage response, MessageId request_id, RequestTransition transition,
                              Done<AcceptOutcome> done) = 0;

  // Leases up to max_messages ready messages (and max_bytes) of the recipient's queue, oldest acceptance first: each
  // gets one more delivery attempt, state DELIVERED and a lease until now+lease_ms. A message whose lease ended after
  // max_attempts deliveries is dead-lettered instead of delivered again.
  virtual void Lease(std::string recipient_code, LeaseOptions options, Done<std::vector<v1::Message>> done) = 0;

  // Acknowledges delivered messages of the recipient's queue: they leave the queue (state ACKNOWLEDGED, unless a
  // response already moved a request further). A non-empty `note` goes into each ACKNOWLEDGED history event.
  virtual void Ack(std::string recipient_code, std::vector<MessageId> ids, UnixMillis now_ms, std::string note,
                   Done<std::vector<AckItem>> done) = 0;

  // Puts dead-lettered messages back into their queues at their original position, with attempts reset.
  // History: ACCEPTED by `actor`.
  virtual void Requeue(std::vector<MessageId> ids, std::string actor, UnixMillis now_ms,
                       Done<std::vector<RequeueItem>> done) = 0;

  // Dead-letters messages whose lease ended after max_attempts deliveries and reports the queues where ended
  // leases made messages ready again.
  virtual void SweepExpiredLeases(UnixMillis now_ms, uint32_t max_attempts, Done<SweepOutcome> done) = 0;

  // Fires the deadline timers due at now_ms, earliest first, up to max_timers: for each, atomically with deleting
  // the timer, the request's deadline status moves on (DUE_SOON, or OVERDUE, which also lists it among the
  // overdue requests), its history gets the event, and the notices `build` returns are stored and queued. So each
  // event is sent exactly once, whatever restarts happen. A due-soon timer of a request already past its end
  // sends nothing. Timers of stopped clocks were deleted with the stop.
  virtual void FireDueTimers(UnixMillis now_ms, uint32_t max_timers, NoticeBuilder build, Done<TimerSweep> done) = 0;

  // Stops a message's running clock: its timers and overdue entry are deleted, its deadline status is STOPPED, and
  // `event` is appended with deadline_event STOPPED and the message's current state. false when no clock was
  // running: nothing is written. NOT_FOUND for an unknown id.
  virtual void StopClock(MessageId id, v1::HistoryEvent event, Done<bool> done) = 0;

  // Appends a history event to a message without changing its state (the event's state is set to the current
  // one): something happened to it that its history must show. NOT_FOUND for an unknown id.
  virtual void Annotate(MessageId id, v1::HistoryEvent event, Done<bool> done) = 0;

  // Records the agreements now in force: a new version of each that is new or changed since its latest recorded
  // version, and a withdrawal of each recorded one that is no longer among them. Unchanged ones write nothing.
  virtual void RecordAgreements(std::vector<config::v1::Agreement> agreements, UnixMillis now_ms,
                                Done<AgreementSync> done) = 0;

  // Keeps the record of a message refused at the door. It is appended in the next group commit like any other
  // mutation, so a flood of refused messages shares syncs with the rest.
  virtual void RecordRejection(v1::Rejection rejection, Done<bool> done) = 0;

  // Keeps the record of an operator's action for the auditors, like RecordRejection: appended in the next group
  // commit, never changed. INVALID_ARGUMENT (nothing written) when `at` is unset or before 1970.
  virtual void RecordAudit(v1::AuditEntry entry, Done<bool> done) = 0;

  // Who hears of the facts of each commit (nullptr: nobody). Set it before the first mutation; the observer must
  // outlive the store or be unset first.
  virtual void SetObserver(StoreObserver* observer) = 0;
  // OK while the store is open and writable; UNAVAILABLE with the reason after a failed write or once closed (the
  // daemon's readiness).
  virtual Status Health() const = 0;

  virtual StatusOr<MessageRecord> Get(const MessageId& id) const = 0;
  // Every recorded version of one agreement, oldest first; with an empty id, the latest version of each agreement.
  virtual StatusOr<std::vector<AgreementVersion>> AgreementVersions(const std::string& agreement_id) const = 0;
  // The rejection log, newest first; limit is clamped to 1..1000.
  virtual StatusOr<RejectionPage> ListRejections(uint32_t limit, const std::string& page_token) const = 0;
  // The audit log, newest first (by `at`, then recording order); limit is clamped to 1..1000. INVALID_ARGUMENT for
  // a malformed page token.
  virtual StatusOr<AuditPage> ListAudit(uint32_t limit, const std::string& page_token) const = 0;
  virtual std::vector<QueueStat> QueueStats() const = 0;
  virtual StatusOr<MessagePage> ListQueue(const ListQuery& query) const = 0;
  // Requests whose period ended without a final answer and whose clock still runs, the longest overdue first.
  virtual StatusOr<OverduePage> ListOverdue(uint32_t limit, const std::string& page_token) const = 0;
  // Calls `visit` for every request received in [from_ms, to_ms), in order of receipt, with its history. Test
  // messages (RequestEnvelope.test_message) are not indexed, so they are never visited: reports leave them out.
  virtual Status VisitRequestsReceived(UnixMillis from_ms, UnixMillis to_ms, const RequestVisitor& visit) const = 0;
  // The basis (RequestTallier::Basis) the stored tallies were counted by; empty when there are none to trust: the
  // store was opened without a tallier since, so some requests were not tallied.
  virtual std::string TallyBasis() const = 0;
  // The tallies of the days in [first_day, last_day]. INVALID_ARGUMENT when last_day < first_day.
  virtual StatusOr<TallyRange> ReadTallies(int32_t first_day, int32_t last_day) const = 0;
  // Every stored message, a page at a time (limit clamped to 1..1000), for a scrub of the seals.
  virtual StatusOr<StoredMessagePage> ScanMessages(const std::string& page_token, uint32_t limit) const = 0;

  // A consistent copy of the whole store in `directory` (created; it must not exist, its parent must), taken while
  // the store serves: every mutation whose callback ran before the call is in it. INVALID_ARGUMENT when the
  // directory exists; UNAVAILABLE when the copy cannot be written.
  virtual StatusOr<BackupSummary> Backup(const std::string& directory) const = 0;
};

}  // namespace mezhved::store
