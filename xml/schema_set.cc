#include "xml/schema_set.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <system_error>

#include "xml/document.h"

namespace mezhved::xml {

struct SchemaSet::CompiledSchema {
  struct Free {
    void operator()(xmlSchema* schema) const { xmlSchemaFree(schema); }
  };
  std::unique_ptr<xmlSchema, Free> schema;
};

namespace {

namespace fs = std::filesystem;

// Violation codes of the CONFIG_INVALID fields of SchemaSet::Load.
constexpr std::string_view kLoadResourceRefused = "XSD_RESOURCE_REFUSED";
constexpr std::string_view kLoadError = "XSD_ERROR";
constexpr std::string_view kLoadWarning = "XSD_WARNING";

// Schema files are the operator's, not an attacker's, but libxml2 parses them with entity substitution on
// (SCHEMAS_PARSE_OPTIONS is XML_PARSE_NOENT), so they pass the same scan as payloads, with room for large XSDs.
constexpr size_t kMaxSchemaFileBytes = 16 << 20;
XmlLimits SchemaFileLimits() {
  XmlLimits limits;
  limits.max_bytes = kMaxSchemaFileBytes;
  limits.max_depth = 256;
  limits.max_attributes_per_element = 256;
  limits.max_attribute_value_bytes = 1 << 20;
  limits.max_text_bytes = kMaxSchemaFileBytes;
  limits.max_elements = 10'000'000;
  return limits;
}

struct ParserContextFree {
  void operator()(xmlParserCtxt* context) const { xmlFreeParserCtxt(context); }
};
struct SchemaParserContextFree {
  void operator()(xmlSchemaParserCtxt* context) const { xmlSchemaFreeParserCtxt(context); }
};
struct SchemaValidContextFree {
  void operator()(xmlSchemaValidCtxt* context) const { xmlSchemaFreeValidCtxt(context); }
};

std::string Trimmed(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// ---- Loading schemas: the entity loader and what it reports.

// What one SchemaSet::Load admits and what went wrong while it ran. The entity loader is process-wide, so it finds
// the Load in progress through a thread-local pointer: another thread's Load or Validate never sees this one's.
struct LoadScope {
  std::vector<fs::path> allowed_directories;  // canonical
  std::string current_file;                   // for reports that name no file
  std::vector<FieldError> reports;
  bool failed = false;
};
thread_local LoadScope* current_load_scope = nullptr;

void AddLoadReport(LoadScope& scope, std::string_view code, const std::string& file, int line, std::string message) {
  if (code != kLoadWarning) {
    scope.failed = true;
  }
  std::string description = line > 0 ? "line " + std::to_string(line) + ": " + message : std::move(message);
  scope.reports.push_back({file.empty() ? scope.current_file : file, std::string(code), std::move(description)});
}

// Structured error handler for the schema parser and, installed by the entity loader, for the XML parser that
// reads each schema document.
void RecordSchemaLoadReport(void* /*user_data*/, xmlErrorPtr error) {
  LoadScope* scope = current_load_scope;
  if (scope == nullptr || error == nullptr) {
    return;
  }
  AddLoadReport(*scope, error->level == XML_ERR_WARNING ? kLoadWarning : kLoadError,
                error->file == nullptr ? "" : error->file, error->line, Trimmed(error->message));
}

bool HasUriScheme(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return false;
  }
  const auto is_scheme_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
           c == '.';
  };
  return std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(colon), is_scheme_char);
}

std::string Unescaped(const std::string& text) {
  std::unique_ptr<char, void (*)(char*)> unescaped(xmlURIUnescapeString(text.c_str(), 0, nullptr),
                                                   [](char* p) { xmlFree(p); });
  return unescaped == nullptr ? text : std::string(unescaped.get());
}

