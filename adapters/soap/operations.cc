#include "adapters/soap/operations.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <memory>
#include <vector>

#include "common/message_id.h"
#include "envelope/xml_form.h"
#include "envelope/xml_form_tree.h"

namespace mezhved::adapters::soap {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kXmlDsigNamespace[] = "http://www.w3.org/2000/09/xmldsig#";
constexpr char kOpen[] = "<x:";
const std::string kDeclareExchange = std::string(" xmlns:x=\"") + kExchangeNamespace + "\"";

Status Invalid(const std::string& path, const std::string& code, const std::string& why) {
  return {ErrorCode::kInvalidMessage, path + ": " + why, {{path, code, why}}};
}

xmlNode* Child(xmlNode* node, std::string_view name) {
  for (xmlNode* child : ElementChildren(node)) {
    if (IsElement(child, kExchangeNamespace, name)) {
      return child;
    }
  }
  return nullptr;
}

// Every child of `node` is one of `allowed` in the exchange namespace, each at most once unless it may repeat.
Status CheckChildren(xmlNode* node, const std::string& path, std::initializer_list<std::string_view> allowed,
                     std::string_view repeatable = "") {
  std::vector<std::string> seen;
  for (xmlNode* child : ElementChildren(node)) {
    const std::string name = reinterpret_cast<const char*>(child->name);
    const bool known = std::any_of(allowed.begin(), allowed.end(),
                                   [&](std::string_view one) { return IsElement(child, kExchangeNamespace, one); });
    std::string child_path = path;
    child_path.append(".").append(name);
    if (!known) {
      return Invalid(child_path, "UNKNOWN_ELEMENT", "no such element here (docs/SOAP.md)");
    }
    if (name != repeatable && std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return Invalid(child_path, "DUPLICATE", "given more than once");
    }
    seen.push_back(name);
  }
  return Status::Ok();
}

// A UUID in its canonical, lower-case text, the form the gateway shows ids in; nullopt for anything else.
std::optional<std::string> CanonicalUuid(const std::string& text) {
  const std::optional<MessageId> parsed = MessageId::Parse(text);
  return parsed ? std::optional<std::string>(parsed->ToString()) : std::nullopt;
}

StatusOr<std::string> UuidOf(xmlNode* parent, std::string_view name, const std::string& path, bool required) {
  xmlNode* element = Child(parent, name);
  if (element == nullptr) {
    return required ? Invalid(path, "REQUIRED", "a UUID") : StatusOr<std::string>(std::string());
  }
  std::optional<std::string> uuid = CanonicalUuid(TextOf(element));
  if (!uuid) {
    return Invalid(path, "MALFORMED", "a UUID like 3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b13");
  }
  return *uuid;
}

std::string Element(std::string_view name, const std::string& text) {
  return std::string(kOpen) + std::string(name) + ">" + Escape(text) + "</x:" + std::string(name) + ">";
}

std::string TimestampText(const google::protobuf::Timestamp& at) { return TimeUtil::ToString(at); }

// The block an operation's CallerInformationSystemSignature signs, after the federal system: the data block, the
// message type selector, or the one message acknowledged. Null when the operation has none.
xmlNode* SignedBlockOf(xmlNode* operation) {
  for (const char* name : {"SenderProvidedRequestData", "SenderProvidedResponseData", "MessageTypeSelector"}) {
    if (xmlNode* block = Child(operation, name)) {
      return block;
    }
  }
  xmlNode* only_target = nullptr;
  for (xmlNode* child : ElementChildren(operation)) {
    if (IsElement(child, kExchangeNamespace, "AckTargetMessage")) {
      if (only_target != nullptr) {
        return nullptr;
      }
      only_target = child;
    }
  }
  return only_target;
}

Status MalformedCallerSignature(const std::string& why) {
  return {ErrorCode::kSignatureMalformed,
          "CallerInformationSystemSignature: " + why,
          {{"CallerInformationSystemSignature", "SIGNATURE_MALFORMED", why}}};
}

std::string Serialize(xmlNode* node) {
  xmlBuffer* buffer = xmlBufferCreate();
  xmlNodeDump(buffer, node->doc, node, 0, 0);
  std::string text(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
                   static_cast<size_t>(xmlBufferLength(buffer)));
  xmlBufferFree(buffer);
  return text;
}

// `node` serialized as it is in the call, with the namespaces it inherits from its ancestors declared on its start
// tag. (libxml2's copy and reconciliation would rename a default namespace, and so change the canonical bytes.)
std::string StandaloneText(xmlNode* node) {
  std::string declarations;
  if (xmlNs** in_scope = xmlGetNsList(node->doc, node)) {
    for (xmlNs** ns = in_scope; *ns != nullptr; ++ns) {
      bool own = false;
      for (xmlNs* declared = node->nsDef; declared != nullptr; declared = declared->next) {
        own = own || xmlStrEqual(declared->prefix, (*ns)->prefix) != 0;
      }
      if (!own) {
        declarations += (*ns)->prefix == nullptr
                            ? std::string(" xmlns=\"")
                            : " xmlns:" + std::string(reinterpret_cast<const char*>((*ns)->prefix)) + "=\"";
        declarations += Escape(reinterpret_cast<const char*>((*ns)->href)) + "\"";
      }
    }
    xmlFree(in_scope);
  }
  std::string text = Serialize(node);
  const size_t name_end = text.find_first_of(" \t\r\n/>");
  return text.insert(name_end, declarations);
}

// The signed block and its signature as a document of their own, for the core's check: exclusive c14n makes the
// block's canonical bytes the same there as in the call.
std::string SignedBlockDocument(xmlNode* block, xmlNode* signature) {
  return R"(<?xml version="1.0" encoding="UTF-8"?><SignedBlock>)" + StandaloneText(block) + StandaloneText(signature) +
         "</SignedBlock>";
}

// MessagePrimaryContent as a standalone document, with the PersonalSignature's ds:Signature put back as the last
// child of its root: the payload signature of docs/SIGNATURES.md, which the core verifies. Empty when absent.
StatusOr<std::string> PrimaryContent(xmlNode* data, const std::string& path) {
  xmlNode* content = Child(data, "MessagePrimaryContent");
  xmlNode* signature_block = Child(data, "PersonalSignature");
  if (content == nullptr) {
    return signature_block == nullptr
               ? StatusOr<std::string>(std::string())
               : Invalid(path, "REQUIRED", "a PersonalSignature signs MessagePrimaryContent, which is missing");
  }
  if (signature_block != nullptr) {
    const std::vector<xmlNode*> signatures = ElementChildren(signature_block);
    const std::vector<xmlNode*> roots = ElementChildren(content);
    if (signatures.size() != 1 || !IsElement(signatures[0], kXmlDsigNamespace, "Signature")) {
      return Invalid(path + ".signature", "MALFORMED", "PersonalSignature holds one ds:Signature");
    }
    if (roots.size() == 1) {
      xmlUnlinkNode(signatures[0]);
      xmlAddChild(roots[0], signatures[0]);
    }
  }
  return envelope::EmbeddedDocumentOf(content, path);
}

// The federal system's optional fields of a data block, onto the envelope's: a transaction code given in both
// places must agree.
template <typename Envelope>
Status ApplyCommonFields(xmlNode* data, const std::string& path, Envelope& envelope) {
  if (xmlNode* code = Child(data, "TransactionCode")) {
    const std::string text = TextOf(code);
    if (!envelope.transaction_code().empty() && envelope.transaction_code() != text) {
      return Invalid(path + ".transaction_code", "CONFLICT", "TransactionCode differs from the envelope's");
    }
    envelope.set_transaction_code(text);
  }
  if (Child(data, "TestMessage") != nullptr) {
    envelope.set_test_message(true);
  }
  return Status::Ok();
}

Status SetPayload(std::string payload, const std::string& path, std::string& target) {
  if (payload.empty()) {
    return Status::Ok();
  }
  if (!target.empty()) {
    return Invalid(path, "DUPLICATE", "the payload goes in MessagePrimaryContent only, not also in the envelope");
  }
  target = std::move(payload);
  return Status::Ok();
}

std::string KindText(v1::MessageKind kind) {
  const std::string name = v1::MessageKind_Name(kind);
  return name.substr(std::string("MESSAGE_KIND_").size());
}

gateway::Done<v1::SendResult> SentAnswer(const std::string& element, const std::string& sender_message_id,
                                         v1::MessageKind kind, const std::string& caller, Answer answer) {
  return [element, sender_message_id, kind, caller, answer = std::move(answer)](StatusOr<v1::SendResult> sent) {
    if (!sent.ok()) {
      return answer(sent.status());
    }
    answer(kOpen + element + kDeclareExchange + "><x:MessageMetadata>" + Element("MessageID", sent->message_id()) +
           Element("SenderMessageID", sender_message_id) + Element("MessageType", KindText(kind)) +
           Element("Sender", caller) + Element("SendingTimestamp", TimestampText(sent->accepted_at())) +
           Element("Duplicate", sent->duplicate() ? "true" : "false") + "</x:MessageMetadata></x:" + element + ">");
  };
}

// The stored message's XML form, sealed when the gateway seals: the same bytes a gRPC client gets in sealed_xml,
// without their XML declaration.
StatusOr<std::string> MessageForm(const v1::Message& message) {
  std::string form;
  if (!message.sealed_xml().empty()) {
    form = message.sealed_xml();
  } else {
    StatusOr<std::string> unsealed = envelope::ToXml(message);
    MEZHVED_RETURN_IF_ERROR(unsealed.status());
    form = std::move(*unsealed);
  }
  if (form.rfind("<?xml", 0) == 0) {
    form.erase(0, form.find("?>") + 2);
  }
  while (!form.empty() && (form.front() == '\n' || form.front() == '\r')) {
    form.erase(0, 1);
  }
  return form;
}

struct ReceiveShape {
  const char* answer_element;
  const char* message_element;
  std::vector<v1::MessageKind> kinds;
};

const std::map<std::string, ReceiveShape, std::less<>>& ReceiveShapes() {
  static const auto* shapes = new std::map<std::string, ReceiveShape, std::less<>>{
      {"GetRequestRequest",
       {"GetRequestResponse", "RequestMessage", {v1::MESSAGE_KIND_REQUEST, v1::MESSAGE_KIND_SUPPLEMENT}}},
      {"GetResponseRequest", {"GetResponseResponse", "ResponseMessage", {v1::MESSAGE_KIND_RESPONSE}}},
      {"GetStatusRequest", {"GetStatusResponse", "StatusMessage", {v1::MESSAGE_KIND_NOTICE}}},
  };
  return *shapes;
}

StatusOr<uint32_t> WaitOf(xmlNode* operation) {
  xmlNode* wait = Child(operation, "WaitMilliseconds");
  if (wait == nullptr) {
    return 0U;
  }
  const std::string text = TextOf(wait);
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || (value = value * 10 + static_cast<uint64_t>(c - '0')) > UINT32_MAX) {
      return Invalid("WaitMilliseconds", "MALFORMED", "milliseconds, a whole number");
    }
  }
  if (text.empty()) {
    return Invalid("WaitMilliseconds", "MALFORMED", "milliseconds, a whole number");
  }
  return static_cast<uint32_t>(value);
}

}  // namespace

