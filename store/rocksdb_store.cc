#include "store/rocksdb_store_impl.h"

namespace mezhved::store {

// --- Opening -----------------------------------------------------------------------------------------------------

Status RocksDbStore::Impl::Open() {
  if (options_.data_dir.empty()) {
    return {ErrorCode::kInvalidArgument, "the store's data_dir is empty"};
  }
  MEZHVED_RETURN_IF_ERROR(RefuseNewerFormat());
  MEZHVED_RETURN_IF_ERROR(OpenDatabase());
  MEZHVED_RETURN_IF_ERROR(CheckFormatVersion());
  MEZHVED_RETURN_IF_ERROR(LoadNextSequence());
  MEZHVED_RETURN_IF_ERROR(LoadPendingQueues());
  MEZHVED_RETURN_IF_ERROR(LoadDeadLetterCounts());
  MEZHVED_RETURN_IF_ERROR(LoadDeadlineCounts());
  MEZHVED_RETURN_IF_ERROR(PrepareTallies());
  index_.TakeFacts();  // nothing to report of the past
  PublishQueueStats();
  RegisterMetrics();
  writer_ = std::thread([this] { RunWriter(); });
  return Status::Ok();
}

Status RocksDbStore::Impl::OpenDatabase() {
  std::error_code error;
  std::filesystem::create_directories(options_.data_dir, error);
  if (error) {
    return {ErrorCode::kUnavailable, "creating " + options_.data_dir + ": " + error.message()};
  }
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // RocksDB's default WAL bound is 4 x the write buffers of every column family (gigabytes with fourteen of them):
  // flush the column families that hold the oldest log earlier, so the log on disk stays small.
  constexpr uint64_t kMaxTotalWalBytes = 256ULL << 20;
  db_options.max_total_wal_size = kMaxTotalWalBytes;
  if (options_.metrics != nullptr) {
    // Tickers only (write stalls, WAL syncs and bytes): RocksDB's timers and histograms cost the write path more.
    statistics_ = rocksdb::CreateDBStatistics();
    statistics_->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
    db_options.statistics = statistics_;
  }

  // RocksDB refuses to open a database without naming all its column families: open those of a newer version too,
  // so that the format version check below can explain the refusal.
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(db_options, options_.data_dir, &existing).ok()) {
    existing.clear();  // a new database
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kColumnFamilyCount; ++i) {
    descriptors.emplace_back(std::string(kColumnFamilyNames[i]), OptionsFor(static_cast<ColumnFamily>(i)));
  }
  for (const std::string& name : existing) {
    if (std::find(kColumnFamilyNames.begin(), kColumnFamilyNames.end(), name) == kColumnFamilyNames.end()) {
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
  }

  rocksdb::DB* raw_db = nullptr;
  Handles handles;
  const rocksdb::Status status = rocksdb::DB::Open(db_options, options_.data_dir, descriptors, &handles, &raw_db);
  if (!status.ok()) {
    return FromRocksDb("opening the store at " + options_.data_dir, status);
  }
  db_.reset(raw_db);
  handles_.assign(handles.begin(), handles.begin() + kColumnFamilyCount);
  extra_handles_.assign(handles.begin() + kColumnFamilyCount, handles.end());
  return Status::Ok();
}

Status RocksDbStore::Impl::LoadNextSequence() {
  STORE_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                         ReadCommitted(rocksdb::ReadOptions(), ColumnFamily::kMeta, keys::kNextSequenceKey));
  if (!stored) {
    index_.SetNextSequence(kFirstSequence);
    return Status::Ok();
  }
  const std::optional<uint64_t> next = keys::DecodeBigEndian64(*stored);
  if (!next) {
    return InternalError("the store's next_sequence is not 8 bytes");
  }
  index_.SetNextSequence(*next);
  return Status::Ok();
}

// Rebuilds the pending slots from "queues", with attempts and leases from "states": a lease survives a restart and
// ends when it would have.
Status RocksDbStore::Impl::LoadPendingQueues() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(ColumnFamily::kQueues)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::optional<keys::QueueKeyParts> key = keys::DecodeQueueKey(it->key().ToStringView());
    const std::optional<MessageId> id = MessageId::FromBytes(it->value().ToStringView());
    if (!key || !id) {
      return InternalError(CorruptRecord(ColumnFamily::kQueues));
    }
    STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                           ReadCommittedRecord<records::StoredState>(rocksdb::ReadOptions(), ColumnFamily::kStates,
                                                                     keys::MessageKey(*id)));
    if (!state) {
      return InternalError("queued message " + id->ToString() + " has no state");
    }
    Slot slot;
    slot.id = *id;
    slot.attempts = state->attempts();
    slot.leased = state->state() == api::MESSAGE_STATE_DELIVERED;
    slot.lease_until_ms = slot.leased ? state->lease_until_ms() : 0;
    slot.accepted_ms = state->accepted_at_ms();
    index_.PutSlot(std::string(key->recipient_code), key->sequence, slot);
  }
  return it->status().ok() ? Status::Ok() : FromRocksDb("reading the queues", it->status());
}

Status RocksDbStore::Impl::LoadDeadLetterCounts() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(ColumnFamily::kDeadLetters)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::optional<keys::QueueKeyParts> key = keys::DecodeQueueKey(it->key().ToStringView());
    if (!key) {
      return InternalError(CorruptRecord(ColumnFamily::kDeadLetters));
    }
    index_.AddDeadLetters(std::string(key->recipient_code), 1);
  }
  return it->status().ok() ? Status::Ok() : FromRocksDb("reading the dead letters", it->status());
}

// --- Closing -----------------------------------------------------------------------------------------------------

void RocksDbStore::Impl::Close() {
  std::lock_guard close_lock(close_mutex_);
  metrics_collector_.Reset();  // the registry may outlive the store
  {
    std::lock_guard lock(queue_mutex_);
    closing_ = true;
  }
  queue_changed_.notify_all();
  if (writer_.joinable()) {
    writer_.join();  // the writer drains the queue first: every submitted mutation gets its callback
  }
  std::unique_lock db_lock(db_mutex_);
  if (db_ != nullptr) {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle);
    }
    for (rocksdb::ColumnFamilyHandle* handle : extra_handles_) {
      db_->DestroyColumnFamilyHandle(handle);
    }
    handles_.clear();
    extra_handles_.clear();
    // Every batch was synced when written: a failure to close loses nothing, and there is no one to tell.
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  std::lock_guard stats_lock(stats_mutex_);
  published_stats_.clear();
}

// --- The writer thread -------------------------------------------------------------------------------------------

