#include "gateway/lifecycle.h"

#include <string>

namespace mezhved::gateway {

bool IsFinalRequestState(v1::MessageState state) {
  return state == v1::MESSAGE_STATE_ANSWERED || state == v1::MESSAGE_STATE_REFUSED ||
         state == v1::MESSAGE_STATE_CANNOT_ANSWER;
}

StatusOr<v1::MessageState> RequestStateAfter(v1::ResponseEnvelope::OutcomeCase outcome) {
  switch (outcome) {
    case v1::ResponseEnvelope::kData:
      return v1::MESSAGE_STATE_ANSWERED;
    case v1::ResponseEnvelope::kRefusal:
      return v1::MESSAGE_STATE_REFUSED;
    case v1::ResponseEnvelope::kCannotAnswer:
      return v1::MESSAGE_STATE_CANNOT_ANSWER;
    case v1::ResponseEnvelope::kClarification:
      return v1::MESSAGE_STATE_CLARIFICATION_REQUESTED;
    case v1::ResponseEnvelope::kInterim:
      return v1::MESSAGE_STATE_IN_PROGRESS;
    case v1::ResponseEnvelope::OUTCOME_NOT_SET:
      break;
  }
  return Status(ErrorCode::kInvalidMessage, "a response must have an outcome",
                {{"response.outcome", "REQUIRED", "one of data, refusal, clarification, cannot_answer, interim"}});
}

StatusOr<v1::MessageState> ApplyResponse(const store::RequestView& request, std::string_view responder,
                                         v1::ResponseEnvelope::OutcomeCase outcome) {
  if (request.request.kind() != v1::MESSAGE_KIND_REQUEST) {
    return Status(ErrorCode::kNotARequest, "message " + request.request.message_id() + " is not a request");
  }
  if (request.request.recipient_code() != responder) {
    return Status(ErrorCode::kNotAddressee, "request " + request.request.message_id() + " is addressed to " +
                                                request.request.recipient_code() + ", not to " +
                                                std::string(responder));
  }
  switch (request.state) {
    case v1::MESSAGE_STATE_ACCEPTED:
      return Status(ErrorCode::kNotDelivered, "request " + request.request.message_id() + " was not delivered yet");
    case v1::MESSAGE_STATE_DEAD_LETTERED:
      return Status(ErrorCode::kNotDelivered,
                    "request " + request.request.message_id() + " is dead-lettered; an operator must requeue it");
    default:
      break;
  }
  if (IsFinalRequestState(request.state)) {
    return Status(ErrorCode::kRequestClosed,
                  "request " + request.request.message_id() + " already has its final answer");
  }
  return RequestStateAfter(outcome);
}

StatusOr<v1::MessageState> ApplySupplement(const store::RequestView& request, std::string_view requester) {
  const std::string& id = request.request.message_id();
  if (request.request.kind() != v1::MESSAGE_KIND_REQUEST) {
    return Status(ErrorCode::kNotARequest, "message " + id + " is not a request");
  }
  if (request.request.sender_code() != requester) {
    return Status(ErrorCode::kNotRequester, "request " + id + " was sent by " + request.request.sender_code() +
                                                ": only its requester supplements it");
  }
  if (IsFinalRequestState(request.state)) {
    return Status(ErrorCode::kRequestClosed, "request " + id + " already has its final answer");
  }
  if (request.state != v1::MESSAGE_STATE_CLARIFICATION_REQUESTED) {
    return Status(ErrorCode::kNotAwaitingClarification,
                  "the addressee of request " + id + " has not asked for a clarification");
  }
  return v1::MESSAGE_STATE_SUPPLEMENTED;
}

}  // namespace mezhved::gateway