void Operations::Run(const std::string& caller, xmlNode* operation, Answer answer) {
  const std::string name = reinterpret_cast<const char*>(operation->name);
  if (!IsElement(operation, kExchangeNamespace, name)) {
    return answer(Status(ErrorCode::kInvalidArgument, "unknown operation " + name + ": the Body's element must be in " +
                                                          kExchangeNamespace + " (docs/SOAP.md)"));
  }
  if (Status checked = CheckCallerSignature(caller, operation); !checked.ok()) {
    return answer(checked);
  }
  if (name == "SendRequestRequest") {
    return SendRequest(caller, operation, std::move(answer));
  }
  if (name == "SendResponseRequest") {
    return SendResponse(caller, operation, std::move(answer));
  }
  if (ReceiveShapes().count(name) > 0) {
    return Receive(caller, operation, name, std::move(answer));
  }
  if (name == "AckRequest") {
    return Ack(caller, operation, answer);
  }
  if (name == "GetMessageStateRequest") {
    return GetMessageState(caller, operation, answer);
  }
  if (name == "GetIncomingQueueStatisticsRequest") {
    return GetQueueStatistics(caller, answer);
  }
  answer(Status(ErrorCode::kInvalidArgument, "unknown operation " + name + " (docs/SOAP.md lists them)"));
}

