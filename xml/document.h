// An untrusted XML document parsed into libxml2's tree, for the modules that work on the tree itself: xml/ (schema
// validation) and seal/ (XML signatures). It exposes libxml2's types, so only those include it.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// Reading the tree: the element children of `node`, in order; all the text inside `node`; the value of its attribute
// `name` (empty when absent).
std::vector<xmlNode*> ElementChildren(const xmlNode* node);
std::string TextOf(const xmlNode* node);
std::string AttributeOf(const xmlNode* node, const char* name);

}  // namespace mezhved::xml
