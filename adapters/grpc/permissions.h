// Who may make which call of the operator API (service OperatorConsole): the one table of the permission each call
// needs of the caller's role. What each role may do is gateway/operator_roles.h, the table the web console applies
// too; docs/API.md ("OperatorConsole") lists both.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "gateway/operator_roles.h"

namespace mezhved::adapters::grpc_api {

struct OperatorCallPermission {
  std::string_view method;  // the RPC's name in operator.proto, e.g. "Requeue"
  // What the caller's role must allow; nullopt: any configured operator may make the call.
  std::optional<gateway::Permission> permission;
};

// Every RPC of OperatorConsole, in the order of operator.proto.
std::span<const OperatorCallPermission> OperatorCallPermissions();

// The entry of `method`, or nullptr when the table lacks it (the call is then refused: a new RPC must be added here).
const OperatorCallPermission* FindOperatorCallPermission(std::string_view method);

}  // namespace mezhved::adapters::grpc_api
