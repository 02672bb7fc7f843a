// Names that the gateway and its clients must agree on byte for byte: gRPC metadata keys and the gateway's own
// sender code (docs/API.md).
#pragma once

namespace mezhved::wire {

// In the insecure loopback mode the caller names its organisation, or operator, in these request headers.
inline constexpr char kOrganisationHeader[] = "x-mezhved-organisation";
inline constexpr char kOperatorHeader[] = "x-mezhved-operator";
// Every error status carries its stable code in this trailing metadata key.
inline constexpr char kErrorCodeTrailer[] = "mezhved-error-code";
// The sender code of the gateway's own messages (deadline notices) and the actor of its own history events. No
// participant may have it as its code (gateway/config.cc).
inline constexpr char kGatewaySender[] = "gateway";

}  // namespace mezhved::wire
