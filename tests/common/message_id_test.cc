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
