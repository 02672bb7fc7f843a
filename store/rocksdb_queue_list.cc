// ListQueue: one page of a recipient's pending messages or dead letters in sequence order, which is acceptance order,
// with the operators' filters (docs/ARCHITECTURE.md, "Storage layout", "Listing a queue"). Nothing here walks a
// whole queue: an acceptance-time range is found by binary search over the sequence numbers (the queue keys hold the
// message id, whose first 48 bits are the millisecond of acceptance), and a page looks at max_examined entries at
// most.
#include "store/rocksdb_store_impl.h"

namespace mezhved::store {
namespace {

// Sequences follow acceptance order only nearly: the core stamps a message's accepted_at (and its id) before it
// validates and seals it, and the writer gives it its sequence after that, so a message can take a sequence after
// one stamped up to this much later. The time bounds allow for it by looking at the entries this close beyond them.
// A larger inversion (the system clock stepped back) can keep a message near a bound out of a page filtered by
// time; it never puts one outside the range into it.
constexpr UnixMillis kAcceptanceSkewMs = 5'000;
// A page without its own max_examined looks at this many entries per message asked for.
constexpr uint32_t kExaminedPerMessage = 10;

struct QueueEntry {
  uint64_t sequence = 0;
  MessageId id;
};

StatusOr<QueueEntry> EntryAt(const rocksdb::Iterator& it, ColumnFamily family) {
  const std::optional<keys::QueueKeyParts> key = keys::DecodeQueueKey(it.key().ToStringView());
  const std::optional<MessageId> id = MessageId::FromBytes(it.value().ToStringView());
  if (!key || !id) {
    return InternalError(CorruptRecord(family));
  }
  return QueueEntry{key->sequence, *id};
}

// One recipient's entries of "queues" or "dead_letters", through an iterator bounded to its keys.
class RecipientEntries {
 public:
  RecipientEntries(rocksdb::Iterator& it, ColumnFamily family, std::string_view recipient_code)
      : it_(it), family_(family), recipient_code_(recipient_code) {}

  // The first and the last entry's sequences; nullopt when there is none.
  StatusOr<std::optional<std::pair<uint64_t, uint64_t>>> Span() {
    it_.SeekToFirst();
    STORE_ASSIGN_OR_RETURN(const std::optional<QueueEntry> first, Current());
    if (!first) {
      return std::optional<std::pair<uint64_t, uint64_t>>();
    }
    it_.SeekToLast();
    STORE_ASSIGN_OR_RETURN(const std::optional<QueueEntry> last, Current());
    if (!last) {
      return InternalError("the queue of " + std::string(recipient_code_) + " changed under a snapshot");
    }
    return std::optional<std::pair<uint64_t, uint64_t>>(std::pair(first->sequence, last->sequence));
  }

  // The smallest sequence s in [lo, end] such that the first entry at or after s, if it is below `end`, was
  // accepted at or after `at_ms`: where a range of acceptance time starts. A binary search over the sequence
  // numbers, one seek per step: an entry accepted before at_ms means that those before it were too.
  StatusOr<uint64_t> FirstAcceptedFrom(uint64_t lo, uint64_t end, UnixMillis at_ms) {
    uint64_t hi = end;
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      it_.Seek(keys::QueueKey(recipient_code_, mid));
      STORE_ASSIGN_OR_RETURN(const std::optional<QueueEntry> entry, Current());
      if (!entry || entry->sequence >= end || entry->id.Millis() >= at_ms) {
        hi = mid;
      } else {
        lo = entry->sequence + 1;
      }
    }
    return lo;
  }

  // The entry the iterator is on; nullopt past the recipient's keys.
  StatusOr<std::optional<QueueEntry>> Current() const {
    if (!it_.Valid()) {
      if (!it_.status().ok()) {
        return FromRocksDb("listing the queue of " + std::string(recipient_code_), it_.status());
      }
      return std::optional<QueueEntry>();
    }
    STORE_ASSIGN_OR_RETURN(QueueEntry entry, EntryAt(it_, family_));
    return std::optional<QueueEntry>(entry);
  }

