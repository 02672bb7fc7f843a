#include "seal/xmlsec_util.h"

#include <xmlsec/openssl/crypto.h>
#include <xmlsec/strings.h>
#include <xmlsec/xmltree.h>

#include <string>

namespace mezhved::seal {
namespace {

void CollectSignatures(xmlNodePtr node, std::vector<xmlNodePtr>& found) {
  for (xmlNodePtr child = node; child != nullptr; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) {
      continue;
    }
    if (xmlSecCheckNodeName(child, xmlSecNodeSignature, xmlSecDSigNs) != 0) {
      found.push_back(child);
    }
    CollectSignatures(child->children, found);
  }
}

}  // namespace

TransformIds TransformIdsOf(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kRsaSha256:
      return {xmlSecOpenSSLTransformRsaSha256Id, xmlSecOpenSSLTransformSha256Id};
    case Algorithm::kEcdsaP256Sha256:
      return {xmlSecOpenSSLTransformEcdsaSha256Id, xmlSecOpenSSLTransformSha256Id};
    case Algorithm::kGost2012_256:
      return {xmlSecOpenSSLTransformGostR3410_2012GostR3411_2012_256Id, xmlSecOpenSSLTransformGostR3411_2012_256Id};
  }
  return {xmlSecOpenSSLTransformRsaSha256Id, xmlSecOpenSSLTransformSha256Id};
}

std::vector<xmlNodePtr> SignatureElements(xmlDocPtr document) {
  std::vector<xmlNodePtr> found;
  CollectSignatures(xmlDocGetRootElement(document), found);
  return found;
}

std::string Serialized(xmlDocPtr document) {
  xmlChar* bytes = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(document, &bytes, &size, "UTF-8");
  if (bytes == nullptr) {
    return {};
  }
  std::string text(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
  xmlFree(bytes);
  return text;
}

}  // namespace mezhved::seal
