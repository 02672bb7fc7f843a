// The XML form of envelope/xml_form.h on libxml2's tree, for the SOAP adapter, which carries the form's elements
// inside its own documents (docs/SOAP.md). Exposes libxml2's types, so only adapters that work on the tree include it.
#pragma once

#include <libxml/tree.h>

#include <string>

#include <google/protobuf/message.h>

#include "common/status.h"

namespace mezhved::envelope {

// Reads the element children of `element`, whatever its own name, as the fields of `message` by the form's rules
// (FromXml's errors, with paths under `path`, e.g. "request.citizen.snils"). Payloads become standalone documents.
Status ReadElementFields(xmlNode* element, const std::string& path, google::protobuf::Message& message);

// The one element inside `element` (an information type's document) as a standalone document with the namespaces
// it uses declared on its root; INVALID_MESSAGE at `path` unless there is exactly one element and no text.
StatusOr<std::string> EmbeddedDocumentOf(xmlNode* element, const std::string& path);

// Adds `message`'s fields to `parent` as elements of the envelope namespace (declared on `parent` unless in scope).
Status AppendFields(xmlNode* parent, const google::protobuf::Message& message, const std::string& path);

}  // namespace mezhved::envelope
