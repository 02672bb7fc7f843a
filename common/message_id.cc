#include "common/message_id.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>

namespace mezhved {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
// Byte positions after which the text form has a dash: 8-4-4-4-12 hex digits.
constexpr std::array<size_t, 4> kDashAfterByte = {3, 5, 7, 9};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

MessageId MessageId::Generate(UnixMillis now) {
  MessageId id;
  if (RAND_bytes(id.bytes_.data(), static_cast<int>(kSize)) != 1) {
    // Without randomness ids could collide and messages be overwritten: stopping is the only safe answer.
    std::abort();
  }
  const auto millis = static_cast<uint64_t>(now);
  for (size_t i = 0; i < 6; ++i) {
    id.bytes_[i] = static_cast<unsigned char>(millis >> (8 * (5 - i)));
  }
  id.bytes_[6] = static_cast<unsigned char>((id.bytes_[6] & 0x0F) | 0x70);  // version 7
  id.bytes_[8] = static_cast<unsigned char>((id.bytes_[8] & 0x3F) | 0x80);  // RFC 9562 variant
  return id;
}

UnixMillis MessageId::Millis() const {
  uint64_t millis = 0;
  for (size_t i = 0; i < 6; ++i) {
    millis = (millis << 8) | bytes_[i];
  }
  return static_cast<UnixMillis>(millis);
}

std::optional<MessageId> MessageId::Parse(std::string_view text) {
  if (text.size() != 36) {
    return std::nullopt;
  }
  MessageId id;
  size_t pos = 0;
  for (size_t i = 0; i < kSize; ++i) {
    const int high = HexValue(text[pos]);
    const int low = HexValue(text[pos + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    id.bytes_[i] = static_cast<unsigned char>((high << 4) | low);
    pos += 2;
    if (std::find(kDashAfterByte.begin(), kDashAfterByte.end(), i) != kDashAfterByte.end()) {
      if (text[pos] != '-') {
        return std::nullopt;
      }
      ++pos;
    }
  }
  return id;
}

std::optional<MessageId> MessageId::FromBytes(std::string_view bytes) {
  if (bytes.size() != kSize) {
    return std::nullopt;
  }
  MessageId id;
  std::copy(bytes.begin(), bytes.end(), id.bytes_.begin());
  return id;
}

std::string MessageId::ToString() const {
  std::string text;
  text.reserve(36);
  for (size_t i = 0; i < kSize; ++i) {
    text += kHexDigits[bytes_[i] >> 4];
    text += kHexDigits[bytes_[i] & 0x0F];
    if (std::find(kDashAfterByte.begin(), kDashAfterByte.end(), i) != kDashAfterByte.end()) {
      text += '-';
    }
  }
  return text;
}

bool MessageId::IsNil() const {
  return std::all_of(bytes_.begin(), bytes_.end(), [](unsigned char b) { return b == 0; });
}

}  // namespace mezhved
