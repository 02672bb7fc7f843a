#include "gateway/lifecycle.h"

#include <catch2/catch.hpp>

namespace mezhved::gateway {
namespace {

v1::Message RequestTo(const std::string& recipient) {
  v1::Message request;
  request.set_message_id("0190a5e2-7c1b-7d3e-8f00-123456789012");
  request.set_kind(v1::MESSAGE_KIND_REQUEST);
  request.set_sender_code("SOCPROT-BARNAUL");
  request.set_recipient_code(recipient);
  return request;
}

ErrorCode CodeOf(const StatusOr<v1::MessageState>& result) { return result.status().code(); }

const std::string kAgreementId = "AGR-TEST-1";

store::RequestView View(const v1::Message& request, v1::MessageState state) {
  return {request, state, kAgreementId, v1::DEADLINE_STATUS_RUNNING};
}

TEST_CASE("each outcome moves a request to its state", "[lifecycle]") {
  const v1::Message request = RequestTo("ZAGS-BARNAUL");
  const store::RequestView delivered = View(request, v1::MESSAGE_STATE_DELIVERED);
  CHECK(*ApplyResponse(delivered, "ZAGS-BARNAUL", v1::ResponseEnvelope::kData) == v1::MESSAGE_STATE_ANSWERED);
  CHECK(*ApplyResponse(delivered, "ZAGS-BARNAUL", v1::ResponseEnvelope::kRefusal) == v1::MESSAGE_STATE_REFUSED);
  CHECK(*ApplyResponse(delivered, "ZAGS-BARNAUL", v1::ResponseEnvelope::kCannotAnswer) ==
        v1::MESSAGE_STATE_CANNOT_ANSWER);
  CHECK(*ApplyResponse(delivered, "ZAGS-BARNAUL", v1::ResponseEnvelope::kClarification) ==
        v1::MESSAGE_STATE_CLARIFICATION_REQUESTED);
  CHECK(*ApplyResponse(delivered, "ZAGS-BARNAUL", v1::ResponseEnvelope::kInterim) == v1::MESSAGE_STATE_IN_PROGRESS);
}

TEST_CASE("interim answers keep a request open: final answers close it", "[lifecycle]") {
  const v1::Message request = RequestTo("ZAGS-BARNAUL");
  for (auto open :
       {v1::MESSAGE_STATE_ACKNOWLEDGED, v1::MESSAGE_STATE_IN_PROGRESS, v1::MESSAGE_STATE_CLARIFICATION_REQUESTED}) {
    CHECK(ApplyResponse(View(request, open), "ZAGS-BARNAUL", v1::ResponseEnvelope::kData).ok());
    CHECK_FALSE(IsFinalRequestState(open));
  }
  for (auto closed : {v1::MESSAGE_STATE_ANSWERED, v1::MESSAGE_STATE_REFUSED, v1::MESSAGE_STATE_CANNOT_ANSWER}) {
    CHECK(CodeOf(ApplyResponse(View(request, closed), "ZAGS-BARNAUL", v1::ResponseEnvelope::kInterim)) ==
          ErrorCode::kRequestClosed);
    CHECK(IsFinalRequestState(closed));
  }
}

TEST_CASE("only the addressee answers, and only what it was given", "[lifecycle]") {
  const v1::Message request = RequestTo("ZAGS-BARNAUL");
  CHECK(CodeOf(ApplyResponse(View(request, v1::MESSAGE_STATE_DELIVERED), "HEALTH-CRH-1",
                             v1::ResponseEnvelope::kData)) == ErrorCode::kNotAddressee);
  CHECK(CodeOf(ApplyResponse(View(request, v1::MESSAGE_STATE_ACCEPTED), "ZAGS-BARNAUL", v1::ResponseEnvelope::kData)) ==
        ErrorCode::kNotDelivered);
  CHECK(CodeOf(ApplyResponse(View(request, v1::MESSAGE_STATE_DEAD_LETTERED), "ZAGS-BARNAUL",
                             v1::ResponseEnvelope::kData)) == ErrorCode::kNotDelivered);
  v1::Message response = request;
  response.set_kind(v1::MESSAGE_KIND_RESPONSE);
  CHECK(CodeOf(ApplyResponse(View(response, v1::MESSAGE_STATE_DELIVERED), "ZAGS-BARNAUL",
                             v1::ResponseEnvelope::kData)) == ErrorCode::kNotARequest);
}

TEST_CASE("only the requester supplements, and only when asked for a clarification (Kuzbass 5.5)", "[lifecycle]") {
  const v1::Message request = RequestTo("ZAGS-BARNAUL");
  CHECK(*ApplySupplement(View(request, v1::MESSAGE_STATE_CLARIFICATION_REQUESTED), "SOCPROT-BARNAUL") ==
        v1::MESSAGE_STATE_SUPPLEMENTED);
  CHECK(CodeOf(ApplySupplement(View(request, v1::MESSAGE_STATE_CLARIFICATION_REQUESTED), "ZAGS-BARNAUL")) ==
        ErrorCode::kNotRequester);
  for (auto waiting : {v1::MESSAGE_STATE_DELIVERED, v1::MESSAGE_STATE_ACKNOWLEDGED, v1::MESSAGE_STATE_IN_PROGRESS,
                       v1::MESSAGE_STATE_SUPPLEMENTED}) {
    CHECK(CodeOf(ApplySupplement(View(request, waiting), "SOCPROT-BARNAUL")) == ErrorCode::kNotAwaitingClarification);
  }
  CHECK(CodeOf(ApplySupplement(View(request, v1::MESSAGE_STATE_ANSWERED), "SOCPROT-BARNAUL")) ==
        ErrorCode::kRequestClosed);
  // After the supplement the addressee answers as before.
  CHECK(*ApplyResponse(View(request, v1::MESSAGE_STATE_SUPPLEMENTED), "ZAGS-BARNAUL", v1::ResponseEnvelope::kData) ==
        v1::MESSAGE_STATE_ANSWERED);
}

}  // namespace
}  // namespace mezhved::gateway