template <typename T>
void RocksDbStore::Impl::Submit(typename TypedMutation<T>::Body body, Done<T> done) {
  Status refusal;
  {
    std::lock_guard lock(queue_mutex_);
    if (!closing_ && !broken_) {
      queue_.push_back(std::make_unique<TypedMutation<T>>(std::move(body), std::move(done)));
      queue_changed_.notify_one();
      return;
    }
    refusal = broken_ ? *broken_ : Status(ErrorCode::kUnavailable, "the store is closed");
  }
  done(std::move(refusal));
}

void RocksDbStore::Impl::RunWriter() {
  while (true) {
    std::vector<std::unique_ptr<Mutation>> group;
    std::optional<Status> broken;
    {
      std::unique_lock lock(queue_mutex_);
      queue_changed_.wait(lock, [this] { return !queue_.empty() || closing_; });
      if (queue_.empty()) {
        return;  // closing, and every submitted mutation is done
      }
      const size_t taken = std::min<size_t>(queue_.size(), options_.max_batch_operations);
      for (size_t i = 0; i < taken; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      broken = broken_;
    }
    if (broken) {
      for (auto& mutation : group) {
        mutation->Fail(*broken);
      }
      continue;
    }
    CommitGroup(group);
  }
}

void RocksDbStore::Impl::CommitGroup(std::vector<std::unique_ptr<Mutation>>& group) {
  GroupBatch batch(db_.get(), handles_);
  Status failure;
  for (auto& mutation : group) {
    batch.BeginMutation();
    index_.BeginMutation();
    if (mutation->Apply(batch).ok()) {
      failure = batch.KeepMutation();
      index_.KeepMutation();
    } else {
      failure = batch.DiscardMutation();
      index_.UndoMutation();
    }
    if (!failure.ok()) {
      break;
    }
  }
  if (failure.ok() && !batch.Empty()) {
    const auto started = std::chrono::steady_clock::now();
    const rocksdb::Status written = batch.Commit();
    if (commit_seconds_ != nullptr) {
      commit_seconds_->ObserveSince(started);
    }
    if (written.ok()) {
      committed_batches_.fetch_add(1);
    } else {
      failure = {ErrorCode::kUnavailable, "writing to the store failed: " + written.ToString()};
    }
  }
  if (!failure.ok()) {
    // The index may now hold changes that never reached the disk: it is never used or published again.
    failure = Status(ErrorCode::kUnavailable, failure.message());
    {
      std::lock_guard lock(queue_mutex_);
      broken_ = failure;
    }
    for (auto& mutation : group) {
      mutation->Fail(failure);
    }
    return;
  }
  PublishQueueStats();
  std::vector<MessageFact> facts = index_.TakeFacts();
  if (StoreObserver* observer = observer_.load(); observer != nullptr && !facts.empty()) {
    observer->OnCommitted(facts);
  }
  for (auto& mutation : group) {
    mutation->Complete();
  }
}

void RocksDbStore::Impl::PublishQueueStats() {
  const std::set<std::string> changed = index_.TakeChangedRecipients();
  std::lock_guard lock(stats_mutex_);
  for (const std::string& recipient_code : changed) {
    if (std::optional<QueueStat> stat = index_.StatOf(recipient_code)) {
      published_stats_[recipient_code] = std::move(*stat);
    } else {
      published_stats_.erase(recipient_code);
    }
  }
}

// --- Accept ------------------------------------------------------------------------------------------------------

StatusOr<AcceptOutcome> RocksDbStore::Impl::ApplyAccept(GroupBatch& batch, const NewMessage& message) {
  STORE_ASSIGN_OR_RETURN(const MessageId id, ValidateNewMessage(message));
  STORE_ASSIGN_OR_RETURN(std::optional<AcceptOutcome> duplicate, FindIdempotentDuplicate(batch, message));
  if (duplicate) {
    return *duplicate;
  }
  return StoreNewMessage(batch, message, id);
}

// The original message when the sender used this idempotency key before for the same content.
StatusOr<std::optional<AcceptOutcome>> RocksDbStore::Impl::FindIdempotentDuplicate(GroupBatch& batch,
                                                                                   const NewMessage& message) {
  if (message.idempotency_key.empty()) {
    return std::optional<AcceptOutcome>();
  }
  STORE_ASSIGN_OR_RETURN(
      std::optional<records::IdempotencyRecord> record,
      batch.ReadRecord<records::IdempotencyRecord>(
          ColumnFamily::kIdempotency, keys::IdempotencyKey(message.message.sender_code(), message.idempotency_key)));
  if (!record) {
    return std::optional<AcceptOutcome>();
  }
  if (record->content_digest() != message.content_digest) {
    return Status(ErrorCode::kIdempotencyConflict, "idempotency key '" + message.idempotency_key +
                                                       "' was already used for different content by message " +
                                                       record->message_id());
  }
  const std::optional<MessageId> original_id = MessageId::Parse(record->message_id());
  if (!original_id) {
    return InternalError(CorruptRecord(ColumnFamily::kIdempotency));
  }
  STORE_ASSIGN_OR_RETURN(records::StoredMessage original,
                         batch.ReadExisting<records::StoredMessage>(ColumnFamily::kMessages, *original_id));
  AcceptOutcome outcome;
  outcome.id = *original_id;
  outcome.duplicate = true;
  outcome.accepted_at_ms = ToMillis(original.message().accepted_at());
  return std::optional<AcceptOutcome>(outcome);
}

// Writes a new message, its first state and history event, its queue entry, its idempotency record and the next
// sequence, and queues it as ready.
StatusOr<AcceptOutcome> RocksDbStore::Impl::StoreNewMessage(GroupBatch& batch, const NewMessage& message,
                                                            const MessageId& id) {
  const std::string message_key = keys::MessageKey(id);
  STORE_ASSIGN_OR_RETURN(std::optional<std::string> existing, batch.Read(ColumnFamily::kMessages, message_key));
  if (existing) {
    return InternalError("message id " + id.ToString() + " is already stored");  // would overwrite a message
  }
  const api::Message& body = message.message;
  const UnixMillis accepted_ms = ToMillis(body.accepted_at());
  const uint64_t sequence = index_.TakeSequence();

  records::StoredMessage stored;
  *stored.mutable_message() = body;
  stored.mutable_message()->set_delivery_attempt(0);
  stored.set_sequence(sequence);
  stored.set_idempotency_key(message.idempotency_key);
  *stored.mutable_information_type() = message.information_type;
  stored.set_agreement_id(message.agreement_id);
  MEZHVED_RETURN_IF_ERROR(batch.PutRecord(ColumnFamily::kMessages, message_key, stored));

  records::StoredState state;
  state.set_state(api::MESSAGE_STATE_ACCEPTED);
  state.set_updated_at_ms(accepted_ms);
  state.set_in_queue(true);
  state.set_accepted_at_ms(accepted_ms);
  state.set_recipient_code(body.recipient_code());
  state.set_kind(body.kind());
  state.set_information_type_id(message.information_type.id());
  if (body.has_request()) {
    state.set_received_at_ms(ReceivedAtOf(body));
  }
  if (message.timers.due_at_ms != 0) {
    MEZHVED_RETURN_IF_ERROR(StartClock(batch, id, state, message.timers));
  }
  if (body.has_request() && !body.request().test_message()) {  // test traffic stays out of the reports
    MEZHVED_RETURN_IF_ERROR(IndexRequest(batch, message, id));
  }
  MEZHVED_RETURN_IF_ERROR(WriteStateWithEvent(
      batch, id, state,
      MakeEvent(api::MESSAGE_STATE_ACCEPTED, accepted_ms,
                message.accepted_by.empty() ? body.sender_code() : message.accepted_by, message.accepted_note)));

  MEZHVED_RETURN_IF_ERROR(
      batch.Put(ColumnFamily::kQueues, keys::QueueKey(body.recipient_code(), sequence), id.bytes()));
  if (!message.idempotency_key.empty()) {
    records::IdempotencyRecord record;
    record.set_message_id(id.ToString());
    record.set_content_digest(message.content_digest);
    MEZHVED_RETURN_IF_ERROR(batch.PutRecord(ColumnFamily::kIdempotency,
                                            keys::IdempotencyKey(body.sender_code(), message.idempotency_key), record));
  }
  MEZHVED_RETURN_IF_ERROR(
      batch.Put(ColumnFamily::kMeta, keys::kNextSequenceKey, keys::EncodeBigEndian64(sequence + 1)));

  Slot slot;
  slot.id = id;
  slot.accepted_ms = accepted_ms;
  index_.PutSlot(body.recipient_code(), sequence, slot);
  AcceptOutcome outcome;
  outcome.id = id;
  outcome.accepted_at_ms = accepted_ms;
  return outcome;
}

void RocksDbStore::Impl::NoteFact(MessageFact::Event event, const records::StoredState& state, UnixMillis at_ms,
                                  uint32_t attempt) {
  MessageFact fact;
  fact.event = event;
  fact.recipient_code = state.recipient_code();
  fact.kind = state.kind();
  fact.information_type_id = state.information_type_id();
  fact.accepted_at_ms = state.accepted_at_ms();
  fact.at_ms = at_ms;
  fact.attempt = attempt;
  index_.NoteFact(std::move(fact));
}

Status RocksDbStore::Impl::WriteStateWithEvent(GroupBatch& batch, const MessageId& id, records::StoredState& state,
                                               const api::HistoryEvent& event) {
  if (options_.tallier != nullptr && options_.tallier->Affects(event)) {
    MEZHVED_RETURN_IF_ERROR(RetallyOnEvent(batch, id, state, event));
  }
  MEZHVED_RETURN_IF_ERROR(batch.PutRecord(ColumnFamily::kHistory, keys::HistoryKey(id, state.history_length()), event));
  state.set_history_length(state.history_length() + 1);
  return batch.PutRecord(ColumnFamily::kStates, keys::MessageKey(id), state);
}

// --- AcceptResponse ----------------------------------------------------------------------------------------------

StatusOr<AcceptOutcome> RocksDbStore::Impl::ApplyAcceptResponse(GroupBatch& batch, const NewMessage& response,
                                                                const MessageId& request_id,
                                                                const RequestTransition& transition) {
  STORE_ASSIGN_OR_RETURN(const MessageId response_id, ValidateNewMessage(response));
  if (!transition) {
    return Status(ErrorCode::kInvalidArgument, "a response needs a request transition");
  }
  STORE_ASSIGN_OR_RETURN(std::optional<AcceptOutcome> duplicate, FindIdempotentDuplicate(batch, response));
  if (duplicate) {
    return *duplicate;  // the transition already happened with the original
  }
  STORE_ASSIGN_OR_RETURN(
      std::optional<records::StoredMessage> request,
      batch.ReadRecord<records::StoredMessage>(ColumnFamily::kMessages, keys::MessageKey(request_id)));
  if (!request) {
    return Status(ErrorCode::kNotFound, "request " + request_id.ToString() + " not found");
  }
  if (request->message().kind() != api::MESSAGE_KIND_REQUEST) {
    return Status(ErrorCode::kNotARequest, "message " + request_id.ToString() + " is not a request");
  }
  STORE_ASSIGN_OR_RETURN(records::StoredState request_state,
                         batch.ReadExisting<records::StoredState>(ColumnFamily::kStates, request_id));
  STORE_ASSIGN_OR_RETURN(const RequestChange change,
                         transition(RequestView{request->message(), request_state.state(), request->agreement_id(),
                                                request_state.deadline_status()}));
  STORE_ASSIGN_OR_RETURN(AcceptOutcome outcome, StoreNewMessage(batch, response, response_id));
  MEZHVED_RETURN_IF_ERROR(
      RecordResponseOnRequest(batch, request_id, std::move(request_state), change, response.message));
  return outcome;
}

// The request takes the state the response gives it, lists the response and, if it still waits in its recipient's
// queue, leaves it: answering a request acknowledges it.
Status RocksDbStore::Impl::RecordResponseOnRequest(GroupBatch& batch, const MessageId& request_id,
                                                   records::StoredState state, const RequestChange& change,
                                                   const api::Message& response) {
  const UnixMillis at_ms = ToMillis(response.accepted_at());
  state.set_state(change.state);
  state.add_response_ids(response.message_id());
  state.set_updated_at_ms(at_ms);
  if (const std::optional<SlotRef> pending = index_.FindPending(request_id)) {
    MEZHVED_RETURN_IF_ERROR(
        batch.Delete(ColumnFamily::kQueues, keys::QueueKey(pending->recipient_code, pending->sequence)));
    index_.PutSlot(pending->recipient_code, pending->sequence, std::nullopt);
    state.set_in_queue(false);
    state.set_lease_until_ms(0);
    NoteFact(MessageFact::Event::kAcknowledged, state, at_ms);
  }
  api::HistoryEvent event = MakeEvent(change.state, at_ms, response.sender_code());
  event.set_related_message_id(response.message_id());
  if (response.response().has_refusal()) {
    event.set_refusal_reason(response.response().refusal().reason());
  }
  MEZHVED_RETURN_IF_ERROR(ApplyClockChange(batch, request_id, state, change, event));
  return WriteStateWithEvent(batch, request_id, state, event);
}

// --- Lease and lease ends ----------------------------------------------------------------------------------------

StatusOr<std::vector<api::Message>> RocksDbStore::Impl::ApplyLease(GroupBatch& batch, const std::string& recipient_code,
                                                                   const LeaseOptions& options) {
  MEZHVED_RETURN_IF_ERROR(CheckOrganisationCode("recipient_code", recipient_code));
  if (options.lease_ms < 0) {
    return Status(ErrorCode::kInvalidArgument, "lease_ms must not be negative");
  }
  // A message is delivered at least once before it can be dead-lettered.
  const uint32_t max_attempts = std::max<uint32_t>(options.max_attempts, 1);
  for (uint64_t sequence : index_.ExpiredLeasesOf(recipient_code, options.now_ms)) {
    const StatusOr<bool> ended = EndLease(batch, recipient_code, sequence, options.now_ms, max_attempts);
    if (!ended.ok()) {
      return ended.status();
    }
  }
  std::vector<api::Message> delivered;
  size_t delivered_bytes = 0;
  std::optional<uint64_t> cursor;
  uint32_t refused = 0;
  while (delivered.size() < options.max_messages) {
    cursor = index_.NextReady(recipient_code, cursor);
    if (!cursor) {
      break;
    }
    const Slot slot = *index_.FindSlot(recipient_code, *cursor);
    if (slot.attempts >= max_attempts) {
      // Delivered max_attempts times already (a restart or a lower limit since): no further delivery.
      MEZHVED_RETURN_IF_ERROR(DeadLetter(batch, recipient_code, *cursor, slot, options.now_ms));
      continue;
    }
    STORE_ASSIGN_OR_RETURN(records::StoredMessage stored,
                           batch.ReadExisting<records::StoredMessage>(ColumnFamily::kMessages, slot.id));
    if (options.accepts && !options.accepts(stored.message())) {
      if (options.max_examined > 0 && ++refused >= options.max_examined) {
        break;
      }
      continue;  // not what this caller asks for: it stays ready, in place
    }
    const size_t size = stored.message().ByteSizeLong();
    if (!delivered.empty() && options.max_bytes > 0 && delivered_bytes + size > options.max_bytes) {
      break;  // the next message would not fit into one answer: it waits for the next Receive
    }
    STORE_ASSIGN_OR_RETURN(api::Message message,
                           Deliver(batch, recipient_code, *cursor, slot, std::move(stored), options));
    delivered_bytes += size;
    delivered.push_back(std::move(message));
  }
  return delivered;
}

StatusOr<api::Message> RocksDbStore::Impl::Deliver(GroupBatch& batch, const std::string& recipient_code,
                                                   uint64_t sequence, Slot slot, records::StoredMessage stored,
                                                   const LeaseOptions& options) {
  STORE_ASSIGN_OR_RETURN(records::StoredState state,
                         batch.ReadExisting<records::StoredState>(ColumnFamily::kStates, slot.id));
  slot.attempts += 1;
  slot.leased = true;
  slot.lease_until_ms = options.now_ms + options.lease_ms;
  state.set_state(api::MESSAGE_STATE_DELIVERED);
  state.set_attempts(slot.attempts);
  state.set_lease_until_ms(slot.lease_until_ms);
  state.set_updated_at_ms(options.now_ms);
  api::HistoryEvent event = MakeEvent(api::MESSAGE_STATE_DELIVERED, options.now_ms, recipient_code);
  event.set_attempt(slot.attempts);
  MEZHVED_RETURN_IF_ERROR(WriteStateWithEvent(batch, slot.id, state, event));
  index_.PutSlot(recipient_code, sequence, slot);
  NoteFact(MessageFact::Event::kDelivered, state, options.now_ms, slot.attempts);

  api::Message message = std::move(*stored.mutable_message());
  message.set_delivery_attempt(slot.attempts);
  return message;
}

// A lease has ended: the message is ready again (true), or dead-lettered after max_attempts deliveries (false).
// Becoming ready writes nothing: the state stays DELIVERED with its past lease_until_ms until the next delivery,
// ack or dead-lettering, and on reopen the slot is loaded as leased and ends again here.
StatusOr<bool> RocksDbStore::Impl::EndLease(GroupBatch& batch, const std::string& recipient_code, uint64_t sequence,
                                            UnixMillis now_ms, uint32_t max_attempts) {
  Slot slot = *index_.FindSlot(recipient_code, sequence);
  if (slot.attempts >= max_attempts) {
    MEZHVED_RETURN_IF_ERROR(DeadLetter(batch, recipient_code, sequence, slot, now_ms));
    return false;
  }
  slot.leased = false;
  slot.lease_until_ms = 0;
  index_.PutSlot(recipient_code, sequence, slot);
  return true;
}

Status RocksDbStore::Impl::DeadLetter(GroupBatch& batch, const std::string& recipient_code, uint64_t sequence,
                                      const Slot& slot, UnixMillis now_ms) {
  STORE_ASSIGN_OR_RETURN(records::StoredState state,
                         batch.ReadExisting<records::StoredState>(ColumnFamily::kStates, slot.id));
  const std::string queue_key = keys::QueueKey(recipient_code, sequence);
  MEZHVED_RETURN_IF_ERROR(batch.Delete(ColumnFamily::kQueues, queue_key));
  MEZHVED_RETURN_IF_ERROR(batch.Put(ColumnFamily::kDeadLetters, queue_key, slot.id.bytes()));
  state.set_state(api::MESSAGE_STATE_DEAD_LETTERED);
  state.set_in_queue(false);
  state.set_lease_until_ms(0);
  state.set_updated_at_ms(now_ms);
  const std::string note = "lease ended after " + std::to_string(slot.attempts) + " deliveries";
  MEZHVED_RETURN_IF_ERROR(WriteStateWithEvent(
      batch, slot.id, state, MakeEvent(api::MESSAGE_STATE_DEAD_LETTERED, now_ms, kGatewayActor, note)));
  index_.PutSlot(recipient_code, sequence, std::nullopt);
  index_.AddDeadLetters(recipient_code, 1);
  NoteFact(MessageFact::Event::kDeadLettered, state, now_ms, slot.attempts);
  return Status::Ok();
}

StatusOr<SweepOutcome> RocksDbStore::Impl::ApplySweep(GroupBatch& batch, UnixMillis now_ms, uint32_t max_attempts) {
  max_attempts = std::max<uint32_t>(max_attempts, 1);
  std::set<std::string> recipients_with_ready;
  SweepOutcome outcome;
  for (const MessageId& id : index_.ExpiredLeases(now_ms)) {
    const SlotRef slot = *index_.FindPending(id);
    STORE_ASSIGN_OR_RETURN(const bool ready, EndLease(batch, slot.recipient_code, slot.sequence, now_ms, max_attempts));
    if (ready) {
      recipients_with_ready.insert(slot.recipient_code);
    } else {
      ++outcome.dead_lettered;
    }
  }
  outcome.recipients_with_ready.assign(recipients_with_ready.begin(), recipients_with_ready.end());
  return outcome;
}

// --- Ack ---------------------------------------------------------------------------------------------------------

StatusOr<std::vector<AckItem>> RocksDbStore::Impl::ApplyAck(GroupBatch& batch, const std::string& recipient_code,
                                                            const std::vector<MessageId>& ids, UnixMillis now_ms,
                                                            const std::string& note) {
  MEZHVED_RETURN_IF_ERROR(CheckOrganisationCode("recipient_code", recipient_code));
  std::vector<AckItem> items;
  items.reserve(ids.size());
  for (const MessageId& id : ids) {
    STORE_ASSIGN_OR_RETURN(const AckOutcome outcome, AckOne(batch, recipient_code, id, now_ms, note));
    items.push_back(AckItem{id, outcome});
  }
  return items;
}

StatusOr<AckOutcome> RocksDbStore::Impl::AckOne(GroupBatch& batch, const std::string& recipient_code,
                                                const MessageId& id, UnixMillis now_ms, const std::string& note) {
  const std::optional<SlotRef> pending = index_.FindPending(id);
  if (!pending || pending->recipient_code != recipient_code) {
    return ClassifyUnpendingAck(batch, recipient_code, id);
  }
  const Slot slot = *index_.FindSlot(recipient_code, pending->sequence);
  if (slot.attempts == 0) {
    return AckOutcome::kNotDelivered;
  }
  // An ended lease not yet redelivered still counts: the recipient did get the message.
  STORE_ASSIGN_OR_RETURN(records::StoredState state,
                         batch.ReadExisting<records::StoredState>(ColumnFamily::kStates, id));
  MEZHVED_RETURN_IF_ERROR(batch.Delete(ColumnFamily::kQueues, keys::QueueKey(recipient_code, pending->sequence)));
  if (!IsAcknowledgedOrAnswered(state.state())) {
    state.set_state(api::MESSAGE_STATE_ACKNOWLEDGED);  // a response may already have moved a request further
  }
  state.set_in_queue(false);
  state.set_lease_until_ms(0);
  state.set_updated_at_ms(now_ms);
  MEZHVED_RETURN_IF_ERROR(
      WriteStateWithEvent(batch, id, state, MakeEvent(api::MESSAGE_STATE_ACKNOWLEDGED, now_ms, recipient_code, note)));
  index_.PutSlot(recipient_code, pending->sequence, std::nullopt);
  NoteFact(MessageFact::Event::kAcknowledged, state, now_ms);
  return AckOutcome::kAcknowledged;
}

// Why an ack of a message that is not pending for this recipient does nothing. Another recipient's message is
// NOT_FOUND, as if it did not exist.
StatusOr<AckOutcome> RocksDbStore::Impl::ClassifyUnpendingAck(GroupBatch& batch, const std::string& recipient_code,
                                                              const MessageId& id) {
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredMessage> stored,
                         batch.ReadRecord<records::StoredMessage>(ColumnFamily::kMessages, keys::MessageKey(id)));
  if (!stored || stored->message().recipient_code() != recipient_code) {
    return AckOutcome::kNotFound;
  }
  STORE_ASSIGN_OR_RETURN(records::StoredState state,
                         batch.ReadExisting<records::StoredState>(ColumnFamily::kStates, id));
  if (IsAcknowledgedOrAnswered(state.state())) {
    return AckOutcome::kAlreadyAcknowledged;
  }
  if (state.state() == api::MESSAGE_STATE_DEAD_LETTERED) {
    return AckOutcome::kNotDelivered;
  }
  return AckOutcome::kNotFound;
}

