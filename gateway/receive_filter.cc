#include "gateway/receive_filter.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "xml/root_element.h"

namespace mezhved::gateway {
namespace {

// As long as any namespace or element name an information type of the catalogue could use.
constexpr size_t kMaxNameLength = 1000;

bool PayloadMatches(const v1::Message& message, const std::string& namespace_uri, const std::string& root_name) {
  const std::string& payload = PayloadOf(message);
  if (payload.empty()) {
    return false;
  }
  const std::optional<xml::ElementName> root = xml::RootElementOf(payload);
  return root && (namespace_uri.empty() || root->namespace_uri == namespace_uri) &&
         (root_name.empty() || root->local_name == root_name);
}

}  // namespace

const std::string& PayloadOf(const v1::Message& message) {
  static const std::string kNone;
  switch (message.body_case()) {
    case v1::Message::kRequest:
      return message.request().payload();
    case v1::Message::kSupplement:
      return message.supplement().payload();
    case v1::Message::kResponse:
      return message.response().has_data() ? message.response().data().payload() : kNone;
    default:
      return kNone;
  }
}

StatusOr<MessagePredicate> ReceiveFilter(const v1::ReceiveRequest& request) {
  std::set<int> kinds;
  for (int kind : request.kinds()) {
    if (!v1::MessageKind_IsValid(kind) || kind == v1::MESSAGE_KIND_UNSPECIFIED) {
      return Status(ErrorCode::kInvalidArgument, "kinds: " + std::to_string(kind) + " is not a message kind");
    }
    kinds.insert(kind);
  }
  if (request.payload_namespace().size() > kMaxNameLength || request.payload_root_name().size() > kMaxNameLength) {
    return Status(ErrorCode::kInvalidArgument, "payload_namespace and payload_root_name are at most " +
                                                   std::to_string(kMaxNameLength) + " characters");
  }
  const bool by_payload = !request.payload_namespace().empty() || !request.payload_root_name().empty();
  if (kinds.empty() && !by_payload) {
    return MessagePredicate();
  }
  return MessagePredicate([kinds = std::move(kinds), by_payload, namespace_uri = request.payload_namespace(),
                           root_name = request.payload_root_name()](const v1::Message& message) {
    return (kinds.empty() || kinds.count(message.kind()) > 0) &&
           (!by_payload || PayloadMatches(message, namespace_uri, root_name));
  });
}

}  // namespace mezhved::gateway
