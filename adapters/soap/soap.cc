#include "adapters/soap/soap.h"

#include "adapters/http/error_status.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace mezhved::adapters::soap {
namespace {

const char* EnvelopeNamespace(SoapVersion version) {
  return version == SoapVersion::k11 ? kSoap11Namespace : kSoap12Namespace;
}

std::string ContentType(SoapVersion version) {
  return version == SoapVersion::k11 ? "text/xml; charset=utf-8" : "application/soap+xml; charset=utf-8";
}

Status Malformed(const std::string& why) { return {ErrorCode::kInvalidArgument, "SOAP: " + why}; }

bool MustBeUnderstood(const xmlNode* header_block, SoapVersion version) {
  xmlChar* value = xmlGetNsProp(header_block, BAD_CAST "mustUnderstand", BAD_CAST EnvelopeNamespace(version));
  if (value == nullptr) {
    return false;
  }
  const std::string text = reinterpret_cast<const char*>(value);
  xmlFree(value);
  return text == "1" || text == "true";
}

// The fault's detail: the stable code, the message and the failing fields (docs/API.md).
std::string ErrorDetail(const Status& status) {
  std::string detail = "<x:Error xmlns:x=\"" + std::string(kExchangeNamespace) + "\"><x:Code>" +
                       Escape(ErrorCodeName(status.code())) + "</x:Code><x:Message>" + Escape(status.message()) +
                       "</x:Message>";
  for (const FieldError& field : status.fields()) {
    detail += "<x:Violation><x:Field>" + Escape(field.path) + "</x:Field><x:Code>" + Escape(field.code) +
              "</x:Code><x:Description>" + Escape(field.description) + "</x:Description></x:Violation>";
  }
  return detail + "</x:Error>";
}

}  // namespace

std::optional<SoapVersion> VersionOfContentType(std::string_view content_type) {
  std::string media(content_type.substr(0, content_type.find(';')));
  media.erase(std::remove_if(media.begin(), media.end(), [](unsigned char c) { return std::isspace(c) != 0; }),
              media.end());
  std::transform(media.begin(), media.end(), media.begin(), [](unsigned char c) { return std::tolower(c); });
  if (media == "text/xml") {
    return SoapVersion::k11;
  }
  if (media == "application/soap+xml") {
    return SoapVersion::k12;
  }
  return std::nullopt;
}

StatusOr<SoapCall> ParseSoapCall(std::string_view body, SoapVersion version, const xml::XmlLimits& limits) {
  StatusOr<xml::DocumentPtr> parsed = xml::ParseUntrusted(body, limits, "soap");
  MEZHVED_RETURN_IF_ERROR(parsed.status());
  SoapCall call;
  call.document = std::move(*parsed);
  xmlNode* envelope = xmlDocGetRootElement(call.document.get());
  if (!IsElement(envelope, EnvelopeNamespace(version), "Envelope")) {
    return Malformed(std::string("the root element must be Envelope in ") + EnvelopeNamespace(version) +
                     (version == SoapVersion::k11 ? " (SOAP 1.1, text/xml)" : " (SOAP 1.2, application/soap+xml)"));
  }
  xmlNode* body_element = nullptr;
  for (xmlNode* child : ElementChildren(envelope)) {
    if (IsElement(child, EnvelopeNamespace(version), "Header") && body_element == nullptr) {
      for (xmlNode* block : ElementChildren(child)) {
        if (MustBeUnderstood(block, version)) {
          return Status(ErrorCode::kInvalidArgument, "SOAP: the header block " +
                                                         std::string(reinterpret_cast<const char*>(block->name)) +
                                                         " must be understood, and the gateway does not know it");
        }
      }
    } else if (IsElement(child, EnvelopeNamespace(version), "Body") && body_element == nullptr) {
      body_element = child;
    } else {
      return Malformed("the Envelope holds an optional Header and then one Body, nothing else");
    }
  }
  if (body_element == nullptr) {
    return Malformed("the Envelope has no Body");
  }
  const std::vector<xmlNode*> operations = ElementChildren(body_element);
  if (operations.size() != 1) {
    return Malformed("the Body must hold exactly one element, the operation's request");
  }
  call.operation = operations.front();
  return call;
}

http::HttpResponse SoapAnswer(SoapVersion version, std::string_view body) {
  http::HttpResponse response;
  response.content_type = ContentType(version);
  response.body.reserve(body.size() + 200);
  response.body = R"(<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap=")";
  response.body += EnvelopeNamespace(version);
  response.body += "\"><soap:Body>";
  response.body += body;
  response.body += "</soap:Body></soap:Envelope>";
  return response;
}

http::HttpResponse SoapFault(SoapVersion version, const Status& status, std::string_view soap_code) {
  const unsigned http_status = http::HttpStatusFor(status.code());
  const bool client_fault = http_status < 500 || status.code() == ErrorCode::kUnavailable;
  const std::string text = std::string(ErrorCodeName(status.code())) + ": " + status.message();
  std::string fault;
  if (version == SoapVersion::k11) {
    const std::string code = soap_code.empty() ? (client_fault ? "Client" : "Server") : std::string(soap_code);
    fault = "<soap:Fault><faultcode>soap:" + code + "</faultcode><faultstring>" + Escape(text) +
            "</faultstring><detail>" + ErrorDetail(status) + "</detail></soap:Fault>";
  } else {
    const std::string code = soap_code.empty() ? (client_fault ? "Sender" : "Receiver") : std::string(soap_code);
    fault = "<soap:Fault><soap:Code><soap:Value>soap:" + code + "</soap:Value></soap:Code><soap:Reason>" +
            "<soap:Text xml:lang=\"en\">" + Escape(text) + "</soap:Text></soap:Reason><soap:Detail>" +
            ErrorDetail(status) + "</soap:Detail></soap:Fault>";
  }
  http::HttpResponse response = SoapAnswer(version, fault);
  response.status = http_status;
  response.headers["X-Mezhved-Error-Code"] = std::string(ErrorCodeName(status.code()));
  return response;
}

std::string Escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&apos;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

bool IsElement(const xmlNode* node, std::string_view namespace_uri, std::string_view local_name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && node->ns != nullptr && node->ns->href != nullptr &&
         namespace_uri == reinterpret_cast<const char*>(node->ns->href) &&
         local_name == reinterpret_cast<const char*>(node->name);
}

}  // namespace mezhved::adapters::soap