// --- Requeue -----------------------------------------------------------------------------------------------------

StatusOr<std::vector<RequeueItem>> RocksDbStore::Impl::ApplyRequeue(GroupBatch& batch,
                                                                    const std::vector<MessageId>& ids,
                                                                    const std::string& actor, UnixMillis now_ms) {
  std::vector<RequeueItem> items;
  items.reserve(ids.size());
  for (const MessageId& id : ids) {
    STORE_ASSIGN_OR_RETURN(RequeueItem item, RequeueOne(batch, id, actor, now_ms));
    items.push_back(std::move(item));
  }
  return items;
}

// An error fails the whole requeue (a read error); the item's status is this message's outcome.
StatusOr<RequeueItem> RocksDbStore::Impl::RequeueOne(GroupBatch& batch, const MessageId& id, const std::string& actor,
                                                     UnixMillis now_ms) {
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                         batch.ReadRecord<records::StoredState>(ColumnFamily::kStates, keys::MessageKey(id)));
  if (!state) {
    return RequeueItem{id, Status(ErrorCode::kNotFound, "message " + id.ToString() + " not found")};
  }
  if (state->state() != api::MESSAGE_STATE_DEAD_LETTERED) {
    return RequeueItem{id, Status(ErrorCode::kNotDeadLettered, "message " + id.ToString() + " is not dead-lettered")};
  }
  STORE_ASSIGN_OR_RETURN(records::StoredMessage stored,
                         batch.ReadExisting<records::StoredMessage>(ColumnFamily::kMessages, id));
  const std::string& recipient_code = stored.message().recipient_code();
  const std::string queue_key = keys::QueueKey(recipient_code, stored.sequence());
  MEZHVED_RETURN_IF_ERROR(batch.Delete(ColumnFamily::kDeadLetters, queue_key));
  MEZHVED_RETURN_IF_ERROR(batch.Put(ColumnFamily::kQueues, queue_key, id.bytes()));
  state->set_state(api::MESSAGE_STATE_ACCEPTED);
  state->set_attempts(0);
  state->set_lease_until_ms(0);
  state->set_in_queue(true);
  state->set_updated_at_ms(now_ms);
  MEZHVED_RETURN_IF_ERROR(
      WriteStateWithEvent(batch, id, *state, MakeEvent(api::MESSAGE_STATE_ACCEPTED, now_ms, actor, kRequeueNote)));

  Slot slot;
  slot.id = id;
  slot.accepted_ms = ToMillis(stored.message().accepted_at());
  index_.PutSlot(recipient_code, stored.sequence(), slot);
  index_.AddDeadLetters(recipient_code, -1);
  return RequeueItem{id, Status::Ok()};
}