// The local file `url` names, if the Load in progress admits it. libxml2 hands the loader either a plain path
// (absolute: includes resolve against the including file) that may be URI-escaped, or a file: URL.
StatusOr<fs::path> AdmittedSchemaFile(std::string_view url, const LoadScope& scope) {
  const auto refused = [](const std::string& why) { return Status(ErrorCode::kConfigInvalid, why); };
  std::string path_text;
  if (HasUriScheme(url)) {
    const size_t colon = url.find(':');
    std::string scheme(url.substr(0, colon));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](char c) { return c | 0x20; });
    if (scheme != "file") {
      return refused("only local schema files are read; '" + scheme + ":' resources are refused");
    }
    std::string_view rest = url.substr(colon + 1);
    if (rest.starts_with("//")) {
      rest.remove_prefix(2);
      const size_t slash = rest.find('/');
      if (slash == std::string_view::npos || (slash != 0 && rest.substr(0, slash) != "localhost")) {
        return refused("file URLs naming another host are refused");
      }
      rest.remove_prefix(slash);
    }
    path_text = Unescaped(std::string(rest));
  } else {
    path_text = std::string(url);
    std::error_code ignored;
    if (!fs::exists(path_text, ignored)) {
      path_text = Unescaped(path_text);
    }
  }
  const fs::path path(path_text);
  if (!path.is_absolute()) {
    return refused("a relative path outside any schema file");
  }
  std::error_code error;
  const fs::path canonical = fs::canonical(path, error);
  if (error) {
    return refused(error.message());
  }
  if (!fs::is_regular_file(canonical, error)) {
    return refused("not a regular file");
  }
  for (const fs::path& directory : scope.allowed_directories) {
    if (std::mismatch(directory.begin(), directory.end(), canonical.begin(), canonical.end()).first ==
        directory.end()) {
      return canonical;
    }
  }
  return refused("outside the directories of the schema files being loaded");
}

StatusOr<std::string> ReadSchemaFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(ErrorCode::kConfigInvalid, "cannot be opened");
  }
  std::string bytes;
  bytes.resize(kMaxSchemaFileBytes + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.bad()) {
    return Status(ErrorCode::kConfigInvalid, "read failed");
  }
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

// The process-wide external entity loader (see schema_set.h). Outside SchemaSet::Load it refuses everything, so
// nothing parsed in this process, by this module or any other, fetches a resource through libxml2.
xmlParserInputPtr LoadSchemaResource(const char* url, const char* /*public_id*/, xmlParserCtxtPtr context) {
  LoadScope* scope = current_load_scope;
  if (scope == nullptr || url == nullptr || context == nullptr) {
    return nullptr;
  }
  StatusOr<fs::path> path = AdmittedSchemaFile(url, *scope);
  if (!path.ok()) {
    AddLoadReport(*scope, kLoadResourceRefused, url, 0, path.status().message());
    return nullptr;
  }
  StatusOr<std::string> bytes = ReadSchemaFile(*path);
  if (!bytes.ok()) {
    AddLoadReport(*scope, kLoadResourceRefused, path->string(), 0, bytes.status().message());
    return nullptr;
  }
  const Status safety = CheckXmlSafety(*bytes, SchemaFileLimits(), path->string());
  if (!safety.ok()) {
    AddLoadReport(*scope, kLoadResourceRefused, path->string(), 0, safety.fields().front().description);
    return nullptr;
  }
  // libxml2's schema parser makes this parser context itself and leaves its errors on the generic handler
  // (stderr); send them to the Load in progress instead.
  if (context->sax != nullptr) {
    context->sax->serror = &RecordSchemaLoadReport;
  }
  // The bytes parsed are the bytes checked: libxml2 copies them into its buffer.
  xmlParserInputBufferPtr buffer =
      xmlParserInputBufferCreateMem(bytes->data(), static_cast<int>(bytes->size()), XML_CHAR_ENCODING_NONE);
  if (buffer == nullptr) {
    AddLoadReport(*scope, kLoadError, path->string(), 0, "out of memory");
    return nullptr;
  }
  xmlParserInputPtr input = xmlNewIOInputStream(context, buffer, XML_CHAR_ENCODING_NONE);
  if (input == nullptr) {
    xmlFreeParserInputBuffer(buffer);
    AddLoadReport(*scope, kLoadError, path->string(), 0, "out of memory");
    return nullptr;
  }
  // The base against which this schema's own includes and imports resolve.
  input->filename = reinterpret_cast<const char*>(xmlStrdup(reinterpret_cast<const xmlChar*>(path->c_str())));
  return input;
}

