#include "gateway/information_types.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace mezhved::gateway {
namespace {

namespace fs = std::filesystem;
using config::v1::InformationType;

constexpr std::string_view kUnknownType = "UNKNOWN_INFORMATION_TYPE";

std::string RequestSchemaName(const InformationType& type) { return type.id() + "/" + type.version() + "/request"; }
std::string ResponseSchemaName(const InformationType& type) { return type.id() + "/" + type.version() + "/response"; }

bool TakesNoAnswer(const InformationType& type) {
  return type.deadline_class() == config::v1::DEADLINE_CLASS_REFERRAL ||
         type.deadline_class() == config::v1::DEADLINE_CLASS_REPORT;
}

class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (first_.empty()) {
      first_ = std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

StatusOr<config::v1::InformationTypeCatalog> ParseCatalog(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status(ErrorCode::kConfigInvalid, "cannot read the information type catalogue '" + path + "'");
  }
  std::ostringstream text;
  text << in.rdbuf();
  google::protobuf::TextFormat::Parser parser;
  CollectErrors errors;
  parser.RecordErrorsTo(&errors);
  config::v1::InformationTypeCatalog catalog;
  if (!parser.ParseFromString(text.str(), &catalog)) {
    return Status(ErrorCode::kConfigInvalid, path + ":" + errors.first());
  }
  return catalog;
}

// The catalogue's own rules: required fields, one entry per (id, version).
Status CheckCatalog(const config::v1::InformationTypeCatalog& catalog, const std::string& path) {
  std::vector<FieldError> errors;
  std::map<std::string, int> seen;
  const auto require = [&](const std::string& field, const std::string& value) {
    if (value.empty()) {
      errors.push_back({field, "REQUIRED", "in " + path});
    }
  };
  for (int i = 0; i < catalog.types_size(); ++i) {
    const InformationType& type = catalog.types(i);
    const std::string at = "types[" + std::to_string(i) + "]";
    require(at + ".id", type.id());
    require(at + ".version", type.version());
    require(at + ".name", type.name());
    require(at + ".request_schema", type.request_schema());
    if (!TakesNoAnswer(type)) {
      require(at + ".response_schema", type.response_schema());
    }
    if (type.deadline_class() == config::v1::DEADLINE_CLASS_UNSPECIFIED) {
      errors.push_back({at + ".deadline_class", "REQUIRED", "in " + path});
    }
    if (!seen.emplace(type.id() + "/" + type.version(), i).second) {
      errors.push_back({at, "DUPLICATE", type.id() + " " + type.version() + " is listed twice in " + path});
    }
  }
  if (catalog.types().empty()) {
    errors.push_back({"types", "REQUIRED", path + " lists no information type"});
  }
  if (errors.empty()) {
    return Status::Ok();
  }
  return {ErrorCode::kConfigInvalid, "the information type catalogue " + path + " breaks its rules", errors};
}

}  // namespace

std::string InformationTypeRegistry::Key(std::string_view id, std::string_view version) {
  return std::string(id) + '\n' + std::string(version);
}

StatusOr<std::shared_ptr<const InformationTypeRegistry>> InformationTypeRegistry::Load(
    const std::string& catalog_path) {
  StatusOr<config::v1::InformationTypeCatalog> catalog = ParseCatalog(catalog_path);
  MEZHVED_RETURN_IF_ERROR(catalog.status());
  MEZHVED_RETURN_IF_ERROR(CheckCatalog(*catalog, catalog_path));

  std::shared_ptr<InformationTypeRegistry> registry(new InformationTypeRegistry());
  registry->catalog_ = std::move(*catalog);
  const fs::path root = fs::path(catalog_path).parent_path();
  std::vector<std::pair<std::string, std::string>> schemas;
  for (const InformationType& type : registry->catalog_.types()) {
    registry->by_key_.emplace(Key(type.id(), type.version()), &type);
    schemas.emplace_back(RequestSchemaName(type), (root / type.request_schema()).string());
    if (!type.response_schema().empty()) {
      schemas.emplace_back(ResponseSchemaName(type), (root / type.response_schema()).string());
    }
  }
  StatusOr<std::shared_ptr<const xml::SchemaSet>> compiled = xml::SchemaSet::Load(schemas, root.string());
  MEZHVED_RETURN_IF_ERROR(compiled.status());
  registry->schemas_ = std::move(*compiled);
  return std::shared_ptr<const InformationTypeRegistry>(std::move(registry));
}

const InformationType* InformationTypeRegistry::Find(std::string_view id, std::string_view version) const {
  auto it = by_key_.find(Key(id, version));
  return it == by_key_.end() ? nullptr : it->second;
}

bool InformationTypeRegistry::CitizenRequired(const v1::InformationTypeRef& ref) const {
  // A periodic report covers many citizens, not one (Leningrad 3.5): the envelope names none.
  const InformationType* type = Find(ref.id(), ref.version());
  return type == nullptr || type->deadline_class() != config::v1::DEADLINE_CLASS_REPORT;
}

void InformationTypeRegistry::CheckRequestFields(const v1::RequestEnvelope& request, Violations& violations) const {
  if (!request.has_information_type() || request.information_type().id().empty() ||
      request.information_type().version().empty()) {
    return;  // reported as REQUIRED already
  }
  const InformationType* type = Find(request.information_type().id(), request.information_type().version());
  if (type == nullptr) {
    violations.Add("request.information_type", kUnknownType,
                   "no information type " + request.information_type().id() + " version " +
                       request.information_type().version() + " in the catalogue");
    return;
  }
  // Item 9: consent where the law requires it (210-FZ art. 7.2).
  if (type->consent_required() && !request.consent().obtained()) {
    violations.Add("request.consent", kViolationRequired,
                   type->id() + " requires a record of the citizen's consent to the processing of personal data");
  }
  // Item 5: the identifiers this type needs to find the information.
  for (const std::string& kind : type->required_identifiers()) {
    const auto& identifiers = request.citizen().other_identifiers();
    const bool present = std::any_of(identifiers.begin(), identifiers.end(),
                                     [&](const v1::PersonIdentifier& id) { return id.kind() == kind; });
    if (!present) {
      violations.Add("request.citizen.other_identifiers", kViolationRequired, type->id() + " needs the " + kind);
    }
  }
}

Status InformationTypeRegistry::ValidateRequestPayload(const v1::InformationTypeRef& ref, std::string_view payload,
                                                       const xml::XmlLimits& limits) const {
  const InformationType* type = Find(ref.id(), ref.version());
  if (type == nullptr) {
    return {ErrorCode::kInvalidMessage,
            "unknown information type",
            {{"request.information_type", std::string(kUnknownType), ref.id() + " " + ref.version()}}};
  }
  return schemas_->Validate(RequestSchemaName(*type), payload, "request.payload", limits, type->request_namespace(),
                            type->request_root());
}

Status InformationTypeRegistry::ValidateResponsePayload(const v1::InformationTypeRef& ref, std::string_view payload,
                                                        const xml::XmlLimits& limits) const {
  const InformationType* type = Find(ref.id(), ref.version());
  if (type == nullptr || type->response_schema().empty()) {
    return {ErrorCode::kInvalidMessage,
            "the request's information type takes no data answer",
            {{"response.data", "NO_DATA_ANSWER", ref.id() + " " + ref.version() + " has no response schema"}}};
  }
  return schemas_->Validate(ResponseSchemaName(*type), payload, "response.data.payload", limits,
                            type->response_namespace(), type->response_root());
}

}  // namespace mezhved::gateway