// --- Reads -------------------------------------------------------------------------------------------------------

StatusOr<std::optional<std::string>> RocksDbStore::Impl::ReadCommitted(const rocksdb::ReadOptions& read_options,
                                                                       ColumnFamily family,
                                                                       std::string_view key) const {
  std::string value;
  const rocksdb::Status status = db_->Get(read_options, Handle(family), rocksdb::Slice(key), &value);
  return ValueOrAbsent(family, status, std::move(value));
}

StatusOr<MessageRecord> RocksDbStore::Impl::Get(const MessageId& id) const {
  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return Status(ErrorCode::kUnavailable, "the store is closed");
  }
  const rocksdb::ReadOptions& read_options = read.options();
  const std::string key = keys::MessageKey(id);
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredMessage> stored,
                         ReadCommittedRecord<records::StoredMessage>(read_options, ColumnFamily::kMessages, key));
  if (!stored) {
    return Status(ErrorCode::kNotFound, "message " + id.ToString() + " not found");
  }
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                         ReadCommittedRecord<records::StoredState>(read_options, ColumnFamily::kStates, key));
  if (!state) {
    return InternalError("message " + id.ToString() + " has no state");
  }
  MessageRecord record;
  STORE_ASSIGN_OR_RETURN(record.history, ReadHistory(read_options, id));
  record.message = std::move(*stored->mutable_message());
  record.message.set_delivery_attempt(state->attempts());
  record.information_type = std::move(*stored->mutable_information_type());
  record.agreement_id = stored->agreement_id();
  record.state = state->state();
  record.attempts = state->attempts();
  record.lease_until_ms = state->state() == api::MESSAGE_STATE_DELIVERED ? state->lease_until_ms() : 0;
  record.response_ids.assign(state->response_ids().begin(), state->response_ids().end());
  record.deadline_status = state->deadline_status();
  record.timers.due_soon_at_ms = state->due_soon_at_ms();
  record.timers.due_at_ms = state->due_at_ms();
  return record;
}

