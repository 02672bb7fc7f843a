#include "common/status.h"

#include <catch2/catch.hpp>

namespace mezhved {
namespace {

StatusOr<int> Half(int value) {
  if (value % 2 != 0) {
    return Status(ErrorCode::kInvalidArgument, "odd value");
  }
  return value / 2;
}

Status HalfTwice(int value) {
  StatusOr<int> once = Half(value);
  MEZHVED_RETURN_IF_ERROR(once.status());
  return Half(*once).status();
}

TEST_CASE("status codes have stable names", "[status]") {
  CHECK(ErrorCodeName(ErrorCode::kOk) == "OK");
  CHECK(ErrorCodeName(ErrorCode::kInvalidMessage) == "INVALID_MESSAGE");
  CHECK(ErrorCodeName(ErrorCode::kSenderMismatch) == "SENDER_MISMATCH");
  CHECK(ErrorCodeName(ErrorCode::kIdempotencyConflict) == "IDEMPOTENCY_CONFLICT");
  CHECK(ErrorCodeName(ErrorCode::kUnavailable) == "UNAVAILABLE");
}

TEST_CASE("StatusOr holds a value or an error", "[status]") {
  StatusOr<int> good = Half(8);
  REQUIRE(good.ok());
  CHECK(*good == 4);
  StatusOr<int> bad = Half(3);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("RETURN_IF_ERROR stops at the first error", "[status]") {
  CHECK(HalfTwice(8).ok());
  CHECK(HalfTwice(6).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Prefixed adds context and keeps code and fields", "[status]") {
  Status status(ErrorCode::kInvalidMessage, "2 fields", {{"request.citizen.snils", "MALFORMED", "bad check digit"}});
  Status prefixed = status.Prefixed("SendRequest");
  CHECK(prefixed.code() == ErrorCode::kInvalidMessage);
  CHECK(prefixed.message() == "SendRequest: 2 fields");
  REQUIRE(prefixed.fields().size() == 1);
  CHECK(prefixed.ToString() ==
        "INVALID_MESSAGE: SendRequest: 2 fields\n  request.citizen.snils MALFORMED (bad check digit)");
  CHECK(Status::Ok().Prefixed("x").ok());
}

}  // namespace
}  // namespace mezhved
