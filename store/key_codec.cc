#include "store/key_codec.h"

namespace mezhved::store::keys {
namespace {

constexpr char kSeparator = '\0';
constexpr size_t kSequenceSize = 8;
constexpr size_t kPageTokenSize = 16;
constexpr std::string_view kHexDigits = "0123456789abcdef";

template <typename Unsigned>
void AppendBigEndian(std::string* out, Unsigned value) {
  for (int shift = static_cast<int>(sizeof(Unsigned) * 8) - 8; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>(static_cast<unsigned char>(value >> shift)));
  }
}

template <typename Unsigned>
std::optional<Unsigned> DecodeBigEndian(std::string_view bytes) {
  if (bytes.size() != sizeof(Unsigned)) {
    return std::nullopt;
  }
  Unsigned value = 0;
  for (char byte : bytes) {
    value = static_cast<Unsigned>((value << 8) | static_cast<unsigned char>(byte));
  }
  return value;
}

}  // namespace

void AppendBigEndian32(std::string* out, uint32_t value) { AppendBigEndian(out, value); }
void AppendBigEndian64(std::string* out, uint64_t value) { AppendBigEndian(out, value); }

std::string EncodeBigEndian64(uint64_t value) {
  std::string out;
  AppendBigEndian64(&out, value);
  return out;
}

std::optional<uint32_t> DecodeBigEndian32(std::string_view bytes) { return DecodeBigEndian<uint32_t>(bytes); }
std::optional<uint64_t> DecodeBigEndian64(std::string_view bytes) { return DecodeBigEndian<uint64_t>(bytes); }

bool IsValidOrganisationCode(std::string_view code) {
  return !code.empty() && code.find(kSeparator) == std::string_view::npos;
}

std::string MessageKey(const MessageId& id) { return std::string(id.bytes()); }

std::string QueuePrefix(std::string_view recipient_code) {
  std::string prefix(recipient_code);
  prefix.push_back(kSeparator);
  return prefix;
}

std::string QueueKey(std::string_view recipient_code, uint64_t sequence) {
  std::string key = QueuePrefix(recipient_code);
  AppendBigEndian64(&key, sequence);
  return key;
}

std::optional<QueueKeyParts> DecodeQueueKey(std::string_view key) {
  if (key.size() < kSequenceSize + 2) {
    return std::nullopt;
  }
  const size_t separator = key.size() - kSequenceSize - 1;
  if (key[separator] != kSeparator) {
    return std::nullopt;
  }
  QueueKeyParts parts;
  parts.recipient_code = key.substr(0, separator);
  if (!IsValidOrganisationCode(parts.recipient_code)) {
    return std::nullopt;
  }
  parts.sequence = *DecodeBigEndian64(key.substr(separator + 1));
  return parts;
}

std::string HistoryPrefix(const MessageId& id) { return std::string(id.bytes()); }

std::string HistoryKey(const MessageId& id, uint32_t event_index) {
  std::string key = HistoryPrefix(id);
  AppendBigEndian32(&key, event_index);
  return key;
}

std::string IdempotencyKey(std::string_view sender_code, std::string_view idempotency_key) {
  std::string key(sender_code);
  key.push_back(kSeparator);
  key.append(idempotency_key);
  return key;
}

std::string PrefixUpperBound(std::string_view prefix) {
  std::string bound(prefix);
  while (!bound.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(bound.back());
    if (last != 0xFF) {
      ++last;
      return bound;
    }
    bound.pop_back();  // 0xFF cannot be incremented: the bound is one byte shorter
  }
  return bound;
}

// ---- Tallies ----

namespace {

uint32_t Biased32(int32_t value) { return static_cast<uint32_t>(value) ^ 0x80000000U; }
int32_t Unbiased32(uint32_t value) { return static_cast<int32_t>(value ^ 0x80000000U); }
uint64_t Biased64(int64_t value) { return static_cast<uint64_t>(value) ^ 0x8000000000000000ULL; }
int64_t Unbiased64(uint64_t value) { return static_cast<int64_t>(value ^ 0x8000000000000000ULL); }

}  // namespace

std::string TallyCountGroup(uint8_t figure, std::string_view scope) {
  std::string group(1, kTallyCountTag);
  group.push_back(static_cast<char>(figure));
  group.append(scope);
  group.push_back(kSeparator);
  return group;
}

std::string TallyCountKey(uint8_t figure, std::string_view scope, int32_t day, int64_t detail) {
  std::string key = TallyDayBound(TallyCountGroup(figure, scope), day);
  AppendBigEndian64(&key, Biased64(detail));
  return key;
}

std::string TallyFirstSeenGroup(std::string_view scope) {
  std::string group(1, kTallyFirstSeenTag);
  group.append(scope);
  group.push_back(kSeparator);
  return group;
}

std::string TallyFirstSeenKey(std::string_view scope, int32_t day, int32_t previous_day) {
  std::string key = TallyDayBound(TallyFirstSeenGroup(scope), day);
  AppendBigEndian32(&key, Biased32(previous_day));
  return key;
}

std::string TallyDayBound(std::string_view group, int32_t day) {
  std::string key(group);
  AppendBigEndian32(&key, Biased32(day));
  return key;
}