void InitializeLibxml2Once() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(&LoadSchemaResource);
  });
}

// Sets the thread's Load scope for the lifetime of this object.
class ScopedLoad {
 public:
  explicit ScopedLoad(LoadScope& scope) { current_load_scope = &scope; }
  ~ScopedLoad() { current_load_scope = nullptr; }
  ScopedLoad(const ScopedLoad&) = delete;
  ScopedLoad& operator=(const ScopedLoad&) = delete;
};

Status LoadFailure(std::string_view name, const fs::path& path, std::vector<FieldError> reports) {
  std::string message = "schema '" + std::string(name) + "' (" + path.string() + ")";
  const auto first_failure = std::find_if(reports.begin(), reports.end(),
                                          [](const FieldError& report) { return report.code != kLoadWarning; });
  if (first_failure != reports.end()) {
    message += ": " + first_failure->path + ": " + first_failure->description;
  }
  if (reports.size() > 1) {
    message += " (" + std::to_string(reports.size()) + " reports)";
  }
  return {ErrorCode::kConfigInvalid, std::move(message), std::move(reports)};
}

Status UnreadableSchema(const std::string& name, const std::string& path, const std::error_code& error) {
  return Status(ErrorCode::kConfigInvalid, "schema '" + name + "' (" + path + "): " + error.message(),
                {{path, std::string(kLoadResourceRefused), error.message()}});
}

// ---- Validating documents.

// What the XML parser or the schema validator reported about one document.
struct Reports {
  Reports(std::string_view field, std::string_view code, size_t limit, bool count_warnings)
      : field(field), code(code), limit(limit), count_warnings(count_warnings) {}

  std::string_view field;
  std::string_view code;
  size_t limit;
  bool count_warnings;
  size_t total = 0;
  std::vector<FieldError> listed;

  void Add(const xmlError* error) {
    if (error->level == XML_ERR_WARNING && !count_warnings) {
      return;
    }
    // The identity-constraint checker repeats, as an error, that an invalid value already reported has no key
    // value. If it ever came alone the validator's result still refuses the document.
    if (!count_warnings && error->message != nullptr &&
        std::string_view(error->message).find("No precomputed value available") != std::string_view::npos) {
      return;
    }
    ++total;
    if (listed.size() < limit) {
      listed.push_back({std::string(field), std::string(code),
                        "line " + std::to_string(error->line) + ": " + Trimmed(error->message)});
    }
  }
};

// The parser passes its context's userData, which libxml2 sets to the context itself; the reports hang off
// _private, which libxml2 leaves to the application.
void RecordParserReport(void* user_data, xmlErrorPtr error) {
  auto* context = static_cast<xmlParserCtxtPtr>(user_data);
  if (context == nullptr || context->_private == nullptr || error == nullptr) {
    return;
  }
  static_cast<Reports*>(context->_private)->Add(error);
}

void RecordValidationReport(void* user_data, xmlErrorPtr error) {
  if (user_data == nullptr || error == nullptr) {
    return;
  }
  static_cast<Reports*>(user_data)->Add(error);
}

// No XML_PARSE_NOENT, DTDLOAD, DTDATTR, DTDVALID or HUGE; IGNORE_ENC and the "UTF-8" argument make sure the bytes
// are decoded the way CheckXmlSafety read them; BIG_LINES keeps line numbers past 65535 right.
constexpr int kDocumentParseOptions =
    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC | XML_PARSE_BIG_LINES;

