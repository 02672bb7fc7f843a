// The RocksDB store's answer clocks: the "timers" a request's deadline keeps, the "overdue" list, and the
// "requests" index the reports read (docs/ARCHITECTURE.md, "Storage layout"). When a timer fires and what a notice
// says are the core's rules (gateway/deadlines.h); here they are only kept, fired once and listed.

#include "store/rocksdb_store_impl.h"

namespace mezhved::store {
namespace {

constexpr auto kDueSoonEvent = static_cast<uint8_t>(api::DEADLINE_EVENT_DUE_SOON);
constexpr auto kOverdueEvent = static_cast<uint8_t>(api::DEADLINE_EVENT_OVERDUE);

bool ClockRuns(api::DeadlineStatus status) {
  return status == api::DEADLINE_STATUS_RUNNING || status == api::DEADLINE_STATUS_DUE_SOON ||
         status == api::DEADLINE_STATUS_OVERDUE;
}

// What a status adds to its organisation's due-soon and overdue counts.
int64_t DueSoonCount(api::DeadlineStatus status) { return status == api::DEADLINE_STATUS_DUE_SOON ? 1 : 0; }
int64_t OverdueCount(api::DeadlineStatus status) { return status == api::DEADLINE_STATUS_OVERDUE ? 1 : 0; }

}  // namespace

// --- The clock -----------------------------------------------------------------------------------------------------

Status RocksDbStore::Impl::StartClock(GroupBatch& batch, const MessageId& id, records::StoredState& state,
                                      const AnswerTimers& timers) {
  if (timers.due_at_ms <= 0 || timers.due_soon_at_ms < 0 || timers.due_soon_at_ms >= timers.due_at_ms) {
    return {ErrorCode::kInvalidArgument, "answer timers must have 0 <= due_soon_at_ms < due_at_ms"};
  }
  SetDeadlineStatus(state, api::DEADLINE_STATUS_RUNNING);
  state.set_due_soon_at_ms(timers.due_soon_at_ms);
  state.set_due_at_ms(timers.due_at_ms);
  if (timers.due_soon_at_ms != 0) {
    MEZHVED_RETURN_IF_ERROR(
        batch.Put(ColumnFamily::kTimers, keys::TimerKey(timers.due_soon_at_ms, id, kDueSoonEvent), {}));
  }
  MEZHVED_RETURN_IF_ERROR(batch.Put(ColumnFamily::kTimers, keys::TimerKey(timers.due_at_ms, id, kOverdueEvent), {}));
  const UnixMillis first = timers.due_soon_at_ms != 0 ? timers.due_soon_at_ms : timers.due_at_ms;
  timer_floor_ms_ = std::min(timer_floor_ms_, first);
  return Status::Ok();
}

// Deletes whatever the running clock still keeps: its unfired timers and its place in the overdue list. Deleting
// a key that is gone already is harmless.
Status RocksDbStore::Impl::DropTimers(GroupBatch& batch, const MessageId& id, const records::StoredState& state) {
  if (state.due_soon_at_ms() != 0) {
    MEZHVED_RETURN_IF_ERROR(
        batch.Delete(ColumnFamily::kTimers, keys::TimerKey(state.due_soon_at_ms(), id, kDueSoonEvent)));
  }
  MEZHVED_RETURN_IF_ERROR(batch.Delete(ColumnFamily::kTimers, keys::TimerKey(state.due_at_ms(), id, kOverdueEvent)));
  return batch.Delete(ColumnFamily::kOverdue, keys::InstantIdKey(state.due_at_ms(), id));
}

void RocksDbStore::Impl::SetDeadlineStatus(records::StoredState& state, api::DeadlineStatus status) {
  const api::DeadlineStatus before = state.deadline_status();
  const int64_t due_soon_delta = DueSoonCount(status) - DueSoonCount(before);
  const int64_t overdue_delta = OverdueCount(status) - OverdueCount(before);
  if (due_soon_delta != 0 || overdue_delta != 0) {
    index_.AddDeadlineCounts(state.recipient_code(), due_soon_delta, overdue_delta);
  }
  state.set_deadline_status(status);
}

Status RocksDbStore::Impl::ApplyClockChange(GroupBatch& batch, const MessageId& id, records::StoredState& state,
                                            const RequestChange& change, api::HistoryEvent& event) {
  switch (change.clock) {
    case ClockChange::kKeep:
      return Status::Ok();
    case ClockChange::kStop:
      if (!ClockRuns(state.deadline_status())) {
        return Status::Ok();  // no answer due, or stopped already
      }
      MEZHVED_RETURN_IF_ERROR(DropTimers(batch, id, state));
      SetDeadlineStatus(state, api::DEADLINE_STATUS_STOPPED);
      event.set_deadline_event(api::DEADLINE_EVENT_STOPPED);
      return Status::Ok();
    case ClockChange::kRestart:
      if (state.deadline_status() == api::DEADLINE_STATUS_UNSPECIFIED) {
        return Status::Ok();  // no answer is due for this request
      }
      if (ClockRuns(state.deadline_status())) {
        MEZHVED_RETURN_IF_ERROR(DropTimers(batch, id, state));
      }
      MEZHVED_RETURN_IF_ERROR(StartClock(batch, id, state, change.restarted));
      event.set_deadline_event(api::DEADLINE_EVENT_RESTARTED);
      *event.mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(change.restarted.due_at_ms);
      return Status::Ok();
  }
  return InternalError("unknown clock change");
}

Status RocksDbStore::Impl::IndexRequest(GroupBatch& batch, const NewMessage& message, const MessageId& id) {
  const api::Message& body = message.message;
  records::RequestReportEntry entry;
  entry.set_requester_code(body.sender_code());
  entry.set_addressee_code(body.recipient_code());
  *entry.mutable_information_type() = message.information_type;
  entry.set_received_at_ms(ReceivedAtOf(body));
  entry.set_answer_working_days(body.answer_working_days());
  entry.set_due_at_ms(message.timers.due_at_ms);
  entry.set_citizen_key(message.citizen_key);
  MEZHVED_RETURN_IF_ERROR(TallyNewRequest(batch, FactsOf(id, entry)));
  return batch.PutRecord(ColumnFamily::kRequests, keys::InstantIdKey(entry.received_at_ms(), id), entry);
}

RequestFacts FactsOf(const MessageId& id, const records::RequestReportEntry& entry) {
  RequestFacts facts;
  facts.id = id;
  facts.requester_code = entry.requester_code();
  facts.addressee_code = entry.addressee_code();
  facts.information_type = entry.information_type();
  facts.received_at_ms = entry.received_at_ms();
  facts.answer_working_days = entry.answer_working_days();
  facts.due_at_ms = entry.due_at_ms();
  facts.citizen_key = entry.citizen_key();
  return facts;
}

StatusOr<bool> RocksDbStore::Impl::ApplyStopClock(GroupBatch& batch, const MessageId& id, api::HistoryEvent event) {
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                         batch.ReadRecord<records::StoredState>(ColumnFamily::kStates, keys::MessageKey(id)));
  if (!state) {
    return Status(ErrorCode::kNotFound, "message " + id.ToString() + " not found");
  }
  if (!ClockRuns(state->deadline_status())) {
    return false;
  }
  MEZHVED_RETURN_IF_ERROR(DropTimers(batch, id, *state));
  SetDeadlineStatus(*state, api::DEADLINE_STATUS_STOPPED);
  event.set_state(state->state());
  event.set_deadline_event(api::DEADLINE_EVENT_STOPPED);
  MEZHVED_RETURN_IF_ERROR(WriteStateWithEvent(batch, id, *state, event));
  return true;
}