std::optional<TallyKeyParts> DecodeTallyKey(std::string_view key) {
  TallyKeyParts parts;
  if (key.empty() || (key[0] != kTallyCountTag && key[0] != kTallyFirstSeenTag)) {
    return std::nullopt;
  }
  parts.tag = key[0];
  const size_t scope_start = parts.tag == kTallyCountTag ? 2 : 1;
  const size_t separator = key.find(kSeparator, scope_start);
  const size_t detail_size = parts.tag == kTallyCountTag ? 8 : 4;
  if (key.size() < scope_start || separator == std::string_view::npos || separator == scope_start ||
      key.size() != separator + 1 + 4 + detail_size) {
    return std::nullopt;
  }
  parts.figure = parts.tag == kTallyCountTag ? static_cast<uint8_t>(key[1]) : 0;
  parts.group = key.substr(0, separator + 1);
  parts.scope = key.substr(scope_start, separator - scope_start);
  parts.day = Unbiased32(*DecodeBigEndian32(key.substr(separator + 1, 4)));
  const std::string_view detail = key.substr(separator + 5);
  parts.detail =
      parts.tag == kTallyCountTag ? Unbiased64(*DecodeBigEndian64(detail)) : Unbiased32(*DecodeBigEndian32(detail));
  return parts;
}

std::string TallyMemberPrefix(std::string_view scope, std::string_view member) {
  std::string prefix(scope);
  prefix.push_back(kSeparator);
  prefix.push_back(static_cast<char>(static_cast<unsigned char>(member.size())));
  prefix.append(member);
  return prefix;
}

std::string TallyMemberKey(std::string_view scope, std::string_view member, int32_t day) {
  return TallyDayBound(TallyMemberPrefix(scope, member), day);
}

std::optional<int32_t> DecodeTallyMemberDay(std::string_view key, size_t prefix_size) {
  if (key.size() < prefix_size) {
    return std::nullopt;
  }
  const std::optional<uint32_t> biased = DecodeBigEndian32(key.substr(prefix_size));
  return biased ? std::optional<int32_t>(Unbiased32(*biased)) : std::nullopt;
}

std::string EncodePageToken(uint64_t last_sequence) {
  std::string token;
  token.reserve(kPageTokenSize);
  for (int shift = 60; shift >= 0; shift -= 4) {
    token.push_back(kHexDigits[(last_sequence >> shift) & 0xF]);
  }
  return token;
}

std::optional<uint64_t> DecodePageToken(std::string_view token) {
  if (token.size() != kPageTokenSize) {
    return std::nullopt;
  }
  uint64_t sequence = 0;
  for (char c : token) {
    const size_t digit = kHexDigits.find(c);
    if (digit == std::string_view::npos) {
      return std::nullopt;
    }
    sequence = (sequence << 4) | digit;
  }
  return sequence;
}

std::string RejectionKey(UnixMillis at_ms, uint64_t sequence) {
  std::string key;
  key.reserve(kRejectionKeySize);
  AppendBigEndian64(&key, static_cast<uint64_t>(at_ms));
  AppendBigEndian64(&key, sequence);
  return key;
}

std::string AuditKey(UnixMillis at_ms, uint64_t sequence) {
  static_assert(kAuditKeySize == kRejectionKeySize, "the audit log's keys are laid out like the rejections'");
  return RejectionKey(at_ms, sequence);
}

std::string TimerBound(UnixMillis at_ms) { return EncodeBigEndian64(static_cast<uint64_t>(at_ms)); }

std::string TimerKey(UnixMillis fire_at_ms, const MessageId& id, uint8_t event) {
  std::string key = TimerBound(fire_at_ms);
  key.reserve(kTimerKeySize);
  key.append(id.bytes());
  key.push_back(static_cast<char>(event));
  return key;
}

std::optional<TimerKeyParts> DecodeTimerKey(std::string_view key) {
  if (key.size() != kTimerKeySize) {
    return std::nullopt;
  }
  const std::optional<InstantIdKeyParts> head = DecodeInstantIdKey(key.substr(0, kInstantIdKeySize));
  if (!head) {
    return std::nullopt;
  }
  return TimerKeyParts{head->at_ms, head->id, static_cast<uint8_t>(key.back())};
}

std::string InstantIdKey(UnixMillis at_ms, const MessageId& id) {
  std::string key = EncodeBigEndian64(static_cast<uint64_t>(at_ms));
  key.append(id.bytes());
  return key;
}

std::optional<InstantIdKeyParts> DecodeInstantIdKey(std::string_view key) {
  if (key.size() != kInstantIdKeySize) {
    return std::nullopt;
  }
  const std::optional<MessageId> id = MessageId::FromBytes(key.substr(8));
  if (!id) {
    return std::nullopt;
  }
  return InstantIdKeyParts{static_cast<UnixMillis>(*DecodeBigEndian64(key.substr(0, 8))), *id};
}

std::string AgreementKey(std::string_view agreement_id, uint32_t version) {
  std::string key = AgreementPrefix(agreement_id);
  AppendBigEndian32(&key, version);
  return key;
}

std::string AgreementPrefix(std::string_view agreement_id) {
  std::string key(agreement_id);
  key.push_back(kSeparator);
  return key;
}

std::string EncodeKeyToken(std::string_view key) {
  std::string token;
  token.reserve(key.size() * 2);
  for (unsigned char byte : key) {
    token += kHexDigits[byte >> 4];
    token += kHexDigits[byte & 0x0F];
  }
  return token;
}

std::optional<std::string> DecodeKeyToken(std::string_view token, size_t key_size) {
  if (token.size() != key_size * 2) {
    return std::nullopt;
  }
  std::string key;
  for (size_t i = 0; i < token.size(); i += 2) {
    const size_t high = kHexDigits.find(token[i]);
    const size_t low = kHexDigits.find(token[i + 1]);
    if (high == std::string_view::npos || low == std::string_view::npos) {
      return std::nullopt;
    }
    key.push_back(static_cast<char>((high << 4) | low));
  }
  return key;
}

}  // namespace mezhved::store::keys
