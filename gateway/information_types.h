// The information types (виды сведений) the gateway exchanges and their rules: the catalogue
// (schemas/catalog.textproto) with, per type and version, the XSDs of the request and response payloads, whether a
// personal-data consent record is required (210-FZ art. 7.2, DOMAIN.md item 9), which other identifiers of the
// citizen are needed (item 5), and the deadline class (DOMAIN.md "Rules of the exchange"). The XSDs are compiled
// once, at start; validation is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "gateway/validation.h"
#include "mezhved/config/v1/information_types.pb.h"
#include "mezhved/v1/messages.pb.h"
#include "xml/schema_set.h"

namespace mezhved::gateway {

class InformationTypeRegistry final : public RequestTypeRules {
 public:
  // Reads the catalogue (text format; unknown fields are errors), checks it, and compiles every XSD it names
  // (paths relative to the catalogue's directory). Errors are CONFIG_INVALID naming the file and the field.
  static StatusOr<std::shared_ptr<const InformationTypeRegistry>> Load(const std::string& catalog_path);

  // nullptr when the catalogue has no such type and version.
  const config::v1::InformationType* Find(std::string_view id, std::string_view version) const;

  // RequestTypeRules: the type exists; consent and identifiers where the type requires them.
  void CheckRequestFields(const v1::RequestEnvelope& request, Violations& violations) const override;
  bool CitizenRequired(const v1::InformationTypeRef& type) const override;

  // The request payload against its type's request XSD and root element: UNSAFE_XML, INVALID_XML,
  // SCHEMA_INVALID or MESSAGE_TOO_LARGE, with the path "request.payload".
  Status ValidateRequestPayload(const v1::InformationTypeRef& type, std::string_view payload,
                                const xml::XmlLimits& limits) const;
  // A data answer's payload against the response XSD of the request's type. A type without one (referrals,
  // reports) takes no data answer: INVALID_MESSAGE.
  Status ValidateResponsePayload(const v1::InformationTypeRef& type, std::string_view payload,
                                 const xml::XmlLimits& limits) const;

  const config::v1::InformationTypeCatalog& catalog() const { return catalog_; }

 private:
  InformationTypeRegistry() = default;
  static std::string Key(std::string_view id, std::string_view version);

  config::v1::InformationTypeCatalog catalog_;
  std::map<std::string, const config::v1::InformationType*, std::less<>> by_key_;
  std::shared_ptr<const xml::SchemaSet> schemas_;
};

}  // namespace mezhved::gateway
