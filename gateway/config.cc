#include "gateway/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include "common/wire_names.h"
#include "gateway/agreements.h"

namespace mezhved::gateway {
namespace {

namespace fs = std::filesystem;
namespace pb = google::protobuf;
using config::v1::Agency;
using config::v1::GatewayConfig;
using config::v1::Listener;
using config::v1::Organisation;

Status ConfigError(std::string message) { return {ErrorCode::kConfigInvalid, std::move(message)}; }

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading and parsing
// ---------------------------------------------------------------------------------------------------------------

// "source:3:5: what" for a file, "3:5: what" for bare text; `position` is empty where the parser gives none (JSON).
std::string Located(std::string_view source, std::string_view position, std::string_view what) {
  std::string text(source);
  if (!position.empty()) {
    text += text.empty() ? "" : ":";
    text += position;
  }
  text += text.empty() ? "" : ": ";
  text += what;
  return text;
}

// Collects the text-format parser's errors with 1-based positions; the parser's own are 0-based.
class TextFormatErrors : public pb::io::ErrorCollector {
 public:
  explicit TextFormatErrors(std::string_view source) : source_(source) {}

  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    std::string position = std::to_string(line + 1) + ":" + std::to_string(column + 1);
    errors_.push_back(Located(source_, position, message));
  }

