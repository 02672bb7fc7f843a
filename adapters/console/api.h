// The operators' console's JSON API (docs/CONSOLE.md): each route, the permission it needs, and its translation to
// the core. JSON as protobuf maps it (proto/mezhved/v1/console.proto). The caller (server.cc) has already
// authenticated the operator and checked the CSRF token; this layer checks the permission and moves fields.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "adapters/console/access.h"
#include "adapters/console/rates.h"
#include "common/readiness.h"
#include "gateway/gateway.h"
#include "mezhved/config/v1/config.pb.h"

namespace mezhved::adapters::console {

struct ApiRequest {
  std::string method;
  std::string path;                          // without the query
  std::map<std::string, std::string> query;  // decoded
  std::string body;
  SignedIn who;
  std::string client;  // for the audit log: "console <peer address>"
};

struct ApiAnswer {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

using ApiRespond = std::function<void(ApiAnswer)>;

// JSON of a message, with the .proto field names and every field (zeros too).
std::string ToJson(const google::protobuf::Message& message);
// The error body {"code", "message", "violations"} with the HTTP status of the code's class.
ApiAnswer ErrorAnswer(const Status& status);

class ConsoleApi {
 public:
  ConsoleApi(gateway::Gateway& gateway, const config::v1::GatewayConfig& config, const RateHistory& rates,
             const Readiness& readiness);

  // Answers a request under /api/v1/ (other than the session routes), once, possibly later, from any thread.
  void Handle(const ApiRequest& request, ApiRespond respond);

  // Keeps an operator's action for the auditors, then calls `kept` (when given) with the outcome; a failure is
  // also logged.
  void Audit(const SignedIn& who, const std::string& client, const std::string& action, const std::string& target,
             const std::string& detail, std::function<void(const Status&)> kept = {});

 private:
  ApiAnswer Overview() const;
  ApiAnswer QueueMessages(const std::string& organisation, const ApiRequest& request) const;
  ApiAnswer Message(const std::string& id) const;
  void Reveal(const std::string& id, const ApiRequest& request, ApiRespond respond);
  void Requeue(const ApiRequest& request, ApiRespond respond);
  ApiAnswer Rejections(const ApiRequest& request) const;
  ApiAnswer Overdue(const ApiRequest& request) const;
  ApiAnswer Report(const ApiRequest& request, const std::string& format) const;
  ApiAnswer AuditLog(const ApiRequest& request) const;
  ApiAnswer Agreements(const ApiRequest& request) const;
  ApiAnswer Participants() const;

  gateway::Gateway& gateway_;
  const config::v1::GatewayConfig& config_;
  const RateHistory& rates_;
  const Readiness& readiness_;
};

}  // namespace mezhved::adapters::console