 private:
  rocksdb::Iterator& it_;
  ColumnFamily family_;
  std::string_view recipient_code_;
};

Status CheckListQuery(const ListQuery& query) {
  MEZHVED_RETURN_IF_ERROR(CheckOrganisationCode("recipient_code", query.recipient_code));
  if (query.accepted_from_ms < 0 || query.accepted_to_ms < 0) {
    return {ErrorCode::kInvalidArgument, "the acceptance time range must not start or end before 1970"};
  }
  if (query.accepted_to_ms != 0 && query.accepted_to_ms < query.accepted_from_ms) {
    return {ErrorCode::kInvalidArgument, "the acceptance time range ends before it starts"};
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::optional<MessageSummary>> RocksDbStore::Impl::ReadSummaryIfMatching(
    const rocksdb::ReadOptions& read_options, const ListQuery& query, const MessageId& id) const {
  const std::string key = keys::MessageKey(id);
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredState> state,
                         ReadCommittedRecord<records::StoredState>(read_options, ColumnFamily::kStates, key));
  if (!state) {
    return InternalError("queued message " + id.ToString() + " has no state record");
  }
  const std::string& type = query.information_type_id;
  if ((query.state && state->state() != *query.state) ||
      (!type.empty() && !state->information_type_id().empty() && state->information_type_id() != type)) {
    return std::optional<MessageSummary>();
  }
  STORE_ASSIGN_OR_RETURN(std::optional<records::StoredMessage> stored,
                         ReadCommittedRecord<records::StoredMessage>(read_options, ColumnFamily::kMessages, key));
  if (!stored) {
    return InternalError("queued message " + id.ToString() + " has no message record");
  }
  // States written before they kept a copy of the type: the message has it.
  if (!type.empty() && stored->information_type().id() != type) {
    return std::optional<MessageSummary>();
  }
  return std::optional<MessageSummary>(SummaryOf(id, *stored, *state));
}

StatusOr<MessagePage> RocksDbStore::Impl::ListQueue(const ListQuery& query) const {
  MEZHVED_RETURN_IF_ERROR(CheckListQuery(query));
  std::optional<uint64_t> token;
  if (!query.page_token.empty()) {
    token = keys::DecodePageToken(query.page_token);
    if (!token) {
      return Status(ErrorCode::kInvalidArgument, "malformed page_token");
    }
  }
  const uint32_t limit = std::clamp<uint32_t>(query.limit, 1, kMaxPageSize);
  const uint32_t max_examined = query.max_examined == 0 ? limit * kExaminedPerMessage : query.max_examined;
  const UnixMillis from_ms = query.accepted_from_ms;  // 0: unbounded
  const UnixMillis to_ms = query.accepted_to_ms;      // 0: unbounded
  const ColumnFamily family =
      query.view == QueueView::kDeadLetters ? ColumnFamily::kDeadLetters : ColumnFamily::kQueues;

  const CommittedRead read(db_mutex_, db_);
  if (read.closed()) {
    return Status(ErrorCode::kUnavailable, "the store is closed");
  }
  const rocksdb::ReadOptions& read_options = read.options();
  // Bounds keep the iterator inside this recipient's keys: '\0' ends the code, so the bound is code '\x01'.
  const std::string lower = keys::QueuePrefix(query.recipient_code);
  const std::string upper = keys::PrefixUpperBound(lower);
  const rocksdb::Slice lower_slice(lower);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions bounded = read_options;
  bounded.iterate_lower_bound = &lower_slice;
  bounded.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(bounded, Handle(family)));
  RecipientEntries entries(*it, family, query.recipient_code);

  MessagePage page;
  STORE_ASSIGN_OR_RETURN(const auto span, entries.Span());
  if (!span) {
    return page;
  }
  const auto [first, last] = *span;
  // Where the page starts: after (or, newest first, before) the sequence the token names, and where the time range
  // starts, allowing for the skew. Past those, entries are only looked at, one by one, up to max_examined.
  if (!query.newest_first) {
    uint64_t start = first;
    if (token) {
      if (*token >= last) {
        return page;
      }
      start = std::max(start, *token + 1);
    }
    if (from_ms > kAcceptanceSkewMs) {
      STORE_ASSIGN_OR_RETURN(start, entries.FirstAcceptedFrom(start, last + 1, from_ms - kAcceptanceSkewMs));
    }
    if (start > last) {
      return page;
    }
    it->Seek(keys::QueueKey(query.recipient_code, start));
  } else {
    uint64_t end = last;  // inclusive
    if (token) {
      if (*token <= first) {
        return page;
      }
      end = std::min(end, *token - 1);
    }
    if (to_ms != 0) {
      STORE_ASSIGN_OR_RETURN(const uint64_t beyond,
                             entries.FirstAcceptedFrom(first, end + 1, to_ms + kAcceptanceSkewMs));
      if (beyond <= first) {
        return page;
      }
      end = std::min(end, beyond - 1);
    }
    it->SeekForPrev(keys::QueueKey(query.recipient_code, end));
  }

  // Past this in the direction of reading, no entry is in the range any more.
  const auto past_range = [&](UnixMillis accepted_ms) {
    return query.newest_first ? from_ms != 0 && accepted_ms < from_ms - kAcceptanceSkewMs
                              : to_ms != 0 && accepted_ms >= to_ms + kAcceptanceSkewMs;
  };
  const auto in_range = [&](UnixMillis accepted_ms) {
    return accepted_ms >= from_ms && (to_ms == 0 || accepted_ms < to_ms);
  };
  uint32_t examined = 0;
  uint64_t last_examined = 0;
  bool more = false;
  for (;; query.newest_first ? it->Prev() : it->Next()) {
    STORE_ASSIGN_OR_RETURN(const std::optional<QueueEntry> entry, entries.Current());
    if (!entry || past_range(entry->id.Millis())) {
      break;
    }
    // A full page still looks at the entries outside the time range that follow it (they cost no read), so that a
    // page ending with the range is the last one.
    const bool candidate = in_range(entry->id.Millis());
    if (examined == max_examined || (candidate && page.messages.size() == limit)) {
      more = true;  // the next page goes on from here
      break;
    }
    ++examined;
    last_examined = entry->sequence;
    if (!candidate) {
      continue;
    }
    STORE_ASSIGN_OR_RETURN(std::optional<MessageSummary> summary,
                           ReadSummaryIfMatching(read_options, query, entry->id));
    if (summary) {
      page.messages.push_back(std::move(*summary));
    }
  }
  if (more) {
    page.next_page_token = keys::EncodePageToken(last_examined);
  }
  return page;
}

}  // namespace mezhved::store
