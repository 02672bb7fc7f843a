// The root element's name of a stored XML document: what the SOAP API's MessageTypeSelector (NamespaceURI,
// RootElementLocalName) selects messages by.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mezhved::xml {

struct ElementName {
  std::string namespace_uri;  // empty when the element is in no namespace
  std::string local_name;
};

// Reads only as far as the root element's start tag, so it costs the same for any size of document. For documents
// that passed the safety scan and the parser at the door (payloads of stored messages): nullopt when `document` has
// no readable root element. Thread-safe.
std::optional<ElementName> RootElementOf(std::string_view document);

}  // namespace mezhved::xml
