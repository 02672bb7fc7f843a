#include "envelope/xml_form.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>
#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <map>
#include <set>
#include <vector>

#include "envelope/xml_form_tree.h"
#include "xml/document.h"

namespace mezhved::envelope {
namespace {

using xml::ElementChildren;
using xml::TextOf;

namespace pb = google::protobuf;

constexpr char kPrefix[] = "m";
constexpr std::string_view kXmlDsigNamespace = "http://www.w3.org/2000/09/xmldsig#";

// The payloads were checked at the door with the configured limits; these only bound a corrupt record.
xml::XmlLimits PayloadLimits() {
  xml::XmlLimits limits;
  limits.max_bytes = 64 << 20;
  limits.max_text_bytes = 64 << 20;
  return limits;
}

// requester_code -> RequesterCode
std::string ElementName(const pb::FieldDescriptor* field) {
  std::string name;
  bool upper = true;
  for (const char c : field->name()) {
    if (c == '_') {
      upper = true;
      continue;
    }
    name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return name;
}

// MESSAGE_KIND_REQUEST -> REQUEST: the enum's name in UPPER_SNAKE_CASE and "_" are the prefix.
std::string EnumText(const pb::EnumValueDescriptor* value) {
  std::string prefix;
  const std::string& type = value->type()->name();
  for (size_t i = 0; i < type.size(); ++i) {
    if (i > 0 && std::isupper(static_cast<unsigned char>(type[i])) != 0) {
      prefix += '_';
    }
    prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(type[i])));
  }
  prefix += '_';
  const std::string& name = value->name();
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

std::string TimestampText(const pb::Message& message) {
  const auto& timestamp = static_cast<const pb::Timestamp&>(message);
  const auto seconds = static_cast<std::time_t>(timestamp.seconds());
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 96> text{};  // room for any int the format could print
  std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, timestamp.nanos() / 1000000);
  return text.data();
}

std::string DateText(const v1::Date& date) {
  std::array<char, 48> text{};
  std::snprintf(text.data(), text.size(), "%04d-%02d-%02d", date.year(), date.month(), date.day());
  return text.data();
}

// Fields in field-number order, the one that is only in flight left out.
std::vector<const pb::FieldDescriptor*> FieldsOf(const pb::Descriptor* descriptor) {
  std::vector<const pb::FieldDescriptor*> fields;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const pb::FieldDescriptor* field = descriptor->field(i);
    if (field->full_name() != "mezhved.v1.Message.delivery_attempt" &&
        field->full_name() != "mezhved.v1.Message.sealed_xml") {
      fields.push_back(field);
    }
  }
  std::sort(fields.begin(), fields.end(), [](auto* a, auto* b) { return a->number() < b->number(); });
  return fields;
}

class Writer {
 public:
  Writer() : owned_(xmlNewDoc(BAD_CAST "1.0")), document_(owned_.get()) {}
  // Writes into `parent`'s document, in the envelope namespace `ns` (declared by the caller).
  Writer(xmlDocPtr document, xmlNsPtr ns) : document_(document), namespace_(ns) {}

  Status Append(xmlNodePtr parent, const pb::Message& message, const std::string& path) {
    return AddFields(parent, message, path);
  }