StatusOr<std::vector<api::HistoryEvent>> RocksDbStore::Impl::ReadHistory(const rocksdb::ReadOptions& read_options,
                                                                         const MessageId& id) const {
  const std::string prefix = keys::HistoryPrefix(id);
  const std::string upper = keys::PrefixUpperBound(prefix);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions bounded = read_options;
  if (!upper.empty()) {
    bounded.iterate_upper_bound = &upper_slice;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(bounded, Handle(ColumnFamily::kHistory)));
  return ReadHistoryFrom(*it, id);
}

StatusOr<MessageSummary> RocksDbStore::Impl::ReadSummary(const rocksdb::ReadOptions& read_options,
                                                         const MessageId& id) const {
  const std::string key = keys::MessageKey(id);
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredMessage> stored,
                         ReadCommittedRecord<records::StoredMessage>(read_options, ColumnFamily::kMessages, key));
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                         ReadCommittedRecord<records::StoredState>(read_options, ColumnFamily::kStates, key));
  if (!stored || !state) {
    return InternalError("queued message " + id.ToString() + " has no message or state record");
  }
  return SummaryOf(id, *stored, *state);
}

StatusOr<bool> RocksDbStore::Impl::ApplyAnnotate(GroupBatch& batch, const MessageId& id, api::HistoryEvent event) {
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                         batch.ReadRecord<records::StoredState>(ColumnFamily::kStates, keys::MessageKey(id)));
  if (!state) {
    return Status(ErrorCode::kNotFound, "message " + id.ToString() + " not found");
  }
  event.set_state(state->state());
  MEZHVED_RETURN_IF_ERROR(WriteStateWithEvent(batch, id, *state, event));
  return true;
}

