#include "adapters/grpc/permissions.h"

#include <google/protobuf/descriptor.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "mezhved/v1/operator.grpc.pb.h"

namespace mezhved::adapters::grpc_api {
namespace {

using gateway::Permission;

TEST_CASE("every call of the operator API has its entry in the table of permissions", "[grpc][permissions]") {
  // Through a message of the same file, which links the file's descriptor into this binary.
  const google::protobuf::ServiceDescriptor* service =
      v1::GetSessionRequest::descriptor()->file()->FindServiceByName("OperatorConsole");
  REQUIRE(service != nullptr);
  std::set<std::string> methods;
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string& name = service->method(i)->name();
    methods.insert(name);
    INFO(name);
    CHECK(FindOperatorCallPermission(name) != nullptr);
  }
  std::set<std::string> listed;
  for (const OperatorCallPermission& entry : OperatorCallPermissions()) {
    listed.insert(std::string(entry.method));
  }
  CHECK(listed == methods);  // and no entry for a call that does not exist
  CHECK(FindOperatorCallPermission("Frobnicate") == nullptr);
}

TEST_CASE("what each call of the operator API needs", "[grpc][permissions]") {
  const auto needs = [](const char* method) {
    const OperatorCallPermission* entry = FindOperatorCallPermission(method);
    REQUIRE(entry != nullptr);
    return entry->permission;
  };
  for (const char* viewing : {"ListQueues", "ListMessages", "GetMessage", "ListAgreements", "ListRejections",
                              "ListOverdue", "VerifySeal", "ScrubSeals", "ViewMessage"}) {
    INFO(viewing);
    CHECK(needs(viewing) == Permission::kView);
  }
  // The operator on call registers paper requests and their originals: "requeue" covers them.
  for (const char* mending : {"Requeue", "RegisterPaperRequest", "RecordOriginalReceived"}) {
    INFO(mending);
    CHECK(needs(mending) == Permission::kRequeue);
  }
  CHECK(needs("GetReport") == Permission::kReports);
  CHECK(needs("RevealMessage") == Permission::kReveal);
  CHECK(needs("ListAudit") == Permission::kAudit);
  CHECK_FALSE(needs("GetSession").has_value());  // any operator
}

}  // namespace
}  // namespace mezhved::adapters::grpc_api