std::string QualifiedName(std::string_view namespace_uri, std::string_view local_name) {
  return "{" + std::string(namespace_uri) + "}" + std::string(local_name);
}

}  // namespace

StatusOr<DocumentPtr> ParseUntrusted(std::string_view document, const XmlLimits& limits, std::string_view field) {
  InitializeLibxml2Once();
  MEZHVED_RETURN_IF_ERROR(CheckXmlSafety(document, limits, field));
  if (document.size() > static_cast<size_t>(INT_MAX)) {
    return Status(
        ErrorCode::kMessageTooLarge, std::string(field) + ": too large for the XML parser",
        {{std::string(field), std::string(kViolationTooLarge), "over " + std::to_string(INT_MAX) + " bytes"}});
  }

  std::unique_ptr<xmlParserCtxt, ParserContextFree> parser(xmlNewParserCtxt());
  if (parser == nullptr || parser->sax == nullptr) {
    return Status(ErrorCode::kInternal, "libxml2 could not make a parser");
  }
  // A parser warning refuses the document too: it marks something libxml2 accepted only reluctantly.
  Reports parse_reports(field, kViolationMalformed, 1, /*count_warnings=*/true);
  parser->_private = &parse_reports;
  parser->sax->serror = &RecordParserReport;
  DocumentPtr parsed(xmlCtxtReadMemory(parser.get(), document.data(), static_cast<int>(document.size()), nullptr,
                                       "UTF-8", kDocumentParseOptions));
  if (parsed == nullptr || parser->wellFormed == 0 || parser->nsWellFormed == 0 || parse_reports.total > 0) {
    if (parse_reports.listed.empty()) {
      parse_reports.listed.push_back({std::string(field), std::string(kViolationMalformed), "not well-formed XML"});
    }
    // The message first: the arguments of a call are evaluated in no set order, and the list is moved.
    std::string message = std::string(field) + ": " + parse_reports.listed.front().description;
    return Status(ErrorCode::kInvalidXml, std::move(message), std::move(parse_reports.listed));
  }

  return parsed;
}

SchemaSet::SchemaSet() = default;
SchemaSet::~SchemaSet() = default;

StatusOr<std::shared_ptr<const SchemaSet>> SchemaSet::Load(
    const std::vector<std::pair<std::string, std::string>>& name_and_path, std::string_view schema_root) {
  InitializeLibxml2Once();
  LoadScope scope;
  if (!schema_root.empty()) {
    std::error_code error;
    fs::path root = fs::canonical(schema_root, error);
    if (error || !fs::is_directory(root, error)) {
      return Status(ErrorCode::kConfigInvalid, "schema root '" + std::string(schema_root) + "' is not a directory");
    }
    scope.allowed_directories.push_back(std::move(root));
  }
  std::vector<fs::path> canonical_paths;
  for (const auto& [name, path] : name_and_path) {
    if (name.empty()) {
      return Status(ErrorCode::kConfigInvalid, "a schema without a name (" + path + ")");
    }
    std::error_code error;
    fs::path canonical = fs::canonical(path, error);
    if (error) {
      return UnreadableSchema(name, path, error);
    }
    if (schema_root.empty()) {
      scope.allowed_directories.push_back(canonical.parent_path());
    }
    canonical_paths.push_back(std::move(canonical));
  }

  std::shared_ptr<SchemaSet> set(new SchemaSet());
  for (size_t index = 0; index < name_and_path.size(); ++index) {
    const std::string& name = name_and_path[index].first;
    const fs::path& path = canonical_paths[index];
    if (set->schemas_.contains(name)) {
      return Status(ErrorCode::kConfigInvalid, "schema '" + name + "' is listed twice");
    }
    scope.current_file = path.string();
    scope.reports.clear();
    scope.failed = false;
    std::unique_ptr<xmlSchema, CompiledSchema::Free> schema;
    {
      const ScopedLoad in_load(scope);
      std::unique_ptr<xmlSchemaParserCtxt, SchemaParserContextFree> parser(xmlSchemaNewParserCtxt(path.c_str()));
      if (parser == nullptr) {
        return Status(ErrorCode::kInternal, "libxml2 could not make a schema parser");
      }
      xmlSchemaSetParserStructuredErrors(parser.get(), &RecordSchemaLoadReport, nullptr);
      schema.reset(xmlSchemaParse(parser.get()));
    }
    if (schema == nullptr && !scope.failed) {
      AddLoadReport(scope, kLoadError, path.string(), 0, "libxml2 could not compile the schema");
    }
    if (scope.failed) {
      return LoadFailure(name, path, std::move(scope.reports));
    }
    auto compiled = std::make_unique<CompiledSchema>();
    compiled->schema = std::move(schema);
    set->schemas_.emplace(name, std::move(compiled));
  }
  return std::shared_ptr<const SchemaSet>(std::move(set));
}

