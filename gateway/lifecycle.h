// The rules of a request's life cycle once its addressee answers (DOMAIN.md "Outcomes other than data", Kuzbass
// 5.5): data, refusal and cannot-answer are final; an interim status or a request for clarification keeps the
// request open. Only the organisation a request was addressed to may answer it, and only after it was delivered.
#pragma once

#include <string_view>

#include "common/status.h"
#include "mezhved/v1/messages.pb.h"
#include "store/message_store.h"

namespace mezhved::gateway {

// A request in one of these states has its final answer; nothing more may be sent in response.
bool IsFinalRequestState(v1::MessageState state);

// The state a request moves to when a response with this outcome is accepted.
StatusOr<v1::MessageState> RequestStateAfter(v1::ResponseEnvelope::OutcomeCase outcome);

// Decides, atomically inside the store's update, whether `responder` may answer `request` in its current state
// with a response of `outcome`, and the request's next state. Errors: NOT_A_REQUEST, NOT_ADDRESSEE, NOT_DELIVERED
// (never delivered, or dead-lettered: an operator must requeue it first), REQUEST_CLOSED.
StatusOr<v1::MessageState> ApplyResponse(const store::RequestView& request, std::string_view responder,
                                         v1::ResponseEnvelope::OutcomeCase outcome);

// Decides, atomically inside the store's update, whether `requester` may supplement `request` now: only its
// requester, only while the addressee waits for the clarification it asked for. The request moves to SUPPLEMENTED.
// Errors: NOT_A_REQUEST, NOT_REQUESTER, REQUEST_CLOSED, NOT_AWAITING_CLARIFICATION.
StatusOr<v1::MessageState> ApplySupplement(const store::RequestView& request, std::string_view requester);

}  // namespace mezhved::gateway