// A running clock keeps its overdue timer until the end of its period, and then its place in the overdue list:
// together they name every running clock once, with its status in its state.
Status RocksDbStore::Impl::LoadDeadlineCounts() {
  const auto count = [this](const MessageId& id) -> Status {
    STORE_ASSIGN_OR_RETURN(
        std::optional<records::StoredState> state,
        ReadCommittedRecord<records::StoredState>(rocksdb::ReadOptions(), ColumnFamily::kStates, keys::MessageKey(id)));
    if (!state) {
      return InternalError("a running answer clock of message " + id.ToString() + " has no state");
    }
    const int64_t due_soon = DueSoonCount(state->deadline_status());
    const int64_t overdue = OverdueCount(state->deadline_status());
    if (due_soon == 0 && overdue == 0) {
      return Status::Ok();
    }
    std::string recipient_code = state->recipient_code();
    if (recipient_code.empty()) {  // a state from before the store kept the recipient with it
      STORE_ASSIGN_OR_RETURN(std::optional<records::StoredMessage> stored,
                             ReadCommittedRecord<records::StoredMessage>(
                                 rocksdb::ReadOptions(), ColumnFamily::kMessages, keys::MessageKey(id)));
      recipient_code = stored ? stored->message().recipient_code() : "";
    }
    index_.AddDeadlineCounts(recipient_code, due_soon, overdue);
    return Status::Ok();
  };
  std::unique_ptr<rocksdb::Iterator> timers(db_->NewIterator(rocksdb::ReadOptions(), Handle(ColumnFamily::kTimers)));
  for (timers->SeekToFirst(); timers->Valid(); timers->Next()) {
    const std::optional<keys::TimerKeyParts> timer = keys::DecodeTimerKey(timers->key().ToStringView());
    if (!timer) {
      return InternalError(CorruptRecord(ColumnFamily::kTimers));
    }
    if (timer->event == kOverdueEvent) {
      MEZHVED_RETURN_IF_ERROR(count(timer->id));
    }
  }
  if (!timers->status().ok()) {
    return FromRocksDb("reading the deadline timers", timers->status());
  }
  std::unique_ptr<rocksdb::Iterator> overdue(db_->NewIterator(rocksdb::ReadOptions(), Handle(ColumnFamily::kOverdue)));
  for (overdue->SeekToFirst(); overdue->Valid(); overdue->Next()) {
    const std::optional<keys::InstantIdKeyParts> key = keys::DecodeInstantIdKey(overdue->key().ToStringView());
    if (!key) {
      return InternalError(CorruptRecord(ColumnFamily::kOverdue));
    }
    MEZHVED_RETURN_IF_ERROR(count(key->id));
  }
  return overdue->status().ok() ? Status::Ok() : FromRocksDb("reading the overdue requests", overdue->status());
}

