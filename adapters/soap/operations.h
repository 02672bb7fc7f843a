// The SOAP API's operations (docs/SOAP.md, schemas/soap/1/exchange.wsdl), each translated to one call of the core
// and its answer back to XML. No rule of the exchange lives here: validation, routing, deadlines and seals are the
// core's; this file only moves fields between the federal system's shape and the core's messages.
#pragma once

#include <functional>
#include <string>

#include "adapters/soap/soap.h"
#include "gateway/gateway.h"

namespace mezhved::adapters::soap {

// The Body's content of the answer (serialized elements), or the error for a fault.
using Answer = std::function<void(StatusOr<std::string>)>;

class Operations {
 public:
  explicit Operations(gateway::Gateway& gateway) : gateway_(gateway) {}

  // Runs `operation` (the Body's element of a parsed request) for the organisation `caller`. Reads what it needs
  // from the tree before it returns; `answer` is called once, possibly later on a store thread.
  void Run(const std::string& caller, xmlNode* operation, Answer answer);

 private:
  // The calling system's signature over the operation's signed block, when the call carries one
  // (Gateway::CheckCallerSignature).
  Status CheckCallerSignature(const std::string& caller, xmlNode* operation) const;
  void SendRequest(const std::string& caller, xmlNode* operation, Answer answer);
  void SendResponse(const std::string& caller, xmlNode* operation, Answer answer);
  void Receive(const std::string& caller, xmlNode* operation, const std::string& operation_name, Answer answer);
  void Ack(const std::string& caller, xmlNode* operation, const Answer& answer);
  void GetMessageState(const std::string& caller, xmlNode* operation, const Answer& answer);
  void GetQueueStatistics(const std::string& caller, const Answer& answer);

  gateway::Gateway& gateway_;
};

}  // namespace mezhved::adapters::soap
