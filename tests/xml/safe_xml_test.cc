#include "xml/safe_xml.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace mezhved::xml {
namespace {

constexpr std::string_view kField = "request.payload";

std::string Repeat(std::string_view text, size_t count) {
  std::string repeated;
  repeated.reserve(text.size() * count);
  for (size_t index = 0; index < count; ++index) {
    repeated += text;
  }
  return repeated;
}

// The classic billion laughs: ten levels of ten references each.
std::string BillionLaughs() {
  std::string document = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n  <!ENTITY lol0 \"lol\">\n";
  for (int level = 1; level <= 9; ++level) {
    document += "  <!ENTITY lol" + std::to_string(level) + " \"" +
                Repeat("&lol" + std::to_string(level - 1) + ";", 10) + "\">\n";
  }
  return document + "]>\n<lolz>&lol9;</lolz>\n";
}

// Parameter entities expand inside the internal subset itself, before any element is parsed.
std::string ParameterEntityBomb() {
  std::string document = "<!DOCTYPE r [\n  <!ENTITY % p0 \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\">\n";
  for (int level = 1; level <= 12; ++level) {
    document +=
        "  <!ENTITY % p" + std::to_string(level) + " \"" + Repeat("%p" + std::to_string(level - 1) + ";", 16) + "\">\n";
  }
  return document + "  <!ENTITY all \"%p12;\">\n]>\n<r>&all;</r>";
}

std::string Nested(size_t depth) { return Repeat("<a>", depth) + Repeat("</a>", depth); }

// An empty element with `count` distinct attributes.
std::string WithAttributes(int count) {
  std::string element = "<r";
  for (int index = 0; index < count; ++index) {
    element += " a" + std::to_string(index) + "='1'";
  }
  return element + "/>";
}

// Three nested elements that declare `outer`, 32 and `inner` namespaces.
std::string WithNamespaces(int outer, int inner) {
  const auto declarations = [](std::string_view prefix, int count) {
    std::string text;
    for (int index = 0; index < count; ++index) {
      text += " xmlns:" + std::string(prefix) + std::to_string(index) + "='urn:x'";
    }
    return text;
  };
  return "<r" + declarations("a", outer) + "><e" + declarations("b", 32) + "><f" + declarations("c", inner) +
         "/></e></r>";
}

struct Refusal {
  std::string name;
  std::string document;
  ErrorCode code;
  std::string_view violation;
};

std::vector<Refusal> RefusedDocuments() {
  using std::string_literals::operator""s;
  return {
      // DTDs and entities, decided before libxml2 parses a byte of them.
      {"billion laughs", BillionLaughs(), ErrorCode::kUnsafeXml, kViolationDtdForbidden},
      {"parameter-entity bomb in the internal subset", ParameterEntityBomb(), ErrorCode::kUnsafeXml,
       kViolationDtdForbidden},
      {"external entity file:///etc/passwd",
       "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<r>&xxe;</r>",
       ErrorCode::kUnsafeXml, kViolationDtdForbidden},
      {"external DTD over http", "<!DOCTYPE r SYSTEM \"http://example.invalid/r.dtd\"><r/>", ErrorCode::kUnsafeXml,
       kViolationDtdForbidden},
      {"external entity over http", "<!DOCTYPE r [<!ENTITY e SYSTEM \"http://example.invalid/e\">]><r>&e;</r>",
       ErrorCode::kUnsafeXml, kViolationDtdForbidden},
      {"DOCTYPE alone", "<!DOCTYPE r>\n<r/>", ErrorCode::kUnsafeXml, kViolationDtdForbidden},
      {"DOCTYPE after a comment", "<!-- hello -->\n<!DOCTYPE r>\n<r/>", ErrorCode::kUnsafeXml, kViolationDtdForbidden},
      {"DOCTYPE in lower case", "<!doctype r><r/>", ErrorCode::kUnsafeXml, kViolationDtdForbidden},
      {"ATTLIST without DOCTYPE", "<!ATTLIST r a CDATA \"x\"><r/>", ErrorCode::kUnsafeXml, kViolationDtdForbidden},
      {"DOCTYPE inside the root element", "<r><!DOCTYPE r></r>", ErrorCode::kUnsafeXml, kViolationDtdForbidden},
      {"ENTITY without DOCTYPE", "<!ENTITY e \"x\"><r>&e;</r>", ErrorCode::kUnsafeXml, kViolationEntityForbidden},
      {"reference to an undeclared entity in text", "<r>&xxe;</r>", ErrorCode::kUnsafeXml, kViolationEntityForbidden},
      {"reference to an undeclared entity in an attribute", "<r a='x &xxe; y'/>", ErrorCode::kUnsafeXml,
       kViolationEntityForbidden},

      // Encodings: only UTF-8, declared as such or not at all.
      {"UTF-16LE with BOM", "\xFF\xFE<\0r\0/\0>\0"s, ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"UTF-16BE with BOM", "\xFE\xFF\0<\0r\0/\0>"s, ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"UTF-16LE without BOM", "<\0r\0/\0>\0"s, ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"UTF-32BE with BOM", "\0\0\xFE\xFF\0\0\0<"s, ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"UTF-32LE with BOM", "\xFF\xFE\0\0<\0\0\0"s, ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"declared UTF-7 (+ADw- would decode to '<')",
       R"(<?xml version="1.0" encoding="UTF-7"?><r>+ADw-script+AD4-alert(1)+ADw-/script+AD4-</r>)",
       ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"declared ISO-8859-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>caf\xC3\xA9</r>",
       ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"declared UTF-16 in single-byte text", "<?xml version='1.0' encoding='UTF-16'?><r/>", ErrorCode::kUnsafeXml,
       kViolationBadEncoding},
      {"declared utf8 without the hyphen", R"(<?xml version="1.0" encoding="utf8"?><r/>)", ErrorCode::kUnsafeXml,
       kViolationBadEncoding},
      {"UTF-8 BOM then a declared windows-1251", "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"windows-1251\"?><r/>",
       ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"overlong '<' in two bytes", "<r>\xC0\xBC</r>", ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"overlong '<' in three bytes", "<r>\xE0\x80\xBC</r>", ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"overlong '<' in four bytes", "<r>\xF0\x80\x80\xBC</r>", ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"UTF-16 surrogate in UTF-8", "<r>\xED\xA0\x80</r>", ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"code point above U+10FFFF", "<r>\xF4\x90\x80\x80</r>", ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"byte 0xFF", "<r>\xFF</r>", ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"continuation byte alone", "<r>\x80</r>", ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"sequence cut short inside text", "<r>\xD0</r>", ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"sequence cut off by the end", "<r/>\xE2\x82", ErrorCode::kUnsafeXml, kViolationBadEncoding},
      {"Latin-1 bytes in a document that declares nothing", "<r>caf\xE9</r>", ErrorCode::kUnsafeXml,
       kViolationBadEncoding},

      // Characters XML 1.0 forbids.
      {"NUL after the root element", "<r/>\0<!DOCTYPE r [<!ENTITY x 'y'>]>"s, ErrorCode::kUnsafeXml,
       kViolationInvalidCharacter},
      {"NUL in text", "<r>a\0b</r>"s, ErrorCode::kUnsafeXml, kViolationInvalidCharacter},
      {"escape control character", "<r>\x1B[31m</r>", ErrorCode::kUnsafeXml, kViolationInvalidCharacter},
      {"form feed", "<r>\f</r>", ErrorCode::kUnsafeXml, kViolationInvalidCharacter},
      {"U+FFFE", "<r>\xEF\xBF\xBE</r>", ErrorCode::kUnsafeXml, kViolationInvalidCharacter},
      {"U+FFFF", "<r>\xEF\xBF\xBF</r>", ErrorCode::kUnsafeXml, kViolationInvalidCharacter},

      // Limits (defaults).
      {"100,000 attributes in 500 KB", "<r" + Repeat(" a=\"\"", 100000) + "/>", ErrorCode::kUnsafeXml,
       kViolationTooManyAttributes},
      {"nesting 10,000 deep", Nested(10000), ErrorCode::kUnsafeXml, kViolationTooDeep},
      {"nesting 65 deep", Nested(65), ErrorCode::kUnsafeXml, kViolationTooDeep},
      {"empty element at depth 65", Repeat("<a>", 64) + "<b/>" + Repeat("</a>", 64), ErrorCode::kUnsafeXml,
       kViolationTooDeep},
      {"33 attributes", WithAttributes(33), ErrorCode::kUnsafeXml, kViolationTooManyAttributes},
      {"65 namespace declarations in scope", WithNamespaces(32, 1), ErrorCode::kUnsafeXml, kViolationTooManyNamespaces},
      {"65 namespace declarations in scope, default namespace included",
       "<r xmlns='urn:d'>" + WithNamespaces(31, 1) + "</r>", ErrorCode::kUnsafeXml, kViolationTooManyNamespaces},
      {"attribute value of 8193 bytes", "<r a=\"" + std::string(8193, 'x') + "\"/>", ErrorCode::kUnsafeXml,
       kViolationAttributeTooLong},
      {"100,001 elements", "<r>" + Repeat("<e/>", 100000) + "</r>", ErrorCode::kUnsafeXml, kViolationTooManyElements},
      {"over 1 MiB", "<r>" + std::string(1 << 20, 'x') + "</r>", ErrorCode::kMessageTooLarge, kViolationTooLarge},

      // Markup the scan cannot follow, or that is plainly not one XML document.
      {"trailing garbage", "<r/>garbage", ErrorCode::kInvalidXml, kViolationMalformed},
      {"a second root element", "<r/><r/>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"an entity reference after the root element", "<r></r>&amp;", ErrorCode::kInvalidXml, kViolationMalformed},
      {"text before the root element", "hello<r/>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"UTF-7 byte order mark", "+/v8-<r/>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"empty document", "", ErrorCode::kInvalidXml, kViolationMalformed},
      {"only whitespace and a comment", "  <!-- nothing -->\n", ErrorCode::kInvalidXml, kViolationMalformed},
      {"unclosed root element", "<r><a></a>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"end tag without start tag", "<r/></r>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"unterminated attribute value", "<r a=\"x>text</r>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"unquoted attribute value", "<r a=x/>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"'<' inside an attribute value", "<r a=\"<b>\"/>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"attributes without whitespace", "<r a='1'b='2'/>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"'--' inside a comment", "<r><!-- a -- b --></r>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"unterminated comment", "<r><!-- a </r>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"unterminated CDATA section", "<r><![CDATA[ a </r>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"CDATA section outside the root element", "<![CDATA[x]]><r/>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"unterminated processing instruction", "<r><?pi a </r>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"XML declaration after whitespace", " <?xml version=\"1.0\"?><r/>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"XML declaration after the root element", "<r/><?xml version=\"1.0\"?>", ErrorCode::kInvalidXml,
       kViolationMalformed},
      {"XML version 1.1", "<?xml version=\"1.1\"?><r/>", ErrorCode::kInvalidXml, kViolationMalformed},
      {"XML declaration without a version", "<?xml encoding=\"UTF-8\"?><r/>", ErrorCode::kInvalidXml,
       kViolationMalformed},
      {"'<' that starts no tag", "<r>a < b</r>", ErrorCode::kInvalidXml, kViolationMalformed},
  };
}

TEST_CASE("CheckXmlSafety refuses each hostile or malformed document with one field", "[safe_xml]") {
  XmlLimits limits;
  for (const Refusal& refusal : RefusedDocuments()) {
    DYNAMIC_SECTION(refusal.name) {
      const Status status = CheckXmlSafety(refusal.document, limits, kField);
      INFO(status.ToString());
      CHECK(status.code() == refusal.code);
      REQUIRE(status.fields().size() == 1);
      CHECK(status.fields()[0].path == kField);
      CHECK(status.fields()[0].code == refusal.violation);
      CHECK(status.message().starts_with(kField));
    }
  }
}

TEST_CASE("CheckXmlSafety refuses 100,000 attributes on one element at the 33rd", "[safe_xml]") {
  std::string document = "<r";
  for (int index = 0; index < 100000; ++index) {
    document += " at" + std::to_string(index) + "=\"\"";
  }
  document += "/>";
  REQUIRE(document.size() > 1'000'000);
  XmlLimits limits;
  limits.max_bytes = 2 << 20;
  const Status status = CheckXmlSafety(document, limits, kField);
  REQUIRE(status.code() == ErrorCode::kUnsafeXml);
  REQUIRE(status.fields().size() == 1);
  CHECK(status.fields()[0].code == kViolationTooManyAttributes);
  const size_t offset_of_33rd = document.find(" at32=") + 1;
  CHECK(status.fields()[0].description.starts_with("byte " + std::to_string(offset_of_33rd) + ","));
}

TEST_CASE("CheckXmlSafety says where the problem is", "[safe_xml]") {
  using std::string_literals::operator""s;
  const Status nul = CheckXmlSafety("<r>\n</r>\0tail"s, {}, kField);
  REQUIRE(nul.fields().size() == 1);
  CHECK(nul.fields()[0].description == "byte 8, line 2: a NUL byte");

  const Status doctype = CheckXmlSafety("<?xml version=\"1.0\"?>\n<!DOCTYPE r>\n<r/>", {}, kField);
  REQUIRE(doctype.fields().size() == 1);
  CHECK(doctype.fields()[0].description == "byte 22, line 2: a DOCTYPE declaration; DTDs are not accepted");
  CHECK(doctype.message() == "request.payload: " + doctype.fields()[0].description);
  CHECK(doctype.ToString().starts_with("UNSAFE_XML: request.payload: "));

  const Status encoding = CheckXmlSafety(R"(<?xml version="1.0" encoding="KOI8-R"?><r/>)", {}, "response.payload");
  REQUIRE(encoding.fields().size() == 1);
  CHECK(encoding.fields()[0].path == "response.payload");
  CHECK(encoding.fields()[0].description == "byte 30, line 1: declared encoding 'KOI8-R'; only UTF-8 is accepted");
}

TEST_CASE("CheckXmlSafety quotes at most a short excerpt of the document", "[safe_xml]") {
  const std::string name(100000, 'x');
  const Status status = CheckXmlSafety("<r>&" + name + ";</r>", {}, kField);
  REQUIRE(status.fields().size() == 1);
  CHECK(status.fields()[0].code == kViolationEntityForbidden);
  CHECK(status.fields()[0].description.size() < 200);
}

TEST_CASE("CheckXmlSafety accepts well-formed UTF-8 documents", "[safe_xml]") {
  const std::vector<std::pair<std::string, std::string>> accepted = {
      {"minimal", "<r/>"},
      {"declaration, any case of UTF-8", "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n<r/>\n"},
      {"declaration with single quotes and spaces", "<?xml version = '1.0' encoding = 'UTF-8' ?><r/>"},
      {"UTF-8 byte order mark", "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?><r/>"},
      {"Cyrillic names, text and attribute values",
       "<Запрос xmlns=\"urn:mezhved:test\" номер=\"№ 42\">Иванов Иван Иванович</Запрос>"},
      {"four-byte characters and the highest code points",
       "<r a=\"\xF0\x9F\x98\x80\">\xF4\x8F\xBF\xBF\xEF\xBF\xBD</r>"},
      {"predefined entities and character references", "<r a=\"&lt;&gt;&amp;&apos;&quot;\">&#x41;&#66;&amp;</r>"},
      {"CRLF and tabs", "<r>\r\n\t<a/>\r\n</r>\r\n"},
      {"prefixed namespaces", R"(<t:r xmlns:t="urn:t" xmlns:u="urn:u"><u:a t:x="1"/></t:r>)"},
      {"comment, PI and whitespace around the root", "<!-- before -->\n<?pi data?>\n<r/>\n<!-- after -->\n"},
      {"'>' and '/>' inside attribute values", R"(<r a=">" b='>>' c="/>"><d e='/>'/></r>)"},
      {"'<' inside comments, CDATA and PIs",
       "<r><!-- <b> <!DOCTYPE x> &xxe; --><![CDATA[<c><!DOCTYPE y> &xxe; ]]]><?pi <d> ?></r>"},
      {"DOCTYPE inside a comment before the root", "<!-- <!DOCTYPE r [<!ENTITY x 'y'>]> --><r/>"},
      {"64 levels deep", Nested(64)},
      {"32 attributes", WithAttributes(32)},
      {"64 namespace declarations in scope", WithNamespaces(31, 1)},
      {"a namespace declaration on each of 10,000 siblings", "<r>" + Repeat("<e xmlns='urn:x'/>", 10000) + "</r>"},
      {"attribute value of 8192 bytes", "<r a=\"" + std::string(8192, 'x') + "\"/>"},
      {"100,000 elements", "<r>" + Repeat("<e/>", 99999) + "</r>"},
      {"1 MiB exactly", "<r>" + std::string((1 << 20) - 7, 'x') + "</r>"},
  };
  for (const auto& [name, document] : accepted) {
    DYNAMIC_SECTION(name) {
      const Status status = CheckXmlSafety(document, {}, kField);
      INFO(status.ToString());
      CHECK(status.ok());
    }
  }
}

TEST_CASE("CheckXmlSafety does not count markup inside values, comments, CDATA and PIs", "[safe_xml]") {
  XmlLimits tight;
  tight.max_depth = 1;
  tight.max_elements = 1;
  tight.max_attributes_per_element = 1;
  CHECK(CheckXmlSafety("<r a=\"<!-- b='1' c='2' -->\"/>", tight, kField).code() == ErrorCode::kInvalidXml);
  CHECK(CheckXmlSafety("<r a=\"b='1' c='2' d=&quot;3&quot;\"/>", tight, kField).ok());
  CHECK(CheckXmlSafety("<r a='>'><!-- <b><c> --><![CDATA[<d><e>]]><?pi <f><g>?></r>", tight, kField).ok());
  CHECK(CheckXmlSafety("<r a='/>'><b/></r>", tight, kField).code() == ErrorCode::kUnsafeXml);
}

TEST_CASE("CheckXmlSafety limits a run of text and CDATA between two tags", "[safe_xml]") {
  XmlLimits limits;
  limits.max_text_bytes = 100;
  const std::string sixty(60, 't');
  CHECK(CheckXmlSafety("<r>" + std::string(100, 't') + "</r>", limits, kField).ok());
  const Status text = CheckXmlSafety("<r>" + std::string(101, 't') + "</r>", limits, kField);
  REQUIRE(text.fields().size() == 1);
  CHECK(text.fields()[0].code == kViolationTextTooLong);
  CHECK(text.fields()[0].description.starts_with("byte 3, line 1: "));
  const Status mixed = CheckXmlSafety("<r>" + sixty + "<![CDATA[" + sixty + "]]></r>", limits, kField);
  REQUIRE(mixed.fields().size() == 1);
  CHECK(mixed.fields()[0].code == kViolationTextTooLong);
  CHECK(CheckXmlSafety("<r>" + sixty + "<b/>" + sixty + "</r>", limits, kField).ok());
}

TEST_CASE("CheckXmlSafety applies every configured limit", "[safe_xml]") {
  XmlLimits limits;
  limits.max_bytes = 50;
  limits.max_depth = 2;
  limits.max_attributes_per_element = 2;
  limits.max_attribute_value_bytes = 3;
  limits.max_elements = 3;
  CHECK(CheckXmlSafety("<r>" + std::string(60, 'x') + "</r>", limits, kField).code() == ErrorCode::kMessageTooLarge);
  CHECK(CheckXmlSafety("<r><a><b/></a></r>", limits, kField).fields().at(0).code == kViolationTooDeep);
  CHECK(CheckXmlSafety("<r><a/></r>", limits, kField).ok());
  CHECK(CheckXmlSafety("<r a='1' b='2' c='3'/>", limits, kField).fields().at(0).code == kViolationTooManyAttributes);
  CHECK(CheckXmlSafety("<r a='1234'/>", limits, kField).fields().at(0).code == kViolationAttributeTooLong);
  CHECK(CheckXmlSafety("<r><a/><b/><c/></r>", limits, kField).fields().at(0).code == kViolationTooManyElements);
  CHECK(CheckXmlSafety("<r><a/><b/></r>", limits, kField).ok());
}

}  // namespace
}  // namespace mezhved::xml