Status Operations::CheckCallerSignature(const std::string& caller, xmlNode* operation) const {
  xmlNode* signature_block = Child(operation, "CallerInformationSystemSignature");
  if (signature_block == nullptr) {
    return Status::Ok();
  }
  xmlNode* block = SignedBlockOf(operation);
  if (block == nullptr) {
    return MalformedCallerSignature("this operation has no block to sign (docs/SOAP.md)");
  }
  const std::vector<xmlNode*> signatures = ElementChildren(signature_block);
  if (signatures.size() != 1 || !IsElement(signatures[0], kXmlDsigNamespace, "Signature")) {
    return MalformedCallerSignature("it holds one ds:Signature");
  }
  const std::string id = AttributeOf(block, "Id");
  if (id.empty()) {
    return MalformedCallerSignature(std::string("the signed block ") + reinterpret_cast<const char*>(block->name) +
                                    " has no Id for the signature to refer to");
  }
  return gateway_.CheckCallerSignature(caller, SignedBlockDocument(block, signatures[0]), id);
}

void Operations::SendRequest(const std::string& caller, xmlNode* operation, Answer answer) {
  xmlNode* data = Child(operation, "SenderProvidedRequestData");
  if (data == nullptr) {
    return answer(Invalid("SenderProvidedRequestData", "REQUIRED", "the request's data block"));
  }
  Status checked = CheckChildren(data, "SenderProvidedRequestData",
                                 {"MessageID", "ReferenceMessageID", "TransactionCode", "Request", "Supplement",
                                  "MessagePrimaryContent", "PersonalSignature", "TestMessage"});
  StatusOr<std::string> message_id = UuidOf(data, "MessageID", "SenderProvidedRequestData.MessageID", true);
  StatusOr<std::string> reference =
      UuidOf(data, "ReferenceMessageID", "SenderProvidedRequestData.ReferenceMessageID", false);
  for (const Status& status : {checked, message_id.status(), reference.status()}) {
    if (!status.ok()) {
      return answer(status);
    }
  }
  xmlNode* request = Child(data, "Request");
  xmlNode* supplement = Child(data, "Supplement");
  if ((request == nullptr) == (supplement == nullptr)) {
    return answer(Invalid("SenderProvidedRequestData.Request", "REQUIRED", "either Request or Supplement"));
  }
  if (request != nullptr) {
    v1::RequestEnvelope envelope;
    StatusOr<std::string> payload = PrimaryContent(data, "request.payload");
    for (const Status& status :
         {envelope::ReadElementFields(request, "request", envelope), payload.status(),
          reference->empty() ? Status::Ok()
                             : Invalid("SenderProvidedRequestData.ReferenceMessageID", "UNEXPECTED",
                                       "a new request refers to nothing; a Supplement refers to its request")}) {
      if (!status.ok()) {
        return answer(status);
      }
    }
    for (const Status& status : {SetPayload(std::move(*payload), "request.payload", *envelope.mutable_payload()),
                                 ApplyCommonFields(data, "request", envelope)}) {
      if (!status.ok()) {
        return answer(status);
      }
    }
    return gateway_.SendRequest(
        caller, *message_id, std::move(envelope),
        SentAnswer("SendRequestResponse", *message_id, v1::MESSAGE_KIND_REQUEST, caller, std::move(answer)));
  }
  v1::SupplementEnvelope envelope;
  StatusOr<std::string> payload = PrimaryContent(data, "supplement.payload");
  for (const Status& status : {envelope::ReadElementFields(supplement, "supplement", envelope), payload.status()}) {
    if (!status.ok()) {
      return answer(status);
    }
  }
  if (reference->empty() || (!envelope.request_id().empty() && envelope.request_id() != *reference)) {
    return answer(Invalid("SenderProvidedRequestData.ReferenceMessageID", "REQUIRED",
                          "a Supplement names its request here (and RequestId, if given, must agree)"));
  }
  envelope.set_request_id(*reference);
  for (const Status& status : {SetPayload(std::move(*payload), "supplement.payload", *envelope.mutable_payload()),
                               ApplyCommonFields(data, "supplement", envelope)}) {
    if (!status.ok()) {
      return answer(status);
    }
  }
  gateway_.SendSupplement(
      caller, *message_id, std::move(envelope),
      SentAnswer("SendRequestResponse", *message_id, v1::MESSAGE_KIND_SUPPLEMENT, caller, std::move(answer)));
}

