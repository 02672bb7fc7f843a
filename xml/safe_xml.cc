#include "xml/safe_xml.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace mezhved::xml {
namespace {

constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Whether a byte may belong to a name, in the scan's loose sense: everything but the bytes that delimit markup.
// libxml2 checks the real NameStartChar/NameChar rules later.
bool IsNameByte(char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case '<':
    case '>':
    case '/':
    case '=':
    case '?':
    case '!':
    case '"':
    case '\'':
    case '&':
    case ';':
      return false;
    default:
      return true;
  }
}

bool EqualsIgnoringAsciiCase(std::string_view left, std::string_view right) {
  return std::equal(left.begin(), left.end(), right.begin(), right.end(), [](char a, char b) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(a) == lower(b);
  });
}

bool IsPredefinedEntity(std::string_view name) {
  return name == "lt" || name == "gt" || name == "amp" || name == "apos" || name == "quot";
}

// Document text quoted in an error, shortened so that a hostile document cannot make the error huge. The text is
// valid UTF-8 by then, so the cut steps back to a character boundary.
std::string Excerpt(std::string_view text) {
  constexpr size_t kMaxExcerptBytes = 40;
  if (text.size() <= kMaxExcerptBytes) {
    return std::string(text);
  }
  size_t cut = kMaxExcerptBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return std::string(text.substr(0, cut)) + "...";
}

std::string Hex(unsigned value) {
  constexpr std::string_view kDigits = "0123456789ABCDEF";
  std::string text;
  do {
    text.insert(text.begin(), kDigits[value % 16]);
    value /= 16;
  } while (value != 0);
  while (text.size() < 4) {
    text.insert(text.begin(), '0');
  }
  return text;
}

// One scan of one document: first its encoding (every byte), then its markup. Every loop advances through the
// document and no byte is looked at more than a few times, so the scan is linear.
class Scanner {
 public:
  Scanner(std::string_view document, const XmlLimits& limits, std::string_view field)
      : document_(document), limits_(limits), field_(field) {}

  Status Scan() {
    if (document_.size() > limits_.max_bytes) {
      const std::string what = "the document is " + std::to_string(document_.size()) + " bytes; the limit is " +
                               std::to_string(limits_.max_bytes);
      return Status(ErrorCode::kMessageTooLarge, std::string(field_) + ": " + what,
                    {{std::string(field_), std::string(kViolationTooLarge), what}});
    }
    MEZHVED_RETURN_IF_ERROR(CheckEncoding());
    return CheckMarkup();
  }

 private:
  unsigned char Byte(size_t offset) const { return static_cast<unsigned char>(document_[offset]); }
  size_t size() const { return document_.size(); }

  Status Refuse(ErrorCode code, std::string_view violation, size_t offset, const std::string& what) const {
    const size_t line = 1 + std::count(document_.begin(), document_.begin() + std::min(offset, size()), '\n');
    const std::string description = "byte " + std::to_string(offset) + ", line " + std::to_string(line) + ": " + what;
    return Status(code, std::string(field_) + ": " + description,
                  {{std::string(field_), std::string(violation), description}});
  }
  Status Unsafe(std::string_view violation, size_t offset, const std::string& what) const {
    return Refuse(ErrorCode::kUnsafeXml, violation, offset, what);
  }
  Status Malformed(size_t offset, const std::string& what) const {
    return Refuse(ErrorCode::kInvalidXml, kViolationMalformed, offset, what);
  }

  // ---- Pass 1: strict UTF-8 of the characters XML 1.0 allows.