// --- Firing --------------------------------------------------------------------------------------------------------

StatusOr<TimerSweep> RocksDbStore::Impl::ApplyFireTimers(GroupBatch& batch, UnixMillis now_ms, uint32_t max_timers,
                                                         const NoticeBuilder& build) {
  if (!build) {
    return Status(ErrorCode::kInvalidArgument, "firing timers needs a notice builder");
  }
  max_timers = std::max<uint32_t>(max_timers, 1);
  // Collect first: the batch must not change under its own iterator.
  const std::string upper = keys::TimerBound(now_ms + 1);
  const rocksdb::Slice upper_slice(upper);
  std::vector<keys::TimerKeyParts> due;
  TimerSweep sweep;
  {
    std::unique_ptr<rocksdb::Iterator> it = batch.NewIterator(ColumnFamily::kTimers, &upper_slice);
    for (it->Seek(keys::TimerBound(timer_floor_ms_)); it->Valid() && it->key().compare(upper_slice) < 0; it->Next()) {
      if (due.size() == max_timers) {
        sweep.more = true;
        break;
      }
      const std::optional<keys::TimerKeyParts> timer = keys::DecodeTimerKey(it->key().ToStringView());
      if (!timer) {
        return InternalError(CorruptRecord(ColumnFamily::kTimers));
      }
      due.push_back(*timer);
    }
    if (!it->status().ok()) {
      return FromRocksDb("reading the deadline timers", it->status());
    }
  }
  std::set<std::string> recipients;
  for (const keys::TimerKeyParts& timer : due) {
    STORE_ASSIGN_OR_RETURN(const bool fired, FireTimer(batch, timer, now_ms, build, recipients));
    sweep.fired += fired ? 1 : 0;
  }
  // Everything up to now fired, unless the limit stopped the sweep: then it goes on where it stopped.
  timer_floor_ms_ = sweep.more ? due.back().fire_at_ms : std::max(timer_floor_ms_, now_ms + 1);
  sweep.recipients_with_ready.assign(recipients.begin(), recipients.end());
  return sweep;
}

