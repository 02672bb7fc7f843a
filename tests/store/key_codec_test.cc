#include "store/key_codec.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace mezhved::store {
namespace {

TEST_CASE("big-endian integers sort bytewise in numeric order", "[key_codec]") {
  const std::vector<uint64_t> numbers = {0, 1, 255, 256, 65'535, 65'536, 1ULL << 32, (1ULL << 56) + 1, UINT64_MAX};
  for (size_t i = 0; i + 1 < numbers.size(); ++i) {
    CHECK(keys::EncodeBigEndian64(numbers[i]) < keys::EncodeBigEndian64(numbers[i + 1]));
  }
  for (uint64_t number : numbers) {
    CHECK(keys::DecodeBigEndian64(keys::EncodeBigEndian64(number)) == number);
  }
  CHECK_FALSE(keys::DecodeBigEndian64("1234567").has_value());
  std::string four;
  keys::AppendBigEndian32(&four, 0x01020304);
  CHECK(four == std::string("\x01\x02\x03\x04", 4));
  CHECK(keys::DecodeBigEndian32(four) == 0x01020304U);
}

TEST_CASE("queue keys sort by sequence within a recipient and never interleave recipients", "[key_codec]") {
  CHECK(keys::QueueKey("ORG", 2) < keys::QueueKey("ORG", 10));
  CHECK(keys::QueueKey("ORG", 255) < keys::QueueKey("ORG", 256));
  // "ORG2" shares the text "ORG" but not the prefix "ORG\0": listing ORG never sees ORG2's keys.
  const std::string prefix = keys::QueuePrefix("ORG");
  CHECK(keys::QueueKey("ORG", UINT64_MAX).starts_with(prefix));
  CHECK_FALSE(keys::QueueKey("ORG2", 1).starts_with(prefix));
  CHECK(keys::QueueKey("ORG", UINT64_MAX) < keys::PrefixUpperBound(prefix));
  CHECK(keys::QueueKey("ORG2", 0) >= keys::PrefixUpperBound(prefix));
}

TEST_CASE("queue keys decode into recipient and sequence", "[key_codec]") {
  const std::string key = keys::QueueKey("7701000000", 42);
  const auto parts = keys::DecodeQueueKey(key);
  REQUIRE(parts.has_value());
  CHECK(parts->recipient_code == "7701000000");
  CHECK(parts->sequence == 42);

  CHECK_FALSE(keys::DecodeQueueKey("short").has_value());
  CHECK_FALSE(keys::DecodeQueueKey(std::string("ORGX") + keys::EncodeBigEndian64(1)).has_value());  // no separator
  CHECK_FALSE(keys::DecodeQueueKey(keys::QueueKey("", 1)).has_value());                             // no recipient
}

TEST_CASE("history keys sort by event index under the message id", "[key_codec]") {
  const MessageId id = MessageId::Generate(1'700'000'000'000);
  CHECK(keys::HistoryKey(id, 0).starts_with(keys::HistoryPrefix(id)));
  CHECK(keys::HistoryKey(id, 0).size() == MessageId::kSize + 4);
  CHECK(keys::HistoryKey(id, 9) < keys::HistoryKey(id, 10));
  CHECK(keys::HistoryKey(id, 255) < keys::HistoryKey(id, 256));
  CHECK(keys::MessageKey(id) == std::string(id.bytes()));
}

TEST_CASE("idempotency keys put the sender first, ended by a NUL", "[key_codec]") {
  CHECK(keys::IdempotencyKey("ORG", "k-1") == std::string("ORG\0k-1", 7));
  CHECK(keys::IdempotencyKey("ORG", "k") != keys::IdempotencyKey("OR", "Gk"));
}

TEST_CASE("prefix upper bounds", "[key_codec]") {
  CHECK(keys::PrefixUpperBound("abc") == "abd");
  CHECK(keys::PrefixUpperBound(std::string("a\xff", 2)) == "b");
  CHECK(keys::PrefixUpperBound(std::string("\xff\xff", 2)).empty());
  CHECK(keys::PrefixUpperBound(std::string("ORG\0", 4)) == std::string("ORG\x01", 4));
}

TEST_CASE("page tokens round-trip and reject anything else", "[key_codec]") {
  for (uint64_t sequence : {uint64_t{0}, uint64_t{1}, uint64_t{0xDEADBEEF}, UINT64_MAX}) {
    CHECK(keys::DecodePageToken(keys::EncodePageToken(sequence)) == sequence);
  }
  CHECK(keys::EncodePageToken(255) == "00000000000000ff");
  CHECK_FALSE(keys::DecodePageToken("").has_value());
  CHECK_FALSE(keys::DecodePageToken("00000000000000FF").has_value());
  CHECK_FALSE(keys::DecodePageToken("0000000000000ff").has_value());
  CHECK_FALSE(keys::DecodePageToken("00000000000000fg").has_value());
}

TEST_CASE("organisation codes are non-empty and free of NUL", "[key_codec]") {
  CHECK(keys::IsValidOrganisationCode("7701000000"));
  CHECK_FALSE(keys::IsValidOrganisationCode(""));
  CHECK_FALSE(keys::IsValidOrganisationCode(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace mezhved::store
