// The first gate for XML that other agencies' systems send: a byte-level scan that refuses what libxml2 would
// handle badly or too slowly, before libxml2 sees a single byte (../shared/TOOLCHAIN.md, "libxml2 2.9.14 and
// xmlsec1 1.2.37 under hostile input"):
//   - a DOCTYPE keeps libxml2 busy for minutes (entity bombs in the internal subset) whatever the parser options,
//     so DTDs and entity declarations are refused here, not by options;
//   - libxml2 decodes UTF-7/UTF-16 documents that declare UTF-8 and stops at a NUL after the root element, so
//     anything but strict UTF-8 of XML 1.0 characters is refused;
//   - libxml2 checks attribute uniqueness quadratically and has no attribute-count limit, so attributes per
//     element, nesting depth, element count, namespace declarations in scope and the lengths of values and text
//     are limited (XmlLimits).
// The scan is a single linear pass over the bytes with constant memory. It is not an XML parser: it understands
// tags, quoted attribute values, comments, CDATA sections and processing instructions just well enough to count
// and to refuse; well-formedness proper is left to libxml2 (SchemaSet::Validate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace mezhved::xml {

// Resource limits for one untrusted XML document. Every limit bounds a cost libxml2 itself leaves unbounded or
// bounds far higher; the defaults leave room for any information type's payload.
struct XmlLimits {
  size_t max_bytes = 1 << 20;
  uint32_t max_depth = 64;                   // nesting of elements; the root element is at depth 1
  uint32_t max_attributes_per_element = 32;  // namespace declarations count as attributes
  size_t max_attribute_value_bytes = 8192;   // as written, before references are expanded
  size_t max_text_bytes = 1 << 20;           // one run of character data (text and CDATA) between two tags
  uint64_t max_elements = 100000;
  // libxml2 looks a prefix up through every declaration in scope, for every element and attribute: 2,000
  // declarations in scope (32 attributes on 64 nested elements) cost it half a second per megabyte.
  uint32_t max_namespaces_in_scope = 64;
};

// Stable violation codes of FieldError::code (docs/API.md). UNSAFE_XML statuses carry one of the first ten;
// MESSAGE_TOO_LARGE carries TOO_LARGE and INVALID_XML carries MALFORMED.
inline constexpr std::string_view kViolationDtdForbidden = "DTD_FORBIDDEN";
inline constexpr std::string_view kViolationEntityForbidden = "ENTITY_FORBIDDEN";
inline constexpr std::string_view kViolationBadEncoding = "BAD_ENCODING";
inline constexpr std::string_view kViolationInvalidCharacter = "INVALID_CHARACTER";
inline constexpr std::string_view kViolationTooDeep = "TOO_DEEP";
inline constexpr std::string_view kViolationTooManyAttributes = "TOO_MANY_ATTRIBUTES";
inline constexpr std::string_view kViolationAttributeTooLong = "ATTRIBUTE_TOO_LONG";
inline constexpr std::string_view kViolationTextTooLong = "TEXT_TOO_LONG";
inline constexpr std::string_view kViolationTooManyElements = "TOO_MANY_ELEMENTS";
inline constexpr std::string_view kViolationTooManyNamespaces = "TOO_MANY_NAMESPACES";
inline constexpr std::string_view kViolationTooLarge = "TOO_LARGE";
inline constexpr std::string_view kViolationMalformed = "MALFORMED";

// OK when `document` may be handed to libxml2. Otherwise the first problem found, as
//   MESSAGE_TOO_LARGE  over limits.max_bytes;
//   UNSAFE_XML         a DTD or entity declaration, an encoding other than UTF-8, a character XML 1.0 forbids, or
//                      over one of the other limits;
//   INVALID_XML        markup the scan cannot follow (an unterminated tag, comment or quote, text or a second
//                      element after the root element, no root element, an unsupported XML version).
// The status holds exactly one FieldError: path `field` (e.g. "request.payload"), one of the violation codes above
// and a description "byte N, line L: what" (0-based byte offset, 1-based line). The message is "field: " and the
// description. Runs in time linear in the size of `document`.
// Thread-safe.
Status CheckXmlSafety(std::string_view document, const XmlLimits& limits, std::string_view field);

}  // namespace mezhved::xml