void Operations::SendResponse(const std::string& caller, xmlNode* operation, Answer answer) {
  xmlNode* data = Child(operation, "SenderProvidedResponseData");
  if (data == nullptr) {
    return answer(Invalid("SenderProvidedResponseData", "REQUIRED", "the response's data block"));
  }
  Status checked = CheckChildren(
      data, "SenderProvidedResponseData",
      {"MessageID", "To", "TransactionCode", "Response", "MessagePrimaryContent", "PersonalSignature", "TestMessage"});
  StatusOr<std::string> message_id = UuidOf(data, "MessageID", "SenderProvidedResponseData.MessageID", true);
  StatusOr<std::string> to = UuidOf(data, "To", "SenderProvidedResponseData.To", true);
  for (const Status& status : {checked, message_id.status(), to.status()}) {
    if (!status.ok()) {
      return answer(status);
    }
  }
  xmlNode* response = Child(data, "Response");
  if (response == nullptr) {
    return answer(Invalid("SenderProvidedResponseData.Response", "REQUIRED", "the response envelope"));
  }
  v1::ResponseEnvelope envelope;
  StatusOr<std::string> payload = PrimaryContent(data, "response.data.payload");
  for (const Status& status : {envelope::ReadElementFields(response, "response", envelope), payload.status()}) {
    if (!status.ok()) {
      return answer(status);
    }
  }
  if (!envelope.request_id().empty() && envelope.request_id() != *to) {
    return answer(Invalid("response.request_id", "CONFLICT", "RequestId differs from To"));
  }
  envelope.set_request_id(*to);
  if (!payload->empty() && envelope.outcome_case() != v1::ResponseEnvelope::kData &&
      envelope.outcome_case() != v1::ResponseEnvelope::OUTCOME_NOT_SET) {
    return answer(Invalid("response.data.payload", "UNEXPECTED", "only a data answer carries MessagePrimaryContent"));
  }
  const bool data_answer = !payload->empty() || envelope.has_data();
  for (const Status& status : {data_answer ? SetPayload(std::move(*payload), "response.data.payload",
                                                        *envelope.mutable_data()->mutable_payload())
                                           : Status::Ok(),
                               ApplyCommonFields(data, "response", envelope)}) {
    if (!status.ok()) {
      return answer(status);
    }
  }
  gateway_.SendResponse(
      caller, *message_id, std::move(envelope),
      SentAnswer("SendResponseResponse", *message_id, v1::MESSAGE_KIND_RESPONSE, caller, std::move(answer)));
}