  Status CheckEncoding() {
    const auto starts_with = [this](std::string_view prefix) { return document_.starts_with(prefix); };
    using namespace std::string_view_literals;
    if (starts_with("\x00\x00\xFE\xFF"sv) || starts_with("\xFF\xFE\x00\x00"sv)) {
      return Unsafe(kViolationBadEncoding, 0, "a UTF-32 byte order mark; only UTF-8 is accepted");
    }
    if (starts_with("\xFE\xFF"sv) || starts_with("\xFF\xFE"sv)) {
      return Unsafe(kViolationBadEncoding, 0, "a UTF-16 byte order mark; only UTF-8 is accepted");
    }
    // The first character of a document is '<' or whitespace; next to a NUL it means UTF-16 or UTF-32 without a
    // byte order mark, which libxml2 would detect and decode.
    if (starts_with("\x00<"sv) || starts_with("<\x00"sv) || starts_with("\x00\x00"sv)) {
      return Unsafe(kViolationBadEncoding, 0, "UTF-16 or UTF-32 text; only UTF-8 is accepted");
    }
    if (starts_with(kUtf8ByteOrderMark)) {
      content_start_ = kUtf8ByteOrderMark.size();
    }
    size_t offset = content_start_;
    while (offset < size()) {
      const unsigned char lead = Byte(offset);
      if (lead < 0x80) {
        if (lead < 0x20 && lead != '\t' && lead != '\n' && lead != '\r') {
          const std::string what =
              lead == 0 ? std::string("a NUL byte") : "control character U+" + Hex(lead) + ", which XML 1.0 forbids";
          return Unsafe(kViolationInvalidCharacter, offset, what);
        }
        ++offset;
        continue;
      }
      MEZHVED_RETURN_IF_ERROR(CheckMultiByteCharacter(offset));
    }
    return Status::Ok();
  }

