// Internal to seal/: xmlsec1's transform ids for the algorithms, and the ds:Signature node of a document.
#pragma once

#include <libxml/tree.h>
#include <xmlsec/transforms.h>

#include <vector>

#include "seal/algorithms.h"

namespace mezhved::seal {

struct TransformIds {
  xmlSecTransformId signature;
  xmlSecTransformId digest;
};
TransformIds TransformIdsOf(Algorithm algorithm);

// Every ds:Signature element of the document, in document order.
std::vector<xmlNodePtr> SignatureElements(xmlDocPtr document);

// xmlDocDumpMemory's bytes as a string ("" when it fails).
std::string Serialized(xmlDocPtr document);

}  // namespace mezhved::seal
