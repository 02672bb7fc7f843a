// Which of its queued messages a Receive asks for: by kind (the SOAP API's GetRequest, GetResponse and GetStatus each
// pull their own kinds) and by the payload's root element (the SOAP API's MessageTypeSelector, after the federal
// system's selection by the root element of the primary content). Messages that do not match stay queued, in place.
#pragma once

#include <functional>

#include "common/status.h"
#include "mezhved/v1/gateway.pb.h"
#include "mezhved/v1/messages.pb.h"

namespace mezhved::gateway {

using MessagePredicate = std::function<bool(const v1::Message&)>;

// Null when the request filters nothing. INVALID_ARGUMENT for an unknown kind, an over-long namespace or name.
StatusOr<MessagePredicate> ReceiveFilter(const v1::ReceiveRequest& request);

// The information type's document a message carries, or empty: a request's or supplement's payload, a data answer's.
const std::string& PayloadOf(const v1::Message& message);

}  // namespace mezhved::gateway
