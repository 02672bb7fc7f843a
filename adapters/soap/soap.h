// SOAP 1.1 and 1.2 framing for the SOAP adapter (docs/SOAP.md): which version a request speaks, its Body's operation
// element, answers and faults. Faults carry the gateway's stable error code in x:Error and an HTTP status that
// matches it. Exposes libxml2's tree: only the SOAP adapter includes it.
#pragma once

#include <libxml/tree.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/server.h"
#include "common/status.h"
#include "xml/document.h"

namespace mezhved::adapters::soap {

inline constexpr char kExchangeNamespace[] = "urn:mezhved:exchange:1";
inline constexpr char kSoap11Namespace[] = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr char kSoap12Namespace[] = "http://www.w3.org/2003/05/soap-envelope";

enum class SoapVersion { k11, k12 };

// SOAP 1.1 is text/xml, SOAP 1.2 application/soap+xml; nullopt for anything else.
std::optional<SoapVersion> VersionOfContentType(std::string_view content_type);

struct SoapCall {
  xml::DocumentPtr document;
  xmlNode* operation = nullptr;  // the Body's one element
};

// The request parsed as untrusted XML (xml::ParseUntrusted: hostile XML is refused before the parser could honour
// it), its Envelope in `version`'s namespace (else a VersionMismatch fault), no header block it must understand,
// and exactly one element in the Body.
StatusOr<SoapCall> ParseSoapCall(std::string_view body, SoapVersion version, const xml::XmlLimits& limits);

// An answer: `body` (serialized elements, their namespaces declared) inside `version`'s Envelope and Body.
http::HttpResponse SoapAnswer(SoapVersion version, std::string_view body);
// A fault for `status`; `soap_code` overrides the Client/Sender or Server/Receiver fault code (VersionMismatch,
// MustUnderstand).
http::HttpResponse SoapFault(SoapVersion version, const Status& status, std::string_view soap_code = "");

// `text` escaped for XML character data and attribute values.
std::string Escape(std::string_view text);

// Element helpers on the request tree (with xml/document.h's ElementChildren, TextOf, AttributeOf).
using xml::AttributeOf;
using xml::ElementChildren;
using xml::TextOf;
bool IsElement(const xmlNode* node, std::string_view namespace_uri, std::string_view local_name);

}  // namespace mezhved::adapters::soap