  std::string Joined() const {
    std::string joined;
    for (const std::string& error : errors_) {
      joined += (joined.empty() ? "" : "\n") + error;
    }
    return joined.empty() ? Located(source_, "", "malformed text-format config") : joined;
  }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

StatusOr<GatewayConfig> ParseText(std::string_view text, std::string_view source) {
  GatewayConfig config;
  TextFormatErrors errors(source);
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.AllowUnknownField(false);  // a misspelt setting must stop the daemon, not be silently ignored
  if (!parser.ParseFromString(std::string(text), &config)) {
    return ConfigError(errors.Joined());
  }
  return config;
}

// "line:column" (1-based) of a byte offset.
std::string PositionOf(std::string_view text, size_t offset) {
  std::string_view before = text.substr(0, offset);
  size_t line = std::count(before.begin(), before.end(), '\n') + 1;
  size_t line_start = before.rfind('\n');
  size_t column = line_start == std::string_view::npos ? offset + 1 : offset - line_start;
  return std::to_string(line) + ":" + std::to_string(column);
}

// The JSON parser names an unknown field ("(limits) maxMesageBytes: Cannot find field.") but gives no position.
// Where that key occurs exactly once in the text, this finds its line:column; otherwise (or should the parser's
// wording change) it returns "" and the error keeps just the field's path.
std::string UnknownJsonKeyPosition(std::string_view text, std::string_view parser_message) {
  constexpr std::string_view kUnknownField = ": Cannot find field.";
  if (!parser_message.ends_with(kUnknownField)) {
    return "";
  }
  std::string_view named = parser_message.substr(0, parser_message.size() - kUnknownField.size());
  size_t key_start = named.find_last_of(" )");
  std::string_view key = key_start == std::string_view::npos ? named : named.substr(key_start + 1);
  std::string quoted_key = "\"" + std::string(key) + "\"";
  size_t first = text.find(quoted_key);
  if (first == std::string_view::npos || text.find(quoted_key, first + 1) != std::string_view::npos) {
    return "";
  }
  return PositionOf(text, first);
}

StatusOr<GatewayConfig> ParseJson(std::string_view text, std::string_view source) {
  GatewayConfig config;
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = pb::util::JsonStringToMessage(pb::StringPiece(text.data(), text.size()), &config, options);
  if (!status.ok()) {
    std::string what(status.message().data(), status.message().size());
    return ConfigError(Located(source, UnknownJsonKeyPosition(text, what), what));
  }
  return config;
}

StatusOr<GatewayConfig> Parse(std::string_view text, ConfigFormat format, std::string_view source) {
  switch (format) {
    case ConfigFormat::kText:
      return ParseText(text, source);
    case ConfigFormat::kJson:
      return ParseJson(text, source);
  }
  return ConfigError("unknown config format");
}

StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::error_code error;
  if (fs::is_directory(path, error)) {
    return ConfigError(path + ": is a directory, not a config file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ConfigError(path + ": cannot open: " + std::strerror(errno));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return ConfigError(path + ": cannot read: " + std::strerror(errno));
  }
  return contents.str();
}

void ResolveAgainst(const fs::path& base_dir, std::string* path) {
  if (path->empty() || fs::path(*path).is_absolute()) {
    return;
  }
  *path = (base_dir / *path).lexically_normal().string();
}

void ResolveTlsPaths(const fs::path& base_dir, Listener* listener) {
  if (!listener->has_tls()) {
    return;
  }
  ResolveAgainst(base_dir, listener->mutable_tls()->mutable_certificate_file());
  ResolveAgainst(base_dir, listener->mutable_tls()->mutable_private_key_file());
  ResolveAgainst(base_dir, listener->mutable_tls()->mutable_client_ca_file());
}

// Relative paths mean "next to the config file", so a deployment directory can be moved as a whole.
void ResolveRelativePaths(const fs::path& base_dir, GatewayConfig* config) {
  if (config->has_store()) {
    ResolveAgainst(base_dir, config->mutable_store()->mutable_data_dir());
  }
  if (config->has_agency_api()) {
    ResolveTlsPaths(base_dir, config->mutable_agency_api());
  }
  if (config->has_operator_api()) {
    ResolveTlsPaths(base_dir, config->mutable_operator_api());
  }
  if (config->soap_api().has_listener()) {
    ResolveTlsPaths(base_dir, config->mutable_soap_api()->mutable_listener());
  }
  if (config->operator_console().has_listener()) {
    ResolveTlsPaths(base_dir, config->mutable_operator_console()->mutable_listener());
    if (!config->operator_console().assets_dir().empty()) {
      ResolveAgainst(base_dir, config->mutable_operator_console()->mutable_assets_dir());
    }
  }
  ResolveAgainst(base_dir, config->mutable_information_types_catalog());
  if (config->has_seal()) {
    config::v1::SealConfig* seal = config->mutable_seal();
    for (std::string* path :
         {seal->mutable_private_key_file(), seal->mutable_certificate_file(), seal->mutable_pkcs12_file(),
          seal->mutable_password_file(), seal->mutable_openssl_config()}) {
      ResolveAgainst(base_dir, path);
    }
    for (std::string& previous : *seal->mutable_previous_certificate_files()) {
      ResolveAgainst(base_dir, &previous);
    }
  }
  for (std::string& file : *config->mutable_sender_trust()->mutable_ca_files()) {
    ResolveAgainst(base_dir, &file);
  }
  for (std::string& file : *config->mutable_sender_trust()->mutable_crl_files()) {
    ResolveAgainst(base_dir, &file);
  }
  if (config->has_calendar()) {
    ResolveAgainst(base_dir, config->mutable_calendar()->mutable_federal_dir());
    for (std::string& overlay : *config->mutable_calendar()->mutable_overlay_files()) {
      ResolveAgainst(base_dir, &overlay);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Numeric settings: default and range of each, in one table (config.proto documents the same values). ApplyDefaults
// fills zeros from it and CheckNumericRanges checks against it; bounds set by another field are in
// CheckCrossFieldLimits.
// ---------------------------------------------------------------------------------------------------------------

struct NumericSetting {
  std::string_view path;
  uint64_t default_value;
  uint64_t min;
  uint64_t max;
  uint64_t (*get)(const GatewayConfig&);
  void (*set)(GatewayConfig*, uint64_t);
};

// clang-format off
// One row of kNumericSettings; the accessors are generated because each row differs only in the field's name.
#define MEZHVED_NUMERIC_SETTING(section, field, default_value, min, max)                                  \
  NumericSetting {                                                                                        \
    #section "." #field, default_value, min, max,                                                         \
        [](const GatewayConfig& config) -> uint64_t { return config.section().field(); },                 \
        [](GatewayConfig* config, uint64_t value) {                                                       \
          using FieldType = decltype(config->section().field());                                          \
          config->mutable_##section()->set_##field(static_cast<FieldType>(value));                        \
        }                                                                                                 \
  }

constexpr NumericSetting kNumericSettings[] = {
    //                      section   field                     default  min   max
    MEZHVED_NUMERIC_SETTING(store,    max_batch_operations,     1000,    1,    100000),
    MEZHVED_NUMERIC_SETTING(delivery, lease_ms,                 60000,   100,  3600000),
    MEZHVED_NUMERIC_SETTING(delivery, max_lease_ms,             600000,  100,  86400000),  // and >= lease_ms
    MEZHVED_NUMERIC_SETTING(delivery, max_attempts,             10,      1,    1000),
    MEZHVED_NUMERIC_SETTING(delivery, max_receive_batch,        100,     1,    1000),
    MEZHVED_NUMERIC_SETTING(delivery, max_wait_ms,              30000,   1,    120000),
    MEZHVED_NUMERIC_SETTING(delivery, housekeeping_interval_ms, 200,     10,   60000),
    MEZHVED_NUMERIC_SETTING(limits,   max_message_bytes,        4194304, 4096, 67108864),
    MEZHVED_NUMERIC_SETTING(limits,   max_payload_bytes,        1048576, 1,    67108864),  // and <= max_message_bytes
    MEZHVED_NUMERIC_SETTING(calendar, working_day_end_minutes,  1080,    1,    1440),
    MEZHVED_NUMERIC_SETTING(deadlines, due_soon_working_days,   1,       1,    10),
    MEZHVED_NUMERIC_SETTING(deadlines, scan_interval_ms,        1000,    10,   60000),
    MEZHVED_NUMERIC_SETTING(deadlines, max_notices_per_scan,    1000,    1,    10000),
    MEZHVED_NUMERIC_SETTING(soap_api, threads,                  4,       1,    64),
    MEZHVED_NUMERIC_SETTING(soap_api, max_connections,          1000,    1,    100000),
    MEZHVED_NUMERIC_SETTING(soap_api, max_request_bytes,        8388608, 4096, 67108864),
    MEZHVED_NUMERIC_SETTING(soap_api, read_timeout_ms,          30000,   100,  600000),
    MEZHVED_NUMERIC_SETTING(soap_api, write_timeout_ms,         30000,   100,  600000),
    MEZHVED_NUMERIC_SETTING(soap_api, max_requests_per_connection, 10000, 1,   1000000),
    MEZHVED_NUMERIC_SETTING(soap_api, max_calls_per_organisation, 256,   1,    10000),
    MEZHVED_NUMERIC_SETTING(operator_console, threads,          2,       1,    16),
    MEZHVED_NUMERIC_SETTING(operator_console, max_connections,  200,     1,    10000),
    MEZHVED_NUMERIC_SETTING(operator_console, read_timeout_ms,  30000,   100,  600000),
    MEZHVED_NUMERIC_SETTING(operator_console, write_timeout_ms, 30000,   100,  600000),
    MEZHVED_NUMERIC_SETTING(operator_console, session_idle_minutes, 30,  1,    1440),
    MEZHVED_NUMERIC_SETTING(operator_console, max_failed_sign_ins, 5,    1,    100),
    MEZHVED_NUMERIC_SETTING(operator_console, lockout_minutes,  15,      1,    1440),
};
// clang-format on

#undef MEZHVED_NUMERIC_SETTING

constexpr std::string_view kDefaultLogLevel = "info";
constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error"};

// ---------------------------------------------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------------------------------------------

// The stable violation codes of FieldError::code.
constexpr std::string_view kRequired = "REQUIRED";
constexpr std::string_view kOutOfRange = "OUT_OF_RANGE";
constexpr std::string_view kMalformed = "MALFORMED";
constexpr std::string_view kDuplicate = "DUPLICATE";
constexpr std::string_view kReserved = "RESERVED";
constexpr std::string_view kUnknownReference = "UNKNOWN_REFERENCE";
constexpr std::string_view kCycle = "CYCLE";
constexpr std::string_view kNotLoopback = "NOT_LOOPBACK";

// The failing fields found so far: at most one error per field (the first rule it breaks), in the order found.
class Violations {
 public:
  void Add(std::string path, std::string_view code, std::string description) {
    if (paths_.insert(path).second) {
      errors_.push_back({std::move(path), std::string(code), std::move(description)});
    }
  }

  void RequireNonEmpty(std::string path, std::string_view value, std::string description) {
    if (value.empty()) {
      Add(std::move(path), kRequired, std::move(description));
    }
  }

  Status ToStatus() const {
    if (errors_.empty()) {
      return Status::Ok();
    }
    std::string message = std::to_string(errors_.size()) + " configuration error" + (errors_.size() == 1 ? "" : "s");
    return {ErrorCode::kConfigInvalid, std::move(message), errors_};
  }

 private:
  std::vector<FieldError> errors_;
  std::set<std::string> paths_;
};

std::string Indexed(std::string_view prefix, std::string_view field, int index) {
  return std::string(prefix) + std::string(field) + "[" + std::to_string(index) + "]";
}

std::string AgencyPath(int agency) { return Indexed("", "agencies", agency); }

std::string OrganisationPath(int agency, int organisation) {
  return Indexed(AgencyPath(agency) + ".", "organisations", organisation);
}

// Codes and operator names: [A-Za-z0-9._-]{1,64}. They appear in metadata headers, logs and storage keys.
bool IsWellFormedCode(std::string_view code) {
  if (code.empty() || code.size() > 64) {
    return false;
  }
  return std::all_of(code.begin(), code.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool IsSha256Hex(std::string_view value) {
  auto is_hex_digit = [](unsigned char c) { return std::isxdigit(c) != 0; };
  return value.size() == 64 && std::all_of(value.begin(), value.end(), is_hex_digit);
}

struct HostPort {
  std::string host;  // without the brackets of an IPv6 literal
  uint32_t port = 0;
};

// "host:port" or "[ipv6]:port" with a decimal port 0..65535.
std::optional<HostPort> ParseHostPort(std::string_view address) {
  HostPort parsed;
  std::string_view port_text;
  if (address.starts_with('[')) {
    size_t close = address.find(']');
    if (close == std::string_view::npos || address.substr(close + 1, 1) != ":") {
      return std::nullopt;
    }
    parsed.host = address.substr(1, close - 1);
    port_text = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    parsed.host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
    if (parsed.host.find(':') != std::string::npos) {
      return std::nullopt;  // an IPv6 literal needs brackets
    }
  }
  bool host_ok = !parsed.host.empty() &&
                 std::none_of(parsed.host.begin(), parsed.host.end(), [](unsigned char c) { return std::isspace(c); });
  bool port_digits = !port_text.empty() && port_text.size() <= 5 &&
                     std::all_of(port_text.begin(), port_text.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!host_ok || !port_digits) {
    return std::nullopt;
  }
  parsed.port = static_cast<uint32_t>(std::stoul(std::string(port_text)));
  if (parsed.port > 65535) {
    return std::nullopt;
  }
  return parsed;
}

// 127.0.0.0/8, ::1 or "localhost": plain text must never leave the machine.
bool IsLoopbackHost(const std::string& host) {
  if (Lowercase(host) == "localhost") {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool IsWildcardHost(const std::string& host) { return host == "0.0.0.0" || host == "::" || host == "*"; }

// Where each code is first defined, for references and cycles. A duplicate code keeps its first definition.
struct ParticipantIndex {
  std::map<std::string, int> agency_by_code;                        // code -> agency index
  std::map<std::string, std::pair<int, int>> organisation_by_code;  // code -> (agency index, organisation index)

  explicit ParticipantIndex(const GatewayConfig& config) {
    for (int a = 0; a < config.agencies_size(); ++a) {
      const Agency& agency = config.agencies(a);
      agency_by_code.emplace(agency.code(), a);
      for (int o = 0; o < agency.organisations_size(); ++o) {
        organisation_by_code.emplace(agency.organisations(o).code(), std::make_pair(a, o));
      }
    }
  }
};

// Follows `parent_of` from `start`. True when it comes back to `start`; `chain` is then "A -> B -> A".
// `parent_of` returns "" at a root or at a reference that is reported elsewhere.
template <typename ParentOf>
bool LeadsBackTo(const std::string& start, ParentOf parent_of, std::string* chain) {
  std::set<std::string> seen = {start};
  *chain = start;
  for (std::string current = start;;) {
    std::string parent = parent_of(current);
    if (parent.empty()) {
      return false;
    }
    *chain += " -> " + parent;
    if (parent == start) {
      return true;
    }
    if (!seen.insert(parent).second) {
      return false;  // a cycle further up that `start` hangs from: reported for its own members
    }
    current = parent;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The rules. Each rule of config.proto is checked in exactly one of these functions; ValidateConfig lists them.
// ---------------------------------------------------------------------------------------------------------------

// instance_name, agency_api, operator_api, store.data_dir and at least one agency are required.
void CheckRequiredSettings(const GatewayConfig& config, Violations* violations) {
  violations->RequireNonEmpty("instance_name", config.instance_name(), "name this gateway instance");
  violations->RequireNonEmpty("information_types_catalog", config.information_types_catalog(),
                              "the catalogue of information types, e.g. schemas/catalog.textproto");
  violations->RequireNonEmpty("calendar.federal_dir", config.calendar().federal_dir(),
                              "the production calendar's federal years, e.g. calendars/federal");
  for (int a = 0; a < config.agencies_size(); ++a) {
    if (!ParseUtcOffset(config.agencies(a).utc_offset())) {
      violations->Add(AgencyPath(a) + ".utc_offset", kMalformed,
                      "\"" + config.agencies(a).utc_offset() + R"(" is not a UTC offset like "+07:00")");
    }
  }
  if (!config.has_agency_api()) {
    violations->Add("agency_api", kRequired, "the agency API listener must be configured");
  }
  if (!config.has_operator_api()) {
    violations->Add("operator_api", kRequired, "the operator API listener must be configured");
  }
  violations->RequireNonEmpty("store.data_dir", config.store().data_dir(), "the directory of the message store");
  if (config.agencies().empty()) {
    violations->Add("agencies", kRequired, "at least one agency must take part in the exchange");
  }
}

// A listener: a well-formed "host:port"; plain text only on loopback; otherwise all three TLS files.
void CheckListener(const std::string& name, const Listener& listener, Violations* violations) {
  const std::string address_path = name + ".address";
  std::optional<HostPort> address = ParseHostPort(listener.address());
  if (listener.address().empty()) {
    violations->Add(address_path, kRequired, "\"host:port\" to listen on");
  } else if (!address) {
    violations->Add(address_path, kMalformed, R"(must be "host:port" or "[ipv6]:port" with a port 0..65535)");
  }
  if (listener.insecure_loopback()) {
    if (address && !IsLoopbackHost(address->host)) {
      violations->Add(name + ".insecure_loopback", kNotLoopback,
                      "plain text is allowed on 127.0.0.0/8, [::1] or localhost only, not on " + address->host);
    }
    return;
  }
  const std::string tls = name + ".tls.";
  const std::string why = ": mutual TLS is required unless insecure_loopback is set";
  const config::v1::TlsConfig& files = listener.tls();
  violations->RequireNonEmpty(tls + "certificate_file", files.certificate_file(), "the server certificate" + why);
  violations->RequireNonEmpty(tls + "private_key_file", files.private_key_file(), "the server key" + why);
  violations->RequireNonEmpty(tls + "client_ca_file", files.client_ca_file(), "the client CAs" + why);
}

// Both listeners, where present (a missing one is reported by CheckRequiredSettings).
void CheckListeners(const GatewayConfig& config, Violations* violations) {
  if (config.has_agency_api()) {
    CheckListener("agency_api", config.agency_api(), violations);
  }
  if (config.has_operator_api()) {
    CheckListener("operator_api", config.operator_api(), violations);
  }
  if (config.soap_api().has_listener()) {
    CheckListener("soap_api.listener", config.soap_api().listener(), violations);
  }
  if (config.operator_console().has_listener()) {
    CheckListener("operator_console.listener", config.operator_console().listener(), violations);
  }
  // The WSDL names this address in an attribute: a plain absolute http(s) URL, nothing to escape.
  const std::string& url = config.soap_api().public_url();
  const bool plain = std::all_of(url.begin(), url.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || std::string_view(":/.-_[]%").find(static_cast<char>(c)) != std::string_view::npos;
  });
  if (!url.empty() && (!plain || (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0))) {
    violations->Add("soap_api.public_url", kMalformed, "an absolute http:// or https:// URL, e.g. https://host:7792");
  }
}

bool SameAddress(const std::string& first, const std::string& second) {
  std::optional<HostPort> a = ParseHostPort(first);
  std::optional<HostPort> b = ParseHostPort(second);
  if (!a || !b || a->port == 0 || a->port != b->port) {
    return false;
  }
  return Lowercase(a->host) == Lowercase(b->host) || IsWildcardHost(a->host) || IsWildcardHost(b->host);
}

// No two APIs share an address (port 0 picks a free port, so it never collides).
void CheckListenersDistinct(const GatewayConfig& config, Violations* violations) {
  std::vector<std::pair<std::string, const std::string*>> listeners = {
      {"agency_api.address", &config.agency_api().address()},
      {"operator_api.address", &config.operator_api().address()}};
  if (config.soap_api().has_listener()) {
    listeners.emplace_back("soap_api.listener.address", &config.soap_api().listener().address());
  }
  if (config.operator_console().has_listener()) {
    listeners.emplace_back("operator_console.listener.address", &config.operator_console().listener().address());
  }
  for (size_t later = 1; later < listeners.size(); ++later) {
    for (size_t earlier = 0; earlier < later; ++earlier) {
      if (SameAddress(*listeners[later].second, *listeners[earlier].second)) {
        violations->Add(listeners[later].first, kDuplicate,
                        "must differ from " + listeners[earlier].first + " " + *listeners[earlier].second);
      }
    }
  }
}

// The ranges of kNumericSettings.
void CheckNumericRanges(const GatewayConfig& config, Violations* violations) {
  for (const NumericSetting& setting : kNumericSettings) {
    uint64_t value = setting.get(config);
    if (value < setting.min || value > setting.max) {
      violations->Add(
          std::string(setting.path), kOutOfRange,
          std::to_string(value) + " is not in " + std::to_string(setting.min) + ".." + std::to_string(setting.max));
    }
  }
}

// Bounds that depend on another setting.
void CheckCrossFieldLimits(const GatewayConfig& config, Violations* violations) {
  if (config.delivery().max_lease_ms() < config.delivery().lease_ms()) {
    violations->Add("delivery.max_lease_ms", kOutOfRange,
                    "must be at least delivery.lease_ms (" + std::to_string(config.delivery().lease_ms()) + ")");
  }
  if (config.limits().max_payload_bytes() > config.limits().max_message_bytes()) {
    violations->Add(
        "limits.max_payload_bytes", kOutOfRange,
        "must be at most limits.max_message_bytes (" + std::to_string(config.limits().max_message_bytes()) + ")");
  }
}

void CheckLogging(const GatewayConfig& config, Violations* violations) {
  const std::string& level = config.logging().level();
  if (std::find(std::begin(kLogLevels), std::end(kLogLevels), level) == std::end(kLogLevels)) {
    violations->Add("logging.level", kMalformed, "\"" + level + "\" is not one of trace, debug, info, warn, error");
  }
}

// Agency and organisation codes: well-formed, and unique across all agencies and organisations together, because a
// message names its sender and recipient by code alone.
void CheckParticipantCodes(const GatewayConfig& config, Violations* violations) {
  std::map<std::string, std::string> first_use;  // code -> path of the field that defined it first
  auto check = [&](const std::string& path, const std::string& code) {
    if (code.empty()) {
      violations->Add(path, kRequired, "every agency and organisation needs a code");
    } else if (!IsWellFormedCode(code)) {
      violations->Add(path, kMalformed, "\"" + code + "\" must be 1..64 characters of A-Z a-z 0-9 . _ -");
    } else if (code == wire::kGatewaySender) {
      violations->Add(path, kReserved, "\"" + code + "\" names the gateway itself in notices and histories");
    } else if (auto [it, inserted] = first_use.emplace(code, path); !inserted) {
      violations->Add(path, kDuplicate, "\"" + code + "\" is already used by " + it->second);
    }
  };
  for (int a = 0; a < config.agencies_size(); ++a) {
    const Agency& agency = config.agencies(a);
    check(AgencyPath(a) + ".code", agency.code());
    for (int o = 0; o < agency.organisations_size(); ++o) {
      check(OrganisationPath(a, o) + ".code", agency.organisations(o).code());
    }
  }
}

// Each agency: a name, a known kind, at least one organisation, and a parent_agency that is another agency.
void CheckAgencies(const GatewayConfig& config, const ParticipantIndex& index, Violations* violations) {
  for (int a = 0; a < config.agencies_size(); ++a) {
    const Agency& agency = config.agencies(a);
    const std::string path = AgencyPath(a);
    violations->RequireNonEmpty(path + ".name", agency.name(), "the agency's official name");
    if (agency.kind() == config::v1::AGENCY_KIND_UNSPECIFIED) {
      violations->Add(path + ".kind", kRequired, "what the agency is responsible for (AgencyKind)");
    } else if (!config::v1::AgencyKind_IsValid(agency.kind())) {
      violations->Add(path + ".kind", kMalformed, std::to_string(agency.kind()) + " is not an AgencyKind");
    }
    if (agency.organisations().empty()) {
      violations->Add(path + ".organisations", kRequired,
                      "messages are addressed to organisations: list at least the agency's own office");
    }
    const std::string& parent = agency.parent_agency();
    if (!parent.empty() && !index.agency_by_code.contains(parent)) {
      std::string description = "no agency \"" + parent + "\"";
      if (index.organisation_by_code.contains(parent)) {
        description += " is an organisation, not an agency";
      }
      violations->Add(path + ".parent_agency", kUnknownReference, description);
    }
  }
}

// Agencies subordinate to each other must form a tree.
void CheckAgencyCycles(const GatewayConfig& config, const ParticipantIndex& index, Violations* violations) {
  auto parent_of = [&](const std::string& code) -> std::string {
    auto it = index.agency_by_code.find(code);
    if (it == index.agency_by_code.end()) {
      return "";
    }
    const std::string& parent = config.agencies(it->second).parent_agency();
    return index.agency_by_code.contains(parent) ? parent : "";
  };
  for (int a = 0; a < config.agencies_size(); ++a) {
    std::string chain;
    const std::string& code = config.agencies(a).code();
    if (!code.empty() && index.agency_by_code.at(code) == a && LeadsBackTo(code, parent_of, &chain)) {
      violations->Add(AgencyPath(a) + ".parent_agency", kCycle, "agencies subordinate in a circle: " + chain);
    }
  }
}

// Each organisation: a name, and a parent that is an organisation of the same agency.
void CheckOrganisations(const GatewayConfig& config, const ParticipantIndex& index, Violations* violations) {
  for (int a = 0; a < config.agencies_size(); ++a) {
    const Agency& agency = config.agencies(a);
    for (int o = 0; o < agency.organisations_size(); ++o) {
      const Organisation& organisation = agency.organisations(o);
      const std::string path = OrganisationPath(a, o);
      violations->RequireNonEmpty(path + ".name", organisation.name(), "the organisation's official name");
      const std::string& parent = organisation.parent();
      if (parent.empty()) {
        continue;
      }
      auto found = index.organisation_by_code.find(parent);
      if (found == index.organisation_by_code.end()) {
        violations->Add(path + ".parent", kUnknownReference, "no organisation \"" + parent + "\"");
      } else if (found->second.first != a) {
        violations->Add(path + ".parent", kUnknownReference,
                        "\"" + parent + "\" belongs to agency " + config.agencies(found->second.first).code() +
                            ", not " + agency.code() + ": a parent must be in the same agency");
      }
    }
  }
}

// Organisations subordinate to each other within an agency must form a tree.
void CheckOrganisationCycles(const GatewayConfig& config, const ParticipantIndex& index, Violations* violations) {
  auto parent_of = [&](const std::string& code) -> std::string {
    auto it = index.organisation_by_code.find(code);
    if (it == index.organisation_by_code.end()) {
      return "";
    }
    auto [agency, organisation] = it->second;
    const std::string& parent = config.agencies(agency).organisations(organisation).parent();
    auto parent_it = index.organisation_by_code.find(parent);
    bool same_agency = parent_it != index.organisation_by_code.end() && parent_it->second.first == agency;
    return same_agency ? parent : "";
  };
  for (int a = 0; a < config.agencies_size(); ++a) {
    for (int o = 0; o < config.agencies(a).organisations_size(); ++o) {
      std::string chain;
      const std::string& code = config.agencies(a).organisations(o).code();
      if (!code.empty() && index.organisation_by_code.at(code) == std::make_pair(a, o) &&
          LeadsBackTo(code, parent_of, &chain)) {
        violations->Add(OrganisationPath(a, o) + ".parent", kCycle, "organisations subordinate in a circle: " + chain);
      }
    }
  }
}

// Certificate common names and SHA-256 fingerprints: each value identifies one organisation or operator only, so
// a client certificate can never be taken for two identities. Fingerprints are 64 hex digits, compared in any case.
class CertificateOwners {
 public:
  explicit CertificateOwners(Violations* violations) : violations_(violations) {}

  template <typename Holder>  // config::v1::Organisation or config::v1::Operator
  void Claim(const std::string& holder_path, const Holder& holder) {
    for (int i = 0; i < holder.certificate_common_names_size(); ++i) {
      const std::string& name = holder.certificate_common_names(i);
      std::string path = Indexed(holder_path + ".", "certificate_common_names", i);
      if (name.empty()) {
        violations_->Add(path, kMalformed, "an empty common name identifies no certificate");
      } else {
        ClaimValue(std::move(path), name, &owner_of_name_);
      }
    }
    for (int i = 0; i < holder.certificate_sha256_size(); ++i) {
      const std::string& fingerprint = holder.certificate_sha256(i);
      std::string path = Indexed(holder_path + ".", "certificate_sha256", i);
      if (!IsSha256Hex(fingerprint)) {
        violations_->Add(path, kMalformed, "a SHA-256 fingerprint is 64 hex digits without separators");
      } else {
        ClaimValue(std::move(path), Lowercase(fingerprint), &owner_of_fingerprint_);
      }
    }
  }

 private:
  void ClaimValue(std::string path, const std::string& value, std::map<std::string, std::string>* owners) {
    auto [it, inserted] = owners->emplace(value, path);
    if (!inserted) {
      violations_->Add(std::move(path), kDuplicate, "\"" + value + "\" is already listed at " + it->second);
    }
  }

  Violations* violations_;
  std::map<std::string, std::string> owner_of_name_;         // common name -> path of its first listing
  std::map<std::string, std::string> owner_of_fingerprint_;  // lowercase hex -> path of its first listing
};

void CheckCertificates(const GatewayConfig& config, Violations* violations) {
  CertificateOwners owners(violations);
  for (int a = 0; a < config.agencies_size(); ++a) {
    for (int o = 0; o < config.agencies(a).organisations_size(); ++o) {
      owners.Claim(OrganisationPath(a, o), config.agencies(a).organisations(o));
    }
  }
  for (int i = 0; i < config.operators_size(); ++i) {
    owners.Claim(Indexed("", "operators", i), config.operators(i));
  }
}

// Operators: a unique, well-formed name each (it is what the audit log records).
void CheckOperators(const GatewayConfig& config, Violations* violations) {
  std::map<std::string, int> first_use;
  for (int i = 0; i < config.operators_size(); ++i) {
    const std::string& name = config.operators(i).name();
    const std::string path = Indexed("", "operators", i) + ".name";
    if (name.empty()) {
      violations->Add(path, kRequired, "every operator needs a name");
    } else if (!IsWellFormedCode(name)) {
      violations->Add(path, kMalformed, "\"" + name + "\" must be 1..64 characters of A-Z a-z 0-9 . _ -");
    } else if (auto [it, inserted] = first_use.emplace(name, i); !inserted) {
      violations->Add(path, kDuplicate, "\"" + name + "\" is already operators[" + std::to_string(it->second) + "]");
    }
    // Only the memory-hard hash the console verifies; a plain or weaker hash in a config file is a leak waiting.
    const std::string& hash = config.operators(i).password_hash();
    if (!hash.empty() && hash.rfind("$argon2id$", 0) != 0) {
      violations->Add(Indexed("", "operators", i) + ".password_hash", kMalformed,
                      "an Argon2id hash as `mezhvedctl hash-password` prints it ($argon2id$v=19$m=...)");
    }
    if (!config::v1::OperatorRole_IsValid(config.operators(i).role()) ||
        config.operators(i).role() == config::v1::OPERATOR_ROLE_LOOPBACK) {
      violations->Add(Indexed("", "operators", i) + ".role", kMalformed, "an OperatorRole");
    }
  }
}

// Agreements: a unique id, a title, parties that exist, at least one information type and authority, dates that
// parse and are in order, a deadline within range.
void CheckAgreementParties(const std::string& path, const pb::RepeatedPtrField<std::string>& parties,
                           const ParticipantIndex& index, Violations* violations) {
  if (parties.empty()) {
    violations->Add(path, kRequired, "name at least one agency or organisation");
  }
  for (int i = 0; i < parties.size(); ++i) {
    if (!index.agency_by_code.contains(parties[i]) && !index.organisation_by_code.contains(parties[i])) {
      violations->Add(Indexed(path, "", i), kUnknownReference, "no agency or organisation \"" + parties[i] + "\"");
    }
  }
}

void CheckAgreementDates(const std::string& path, const config::v1::Agreement& agreement, Violations* violations) {
  const std::optional<DayNumber> from = ParseIsoDate(agreement.valid_from());
  if (agreement.valid_from().empty()) {
    violations->Add(path + ".valid_from", kRequired, "the first day the agreement is in force, YYYY-MM-DD");
  } else if (!from) {
    violations->Add(path + ".valid_from", kMalformed, "\"" + agreement.valid_from() + "\" is not a YYYY-MM-DD date");
  }
  if (agreement.valid_until().empty()) {
    return;
  }
  const std::optional<DayNumber> until = ParseIsoDate(agreement.valid_until());
  if (!until) {
    violations->Add(path + ".valid_until", kMalformed, "\"" + agreement.valid_until() + "\" is not a YYYY-MM-DD date");
  } else if (from && *until < *from) {
    violations->Add(path + ".valid_until", kOutOfRange, "before valid_from");
  }
}

void CheckAgreements(const GatewayConfig& config, const ParticipantIndex& index, Violations* violations) {
  constexpr uint32_t kMaxDeadlineWorkingDays = 60;
  std::map<std::string, int> first_use;
  for (int a = 0; a < config.agreements_size(); ++a) {
    const config::v1::Agreement& agreement = config.agreements(a);
    const std::string path = Indexed("", "agreements", a);
    if (agreement.id().empty()) {
      violations->Add(path + ".id", kRequired, "every agreement needs an id");
    } else if (auto [it, inserted] = first_use.emplace(agreement.id(), a); !inserted) {
      violations->Add(path + ".id", kDuplicate,
                      "\"" + agreement.id() + "\" is already agreements[" + std::to_string(it->second) + "]");
    }
    violations->RequireNonEmpty(path + ".title", agreement.title(), "what the agreement is, with its date and number");
    CheckAgreementParties(path + ".requesters", agreement.requesters(), index, violations);
    CheckAgreementParties(path + ".addressees", agreement.addressees(), index, violations);
    if (agreement.information_types().empty()) {
      violations->Add(path + ".information_types", kRequired, "at least one information type id");
    }
    if (agreement.authorities().empty()) {
      violations->Add(path + ".authorities", kRequired, "at least one authority the information serves");
    }
    for (int i = 0; i < agreement.authorities_size(); ++i) {
      violations->RequireNonEmpty(Indexed(path + ".", "authorities", i) + ".code", agreement.authorities(i).code(),
                                  "the authority's code, as requests cite it");
    }
    CheckAgreementDates(path, agreement, violations);
    if (agreement.answer_deadline_working_days() > kMaxDeadlineWorkingDays) {
      violations->Add(path + ".answer_deadline_working_days", kOutOfRange,
                      "0 (the information type's default) .. " + std::to_string(kMaxDeadlineWorkingDays));
    }
  }
}

}  // namespace

StatusOr<ConfigFormat> ConfigFormatOf(const std::string& path) {
  std::string extension = Lowercase(fs::path(path).extension().string());
  if (extension == ".textproto" || extension == ".txtpb" || extension == ".pbtxt" || extension == ".conf") {
    return ConfigFormat::kText;
  }
  if (extension == ".json") {
    return ConfigFormat::kJson;
  }
  return ConfigError(path + ": unknown config format \"" + extension +
                     "\": use .textproto, .txtpb, .pbtxt, .conf (text format) or .json");
}

StatusOr<config::v1::GatewayConfig> ParseConfigText(std::string_view text, ConfigFormat format) {
  return Parse(text, format, "");
}

StatusOr<config::v1::GatewayConfig> ReadConfigFile(const std::string& path) {
  StatusOr<ConfigFormat> format = ConfigFormatOf(path);
  MEZHVED_RETURN_IF_ERROR(format.status());
  StatusOr<std::string> text = ReadWholeFile(path);
  MEZHVED_RETURN_IF_ERROR(text.status());
  StatusOr<GatewayConfig> config = Parse(*text, *format, path);
  MEZHVED_RETURN_IF_ERROR(config.status());
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  if (error) {
    return ConfigError(path + ": cannot resolve its directory: " + error.message());
  }
  ResolveRelativePaths(absolute.parent_path(), &*config);
  return config;
}

void ApplyDefaults(config::v1::GatewayConfig* config) {
  for (const NumericSetting& setting : kNumericSettings) {
    if (setting.get(*config) == 0) {
      setting.set(config, setting.default_value);
    }
  }
  if (config->logging().level().empty()) {
    config->mutable_logging()->set_level(std::string(kDefaultLogLevel));
  }
}

// The seal: required unless the gateway only listens in the insecure loopback mode; a known algorithm; the key as
// PEM files or as PKCS#12, not both; the GOST algorithm needs an OpenSSL config that can load its engine.
void CheckSeal(const GatewayConfig& config, Violations* violations) {
  const bool trying_out = config.agency_api().insecure_loopback() && config.operator_api().insecure_loopback() &&
                          (!config.soap_api().has_listener() || config.soap_api().listener().insecure_loopback());
  if (!config.has_seal()) {
    if (!trying_out) {
      violations->Add("seal", kRequired, "the gateway's sealing key; only a loopback trial may run without one");
    }
    return;
  }
  const config::v1::SealConfig& seal = config.seal();
  constexpr std::string_view kAlgorithms[] = {"rsa-sha256", "ecdsa-p256-sha256", "gost2012-256"};
  if (std::find(std::begin(kAlgorithms), std::end(kAlgorithms), seal.algorithm()) == std::end(kAlgorithms)) {
    violations->Add("seal.algorithm", seal.algorithm().empty() ? kRequired : kMalformed,
                    "one of rsa-sha256, ecdsa-p256-sha256, gost2012-256");
  }
  const bool pem = !seal.private_key_file().empty() || !seal.certificate_file().empty();
  if (pem == !seal.pkcs12_file().empty()) {
    violations->Add("seal.pkcs12_file", kRequired,
                    "either private_key_file with certificate_file, or pkcs12_file, and not both");
  } else if (pem && (seal.private_key_file().empty() || seal.certificate_file().empty())) {
    violations->Add(seal.private_key_file().empty() ? "seal.private_key_file" : "seal.certificate_file", kRequired,
                    "a PEM key needs its certificate file, and the other way round");
  }
  if (seal.algorithm() == "gost2012-256" && seal.openssl_config().empty()) {
    violations->Add("seal.openssl_config", kRequired,
                    "GOST keys need the GOST engine: an OpenSSL config that loads it, e.g. deploy/openssl-gost.cnf");
  }
}

// Signatures required by an agreement need CAs to verify them against.
void CheckSenderTrust(const GatewayConfig& config, Violations* violations) {
  const bool required = std::any_of(config.agreements().begin(), config.agreements().end(),
                                    [](const auto& agreement) { return agreement.sender_signature_required(); });
  if (required && config.sender_trust().ca_files().empty()) {
    violations->Add("sender_trust.ca_files", kRequired,
                    "an agreement requires sender signatures: the CAs whose certificates may sign");
  }
}

Status ValidateConfig(const config::v1::GatewayConfig& input) {
  GatewayConfig config = input;
  ApplyDefaults(&config);
  ParticipantIndex index(config);
  Violations violations;

  CheckRequiredSettings(config, &violations);
  CheckListeners(config, &violations);
  CheckListenersDistinct(config, &violations);
  CheckNumericRanges(config, &violations);
  CheckCrossFieldLimits(config, &violations);
  CheckLogging(config, &violations);
  CheckParticipantCodes(config, &violations);
  CheckAgencies(config, index, &violations);
  CheckAgencyCycles(config, index, &violations);
  CheckOrganisations(config, index, &violations);
  CheckOrganisationCycles(config, index, &violations);
  CheckCertificates(config, &violations);
  CheckOperators(config, &violations);
  CheckAgreements(config, index, &violations);
  CheckSeal(config, &violations);
  CheckSenderTrust(config, &violations);

  return violations.ToStatus();
}

StatusOr<config::v1::GatewayConfig> LoadConfig(const std::string& path) {
  StatusOr<GatewayConfig> config = ReadConfigFile(path);
  MEZHVED_RETURN_IF_ERROR(config.status());
  ApplyDefaults(&*config);
  MEZHVED_RETURN_IF_ERROR(ValidateConfig(*config).Prefixed(path));
  return config;
}

std::string DescribeConfig(const config::v1::GatewayConfig& config) {
  pb::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);  // agency names are Russian; octal escapes would make them unreadable
  std::string text;
  printer.PrintToString(config, &text);
  return text;
}

}  // namespace mezhved::gateway