StatusOr<bool> RocksDbStore::Impl::FireTimer(GroupBatch& batch, const keys::TimerKeyParts& timer, UnixMillis now_ms,
                                             const NoticeBuilder& build, std::set<std::string>& recipients) {
  MEZHVED_RETURN_IF_ERROR(batch.Delete(ColumnFamily::kTimers, keys::TimerKey(timer.fire_at_ms, timer.id, timer.event)));
  STORE_ASSIGN_OR_RETURN(records::StoredState state,
                         batch.ReadExisting<records::StoredState>(ColumnFamily::kStates, timer.id));
  const auto event = static_cast<api::DeadlineEvent>(timer.event);
  const bool due_soon_current = event == api::DEADLINE_EVENT_DUE_SOON &&
                                state.deadline_status() == api::DEADLINE_STATUS_RUNNING &&
                                state.due_soon_at_ms() == timer.fire_at_ms && now_ms < state.due_at_ms();
  const bool overdue_current = event == api::DEADLINE_EVENT_OVERDUE &&
                               (state.deadline_status() == api::DEADLINE_STATUS_RUNNING ||
                                state.deadline_status() == api::DEADLINE_STATUS_DUE_SOON) &&
                               state.due_at_ms() == timer.fire_at_ms;
  if (!due_soon_current && !overdue_current) {
    return false;  // left behind by a restarted period, or a warning that comes too late to help
  }
  STORE_ASSIGN_OR_RETURN(records::StoredMessage request,
                         batch.ReadExisting<records::StoredMessage>(ColumnFamily::kMessages, timer.id));
  std::string note = event == api::DEADLINE_EVENT_DUE_SOON ? "answer due soon" : "answer overdue";
  const char* separator = "; notices: ";
  for (api::Message& notice :
       build(FiredTimer{request.message(), request.information_type(), event, state.due_at_ms()})) {
    NewMessage message;
    message.message = std::move(notice);
    message.information_type = request.information_type();
    STORE_ASSIGN_OR_RETURN(const MessageId notice_id, ValidateNewMessage(message));
    MEZHVED_RETURN_IF_ERROR(StoreNewMessage(batch, message, notice_id).status());
    recipients.insert(message.message.recipient_code());
    note += separator + notice_id.ToString() + " to " + message.message.recipient_code();
    separator = ", ";
  }
  if (event == api::DEADLINE_EVENT_OVERDUE) {
    MEZHVED_RETURN_IF_ERROR(batch.Put(ColumnFamily::kOverdue, keys::InstantIdKey(state.due_at_ms(), timer.id), {}));
  }
  SetDeadlineStatus(
      state, event == api::DEADLINE_EVENT_DUE_SOON ? api::DEADLINE_STATUS_DUE_SOON : api::DEADLINE_STATUS_OVERDUE);
  api::HistoryEvent history = MakeEvent(state.state(), now_ms, kGatewayActor, note);
  history.set_deadline_event(event);
  *history.mutable_answer_due_at() = TimeUtil::MillisecondsToTimestamp(state.due_at_ms());
  MEZHVED_RETURN_IF_ERROR(WriteStateWithEvent(batch, timer.id, state, history));
  return true;
}

// --- Reads ---------------------------------------------------------------------------------------------------------

