// An untrusted XML document parsed into libxml2's tree, for the modules that work on the tree itself: xml/ (schema
// validation) and seal/ (XML signatures). It exposes libxml2's types, so only those include it.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string_view>

#include "common/status.h"
#include "xml/safe_xml.h"

namespace mezhved::xml {

struct DocumentFree {
  void operator()(xmlDoc* document) const { xmlFreeDoc(document); }
};
using DocumentPtr = std::unique_ptr<xmlDoc, DocumentFree>;

// CheckXmlSafety first (its errors as documented there), then libxml2 with the network, DTD loading and entity
// substitution off, decoding the bytes as UTF-8 exactly as the scan read them. A document that is not well-formed
// (namespaces included), or that made the parser warn, is INVALID_XML with the parser's reports on `field`.
// Thread-safe.
StatusOr<DocumentPtr> ParseUntrusted(std::string_view document, const XmlLimits& limits, std::string_view field);

}  // namespace mezhved::xml