namespace {

// The id of an "agreements" key: everything before the '\0' that precedes the version.
std::string AgreementIdOf(std::string_view key) { return std::string(key.substr(0, key.find('\0'))); }

AgreementVersion FromRecord(const records::AgreementVersion& record) {
  return {record.agreement(), record.version(), record.recorded_at_ms(), record.withdrawn()};
}

}  // namespace

StatusOr<AgreementSync> RocksDbStore::Impl::ApplyRecordAgreements(GroupBatch& batch,
                                                                  const std::vector<config::v1::Agreement>& agreements,
                                                                  UnixMillis now_ms) {
  // The latest recorded version of each agreement: keys sort by id, then version, so the last one read wins.
  std::map<std::string, records::AgreementVersion> latest;
  std::unique_ptr<rocksdb::Iterator> it = batch.NewIterator(ColumnFamily::kAgreements);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    records::AgreementVersion& record = latest[AgreementIdOf(it->key().ToStringView())];
    if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return InternalError(CorruptRecord(ColumnFamily::kAgreements));
    }
  }
  if (!it->status().ok()) {
    return FromRocksDb("reading the agreements", it->status());
  }
  const auto record_version = [&](const config::v1::Agreement& agreement, uint32_t version, bool withdrawn) {
    records::AgreementVersion record;
    *record.mutable_agreement() = agreement;
    record.set_version(version);
    record.set_recorded_at_ms(now_ms);
    record.set_withdrawn(withdrawn);
    return batch.PutRecord(ColumnFamily::kAgreements, keys::AgreementKey(agreement.id(), version), record);
  };
  AgreementSync sync;
  std::set<std::string> configured;
  for (const config::v1::Agreement& agreement : agreements) {
    configured.insert(agreement.id());
    auto found = latest.find(agreement.id());
    if (found == latest.end()) {
      MEZHVED_RETURN_IF_ERROR(record_version(agreement, 1, false));
      ++sync.added;
    } else if (found->second.withdrawn() ||
               !google::protobuf::util::MessageDifferencer::Equals(found->second.agreement(), agreement)) {
      MEZHVED_RETURN_IF_ERROR(record_version(agreement, found->second.version() + 1, false));
      ++sync.changed;
    }
  }
  for (const auto& [id, record] : latest) {
    if (!configured.contains(id) && !record.withdrawn()) {
      config::v1::Agreement gone;
      gone.set_id(id);
      MEZHVED_RETURN_IF_ERROR(record_version(gone, record.version() + 1, true));
      ++sync.withdrawn;
    }
  }
  return sync;
}