  StatusOr<std::string> Write(const v1::Message& message) {
    xmlNodePtr root = xmlNewDocNode(document_, nullptr, BAD_CAST "Message", nullptr);
    xmlDocSetRootElement(document_, root);
    namespace_ = xmlNewNs(root, BAD_CAST kEnvelopeNamespace, BAD_CAST kPrefix);
    xmlSetNs(root, namespace_);
    MEZHVED_RETURN_IF_ERROR(AddFields(root, message, "message"));
    xmlChar* bytes = nullptr;
    int size = 0;
    xmlDocDumpMemoryEnc(document_, &bytes, &size, "UTF-8");
    if (bytes == nullptr) {
      return Status(ErrorCode::kInternal, "cannot serialize the XML form of message " + message.message_id());
    }
    std::string text(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
    xmlFree(bytes);
    return text;
  }

 private:
  Status AddFields(xmlNodePtr parent, const pb::Message& message, const std::string& path) {
    const pb::Reflection* reflection = message.GetReflection();
    for (const pb::FieldDescriptor* field : FieldsOf(message.GetDescriptor())) {
      const std::string field_path = path + "." + field->name();
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          MEZHVED_RETURN_IF_ERROR(AddValue(parent, message, field, i, field_path));
        }
      } else if (reflection->HasField(message, field)) {
        MEZHVED_RETURN_IF_ERROR(AddValue(parent, message, field, -1, field_path));
      }
    }
    return Status::Ok();
  }

  // One value of `field` (index -1: the singular field) as an element of `parent`.
  Status AddValue(xmlNodePtr parent, const pb::Message& message, const pb::FieldDescriptor* field, int index,
                  const std::string& path) {
    const pb::Reflection* reflection = message.GetReflection();
    const bool repeated = index >= 0;
    const std::string name = ElementName(field);
    switch (field->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
        const pb::Message& value =
            repeated ? reflection->GetRepeatedMessage(message, field, index) : reflection->GetMessage(message, field);
        return AddMessage(parent, name, value, path);
      }
      case pb::FieldDescriptor::CPPTYPE_STRING:
        if (field->type() == pb::FieldDescriptor::TYPE_BYTES) {
          return AddEmbeddedXml(
              parent, name,
              repeated ? reflection->GetRepeatedString(message, field, index) : reflection->GetString(message, field),
              path);
        }
        return AddText(
            parent, name,
            repeated ? reflection->GetRepeatedString(message, field, index) : reflection->GetString(message, field));
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        return AddText(parent, name,
                       EnumText(repeated ? reflection->GetRepeatedEnum(message, field, index)
                                         : reflection->GetEnum(message, field)));
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        return AddText(
            parent, name,
            (repeated ? reflection->GetRepeatedBool(message, field, index) : reflection->GetBool(message, field))
                ? "true"
                : "false");
      case pb::FieldDescriptor::CPPTYPE_INT32:
        return AddText(parent, name,
                       std::to_string(repeated ? reflection->GetRepeatedInt32(message, field, index)
                                               : reflection->GetInt32(message, field)));
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        return AddText(parent, name,
                       std::to_string(repeated ? reflection->GetRepeatedUInt32(message, field, index)
                                               : reflection->GetUInt32(message, field)));
      case pb::FieldDescriptor::CPPTYPE_INT64:
        return AddText(parent, name,
                       std::to_string(repeated ? reflection->GetRepeatedInt64(message, field, index)
                                               : reflection->GetInt64(message, field)));
      case pb::FieldDescriptor::CPPTYPE_UINT64:
        return AddText(parent, name,
                       std::to_string(repeated ? reflection->GetRepeatedUInt64(message, field, index)
                                               : reflection->GetUInt64(message, field)));
      default:
        return {ErrorCode::kInternal, path + ": no XML form for fields of type " + std::string(field->type_name())};
    }
  }

  Status AddMessage(xmlNodePtr parent, const std::string& name, const pb::Message& value, const std::string& path) {
    const std::string& type = value.GetDescriptor()->full_name();
    if (type == "google.protobuf.Timestamp") {
      return AddText(parent, name, TimestampText(value));
    }
    if (type == "mezhved.v1.Date") {
      return AddText(parent, name, DateText(static_cast<const v1::Date&>(value)));
    }
    xmlNodePtr element = xmlNewChild(parent, namespace_, BAD_CAST name.c_str(), nullptr);
    return AddFields(element, value, path);
  }

  Status AddText(xmlNodePtr parent, const std::string& name, const std::string& text) {
    xmlNewTextChild(parent, namespace_, BAD_CAST name.c_str(), BAD_CAST text.c_str());
    return Status::Ok();
  }

  Status AddEmbeddedXml(xmlNodePtr parent, const std::string& name, const std::string& document,
                        const std::string& path) {
    StatusOr<xml::DocumentPtr> parsed = xml::ParseUntrusted(document, PayloadLimits(), path);
    MEZHVED_RETURN_IF_ERROR(parsed.status());
    xmlNodePtr copy = xmlDocCopyNode(xmlDocGetRootElement(parsed->get()), document_, 1);
    xmlNodePtr element = xmlNewChild(parent, namespace_, BAD_CAST name.c_str(), nullptr);
    if (copy == nullptr || xmlAddChild(element, copy) == nullptr) {
      xmlFreeNode(copy);
      return {ErrorCode::kInternal, path + ": cannot embed the document"};
    }
    xmlReconciliateNs(document_, copy);
    return Status::Ok();
  }

  xml::DocumentPtr owned_;
  xmlDocPtr document_;
  xmlNsPtr namespace_ = nullptr;
};

// ---- Reading the form back.

Status Invalid(const std::string& path, std::string_view code, const std::string& why) {
  return Status(ErrorCode::kInvalidMessage, path + ": " + why, {{path, std::string(code), why}});
}

bool InEnvelopeNamespace(xmlNodePtr node) {
  return node->ns != nullptr && node->ns->href != nullptr &&
         std::string_view(reinterpret_cast<const char*>(node->ns->href)) == kEnvelopeNamespace;
}

std::string NameOf(xmlNodePtr node) { return reinterpret_cast<const char*>(node->name); }