  // Decodes the multi-byte sequence at `offset` by the table of well-formed UTF-8 (Unicode 15, table 3-7), which
  // leaves out overlong forms, surrogates and code points above U+10FFFF, and advances past it.
  Status CheckMultiByteCharacter(size_t& offset) const {
    const unsigned char lead = Byte(offset);
    size_t length = 0;
    uint32_t code_point = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code_point = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code_point = lead & 0x0F;
      second_min = lead == 0xE0 ? 0xA0 : 0x80;
      second_max = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code_point = lead & 0x07;
      second_min = lead == 0xF0 ? 0x90 : 0x80;
      second_max = lead == 0xF4 ? 0x8F : 0xBF;
    } else if (lead == 0xC0 || lead == 0xC1) {
      return Unsafe(kViolationBadEncoding, offset, "an overlong UTF-8 sequence");
    } else if (lead >= 0xF5) {
      return Unsafe(kViolationBadEncoding, offset, "a byte that never occurs in UTF-8 (0x" + Hex(lead) + ")");
    } else {
      return Unsafe(kViolationBadEncoding, offset, "a UTF-8 continuation byte without a lead byte");
    }
    for (size_t index = 1; index < length; ++index) {
      if (offset + index >= size()) {
        return Unsafe(kViolationBadEncoding, offset, "a UTF-8 sequence cut off by the end of the document");
      }
      const unsigned char next = Byte(offset + index);
      const unsigned char min = index == 1 ? second_min : 0x80;
      const unsigned char max = index == 1 ? second_max : 0xBF;
      if (next < 0x80 || next > 0xBF) {
        return Unsafe(kViolationBadEncoding, offset, "an incomplete UTF-8 sequence");
      }
      if (next < min) {
        return Unsafe(kViolationBadEncoding, offset, "an overlong UTF-8 sequence");
      }
      if (next > max) {
        return Unsafe(kViolationBadEncoding, offset,
                      lead == 0xED ? "a UTF-16 surrogate encoded in UTF-8" : "a code point above U+10FFFF");
      }
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point == 0xFFFE || code_point == 0xFFFF) {
      return Unsafe(kViolationInvalidCharacter, offset, "character U+" + Hex(code_point) + ", which XML 1.0 forbids");
    }
    offset += length;
    return Status::Ok();
  }

  // ---- Pass 2: markup, with the limits.

  Status CheckMarkup() {
    position_ = content_start_;
    while (position_ < size()) {
      const size_t markup = std::min(document_.find('<', position_), size());
      if (markup > position_) {
        MEZHVED_RETURN_IF_ERROR(ScanText(position_, markup));
      }
      if (markup == size()) {
        break;
      }
      position_ = markup;
      MEZHVED_RETURN_IF_ERROR(ScanMarkup());
    }
    if (!root_seen_) {
      return Malformed(size(), "a document without a root element");
    }
    if (depth_ > 0) {
      return Malformed(size(), "the document ends inside an element");
    }
    return Status::Ok();
  }

  size_t SkipSpace(size_t offset) const {
    while (offset < size() && IsXmlSpace(document_[offset])) {
      ++offset;
    }
    return offset;
  }
  size_t SkipName(size_t offset) const {
    while (offset < size() && IsNameByte(document_[offset])) {
      ++offset;
    }
    return offset;
  }

  Status ScanText(size_t begin, size_t end) {
    if (depth_ == 0) {
      for (size_t offset = begin; offset < end; ++offset) {
        if (!IsXmlSpace(document_[offset])) {
          return Malformed(offset, root_seen_ ? "content after the root element" : "text before the root element");
        }
      }
      return Status::Ok();
    }
    MEZHVED_RETURN_IF_ERROR(CheckReferences(begin, end));
    return AddCharacterData(begin, end - begin);
  }

  // Text and CDATA between two tags make one run (libxml2 builds it into one or a few adjacent nodes).
  Status AddCharacterData(size_t offset, size_t bytes) {
    if (text_run_bytes_ == 0) {
      text_run_start_ = offset;
    }
    text_run_bytes_ += bytes;
    if (text_run_bytes_ > limits_.max_text_bytes) {
      return Unsafe(kViolationTextTooLong, text_run_start_,
                    "text over " + std::to_string(limits_.max_text_bytes) + " bytes between two tags");
    }
    return Status::Ok();
  }

  // Only the five predefined entities may be referred to: without a DTD no other entity exists, and a reference
  // to one is the trace of an attack. Character references are left to libxml2, which checks their values.
  Status CheckReferences(size_t begin, size_t end) const {
    const std::string_view text = document_.substr(begin, end - begin);
    for (size_t ampersand = text.find('&'); ampersand != std::string_view::npos;
         ampersand = text.find('&', ampersand + 1)) {
      const size_t name_begin = ampersand + 1;
      if (name_begin < text.size() && text[name_begin] == '#') {
        continue;
      }
      size_t name_end = name_begin;
      while (name_end < text.size() && IsNameByte(text[name_end])) {
        ++name_end;
      }
      const std::string_view name = text.substr(name_begin, name_end - name_begin);
      if (!name.empty() && !IsPredefinedEntity(name)) {
        return Unsafe(kViolationEntityForbidden, begin + ampersand,
                      "a reference to entity '" + Excerpt(name) +
                          "'; only the predefined entities and character references are accepted");
      }
    }
    return Status::Ok();
  }

  // `position_` is at a '<'.
  Status ScanMarkup() {
    const std::string_view rest = document_.substr(position_);
    if (rest.starts_with("<!--")) {
      return ScanComment();
    }
    if (rest.starts_with("<![CDATA[")) {
      return ScanCData();
    }
    if (rest.starts_with("<!ENTITY")) {
      return Unsafe(kViolationEntityForbidden, position_, "an entity declaration; entities are not accepted");
    }
    if (rest.starts_with("<!DOCTYPE")) {
      return Unsafe(kViolationDtdForbidden, position_, "a DOCTYPE declaration; DTDs are not accepted");
    }
    if (rest.starts_with("<!")) {
      // ELEMENT, ATTLIST, NOTATION, conditional sections, or a misspelt DOCTYPE: DTD syntax in any case.
      return Unsafe(kViolationDtdForbidden, position_, "a markup declaration ('<!'); DTDs are not accepted");
    }
    if (rest.starts_with("<?")) {
      return ScanProcessingInstruction();
    }
    if (rest.starts_with("</")) {
      return ScanEndTag();
    }
    if (rest.size() > 1 && IsNameByte(rest[1])) {
      return ScanStartTag();
    }
    return Malformed(position_, "a '<' that starts no tag");
  }

  Status ScanComment() {
    const size_t dashes = document_.find("--", position_ + 4);
    if (dashes == std::string_view::npos) {
      return Malformed(position_, "a comment that is never closed");
    }
    if (dashes + 2 >= size() || document_[dashes + 2] != '>') {
      return Malformed(dashes, "'--' inside a comment");
    }
    position_ = dashes + 3;
    return Status::Ok();
  }

  Status ScanCData() {
    if (depth_ == 0) {
      return Malformed(position_, "a CDATA section outside the root element");
    }
    constexpr size_t kOpenerBytes = 9;  // <![CDATA[
    const size_t close = document_.find("]]>", position_ + kOpenerBytes);
    if (close == std::string_view::npos) {
      return Malformed(position_, "a CDATA section that is never closed");
    }
    MEZHVED_RETURN_IF_ERROR(AddCharacterData(position_, close - position_ - kOpenerBytes));
    position_ = close + 3;
    return Status::Ok();
  }

  Status ScanProcessingInstruction() {
    const size_t target_begin = position_ + 2;
    const size_t target_end = SkipName(target_begin);
    const std::string_view target = document_.substr(target_begin, target_end - target_begin);
    if (target.empty()) {
      return Malformed(position_, "a processing instruction without a target");
    }
    const size_t close = document_.find("?>", target_end);
    if (close == std::string_view::npos) {
      return Malformed(position_, "a processing instruction that is never closed");
    }
    if (EqualsIgnoringAsciiCase(target, "xml")) {
      if (position_ != content_start_ || target != "xml") {
        return Malformed(position_, "an XML declaration that is not at the very start of the document");
      }
      MEZHVED_RETURN_IF_ERROR(CheckDeclaration(target_end, close));
    }
    position_ = close + 2;
    return Status::Ok();
  }

  // The pseudo-attributes of <?xml ...?> between `begin` and `end` (the "?>"). The encoding is what matters: a
  // declared encoding other than UTF-8 would make libxml2 decode the bytes as something this scan never saw.
  Status CheckDeclaration(size_t begin, size_t end) const {
    bool version_seen = false;
    size_t offset = begin;
    while (true) {
      const size_t space = offset;
      offset = std::min(SkipSpace(offset), end);
      if (offset == end) {
        break;
      }
      if (offset == space) {
        return Malformed(offset, "no whitespace between the parts of the XML declaration");
      }
      const size_t name_begin = offset;
      while (offset < end && document_[offset] != '=' && !IsXmlSpace(document_[offset])) {
        ++offset;
      }
      const std::string_view name = document_.substr(name_begin, offset - name_begin);
      offset = std::min(SkipSpace(offset), end);
      if (offset == end || document_[offset] != '=') {
        return Malformed(offset, "expected '=' in the XML declaration");
      }
      offset = std::min(SkipSpace(offset + 1), end);
      if (offset == end || (document_[offset] != '"' && document_[offset] != '\'')) {
        return Malformed(offset, "expected a quoted value in the XML declaration");
      }
      const size_t value_begin = offset + 1;
      const size_t value_end = document_.find(document_[offset], value_begin);
      if (value_end >= end) {
        return Malformed(offset, "a value that is never closed in the XML declaration");
      }
      const std::string_view value = document_.substr(value_begin, value_end - value_begin);
      offset = value_end + 1;
      if (name == "version") {
        if (value != "1.0") {
          return Malformed(value_begin, "XML version '" + Excerpt(value) + "'; only 1.0 is accepted");
        }
        version_seen = true;
      } else if (name == "encoding") {
        if (!EqualsIgnoringAsciiCase(value, "UTF-8")) {
          return Unsafe(kViolationBadEncoding, value_begin,
                        "declared encoding '" + Excerpt(value) + "'; only UTF-8 is accepted");
        }
      } else if (name != "standalone") {
        return Malformed(name_begin, "an unknown part '" + Excerpt(name) + "' in the XML declaration");
      }
    }
    if (!version_seen) {
      return Malformed(position_, "an XML declaration without a version");
    }
    return Status::Ok();
  }

  Status ScanEndTag() {
    const size_t tag = position_;
    const size_t name_end = SkipName(tag + 2);
    if (name_end == tag + 2) {
      return Malformed(tag, "an end tag without a name");
    }
    const size_t close = SkipSpace(name_end);
    if (close >= size() || document_[close] != '>') {
      return Malformed(close, "expected '>' to close an end tag");
    }
    if (depth_ == 0) {
      return Malformed(tag, "an end tag without a start tag");
    }
    --depth_;
    namespaces_in_scope_ -= namespaces_per_open_element_.back();
    namespaces_per_open_element_.pop_back();
    text_run_bytes_ = 0;
    position_ = close + 1;
    return Status::Ok();
  }

  Status ScanStartTag() {
    const size_t tag = position_;
    if (depth_ == 0 && root_seen_) {
      return Malformed(tag, "a second root element");
    }
    if (++elements_ > limits_.max_elements) {
      return Unsafe(kViolationTooManyElements, tag, "more than " + std::to_string(limits_.max_elements) + " elements");
    }
    if (depth_ + 1 > limits_.max_depth) {
      return Unsafe(kViolationTooDeep, tag, "elements nested deeper than " + std::to_string(limits_.max_depth));
    }
    root_seen_ = true;
    text_run_bytes_ = 0;
    uint32_t attributes = 0;
    uint32_t namespaces = 0;
    size_t offset = SkipName(tag + 1);
    while (true) {
      const size_t space = offset;
      offset = SkipSpace(offset);
      if (offset >= size()) {
        return Malformed(tag, "a start tag that is never closed");
      }
      if (document_[offset] == '>') {
        ++depth_;
        namespaces_per_open_element_.push_back(namespaces);
        namespaces_in_scope_ += namespaces;
        position_ = offset + 1;
        return Status::Ok();
      }
      if (document_[offset] == '/') {
        if (offset + 1 >= size() || document_[offset + 1] != '>') {
          return Malformed(offset, "expected '>' after '/' in a start tag");
        }
        position_ = offset + 2;
        return Status::Ok();
      }
      if (offset == space) {
        return Malformed(offset, "expected whitespace before an attribute");
      }
      const size_t attribute = offset;
      offset = SkipName(offset);
      if (offset == attribute) {
        return Malformed(offset, "an unexpected character in a start tag");
      }
      if (++attributes > limits_.max_attributes_per_element) {
        return Unsafe(kViolationTooManyAttributes, attribute,
                      "more than " + std::to_string(limits_.max_attributes_per_element) + " attributes on one element");
      }
      const std::string_view name = document_.substr(attribute, offset - attribute);
      if (name == "xmlns" || name.starts_with("xmlns:")) {
        ++namespaces;
        if (namespaces_in_scope_ + namespaces > limits_.max_namespaces_in_scope) {
          return Unsafe(
              kViolationTooManyNamespaces, attribute,
              "more than " + std::to_string(limits_.max_namespaces_in_scope) + " namespace declarations in scope");
        }
      }
      offset = SkipSpace(offset);
      if (offset >= size() || document_[offset] != '=') {
        return Malformed(offset, "expected '=' after an attribute name");
      }
      offset = SkipSpace(offset + 1);
      if (offset >= size() || (document_[offset] != '"' && document_[offset] != '\'')) {
        return Malformed(offset, "expected a quoted attribute value");
      }
      const size_t value_begin = offset + 1;
      const size_t value_end = document_.find(document_[offset], value_begin);
      if (value_end == std::string_view::npos) {
        return Malformed(offset, "an attribute value that is never closed");
      }
      if (value_end - value_begin > limits_.max_attribute_value_bytes) {
        return Unsafe(kViolationAttributeTooLong, attribute,
                      "an attribute value over " + std::to_string(limits_.max_attribute_value_bytes) + " bytes");
      }
      const size_t less_than = document_.substr(value_begin, value_end - value_begin).find('<');
      if (less_than != std::string_view::npos) {
        return Malformed(value_begin + less_than, "'<' inside an attribute value");
      }
      MEZHVED_RETURN_IF_ERROR(CheckReferences(value_begin, value_end));
      offset = value_end + 1;
    }
  }

  const std::string_view document_;
  const XmlLimits& limits_;
  const std::string_view field_;
  size_t content_start_ = 0;  // past a UTF-8 byte order mark
  size_t position_ = 0;
  uint32_t depth_ = 0;
  // Namespace declarations on each open element (at most max_depth entries) and their sum.
  std::vector<uint32_t> namespaces_per_open_element_;
  uint32_t namespaces_in_scope_ = 0;
  uint64_t elements_ = 0;
  bool root_seen_ = false;
  size_t text_run_start_ = 0;
  size_t text_run_bytes_ = 0;
};

}  // namespace

Status CheckXmlSafety(std::string_view document, const XmlLimits& limits, std::string_view field) {
  return Scanner(document, limits, field).Scan();
}

}  // namespace mezhved::xml
