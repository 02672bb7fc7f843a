// The XSDs of the information types, loaded once at start and shared by every validation. libxml2 stays behind
// this header (the compiled schemas are a private type).
//
// What libxml2 may read. libxml2's external entity loader is process-wide, so the first SchemaSet::Load replaces
// it, once and for the life of the process, with a loader that refuses every resource except, on a thread that is
// inside SchemaSet::Load, regular local files under the schema directories (the XSDs themselves and their
// includes and imports): no http(s), ftp or other URI scheme, no catalogs, nothing outside those directories
// (symbolic links are resolved before the check). A thread-local marks the Load in progress, so a Load on one
// thread admits nothing to a parse on another. Validation reads nothing at all: documents cannot have a DTD
// (CheckXmlSafety) and xsi:schemaLocation hints are not followed. The loader runs every XSD it admits through
// CheckXmlSafety too, because libxml2 parses schema documents with entity substitution on. Any other libxml2 user
// in the process (xmlsec) is bound by the same loader, which is the point: no XML code in the gateway fetches
// anything. libxml2's other process-wide defaults are left as they are.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "xml/safe_xml.h"

namespace mezhved::xml {

// Violation codes of SCHEMA_INVALID (FieldError::code).
inline constexpr std::string_view kViolationSchema = "SCHEMA_VIOLATION";
inline constexpr std::string_view kViolationRootElement = "ROOT_ELEMENT";

// Immutable after Load; Validate may be called from any number of threads at once.
class SchemaSet {
 public:
  // At most this many schema violations are listed in a SCHEMA_INVALID status; the message gives the total.
  static constexpr size_t kMaxListedViolations = 20;

  // Parses each XSD, named by the first of its pair, from the file named by the second. Relative includes and
  // imports resolve next to the including file. Every file read must lie under `schema_root` when it is given
  // (the catalogue's directory, so that "../../common/1/common.xsd" imports work), otherwise under the directory
  // of one of the listed files. On failure CONFIG_INVALID whose message and fields name the file and line of
  // every report: XSD errors (XSD_ERROR), XML errors in an XSD (XSD_ERROR), resources the loader refused
  // (XSD_RESOURCE_REFUSED: a missing file, a URL, a path outside the schema directories, a DTD in an XSD), and
  // libxml2's warnings (XSD_WARNING) for context, such as the line of a refused import.
  static StatusOr<std::shared_ptr<const SchemaSet>> Load(
      const std::vector<std::pair<std::string, std::string>>& name_and_path, std::string_view schema_root = "");

  ~SchemaSet();
  SchemaSet(const SchemaSet&) = delete;
  SchemaSet& operator=(const SchemaSet&) = delete;

  bool Has(std::string_view name) const;

  // Checks an untrusted document: CheckXmlSafety(document, limits, field) first, then libxml2 parses it (no
  // network, no DTD loading or validation, no entity substitution, no raised limits) and it is validated against
  // schema `name`. Returns
  //   INVALID_ARGUMENT  no schema `name`;
  //   whatever CheckXmlSafety returns;
  //   INVALID_XML       libxml2 reported any error or warning, namespace errors included (one field, MALFORMED,
  //                     "line N: message" of the first report);
  //   SCHEMA_INVALID    the root element is not {expected_namespace}expected_root (one field, ROOT_ELEMENT; checked
  //                     only when expected_root is not empty), or the document breaks the schema (one field per
  //                     violation, SCHEMA_VIOLATION, "line N: message", at most kMaxListedViolations);
  //   OK                otherwise.
  // Every field's path is `field`.
  Status Validate(std::string_view name, std::string_view document, std::string_view field, const XmlLimits& limits,
                  std::string_view expected_namespace = "", std::string_view expected_root = "") const;

 private:
  struct CompiledSchema;  // owns libxml2's xmlSchema

  SchemaSet();

  std::map<std::string, std::unique_ptr<CompiledSchema>, std::less<>> schemas_;
};

}  // namespace mezhved::xml