void Operations::Receive(const std::string& caller, xmlNode* operation, const std::string& operation_name,
                         Answer answer) {
  const ReceiveShape& shape = ReceiveShapes().find(operation_name)->second;
  v1::ReceiveRequest request;
  request.set_max_messages(1);
  for (v1::MessageKind kind : shape.kinds) {
    request.add_kinds(kind);
  }
  if (xmlNode* selector = Child(operation, "MessageTypeSelector")) {
    if (xmlNode* namespace_uri = Child(selector, "NamespaceURI")) {
      request.set_payload_namespace(TextOf(namespace_uri));
    }
    if (xmlNode* root_name = Child(selector, "RootElementLocalName")) {
      request.set_payload_root_name(TextOf(root_name));
    }
  }
  StatusOr<uint32_t> wait = WaitOf(operation);
  if (!wait.ok()) {
    return answer(wait.status());
  }
  request.set_wait_ms(*wait);
  gateway_.Receive(
      caller, request, [] { return false; },
      [shape, answer = std::move(answer)](StatusOr<v1::ReceiveResponse> received) {
        if (!received.ok()) {
          return answer(received.status());
        }
        std::string body = kOpen + std::string(shape.answer_element) + kDeclareExchange + ">";
        for (const v1::Message& message : received->messages()) {
          StatusOr<std::string> form = MessageForm(message);
          if (!form.ok()) {
            return answer(form.status());
          }
          body += kOpen + std::string(shape.message_element) + "><x:MessageMetadata>" +
                  Element("MessageID", message.message_id()) + Element("MessageType", KindText(message.kind())) +
                  Element("Sender", message.sender_code()) + Element("Recipient", message.recipient_code()) +
                  Element("SendingTimestamp", TimestampText(message.accepted_at())) +
                  Element("DeliveryAttempt", std::to_string(message.delivery_attempt())) + "</x:MessageMetadata>" +
                  *form + "</x:" + shape.message_element + ">";
        }
        answer(body + "</x:" + shape.answer_element + ">");
      });
}