bool SchemaSet::Has(std::string_view name) const { return schemas_.contains(name); }

Status SchemaSet::Validate(std::string_view name, std::string_view document, std::string_view field,
                           const XmlLimits& limits, std::string_view expected_namespace,
                           std::string_view expected_root) const {
  const auto schema = schemas_.find(name);
  if (schema == schemas_.end()) {
    return {ErrorCode::kInvalidArgument, "no schema named '" + std::string(name) + "'"};
  }
  StatusOr<DocumentPtr> parsed = ParseUntrusted(document, limits, field);
  MEZHVED_RETURN_IF_ERROR(parsed.status());

  const xmlNode* root = xmlDocGetRootElement(parsed->get());
  if (root == nullptr) {
    return Status(ErrorCode::kInvalidXml, std::string(field) + ": no root element",
                  {{std::string(field), std::string(kViolationMalformed), "no root element"}});
  }
  if (!expected_root.empty()) {
    const std::string_view root_name = reinterpret_cast<const char*>(root->name);
    const std::string_view root_namespace =
        root->ns == nullptr || root->ns->href == nullptr ? "" : reinterpret_cast<const char*>(root->ns->href);
    if (root_name != expected_root || root_namespace != expected_namespace) {
      const std::string description = "line " + std::to_string(xmlGetLineNo(root)) + ": the root element is " +
                                      QualifiedName(root_namespace, root_name) + ", expected " +
                                      QualifiedName(expected_namespace, expected_root);
      return Status(ErrorCode::kSchemaInvalid, std::string(field) + ": " + description,
                    {{std::string(field), std::string(kViolationRootElement), description}});
    }
  }

  std::unique_ptr<xmlSchemaValidCtxt, SchemaValidContextFree> validator(
      xmlSchemaNewValidCtxt(schema->second->schema.get()));
  if (validator == nullptr) {
    return {ErrorCode::kInternal, "libxml2 could not make a schema validator"};
  }
  // The validator's warnings are not violations of the schema.
  Reports violations(field, kViolationSchema, kMaxListedViolations, /*count_warnings=*/false);
  xmlSchemaSetValidStructuredErrors(validator.get(), &RecordValidationReport, &violations);
  const int result = xmlSchemaValidateDoc(validator.get(), parsed->get());
  if (result < 0) {
    return {ErrorCode::kInternal, "libxml2's schema validator failed on " + std::string(field)};
  }
  if (result == 0 && violations.total == 0) {
    return Status::Ok();
  }
  if (violations.listed.empty()) {
    violations.listed.push_back(
        {std::string(field), std::string(kViolationSchema), "schema violation " + std::to_string(result)});
  }
  const size_t total = std::max<size_t>(violations.total, 1);
  std::string message = std::string(field) + " breaks schema '" + std::string(name) + "': " + std::to_string(total) +
                        (total == 1 ? " violation" : " violations");
  if (violations.total > violations.listed.size()) {
    message += ", the first " + std::to_string(violations.listed.size()) + " listed";
  }
  return {ErrorCode::kSchemaInvalid, std::move(message), std::move(violations.listed)};
}

}  // namespace mezhved::xml
