#include "envelope/xml_form.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/timestamp.pb.h>
#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <vector>

#include "xml/document.h"

namespace mezhved::envelope {
namespace {

namespace pb = google::protobuf;

constexpr char kPrefix[] = "m";

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
  Writer() : document_(xmlNewDoc(BAD_CAST "1.0")) {}

  StatusOr<std::string> Write(const v1::Message& message) {
    xmlNodePtr root = xmlNewDocNode(document_.get(), nullptr, BAD_CAST "Message", nullptr);
    xmlDocSetRootElement(document_.get(), root);
    namespace_ = xmlNewNs(root, BAD_CAST kEnvelopeNamespace, BAD_CAST kPrefix);
    xmlSetNs(root, namespace_);
    MEZHVED_RETURN_IF_ERROR(AddFields(root, message, "message"));
    xmlChar* bytes = nullptr;
    int size = 0;
    xmlDocDumpMemoryEnc(document_.get(), &bytes, &size, "UTF-8");
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
    xmlNodePtr copy = xmlDocCopyNode(xmlDocGetRootElement(parsed->get()), document_.get(), 1);
    xmlNodePtr element = xmlNewChild(parent, namespace_, BAD_CAST name.c_str(), nullptr);
    if (copy == nullptr || xmlAddChild(element, copy) == nullptr) {
      xmlFreeNode(copy);
      return {ErrorCode::kInternal, path + ": cannot embed the document"};
    }
    xmlReconciliateNs(document_.get(), copy);
    return Status::Ok();
  }

  xml::DocumentPtr document_;
  xmlNsPtr namespace_ = nullptr;
};

}  // namespace

StatusOr<std::string> ToXml(const v1::Message& message) { return Writer().Write(message); }

}  // namespace mezhved::envelope
