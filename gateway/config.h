// Loading and checking the daemon's configuration (proto/mezhved/config/v1/config.proto, which documents every
// field, default and range). Start-up does, in order:
//
//   StatusOr<GatewayConfig> config = ReadConfigFile(path);  // syntax, unknown fields, relative paths
//   ApplyDefaults(&*config);                                  // zero/empty fields get their documented default
//   Status valid = ValidateConfig(*config);                   // every rule, every failing field at once
//   log::Info("daemon", "daemon.starting").Msg("effective configuration:\n{}", DescribeConfig(*config));
//
// LoadConfig does the first three. Every error is ErrorCode::kConfigInvalid.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "mezhved/config/v1/config.pb.h"

namespace mezhved::gateway {

enum class ConfigFormat {
  kText,  // protobuf text format: *.textproto, *.txtpb, *.pbtxt, *.conf
  kJson,  // protobuf JSON mapping: *.json
};

// The format a config file's extension names, or kConfigInvalid for any other extension.
StatusOr<ConfigFormat> ConfigFormatOf(const std::string& path);

// Parses a config. Unknown fields are an error. Errors read "line:column: what" (1-based). The JSON parser gives no
// positions: its errors name the field's path, and an unknown key gets the position of its one occurrence in the
// text, if it has only one. Paths are left as written.
StatusOr<config::v1::GatewayConfig> ParseConfigText(std::string_view text, ConfigFormat format);

// Reads and parses a config file (format by extension), then resolves the relative paths in it (store.data_dir and
// every TLS file) against the file's directory, so the daemon's working directory does not matter. Errors name the
// file: "/etc/mezhved/mezhved.textproto:12:3: ...". Defaults are not applied and rules are not checked.
StatusOr<config::v1::GatewayConfig> ReadConfigFile(const std::string& path);

// Fills every zero or empty field that has a documented default (delivery, limits, store.max_batch_operations,
// logging.level). Explicit values, even out-of-range ones, are kept for ValidateConfig to report.
void ApplyDefaults(config::v1::GatewayConfig* config);

// Checks every rule of config.proto and returns kConfigInvalid with one FieldError per failing field, e.g.
// {"agencies[2].organisations[0].parent", "UNKNOWN_REFERENCE", "no organisation \"SOCPROT-X\""}.
// Codes: REQUIRED, OUT_OF_RANGE, MALFORMED, DUPLICATE, UNKNOWN_REFERENCE, CYCLE, NOT_LOOPBACK.
// The config is checked as it will run, i.e. with defaults applied: a zero that ApplyDefaults would replace is
// never reported.
Status ValidateConfig(const config::v1::GatewayConfig& config);

// ReadConfigFile, ApplyDefaults and ValidateConfig: the effective, valid configuration or the reason there is none.
StatusOr<config::v1::GatewayConfig> LoadConfig(const std::string& path);

// The configuration as protobuf text format (UTF-8 names kept readable) for the start-up log. A config holds no
// secrets, only the paths of key files, so all of it is printed.
std::string DescribeConfig(const config::v1::GatewayConfig& config);

}  // namespace mezhved::gateway
