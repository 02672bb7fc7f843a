// Every key the RocksDB store writes, encoded in one place (docs/ARCHITECTURE.md, "Storage layout"). Integers are
// big-endian so that RocksDB's bytewise order is numeric order: a queue's keys sort by acceptance sequence and a
// message's history keys by event index. Organisation codes never contain '\0', which ends them inside keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/message_id.h"

namespace mezhved::store::keys {

// Column family "meta".
inline constexpr std::string_view kFormatVersionKey = "format_version";
inline constexpr std::string_view kNextSequenceKey = "next_sequence";

void AppendBigEndian32(std::string* out, uint32_t value);
void AppendBigEndian64(std::string* out, uint64_t value);
std::string EncodeBigEndian64(uint64_t value);
// Exactly 4 or 8 bytes, else nullopt.
std::optional<uint32_t> DecodeBigEndian32(std::string_view bytes);
std::optional<uint64_t> DecodeBigEndian64(std::string_view bytes);

// Non-empty and free of '\0', the separator inside keys.
bool IsValidOrganisationCode(std::string_view code);

// "messages" and "states": the 16 raw id bytes.
std::string MessageKey(const MessageId& id);

// "queues" and "dead_letters": recipient '\0' BE64(sequence).
std::string QueueKey(std::string_view recipient_code, uint64_t sequence);
// recipient '\0': the prefix of all of one recipient's queue keys, and nobody else's.
std::string QueuePrefix(std::string_view recipient_code);
struct QueueKeyParts {
  std::string_view recipient_code;  // points into the decoded key
  uint64_t sequence = 0;
};
std::optional<QueueKeyParts> DecodeQueueKey(std::string_view key);

// "history": id16 BE32(event index).
std::string HistoryKey(const MessageId& id, uint32_t event_index);
std::string HistoryPrefix(const MessageId& id);

// "idempotency": sender '\0' key. The key itself may hold any bytes: the sender code ends at the first '\0'.
std::string IdempotencyKey(std::string_view sender_code, std::string_view idempotency_key);

// The smallest key greater than every key that starts with `prefix` (an exclusive iterate_upper_bound); empty when
// there is none (the prefix is all 0xFF bytes).
std::string PrefixUpperBound(std::string_view prefix);

// "rejections": BE64(at_ms) BE64(sequence): by time, and in recording order within a millisecond. The sequence is
// the store's global one (shared with accepted messages), so keys never collide, not even across restarts.
inline constexpr size_t kRejectionKeySize = 16;
std::string RejectionKey(UnixMillis at_ms, uint64_t sequence);
// "audit": BE64(at_ms) BE64(sequence), laid out like "rejections" (and unique for the same reason).
inline constexpr size_t kAuditKeySize = 16;
std::string AuditKey(UnixMillis at_ms, uint64_t sequence);
// "agreements": the agreement id, '\0', BE32(version): an agreement's versions in order.
std::string AgreementKey(std::string_view agreement_id, uint32_t version);
std::string AgreementPrefix(std::string_view agreement_id);

// "timers": BE64(fire_at_ms) id16 event(1 byte, v1::DeadlineEvent): by the instant they fire.
inline constexpr size_t kTimerKeySize = 8 + 16 + 1;
std::string TimerKey(UnixMillis fire_at_ms, const MessageId& id, uint8_t event);
// BE64(at_ms): the first possible timer key of that instant, a bound for seeks.
std::string TimerBound(UnixMillis at_ms);
struct TimerKeyParts {
  UnixMillis fire_at_ms = 0;
  MessageId id;
  uint8_t event = 0;
};
std::optional<TimerKeyParts> DecodeTimerKey(std::string_view key);

// "overdue" and "requests": BE64(instant) id16, by the instant (the end of the period; the receipt).
inline constexpr size_t kInstantIdKeySize = 8 + 16;
std::string InstantIdKey(UnixMillis at_ms, const MessageId& id);
struct InstantIdKeyParts {
  UnixMillis at_ms = 0;
  MessageId id;
};
std::optional<InstantIdKeyParts> DecodeInstantIdKey(std::string_view key);

// "tallies": two kinds of keys, each a group (kind, scope) followed by its days, so that a range of days of one
// group is one contiguous run. Signed integers are stored with their sign bit flipped, so that they sort
// numerically.
//   'n' figure(1) scope '\0' BE32(day) BE64(detail): a count (TallyCount).
//   'f' scope '\0' BE32(day) BE32(previous day, or kNoPreviousDay): how many members of the scope were seen on `day`
//       and last seen before it on the previous day (the first-seen counts behind distinct counts over a range).
inline constexpr char kTallyCountTag = 'n';
inline constexpr char kTallyFirstSeenTag = 'f';
inline constexpr int32_t kNoPreviousDay = INT32_MIN;
std::string TallyCountGroup(uint8_t figure, std::string_view scope);  // 'n' figure scope '\0'
std::string TallyCountKey(uint8_t figure, std::string_view scope, int32_t day, int64_t detail);
std::string TallyFirstSeenGroup(std::string_view scope);  // 'f' scope '\0'
std::string TallyFirstSeenKey(std::string_view scope, int32_t day, int32_t previous_day);
// A group followed by a day: where that day's keys of the group start.
std::string TallyDayBound(std::string_view group, int32_t day);
struct TallyKeyParts {
  char tag = 0;
  uint8_t figure = 0;      // counts only
  std::string_view group;  // points into the decoded key: tag .. '\0'
  std::string_view scope;  // points into the decoded key
  int32_t day = 0;
  int64_t detail = 0;  // counts: the detail; first-seen: the previous day
};
std::optional<TallyKeyParts> DecodeTallyKey(std::string_view key);

// "tally_members": scope '\0' len(1) member BE32(day): the days a member was seen, in order.
std::string TallyMemberPrefix(std::string_view scope, std::string_view member);
std::string TallyMemberKey(std::string_view scope, std::string_view member, int32_t day);
// The day of a key that starts with a TallyMemberPrefix of `prefix_size` bytes; nullopt when malformed.
std::optional<int32_t> DecodeTallyMemberDay(std::string_view key, size_t prefix_size);

// Page tokens of the rejection log, the audit log and the overdue list: the hex of the last key returned, which must
// be `key_size` bytes long.
std::string EncodeKeyToken(std::string_view key);
std::optional<std::string> DecodeKeyToken(std::string_view token, size_t key_size = kRejectionKeySize);

// ListQueue page tokens: the last sequence returned, as 16 lowercase hex digits. Opaque to clients.
std::string EncodePageToken(uint64_t last_sequence);
std::optional<uint64_t> DecodePageToken(std::string_view token);

}  // namespace mezhved::store::keys
