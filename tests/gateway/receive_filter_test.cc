#include "gateway/receive_filter.h"

#include <catch2/catch.hpp>

namespace mezhved::gateway {
namespace {

v1::Message RequestWith(const std::string& payload) {
  v1::Message message;
  message.set_kind(v1::MESSAGE_KIND_REQUEST);
  message.mutable_request()->set_payload(payload);
  return message;
}

v1::Message DataAnswerWith(const std::string& payload) {
  v1::Message message;
  message.set_kind(v1::MESSAGE_KIND_RESPONSE);
  message.mutable_response()->mutable_data()->set_payload(payload);
  return message;
}

TEST_CASE("a Receive without filters accepts everything", "[receive_filter]") {
  StatusOr<MessagePredicate> filter = ReceiveFilter(v1::ReceiveRequest());
  REQUIRE(filter.ok());
  CHECK_FALSE(*filter);
}

TEST_CASE("a Receive by kind accepts only those kinds", "[receive_filter]") {
  v1::ReceiveRequest request;
  request.add_kinds(v1::MESSAGE_KIND_RESPONSE);
  request.add_kinds(v1::MESSAGE_KIND_NOTICE);
  StatusOr<MessagePredicate> filter = ReceiveFilter(request);
  REQUIRE(filter.ok());
  CHECK_FALSE((*filter)(RequestWith("<a/>")));
  CHECK((*filter)(DataAnswerWith("<a/>")));
  v1::Message notice;
  notice.set_kind(v1::MESSAGE_KIND_NOTICE);
  CHECK((*filter)(notice));
}

TEST_CASE("a Receive by payload root matches the namespace and the local name", "[receive_filter]") {
  v1::ReceiveRequest request;
  request.set_payload_namespace("urn:zags:1");
  StatusOr<MessagePredicate> by_namespace = ReceiveFilter(request);
  REQUIRE(by_namespace.ok());
  CHECK((*by_namespace)(RequestWith("<?xml version=\"1.0\"?><z:Record xmlns:z=\"urn:zags:1\"><z:A/></z:Record>")));
  CHECK((*by_namespace)(DataAnswerWith("<Answer xmlns=\"urn:zags:1\"/>")));
  CHECK_FALSE((*by_namespace)(RequestWith("<Record xmlns=\"urn:health:1\"/>")));
  CHECK_FALSE((*by_namespace)(RequestWith("<Record/>")));
  v1::Message refusal;
  refusal.mutable_response()->mutable_refusal()->set_explanation("no payload at all");
  CHECK_FALSE((*by_namespace)(refusal));

  request.set_payload_root_name("Answer");
  StatusOr<MessagePredicate> by_name = ReceiveFilter(request);
  REQUIRE(by_name.ok());
  CHECK((*by_name)(DataAnswerWith("<Answer xmlns=\"urn:zags:1\"/>")));
  CHECK_FALSE((*by_name)(RequestWith("<Record xmlns=\"urn:zags:1\"/>")));
}

TEST_CASE("a Receive filter with an unknown kind or an absurd name is refused", "[receive_filter]") {
  v1::ReceiveRequest unknown;
  unknown.add_kinds(static_cast<v1::MessageKind>(99));
  CHECK(ReceiveFilter(unknown).status().code() == ErrorCode::kInvalidArgument);
  v1::ReceiveRequest unspecified;
  unspecified.add_kinds(v1::MESSAGE_KIND_UNSPECIFIED);
  CHECK(ReceiveFilter(unspecified).status().code() == ErrorCode::kInvalidArgument);
  v1::ReceiveRequest long_name;
  long_name.set_payload_namespace(std::string(1001, 'u'));
  CHECK(ReceiveFilter(long_name).status().code() == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mezhved::gateway