// Character data directly inside `node` that is not whitespace: where only elements belong, it is a mistake.
bool HasStrayText(xmlNodePtr node) {
  for (xmlNodePtr child = node->children; child != nullptr; child = child->next) {
    if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) && child->content != nullptr) {
      const std::string_view text(reinterpret_cast<const char*>(child->content));
      if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        return true;
      }
    }
  }
  return false;
}

template <typename Number>
bool ParseNumber(const std::string& text, Number& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool ParseDate(const std::string& text, v1::Date& date) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !ParseNumber(text.substr(0, 4), year) ||
      !ParseNumber(text.substr(5, 2), month) || !ParseNumber(text.substr(8, 2), day) || month < 1 || month > 12 ||
      day < 1 || day > 31) {
    return false;
  }
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return true;
}

class Reader {
 public:
  Status Read(std::string_view xml, std::string_view root_name, const xml::XmlLimits& limits, pb::Message& message) {
    StatusOr<xml::DocumentPtr> parsed = xml::ParseUntrusted(xml, limits, "message");
    MEZHVED_RETURN_IF_ERROR(parsed.status());
    xmlNodePtr root = xmlDocGetRootElement(parsed->get());
    if (!InEnvelopeNamespace(root) || NameOf(root) != root_name) {
      return Invalid("message", "UNKNOWN_ELEMENT",
                     "the root element must be " + std::string(root_name) + " in " + kEnvelopeNamespace);
    }
    return ReadFields(root, message, "message", /*signature_allowed=*/true);
  }

  Status ReadElement(xmlNodePtr element, const std::string& path, pb::Message& message) {
    return ReadFields(element, message, path);
  }

  // `signature_allowed`: the root may end with a ds:Signature (a seal, or a sender's signature), which is not data.
  Status ReadFields(xmlNodePtr element, pb::Message& message, const std::string& path, bool signature_allowed = false) {
    if (HasStrayText(element)) {
      return Invalid(path, "MALFORMED", "text where only elements belong");
    }
    std::map<std::string, const pb::FieldDescriptor*> by_name;
    for (const pb::FieldDescriptor* field : FieldsOf(message.GetDescriptor())) {
      by_name.emplace(ElementName(field), field);
    }
    std::set<const pb::FieldDescriptor*> seen;
    for (xmlNodePtr child : ElementChildren(element)) {
      if (signature_allowed && child->ns != nullptr && child->ns->href != nullptr &&
          std::string_view(reinterpret_cast<const char*>(child->ns->href)) == kXmlDsigNamespace &&
          NameOf(child) == "Signature") {
        continue;
      }
      const auto found = InEnvelopeNamespace(child) ? by_name.find(NameOf(child)) : by_name.end();
      if (found == by_name.end()) {
        return Invalid(path + "." + NameOf(child), "UNKNOWN_ELEMENT", "no such element here");
      }
      const pb::FieldDescriptor* field = found->second;
      const std::string field_path = path + "." + field->name();
      if (!field->is_repeated() && !seen.insert(field).second) {
        return Invalid(field_path, "DUPLICATE", "given more than once");
      }
      if (field->containing_oneof() != nullptr &&
          message.GetReflection()->HasOneof(message, field->containing_oneof()) &&
          message.GetReflection()->GetOneofFieldDescriptor(message, field->containing_oneof()) != field) {
        return Invalid(field_path, "DUPLICATE", "only one of " + field->containing_oneof()->name());
      }
      MEZHVED_RETURN_IF_ERROR(ReadValue(child, message, field, field_path));
    }
    return Status::Ok();
  }