StatusOr<std::vector<AgreementVersion>> RocksDbStore::Impl::AgreementVersions(const std::string& agreement_id) const {
  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return Status(ErrorCode::kUnavailable, "the store is closed");
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read.options(), Handle(ColumnFamily::kAgreements)));
  const std::string prefix = agreement_id.empty() ? std::string() : keys::AgreementPrefix(agreement_id);
  std::vector<AgreementVersion> versions;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    records::AgreementVersion record;
    if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return InternalError(CorruptRecord(ColumnFamily::kAgreements));
    }
    // Without an id, only the latest version of each agreement: a later one replaces the one before.
    if (agreement_id.empty() && !versions.empty() && versions.back().agreement.id() == record.agreement().id()) {
      versions.pop_back();
    }
    versions.push_back(FromRecord(record));
  }
  if (!it->status().ok()) {
    return FromRocksDb("reading the agreements", it->status());
  }
  return versions;
}

StatusOr<bool> RocksDbStore::Impl::ApplyRecordRejection(GroupBatch& batch, const api::Rejection& rejection) {
  const uint64_t sequence = index_.TakeSequence();
  const UnixMillis at_ms = google::protobuf::util::TimeUtil::TimestampToMilliseconds(rejection.at());
  MEZHVED_RETURN_IF_ERROR(batch.PutRecord(ColumnFamily::kRejections, keys::RejectionKey(at_ms, sequence), rejection));
  MEZHVED_RETURN_IF_ERROR(
      batch.Put(ColumnFamily::kMeta, keys::kNextSequenceKey, keys::EncodeBigEndian64(sequence + 1)));
  return true;
}

StatusOr<RejectionPage> RocksDbStore::Impl::ListRejections(uint32_t limit, const std::string& page_token) const {
  RejectionPage page;
  STORE_ASSIGN_OR_RETURN(
      page.next_page_token,
      ReadPageBackward(ColumnFamily::kRejections, page_token, keys::kRejectionKeySize, limit, "listing rejections",
                       [&page](const rocksdb::ReadOptions&, rocksdb::Slice, rocksdb::Slice value) {
                         api::Rejection& rejection = page.rejections.emplace_back();
                         if (!rejection.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                           return InternalError(CorruptRecord(ColumnFamily::kRejections));
                         }
                         return Status::Ok();
                       }));
  return page;
}

StatusOr<std::string> RocksDbStore::Impl::ReadPageForward(ColumnFamily family, const std::string& page_token,
                                                          size_t key_size, uint32_t limit, std::string_view what,
                                                          const PageEntry& take) const {
  std::optional<std::string> after;
  if (!page_token.empty()) {
    after = keys::DecodeKeyToken(page_token, key_size);
    if (!after) {
      return Status(ErrorCode::kInvalidArgument, "malformed page_token");
    }
  }
  limit = std::clamp<uint32_t>(limit, 1, kMaxPageSize);
  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return Status(ErrorCode::kUnavailable, "the store is closed");
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read.options(), Handle(family)));
  if (after) {
    it->Seek(*after);
    if (it->Valid() && it->key() == rocksdb::Slice(*after)) {
      it->Next();  // the token names the last entry already returned
    }
  } else {
    it->SeekToFirst();
  }
  std::string last_key;
  for (uint32_t taken = 0; it->Valid() && taken < limit; it->Next(), ++taken) {
    MEZHVED_RETURN_IF_ERROR(take(read.options(), it->key(), it->value()));
    last_key = it->key().ToString();
  }
  if (!it->status().ok()) {
    return FromRocksDb(what, it->status());
  }
  return it->Valid() ? keys::EncodeKeyToken(last_key) : std::string();
}

StatusOr<std::string> RocksDbStore::Impl::ReadPageBackward(ColumnFamily family, const std::string& page_token,
                                                           size_t key_size, uint32_t limit, std::string_view what,
                                                           const PageEntry& take) const {
  std::optional<std::string> before;
  if (!page_token.empty()) {
    before = keys::DecodeKeyToken(page_token, key_size);
    if (!before) {
      return Status(ErrorCode::kInvalidArgument, "malformed page_token");
    }
  }
  limit = std::clamp<uint32_t>(limit, 1, kMaxPageSize);
  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return Status(ErrorCode::kUnavailable, "the store is closed");
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read.options(), Handle(family)));
  if (before) {
    it->SeekForPrev(*before);
    if (it->Valid() && it->key() == rocksdb::Slice(*before)) {
      it->Prev();  // the token names the last entry already returned
    }
  } else {
    it->SeekToLast();
  }
  std::string last_key;
  for (uint32_t taken = 0; it->Valid() && taken < limit; it->Prev(), ++taken) {
    MEZHVED_RETURN_IF_ERROR(take(read.options(), it->key(), it->value()));
    last_key = it->key().ToString();
  }
  if (!it->status().ok()) {
    return FromRocksDb(what, it->status());
  }
  return it->Valid() ? keys::EncodeKeyToken(last_key) : std::string();
}

StatusOr<StoredMessagePage> RocksDbStore::Impl::ScanMessages(const std::string& page_token, uint32_t limit) const {
  StoredMessagePage page;
  STORE_ASSIGN_OR_RETURN(
      page.next_page_token,
      ReadPageForward(ColumnFamily::kMessages, page_token, MessageId::kSize, limit, "scanning the messages",
                      [&page](const rocksdb::ReadOptions&, rocksdb::Slice, rocksdb::Slice value) {
                        records::StoredMessage stored;
                        if (!stored.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                          return InternalError(CorruptRecord(ColumnFamily::kMessages));
                        }
                        page.messages.push_back(std::move(*stored.mutable_message()));
                        return Status::Ok();
                      }));
  return page;
}

std::vector<QueueStat> RocksDbStore::Impl::QueueStats() const {
  std::lock_guard lock(stats_mutex_);
  std::vector<QueueStat> stats;
  stats.reserve(published_stats_.size());
  for (const auto& [recipient_code, stat] : published_stats_) {
    stats.push_back(stat);
  }
  return stats;
}

// -----------------------------------------------------------------------------------------------------------------
// RocksDbStore: hands each call to the Impl; mutations become closures that the writer thread applies.

StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const RocksDbStoreOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  MEZHVED_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(std::move(impl)));
}

RocksDbStore::RocksDbStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RocksDbStore::~RocksDbStore() { impl_->Close(); }

void RocksDbStore::Close() { impl_->Close(); }

