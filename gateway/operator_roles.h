// Who may do what among the gateway's operators (docs/CONSOLE.md): the roles' permissions in one table, which the
// web console and the operator gRPC API (mezhvedctl) both apply.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mezhved/config/v1/config.pb.h"

namespace mezhved::gateway {

using config::v1::OperatorRole;

enum class Permission {
  kView,        // the overview, queues, messages (masked), refusals, overdue requests
  kRequeue,     // put dead letters back into their queues; register paper requests and their originals
  kReveal,      // see a message's personal data, recorded each time
  kReports,     // the deadline-compliance reports
  kAudit,       // the history of operators' actions
  kAdminister,  // participants, agreements, calendars, backups of the store
};

// The insecure loopback trial's role: not one that can be configured, it may do everything.
inline constexpr OperatorRole kLoopbackRole = config::v1::OPERATOR_ROLE_LOOPBACK;

std::string_view NameOf(Permission permission);
std::string_view NameOf(OperatorRole role);
// The one table of what each role may do.
bool Allows(OperatorRole role, Permission permission);
std::vector<std::string> PermissionNames(OperatorRole role);

}  // namespace mezhved::gateway