  Status ReadValue(xmlNodePtr element, pb::Message& message, const pb::FieldDescriptor* field,
                   const std::string& path) {
    const pb::Reflection* reflection = message.GetReflection();
    const bool repeated = field->is_repeated();
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      pb::Message* value =
          repeated ? reflection->AddMessage(&message, field) : reflection->MutableMessage(&message, field);
      return ReadMessage(element, *value, path);
    }
    if (field->type() == pb::FieldDescriptor::TYPE_BYTES) {
      StatusOr<std::string> document = EmbeddedDocument(element, path);
      MEZHVED_RETURN_IF_ERROR(document.status());
      repeated ? reflection->AddString(&message, field, *document) : reflection->SetString(&message, field, *document);
      return Status::Ok();
    }
    if (!ElementChildren(element).empty()) {
      return Invalid(path, "MALFORMED", "a value, not elements, belongs here");
    }
    return ReadScalar(TextOf(element), message, field, path);
  }

  Status ReadMessage(xmlNodePtr element, pb::Message& value, const std::string& path) {
    const std::string& type = value.GetDescriptor()->full_name();
    if (type == "google.protobuf.Timestamp") {
      if (!ElementChildren(element).empty() ||
          !google::protobuf::util::TimeUtil::FromString(TextOf(element), static_cast<pb::Timestamp*>(&value))) {
        return Invalid(path, "MALFORMED", "an instant like 2026-11-24T06:00:00.000Z");
      }
      return Status::Ok();
    }
    if (type == "mezhved.v1.Date") {
      if (!ElementChildren(element).empty() || !ParseDate(TextOf(element), static_cast<v1::Date&>(value))) {
        return Invalid(path, "MALFORMED", "a date like 2026-11-24");
      }
      return Status::Ok();
    }
    return ReadFields(element, value, path);
  }

  Status ReadScalar(const std::string& text, pb::Message& message, const pb::FieldDescriptor* field,
                    const std::string& path) {
    const pb::Reflection* reflection = message.GetReflection();
    const bool repeated = field->is_repeated();
    switch (field->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING:
        repeated ? reflection->AddString(&message, field, text) : reflection->SetString(&message, field, text);
        return Status::Ok();
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        const pb::EnumDescriptor* type = field->enum_type();
        for (int i = 0; i < type->value_count(); ++i) {
          if (EnumText(type->value(i)) == text && type->value(i)->number() != 0) {
            repeated ? reflection->AddEnum(&message, field, type->value(i))
                     : reflection->SetEnum(&message, field, type->value(i));
            return Status::Ok();
          }
        }
        return Invalid(path, "MALFORMED", "'" + text + "' is not a value of " + type->name());
      }
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        if (text != "true" && text != "false" && text != "1" && text != "0") {
          return Invalid(path, "MALFORMED", "true or false");
        }
        repeated ? reflection->AddBool(&message, field, text == "true" || text == "1")
                 : reflection->SetBool(&message, field, text == "true" || text == "1");
        return Status::Ok();
      case pb::FieldDescriptor::CPPTYPE_UINT32: {
        uint32_t value = 0;
        if (!ParseNumber(text, value)) {
          return Invalid(path, "MALFORMED", "a whole number from 0 to 4294967295");
        }
        repeated ? reflection->AddUInt32(&message, field, value) : reflection->SetUInt32(&message, field, value);
        return Status::Ok();
      }
      case pb::FieldDescriptor::CPPTYPE_INT32: {
        int32_t value = 0;
        if (!ParseNumber(text, value)) {
          return Invalid(path, "MALFORMED", "a whole number");
        }
        repeated ? reflection->AddInt32(&message, field, value) : reflection->SetInt32(&message, field, value);
        return Status::Ok();
      }
      default:
        return Invalid(path, "MALFORMED", "no XML form for this field");
    }
  }

  // The one element inside `element`, as a standalone document with the namespaces it uses declared on it.
  StatusOr<std::string> EmbeddedDocument(xmlNodePtr element, const std::string& path) {
    const std::vector<xmlNodePtr> children = ElementChildren(element);
    if (children.size() != 1 || HasStrayText(element)) {
      return Invalid(path, "MALFORMED", "exactly one element, the information type's document");
    }
    xml::DocumentPtr document(xmlNewDoc(BAD_CAST "1.0"));
    xmlNodePtr copy = xmlDocCopyNode(children[0], document.get(), 1);
    if (copy == nullptr) {
      return Status(ErrorCode::kInternal, path + ": cannot copy the document");
    }
    xmlDocSetRootElement(document.get(), copy);
    xmlReconciliateNs(document.get(), copy);
    xmlChar* bytes = nullptr;
    int size = 0;
    xmlDocDumpMemoryEnc(document.get(), &bytes, &size, "UTF-8");
    std::string text(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
    xmlFree(bytes);
    return text;
  }
};

}  // namespace

StatusOr<std::string> ToXml(const v1::Message& message) { return Writer().Write(message); }

Status FromXml(std::string_view xml, std::string_view root, const xml::XmlLimits& limits,
               google::protobuf::Message& message) {
  return Reader().Read(xml, root, limits, message);
}

Status ReadElementFields(xmlNode* element, const std::string& path, google::protobuf::Message& message) {
  return Reader().ReadElement(element, path, message);
}

StatusOr<std::string> EmbeddedDocumentOf(xmlNode* element, const std::string& path) {
  return Reader().EmbeddedDocument(element, path);
}

Status AppendFields(xmlNode* parent, const google::protobuf::Message& message, const std::string& path) {
  xmlNsPtr ns = xmlSearchNsByHref(parent->doc, parent, BAD_CAST kEnvelopeNamespace);
  if (ns == nullptr) {
    ns = xmlNewNs(parent, BAD_CAST kEnvelopeNamespace, BAD_CAST kPrefix);
  }
  return Writer(parent->doc, ns).Append(parent, message, path);
}

}  // namespace mezhved::envelope