void Operations::Ack(const std::string& caller, xmlNode* operation, const Answer& answer) {
  // In the order given; accepted="false" marks a message the caller's system got but cannot process.
  v1::AckRequest accepted;
  v1::AckRequest rejected;
  rejected.set_rejected(true);
  std::vector<std::string> order;
  for (xmlNode* target : ElementChildren(operation)) {
    if (!IsElement(target, kExchangeNamespace, "AckTargetMessage")) {
      continue;  // CallerInformationSystemSignature was dealt with above
    }
    std::string id = TextOf(target);
    id = CanonicalUuid(id).value_or(id);  // not a UUID: the core refuses it
    const std::string flag = AttributeOf(target, "accepted");
    if (!flag.empty() && flag != "true" && flag != "1" && flag != "false" && flag != "0") {
      return answer(Invalid("AckTargetMessage.accepted", "MALFORMED", "true or false"));
    }
    *(flag == "false" || flag == "0" ? rejected : accepted).add_message_ids() = id;
    order.push_back(std::move(id));
  }
  if (order.empty()) {
    return answer(Invalid("AckTargetMessage", "REQUIRED", "the id of a received message"));
  }
  auto outcomes = std::make_shared<std::map<std::string, v1::AckOutcome>>();
  auto finish = [order = std::move(order), outcomes, answer](StatusOr<v1::AckResponse> acked) {
    if (!acked.ok()) {
      return answer(acked.status());
    }
    for (const v1::AckResult& result : acked->results()) {
      (*outcomes)[result.message_id()] = result.outcome();
    }
    std::string body = std::string(kOpen) + "AckResponse" + kDeclareExchange + ">";
    for (const std::string& id : order) {
      const std::string outcome = v1::AckOutcome_Name((*outcomes)[id]);
      body += "<x:AckResult>" + Element("MessageID", id) +
              Element("Outcome", outcome.substr(std::string("ACK_OUTCOME_").size())) + "</x:AckResult>";
    }
    answer(body + "</x:AckResponse>");
  };
  if (rejected.message_ids().empty() || accepted.message_ids().empty()) {
    return gateway_.Ack(caller, accepted.message_ids().empty() ? rejected : accepted, std::move(finish));
  }
  gateway_.Ack(caller, accepted,
               [this, caller, rejected, outcomes, finish = std::move(finish)](StatusOr<v1::AckResponse> first) mutable {
                 if (!first.ok()) {
                   return finish(first.status());
                 }
                 for (const v1::AckResult& result : first->results()) {
                   (*outcomes)[result.message_id()] = result.outcome();
                 }
                 gateway_.Ack(caller, rejected, std::move(finish));
               });
}

void Operations::GetMessageState(const std::string& caller, xmlNode* operation, const Answer& answer) {
  StatusOr<std::string> id = UuidOf(operation, "MessageID", "MessageID", true);
  if (!id.ok()) {
    return answer(id.status());
  }
  StatusOr<v1::MessageStatus> status = gateway_.GetStatus(caller, *id);
  if (!status.ok()) {
    return answer(status.status());
  }
  xml::DocumentPtr document(xmlNewDoc(BAD_CAST "1.0"));
  xmlNode* root = xmlNewDocNode(document.get(), nullptr, BAD_CAST "GetMessageStateResponse", nullptr);
  xmlDocSetRootElement(document.get(), root);
  xmlNs* exchange = xmlNewNs(root, BAD_CAST kExchangeNamespace, BAD_CAST "x");
  xmlSetNs(root, exchange);
  xmlNode* state = xmlNewChild(root, exchange, BAD_CAST "MessageState", nullptr);
  if (Status written = envelope::AppendFields(state, *status, "message_state"); !written.ok()) {
    return answer(written);
  }
  answer(Serialize(root));
}

void Operations::GetQueueStatistics(const std::string& caller, const Answer& answer) {
  const v1::QueueSummary queue = gateway_.QueueOf(caller);
  answer(std::string(kOpen) + "GetIncomingQueueStatisticsResponse" + kDeclareExchange + "><x:QueueStatistics>" +
         Element("QueueName", caller) + Element("PendingMessageNumber", std::to_string(queue.pending())) +
         Element("LeasedMessageNumber", std::to_string(queue.leased())) +
         Element("DeadLetteredMessageNumber", std::to_string(queue.dead_letters())) +
         "</x:QueueStatistics></x:GetIncomingQueueStatisticsResponse>");
}

}  // namespace mezhved::adapters::soap
