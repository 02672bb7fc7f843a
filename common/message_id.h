// Message ids: UUIDs of version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits from OpenSSL's
// CSPRNG. Time-ordered ids keep the "messages" column family's inserts close together. Stored as 16 raw bytes,
// shown as the usual 36-character text.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace mezhved {

class MessageId {
 public:
  static constexpr size_t kSize = 16;

  MessageId() = default;  // all zero: never a generated id

  static MessageId Generate(UnixMillis now);
  // Parses the 36-character text form (either case). Nothing else is accepted.
  static std::optional<MessageId> Parse(std::string_view text);
  // From the 16 raw bytes of a storage key.
  static std::optional<MessageId> FromBytes(std::string_view bytes);

  std::string ToString() const;
  // The Unix milliseconds in the first 48 bits: for a generated id, the `now` it was generated at (the gateway
  // generates a message's id at the instant it stamps as accepted_at). Meaningless for an id that is not a UUIDv7.
  UnixMillis Millis() const;
  std::string_view bytes() const { return {reinterpret_cast<const char*>(bytes_.data()), kSize}; }
  bool IsNil() const;

  auto operator<=>(const MessageId&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 bug

 private:
  std::array<unsigned char, kSize> bytes_{};
};

}  // namespace mezhved

template <>
struct std::hash<mezhved::MessageId> {
  size_t operator()(const mezhved::MessageId& id) const noexcept { return std::hash<std::string_view>{}(id.bytes()); }
};
