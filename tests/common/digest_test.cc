#include "common/digest.h"

#include <catch2/catch.hpp>

namespace mezhved {
namespace {

// FIPS 180-2's examples.
TEST_CASE("SHA-256 of the standard's examples, as bytes and as hex", "[digest]") {
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string raw = Sha256("abc");
  REQUIRE(raw.size() == 32);
  CHECK(static_cast<unsigned char>(raw[0]) == 0xba);
  CHECK(static_cast<unsigned char>(raw[31]) == 0xad);
}

}  // namespace
}  // namespace mezhved
