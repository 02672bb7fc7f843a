#include "adapters/grpc/permissions.h"

#include <algorithm>
#include <array>

namespace mezhved::adapters::grpc_api {
namespace {

using gateway::Permission;

// Least privilege, as in the console (gateway/operator_roles.cc has the reasoning):
// - reading the queues, the messages (masked), the refusals, the overdue list, the agreements and the seals is
//   "view", which every role has;
// - "requeue" is what the operator on call does to mend delivery; it also covers registering a request that came on
//   paper or by fax and recording the arrival of its original (Altai 3.4; Kuzbass 5.3-5.4), which the operator on
//   call does too;
// - "reveal" shows a citizen's personal data, recorded each time; "reports" the deadline-compliance reports; "audit"
//   the history of operators' actions;
// - a backup of the store is the administrator's, who keeps the gateway running;
// - GetSession only says who the caller is and what its role allows: any operator.
constexpr std::array kPermissions = {
    OperatorCallPermission{"ListQueues", Permission::kView},
    OperatorCallPermission{"ListMessages", Permission::kView},
    OperatorCallPermission{"GetMessage", Permission::kView},
    OperatorCallPermission{"Requeue", Permission::kRequeue},
    OperatorCallPermission{"RegisterPaperRequest", Permission::kRequeue},
    OperatorCallPermission{"RecordOriginalReceived", Permission::kRequeue},
    OperatorCallPermission{"ListAgreements", Permission::kView},
    OperatorCallPermission{"ListRejections", Permission::kView},
    OperatorCallPermission{"ListOverdue", Permission::kView},
    OperatorCallPermission{"GetReport", Permission::kReports},
    OperatorCallPermission{"VerifySeal", Permission::kView},
    OperatorCallPermission{"ScrubSeals", Permission::kView},
    OperatorCallPermission{"Backup", Permission::kAdminister},
    OperatorCallPermission{"ViewMessage", Permission::kView},
    OperatorCallPermission{"RevealMessage", Permission::kReveal},
    OperatorCallPermission{"ListAudit", Permission::kAudit},
    OperatorCallPermission{"GetSession", std::nullopt},
};

}  // namespace

std::span<const OperatorCallPermission> OperatorCallPermissions() { return kPermissions; }

const OperatorCallPermission* FindOperatorCallPermission(std::string_view method) {
  const auto* found = std::find_if(kPermissions.begin(), kPermissions.end(),
                                   [method](const OperatorCallPermission& entry) { return entry.method == method; });
  return found == kPermissions.end() ? nullptr : &*found;
}

}  // namespace mezhved::adapters::grpc_api
