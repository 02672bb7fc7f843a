#include "gateway/operator_roles.h"

namespace mezhved::gateway {

using config::v1::OPERATOR_ROLE_ADMINISTRATOR;
using config::v1::OPERATOR_ROLE_AUDITOR;
using config::v1::OPERATOR_ROLE_OPERATOR;
using config::v1::OPERATOR_ROLE_SUPERVISOR;
using config::v1::OPERATOR_ROLE_UNSPECIFIED;

std::string_view NameOf(Permission permission) {
  switch (permission) {
    case Permission::kView:
      return "view";
    case Permission::kRequeue:
      return "requeue";
    case Permission::kReveal:
      return "reveal";
    case Permission::kReports:
      return "reports";
    case Permission::kAudit:
      return "audit";
    case Permission::kAdminister:
      return "administer";
  }
  return "";
}

std::string_view NameOf(OperatorRole role) {
  switch (role) {
    case OPERATOR_ROLE_UNSPECIFIED:
    case OPERATOR_ROLE_OPERATOR:
      return "operator";
    case OPERATOR_ROLE_SUPERVISOR:
      return "supervisor";
    case OPERATOR_ROLE_AUDITOR:
      return "auditor";
    case OPERATOR_ROLE_ADMINISTRATOR:
      return "administrator";
    case config::v1::OPERATOR_ROLE_LOOPBACK:
      return "loopback";
    default:
      return "unknown";
  }
}

// Least privilege: an operator on call mends delivery and needs no citizen's data; a supervisor answers for the
// cases and the reports, and may look into a message's personal data, which is recorded each time; an auditor reads
// everything that is recorded but changes nothing and sees no personal data; an administrator keeps the registry.
bool Allows(OperatorRole role, Permission permission) {
  if (role == kLoopbackRole) {
    return true;
  }
  switch (permission) {
    case Permission::kView:
      return true;
    case Permission::kRequeue:
      return role == OPERATOR_ROLE_OPERATOR || role == OPERATOR_ROLE_UNSPECIFIED;
    case Permission::kReveal:
      return role == OPERATOR_ROLE_SUPERVISOR;
    case Permission::kReports:
      return role == OPERATOR_ROLE_SUPERVISOR || role == OPERATOR_ROLE_AUDITOR;
    case Permission::kAudit:
      return role == OPERATOR_ROLE_AUDITOR;
    case Permission::kAdminister:
      return role == OPERATOR_ROLE_ADMINISTRATOR;
  }
  return false;
}

std::vector<std::string> PermissionNames(OperatorRole role) {
  std::vector<std::string> names;
  for (const Permission permission : {Permission::kView, Permission::kRequeue, Permission::kReveal,
                                      Permission::kReports, Permission::kAudit, Permission::kAdminister}) {
    if (Allows(role, permission)) {
      names.emplace_back(NameOf(permission));
    }
  }
  return names;
}

}  // namespace mezhved::gateway
