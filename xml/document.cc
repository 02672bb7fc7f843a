#include "xml/document.h"

namespace mezhved::xml {

std::vector<xmlNode*> ElementChildren(const xmlNode* node) {
  std::vector<xmlNode*> children;
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) {
      children.push_back(child);
    }
  }
  return children;
}

std::string TextOf(const xmlNode* node) {
  xmlChar* content = xmlNodeGetContent(node);
  std::string text = content == nullptr ? std::string() : reinterpret_cast<const char*>(content);
  xmlFree(content);
  return text;
}

std::string AttributeOf(const xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  std::string text = value == nullptr ? std::string() : reinterpret_cast<const char*>(value);
  xmlFree(value);
  return text;
}

}  // namespace mezhved::xml
