// The XML form of a message (docs/SIGNATURES.md, "The XML form of a message"; schemas/envelope/1/envelope.xsd): the
// bytes the gateway seals, recipients verify, and the SOAP adapter carries. It is derived from the message's protobuf
// definition (proto/mezhved/v1/messages.proto) by fixed rules, so every field of the envelope is carried:
//   - the root element is m:Message in the namespace urn:mezhved:envelope:1 (prefix "m");
//   - a field becomes an element named in UpperCamelCase (requester_code -> m:RequesterCode), in field-number order;
//   - fields with their default value (empty, 0, false, the zero enum) and absent sub-messages are left out;
//   - a repeated field is one element per value; of a oneof, the element of the field that is set;
//   - an enum value is its name without the enum's prefix (MESSAGE_KIND_REQUEST -> REQUEST);
//   - google.protobuf.Timestamp is an xs:dateTime in UTC with milliseconds (2026-11-24T06:00:00.000Z);
//   - mezhved.v1.Date is an xs:date (2026-11-24);
//   - bytes fields are XML documents (the information types' payloads): their root element is embedded as the only
//     child of the field's element, its namespaces declared on it;
//   - Message.delivery_attempt is left out: it changes with every delivery, and the form is of the accepted message;
//     so is Message.sealed_xml, the sealed form itself.
// The form is serialized as UTF-8 with an XML declaration and no insignificant whitespace.
#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "common/status.h"
#include "mezhved/v1/messages.pb.h"
#include "xml/safe_xml.h"

namespace mezhved::envelope {

inline constexpr char kEnvelopeNamespace[] = "urn:mezhved:envelope:1";

// INVALID_XML / UNSAFE_XML when a payload is not an XML document the gateway accepts (it was checked at the door,
// so this is a bug or a corrupt record). Thread-safe.
StatusOr<std::string> ToXml(const v1::Message& message);

// The other way: `xml`, an element of the XML form (e.g. m:Request as an integrator sends it over SOAP), read into
// `message` by the same rules. Unknown elements, repeated singular fields, malformed values (numbers, enum names,
// instants, dates) and payloads that are not one element are INVALID_MESSAGE with the failing path
// (e.g. "request.citizen.birth_date"); an XML payload is re-serialized as a standalone document with its
// namespaces. The document itself is parsed as untrusted XML (UNSAFE_XML, INVALID_XML, MESSAGE_TOO_LARGE). The
// root element must be `root` in the envelope namespace; a ds:Signature among its children (a seal) is skipped.
// Fields absent from the XML keep their defaults.
Status FromXml(std::string_view xml, std::string_view root, const xml::XmlLimits& limits,
               google::protobuf::Message& message);

}  // namespace mezhved::envelope
