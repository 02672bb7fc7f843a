#include "xml/root_element.h"

#include <libxml/xmlreader.h>

#include <memory>

namespace mezhved::xml {
namespace {

struct ReaderFree {
  void operator()(xmlTextReader* reader) const { xmlFreeTextReader(reader); }
};

std::string Text(const xmlChar* text) { return text == nullptr ? std::string() : reinterpret_cast<const char*>(text); }

}  // namespace

std::optional<ElementName> RootElementOf(std::string_view document) {
  // No network, no DTD loading, no entity substitution: the same stance as the door's parser.
  std::unique_ptr<xmlTextReader, ReaderFree> reader(
      xmlReaderForMemory(document.data(), static_cast<int>(document.size()), nullptr, "UTF-8",
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!reader) {
    return std::nullopt;
  }
  while (xmlTextReaderRead(reader.get()) == 1) {
    if (xmlTextReaderNodeType(reader.get()) == XML_READER_TYPE_ELEMENT) {
      return ElementName{Text(xmlTextReaderConstNamespaceUri(reader.get())),
                         Text(xmlTextReaderConstLocalName(reader.get()))};
    }
  }
  return std::nullopt;
}

}  // namespace mezhved::xml