StatusOr<OverduePage> RocksDbStore::Impl::ListOverdue(uint32_t limit, const std::string& page_token) const {
  OverduePage page;
  STORE_ASSIGN_OR_RETURN(
      page.next_page_token,
      ReadPageForward(ColumnFamily::kOverdue, page_token, keys::kInstantIdKeySize, limit, "listing overdue requests",
                      [this, &page](const rocksdb::ReadOptions& read_options, rocksdb::Slice key, rocksdb::Slice) {
                        const std::optional<keys::InstantIdKeyParts> parts =
                            keys::DecodeInstantIdKey(key.ToStringView());
                        if (!parts) {
                          return InternalError(CorruptRecord(ColumnFamily::kOverdue));
                        }
                        STORE_ASSIGN_OR_RETURN(MessageSummary summary, ReadSummary(read_options, parts->id));
                        page.requests.push_back(OverdueRequest{std::move(summary), parts->at_ms});
                        return Status::Ok();
                      }));
  return page;
}

// VisitRequestsReceived reads every request's history through one iterator. Requests come in order of receipt, which
// is the order of their ids (UUIDv7) except for paper registrations, so the next request's events usually lie a few
// keys after the previous one's (the events of its answers and notices in between): the iterator steps forward to
// them, and seeks only when they are behind it or further away. A new iterator and a seek per request cost most of a
// report's time (docs/PERFORMANCE.md, "The operators' console and metrics").
StatusOr<std::vector<api::HistoryEvent>> ReadHistoryFrom(rocksdb::Iterator& it, const MessageId& id) {
  constexpr int kMaxSteps = 32;
  const std::string prefix = keys::HistoryPrefix(id);
  const rocksdb::Slice target(prefix);
  bool positioned = false;
  if (it.Valid() && it.key().compare(target) < 0) {
    for (int step = 0; step < kMaxSteps && it.Valid(); ++step) {
      it.Next();
      if (it.Valid() && it.key().compare(target) >= 0) {
        positioned = true;  // the first key at or after the prefix: where a seek would land
        break;
      }
    }
  }
  if (!positioned) {
    it.Seek(target);
  }
  std::vector<api::HistoryEvent> history;
  for (; it.Valid() && it.key().starts_with(target); it.Next()) {
    api::HistoryEvent& event = history.emplace_back();
    if (!event.ParseFromArray(it.value().data(), static_cast<int>(it.value().size()))) {
      return InternalError(CorruptRecord(ColumnFamily::kHistory));
    }
  }
  if (!it.status().ok()) {
    return FromRocksDb("reading the history of " + id.ToString(), it.status());
  }
  return history;
}

Status RocksDbStore::Impl::VisitRequestsReceived(UnixMillis from_ms, UnixMillis to_ms,
                                                 const RequestVisitor& visit) const {
  if (from_ms < 0 || to_ms < from_ms) {
    return {ErrorCode::kInvalidArgument, "a period needs 0 <= from_ms <= to_ms"};
  }
  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return {ErrorCode::kUnavailable, "the store is closed"};
  }
  const std::string upper = keys::TimerBound(to_ms);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions bounded = read.options();
  bounded.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(bounded, Handle(ColumnFamily::kRequests)));
  std::unique_ptr<rocksdb::Iterator> history(db_->NewIterator(read.options(), Handle(ColumnFamily::kHistory)));
  for (it->Seek(keys::TimerBound(from_ms)); it->Valid(); it->Next()) {
    const std::optional<keys::InstantIdKeyParts> key = keys::DecodeInstantIdKey(it->key().ToStringView());
    records::RequestReportEntry entry;
    if (!key || !entry.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return InternalError(CorruptRecord(ColumnFamily::kRequests));
    }
    RequestFacts facts = FactsOf(key->id, entry);
    STORE_ASSIGN_OR_RETURN(facts.history, ReadHistoryFrom(*history, key->id));
    visit(facts);
  }
  return it->status().ok() ? Status::Ok() : FromRocksDb("reading the requests index", it->status());
}

}  // namespace mezhved::store
