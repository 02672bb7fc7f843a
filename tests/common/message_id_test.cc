#include "common/message_id.h"

#include <catch2/catch.hpp>
#include <unordered_set>

namespace mezhved {
namespace {

TEST_CASE("generated ids are version 7 UUIDs that round-trip through text", "[message_id]") {
  const MessageId id = MessageId::Generate(1'700'000'000'000);
  const std::string text = id.ToString();
  REQUIRE(text.size() == 36);
  CHECK(text[8] == '-');
  CHECK(text[13] == '-');
  CHECK(text[14] == '7');
  CHECK(text[23] == '-');
  CHECK(std::string("89ab").find(text[19]) != std::string::npos);
  auto parsed = MessageId::Parse(text);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == id);
  CHECK_FALSE(id.IsNil());
}

TEST_CASE("ids sort by creation time", "[message_id]") {
  const MessageId earlier = MessageId::Generate(1'700'000'000'000);
  const MessageId later = MessageId::Generate(1'700'000'000'001);
  CHECK(earlier.bytes() < later.bytes());
}

TEST_CASE("an id tells the millisecond it was generated at", "[message_id]") {
  CHECK(MessageId::Generate(1'700'000'000'123).Millis() == 1'700'000'000'123);
  CHECK(MessageId::Generate(0).Millis() == 0);
  constexpr UnixMillis kLargest = (UnixMillis{1} << 48) - 1;  // the 48 bits' last millisecond, in the year 10889
  CHECK(MessageId::Generate(kLargest).Millis() == kLargest);
  const std::optional<MessageId> parsed = MessageId::Parse("018bcfe5-6800-7000-8000-000000000000");
  REQUIRE(parsed.has_value());
  CHECK(parsed->Millis() == 1'700'000'000'000);
  CHECK(MessageId().Millis() == 0);
}

TEST_CASE("ids do not repeat", "[message_id]") {
  std::unordered_set<MessageId> seen;
  for (int i = 0; i < 10000; ++i) {
    CHECK(seen.insert(MessageId::Generate(1'700'000'000'000)).second);
  }
}

TEST_CASE("malformed id text is refused", "[message_id]") {
  CHECK_FALSE(MessageId::Parse("").has_value());
  CHECK_FALSE(MessageId::Parse("0190a5e2-7c1b-7d3e-8f00-12345678901").has_value());    // 35 chars
  CHECK_FALSE(MessageId::Parse("0190a5e2-7c1b-7d3e-8f00-1234567890123").has_value());  // 37 chars
  CHECK_FALSE(MessageId::Parse("0190a5e2x7c1b-7d3e-8f00-123456789012").has_value());   // bad dash
  CHECK_FALSE(MessageId::Parse("0190a5e2-7c1b-7d3e-8f00-12345678901g").has_value());   // bad hex
  CHECK(MessageId::Parse("0190A5E2-7C1B-7D3E-8F00-123456789012").has_value());
  CHECK_FALSE(MessageId::FromBytes("short").has_value());
}

}  // namespace
}  // namespace mezhved