uint64_t RocksDbStore::CommittedBatches() const { return impl_->CommittedBatches(); }

void RocksDbStore::Accept(NewMessage message, Done<AcceptOutcome> done) {
  impl_->Submit<AcceptOutcome>([impl = impl_.get(), message = std::move(message)](
                                   GroupBatch& batch) { return impl->ApplyAccept(batch, message); },
                               std::move(done));
}

void RocksDbStore::AcceptResponse(NewMessage response, MessageId request_id, RequestTransition transition,
                                  Done<AcceptOutcome> done) {
  impl_->Submit<AcceptOutcome>(
      [impl = impl_.get(), response = std::move(response), request_id, transition = std::move(transition)](
          GroupBatch& batch) { return impl->ApplyAcceptResponse(batch, response, request_id, transition); },
      std::move(done));
}

void RocksDbStore::Lease(std::string recipient_code, LeaseOptions options, Done<std::vector<api::Message>> done) {
  impl_->Submit<std::vector<api::Message>>(
      [impl = impl_.get(), recipient_code = std::move(recipient_code), options](GroupBatch& batch) {
        return impl->ApplyLease(batch, recipient_code, options);
      },
      std::move(done));
}

void RocksDbStore::Ack(std::string recipient_code, std::vector<MessageId> ids, UnixMillis now_ms, std::string note,
                       Done<std::vector<AckItem>> done) {
  impl_->Submit<std::vector<AckItem>>(
      [impl = impl_.get(), recipient_code = std::move(recipient_code), ids = std::move(ids), now_ms,
       note = std::move(note)](GroupBatch& batch) { return impl->ApplyAck(batch, recipient_code, ids, now_ms, note); },
      std::move(done));
}

void RocksDbStore::Requeue(std::vector<MessageId> ids, std::string actor, UnixMillis now_ms,
                           Done<std::vector<RequeueItem>> done) {
  impl_->Submit<std::vector<RequeueItem>>(
      [impl = impl_.get(), ids = std::move(ids), actor = std::move(actor), now_ms](GroupBatch& batch) {
        return impl->ApplyRequeue(batch, ids, actor, now_ms);
      },
      std::move(done));
}

void RocksDbStore::SweepExpiredLeases(UnixMillis now_ms, uint32_t max_attempts, Done<SweepOutcome> done) {
  impl_->Submit<SweepOutcome>([impl = impl_.get(), now_ms, max_attempts](
                                  GroupBatch& batch) { return impl->ApplySweep(batch, now_ms, max_attempts); },
                              std::move(done));
}

void RocksDbStore::Annotate(MessageId id, api::HistoryEvent event, Done<bool> done) {
  impl_->Submit<bool>([impl = impl_.get(), id,
                       event = std::move(event)](GroupBatch& batch) { return impl->ApplyAnnotate(batch, id, event); },
                      std::move(done));
}

void RocksDbStore::RecordAgreements(std::vector<config::v1::Agreement> agreements, UnixMillis now_ms,
                                    Done<AgreementSync> done) {
  impl_->Submit<AgreementSync>(
      [impl = impl_.get(), agreements = std::move(agreements), now_ms](GroupBatch& batch) {
        return impl->ApplyRecordAgreements(batch, agreements, now_ms);
      },
      std::move(done));
}

StatusOr<std::vector<AgreementVersion>> RocksDbStore::AgreementVersions(const std::string& agreement_id) const {
  return impl_->AgreementVersions(agreement_id);
}

void RocksDbStore::RecordRejection(api::Rejection rejection, Done<bool> done) {
  impl_->Submit<bool>([impl = impl_.get(), rejection = std::move(rejection)](
                          GroupBatch& batch) { return impl->ApplyRecordRejection(batch, rejection); },
                      std::move(done));
}

void RocksDbStore::RecordAudit(api::AuditEntry entry, Done<bool> done) {
  impl_->Submit<bool>([impl = impl_.get(),
                       entry = std::move(entry)](GroupBatch& batch) { return impl->ApplyRecordAudit(batch, entry); },
                      std::move(done));
}

void RocksDbStore::FireDueTimers(UnixMillis now_ms, uint32_t max_timers, NoticeBuilder build, Done<TimerSweep> done) {
  impl_->Submit<TimerSweep>([impl = impl_.get(), now_ms, max_timers, build = std::move(build)](
                                GroupBatch& batch) { return impl->ApplyFireTimers(batch, now_ms, max_timers, build); },
                            std::move(done));
}

void RocksDbStore::StopClock(MessageId id, api::HistoryEvent event, Done<bool> done) {
  impl_->Submit<bool>([impl = impl_.get(), id,
                       event = std::move(event)](GroupBatch& batch) { return impl->ApplyStopClock(batch, id, event); },
                      std::move(done));
}

StatusOr<OverduePage> RocksDbStore::ListOverdue(uint32_t limit, const std::string& page_token) const {
  return impl_->ListOverdue(limit, page_token);
}

StatusOr<StoredMessagePage> RocksDbStore::ScanMessages(const std::string& page_token, uint32_t limit) const {
  return impl_->ScanMessages(page_token, limit);
}

std::string RocksDbStore::TallyBasis() const { return impl_->TallyBasis(); }

StatusOr<BackupSummary> RocksDbStore::Backup(const std::string& directory) const { return impl_->Backup(directory); }

StatusOr<TallyRange> RocksDbStore::ReadTallies(int32_t first_day, int32_t last_day) const {
  return impl_->ReadTallies(first_day, last_day);
}

Status RocksDbStore::VisitRequestsReceived(UnixMillis from_ms, UnixMillis to_ms, const RequestVisitor& visit) const {
  return impl_->VisitRequestsReceived(from_ms, to_ms, visit);
}

StatusOr<RejectionPage> RocksDbStore::ListRejections(uint32_t limit, const std::string& page_token) const {
  return impl_->ListRejections(limit, page_token);
}

StatusOr<AuditPage> RocksDbStore::ListAudit(uint32_t limit, const std::string& page_token) const {
  return impl_->ListAudit(limit, page_token);
}

StatusOr<MessageRecord> RocksDbStore::Get(const MessageId& id) const { return impl_->Get(id); }

std::vector<QueueStat> RocksDbStore::QueueStats() const { return impl_->QueueStats(); }
void RocksDbStore::SetObserver(StoreObserver* observer) { impl_->SetObserver(observer); }
Status RocksDbStore::Health() const { return impl_->Health(); }

StatusOr<MessagePage> RocksDbStore::ListQueue(const ListQuery& query) const { return impl_->ListQueue(query); }

}  // namespace mezhved::store
