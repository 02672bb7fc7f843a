#include "gateway/config.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

namespace mezhved::gateway {
namespace {

using config::v1::GatewayConfig;
using google::protobuf::util::MessageDifferencer;

const std::string kDefaultConfigPath = std::string(MEZHVED_SOURCE_DIR) + "/deploy/default/mezhved.textproto";

// The smallest config that passes every rule; each validation test breaks one thing in it.
constexpr char kValidConfigText[] = R"pb(
  instance_name: "test"
  agency_api { address: "127.0.0.1:0" insecure_loopback: true }
  operator_api { address: "127.0.0.1:0" insecure_loopback: true }
  store { data_dir: "/var/lib/mezhved" }
  information_types_catalog: "/usr/share/mezhved/schemas/catalog.textproto"
  calendar { federal_dir: "/usr/share/mezhved/calendars/federal" }
  agencies {
    code: "SOCPROT"
    name: "Министерство социальной защиты"
    kind: AGENCY_KIND_SOCIAL_PROTECTION
    organisations { code: "SOCPROT-HQ" name: "Аппарат" certificate_common_names: "SOCPROT-HQ" }
    organisations { code: "SOCPROT-BARNAUL" name: "УСЗН по г. Барнаулу" parent: "SOCPROT-HQ" }
  }
  agencies {
    code: "HEALTH"
    name: "Здравоохранение"
    kind: AGENCY_KIND_HEALTH
    organisations { code: "HEALTH-HQ" name: "Аппарат" }
  }
  operators { name: "duty" }
)pb";

GatewayConfig ValidConfig() {
  StatusOr<GatewayConfig> config = ParseConfigText(kValidConfigText, ConfigFormat::kText);
  REQUIRE(config.ok());
  return *config;
}

// path -> violation code of every error ValidateConfig reports.
std::map<std::string, std::string> ErrorsOf(const GatewayConfig& config) {
  Status status = ValidateConfig(config);
  std::map<std::string, std::string> errors;
  if (!status.ok()) {
    CHECK(status.code() == ErrorCode::kConfigInvalid);
    for (const FieldError& field : status.fields()) {
      CHECK(errors.emplace(field.path, field.code).second);  // one error per field
      CHECK_FALSE(field.description.empty());
    }
  }
  return errors;
}

// The violation code reported for `path`, or "" when the field passes; Catch prints both sides on failure.
std::string ErrorAt(const GatewayConfig& config, const std::string& path) {
  std::map<std::string, std::string> errors = ErrorsOf(config);
  auto it = errors.find(path);
  return it == errors.end() ? "" : it->second;
}

config::v1::Agency* AgencyNamed(GatewayConfig* config, const std::string& code) {
  for (config::v1::Agency& agency : *config->mutable_agencies()) {
    if (agency.code() == code) {
      return &agency;
    }
  }
  FAIL("no agency " << code);
  return nullptr;
}

void WriteFile(const std::filesystem::path& path, const std::string& contents) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << contents;
}

TEST_CASE("the default config loads, validates and models a whole region", "[config]") {
  StatusOr<GatewayConfig> config = LoadConfig(kDefaultConfigPath);
  INFO(config.status().ToString());
  REQUIRE(config.ok());

  CHECK(config->instance_name() == "mezhved-default");
  CHECK(config->agency_api().address() == "127.0.0.1:7790");
  CHECK(config->agency_api().insecure_loopback());
  CHECK(config->operator_api().address() == "127.0.0.1:7791");
  CHECK(config->store().data_dir() ==
        (std::filesystem::path(MEZHVED_SOURCE_DIR) / "var/data").lexically_normal().string());
  REQUIRE(config->operators_size() >= 1);
  CHECK(config->operators(0).name() == "duty");

  // Every agency kind of resolution 535, 2.1 that acts through subordinate organisations has some.
  for (config::v1::AgencyKind kind :
       {config::v1::AGENCY_KIND_SOCIAL_PROTECTION, config::v1::AGENCY_KIND_HEALTH, config::v1::AGENCY_KIND_EDUCATION,
        config::v1::AGENCY_KIND_LABOUR, config::v1::AGENCY_KIND_CIVIL_REGISTRY}) {
    INFO("kind " << config::v1::AgencyKind_Name(kind));
    auto agency = std::find_if(config->agencies().begin(), config->agencies().end(),
                               [&](const config::v1::Agency& candidate) { return candidate.kind() == kind; });
    REQUIRE(agency != config->agencies().end());
    CHECK(agency->organisations_size() >= 2);
    CHECK(std::any_of(agency->organisations().begin(), agency->organisations().end(),
                      [](const config::v1::Organisation& organisation) { return !organisation.parent().empty(); }));
  }
  for (config::v1::AgencyKind kind : {config::v1::AGENCY_KIND_CULTURE, config::v1::AGENCY_KIND_MEDICAL_SOCIAL_EXPERTISE,
                                      config::v1::AGENCY_KIND_MFC}) {
    INFO("kind " << config::v1::AgencyKind_Name(kind));
    CHECK(std::any_of(config->agencies().begin(), config->agencies().end(),
                      [&](const config::v1::Agency& agency) { return agency.kind() == kind; }));
  }
  // The authorised body has two territorial departments and a service provider.
  const config::v1::Agency& social_protection = *AgencyNamed(&*config, "SOCPROT");
  CHECK(social_protection.organisations_size() >= 4);

  // TLS deployments identify an organisation by CN = code.
  for (const config::v1::Agency& agency : config->agencies()) {
    for (const config::v1::Organisation& organisation : agency.organisations()) {
      INFO(organisation.code());
      REQUIRE(organisation.certificate_common_names_size() == 1);
      CHECK(organisation.certificate_common_names(0) == organisation.code());
    }
  }
}

TEST_CASE("text format and JSON parse to the same config", "[config]") {
  constexpr char kJson[] = R"json({
    "instanceName": "test",
    "agencyApi": {"address": "127.0.0.1:0", "insecureLoopback": true},
    "operator_api": {"address": "127.0.0.1:0", "insecure_loopback": true},
    "store": {"dataDir": "/var/lib/mezhved"},
    "informationTypesCatalog": "/usr/share/mezhved/schemas/catalog.textproto",
    "calendar": {"federalDir": "/usr/share/mezhved/calendars/federal"},
    "agencies": [
      {"code": "SOCPROT", "name": "Министерство социальной защиты", "kind": "AGENCY_KIND_SOCIAL_PROTECTION",
       "organisations": [
         {"code": "SOCPROT-HQ", "name": "Аппарат", "certificateCommonNames": ["SOCPROT-HQ"]},
         {"code": "SOCPROT-BARNAUL", "name": "УСЗН по г. Барнаулу", "parent": "SOCPROT-HQ"}]},
      {"code": "HEALTH", "name": "Здравоохранение", "kind": "AGENCY_KIND_HEALTH",
       "organisations": [{"code": "HEALTH-HQ", "name": "Аппарат"}]}],
    "operators": [{"name": "duty"}]
  })json";
  StatusOr<GatewayConfig> from_json = ParseConfigText(kJson, ConfigFormat::kJson);
  INFO(from_json.status().ToString());
  REQUIRE(from_json.ok());
  CHECK(MessageDifferencer::Equals(*from_json, ValidConfig()));
}

TEST_CASE("an unknown text-format field stops parsing with its name and line", "[config]") {
  StatusOr<GatewayConfig> config = ParseConfigText(
      "instance_name: \"test\"\n"
      "store {\n"
      "  data_dri: \"/var/lib/mezhved\"\n"
      "}\n",
      ConfigFormat::kText);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == ErrorCode::kConfigInvalid);
  CHECK_THAT(config.status().message(), Catch::StartsWith("3:") && Catch::Contains("data_dri"));
}

TEST_CASE("an unknown JSON field stops parsing with its name and line", "[config]") {
  StatusOr<GatewayConfig> config = ParseConfigText(
      "{\"instanceName\": \"test\",\n"
      " \"store\": {\n"
      "   \"dataDri\": \"/x\"}}",
      ConfigFormat::kJson);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == ErrorCode::kConfigInvalid);
  CHECK_THAT(config.status().message(), Catch::StartsWith("3:4: ") && Catch::Contains("dataDri"));

  // A key that occurs twice has no one position; the error still names it.
  StatusOr<GatewayConfig> twice = ParseConfigText(
      R"json({"agencies": [{"code": "A", "bogus": 1}, {"code": "B", "bogus": 2}]})json", ConfigFormat::kJson);
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.status().message(), Catch::Contains("bogus"));
}

TEST_CASE("malformed text and JSON are errors", "[config]") {
  CHECK(ParseConfigText("instance_name: ", ConfigFormat::kText).status().code() == ErrorCode::kConfigInvalid);
  CHECK(ParseConfigText("agencies { kind: AGENCY_KIND_NONSENSE }", ConfigFormat::kText).status().code() ==
        ErrorCode::kConfigInvalid);
  CHECK(ParseConfigText("{\"instanceName\": ", ConfigFormat::kJson).status().code() == ErrorCode::kConfigInvalid);
}

TEST_CASE("ReadConfigFile names the file and the position of an error", "[config]") {
  testing::TempDir dir;
  std::string path = (dir / "gateway.textproto").string();
  WriteFile(path, "instance_name: \"test\"\n\nlimits { max_mesage_bytes: 10 }\n");
  StatusOr<GatewayConfig> config = ReadConfigFile(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == ErrorCode::kConfigInvalid);
  CHECK_THAT(config.status().message(), Catch::StartsWith(path + ":3:") && Catch::Contains("max_mesage_bytes"));

  std::string json_path = (dir / "gateway.json").string();
  WriteFile(json_path, R"json({"limits": {"maxMesageBytes": 10}})json");
  StatusOr<GatewayConfig> json = ReadConfigFile(json_path);
  REQUIRE_FALSE(json.ok());
  CHECK_THAT(json.status().message(), Catch::StartsWith(json_path + ":1:13: ") && Catch::Contains("maxMesageBytes"));
}

TEST_CASE("ReadConfigFile rejects unknown extensions and missing files", "[config]") {
  testing::TempDir dir;
  std::string yaml = (dir / "gateway.yaml").string();
  WriteFile(yaml, "instance_name: test\n");
  StatusOr<GatewayConfig> unknown = ReadConfigFile(yaml);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == ErrorCode::kConfigInvalid);
  CHECK_THAT(unknown.status().message(), Catch::Contains(".yaml"));

  std::string missing = (dir / "missing.textproto").string();
  StatusOr<GatewayConfig> absent = ReadConfigFile(missing);
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.status().code() == ErrorCode::kConfigInvalid);
  CHECK_THAT(absent.status().message(), Catch::StartsWith(missing));

  for (std::string extension : {".textproto", ".txtpb", ".pbtxt", ".conf", ".json"}) {
    CHECK(ConfigFormatOf("gateway" + extension).ok());
  }
}

TEST_CASE("relative paths resolve against the config file's directory", "[config]") {
  testing::TempDir dir;
  std::filesystem::path path = dir / "etc/gateway.conf";
  WriteFile(path, R"pb(
    store { data_dir: "../var/data" }
    agency_api {
      tls {
        certificate_file: "tls/server.pem"
        private_key_file: "./tls/server.key"
        client_ca_file: "/etc/ssl/clients.pem"
      }
    }
    operator_api { tls { certificate_file: "operator.pem" } }
  )pb");
  StatusOr<GatewayConfig> config = ReadConfigFile(path.string());
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  CHECK(config->store().data_dir() == (dir.path() / "var/data").string());
  CHECK(config->agency_api().tls().certificate_file() == (dir.path() / "etc/tls/server.pem").string());
  CHECK(config->agency_api().tls().private_key_file() == (dir.path() / "etc/tls/server.key").string());
  CHECK(config->agency_api().tls().client_ca_file() == "/etc/ssl/clients.pem");  // absolute: kept
  CHECK(config->operator_api().tls().certificate_file() == (dir.path() / "etc/operator.pem").string());
  CHECK(config->operator_api().tls().private_key_file().empty());  // unset: stays unset
}

TEST_CASE("ApplyDefaults fills zero fields and keeps explicit ones", "[config]") {
  GatewayConfig config;
  config.mutable_delivery()->set_max_attempts(3);
  config.mutable_limits()->set_max_payload_bytes(5000000);  // out of range: kept for ValidateConfig to report
  ApplyDefaults(&config);

  CHECK(config.store().max_batch_operations() == 1000);
  CHECK(config.delivery().lease_ms() == 60000);
  CHECK(config.delivery().max_lease_ms() == 600000);
  CHECK(config.delivery().max_attempts() == 3);
  CHECK(config.delivery().max_receive_batch() == 100);
  CHECK(config.delivery().max_wait_ms() == 30000);
  CHECK(config.delivery().housekeeping_interval_ms() == 200);
  CHECK(config.limits().max_message_bytes() == 4194304);
  CHECK(config.limits().max_payload_bytes() == 5000000);
  CHECK(config.logging().level() == "info");
}

TEST_CASE("the minimal config is valid", "[config][validate]") {
  Status status = ValidateConfig(ValidConfig());
  INFO(status.ToString());
  CHECK(status.ok());
}

TEST_CASE("required settings", "[config][validate]") {
  GatewayConfig config = ValidConfig();
  SECTION("instance name, store directory, listeners") {
    config.clear_instance_name();
    config.mutable_store()->clear_data_dir();
    config.clear_agency_api();
    config.clear_operator_api();
    CHECK(ErrorAt(config, "instance_name") == "REQUIRED");
    CHECK(ErrorAt(config, "store.data_dir") == "REQUIRED");
    CHECK(ErrorAt(config, "agency_api") == "REQUIRED");
    CHECK(ErrorAt(config, "operator_api") == "REQUIRED");
  }
  SECTION("at least one agency") {
    config.clear_agencies();
    CHECK(ErrorAt(config, "agencies") == "REQUIRED");
  }
  SECTION("agency name, kind and organisations; organisation name and code") {
    config.mutable_agencies(1)->clear_name();
    config.mutable_agencies(1)->clear_kind();
    config.mutable_agencies(1)->clear_organisations();
    config.mutable_agencies(0)->mutable_organisations(1)->clear_name();
    config.mutable_agencies(0)->mutable_organisations(1)->clear_code();
    CHECK(ErrorAt(config, "agencies[1].name") == "REQUIRED");
    CHECK(ErrorAt(config, "agencies[1].kind") == "REQUIRED");
    CHECK(ErrorAt(config, "agencies[1].organisations") == "REQUIRED");
    CHECK(ErrorAt(config, "agencies[0].organisations[1].name") == "REQUIRED");
    CHECK(ErrorAt(config, "agencies[0].organisations[1].code") == "REQUIRED");
  }
  SECTION("operator name") {
    config.mutable_operators(0)->clear_name();
    CHECK(ErrorAt(config, "operators[0].name") == "REQUIRED");
  }
}

TEST_CASE("numeric settings must be in their ranges", "[config][validate]") {
  GatewayConfig config = ValidConfig();
  config.mutable_store()->set_max_batch_operations(100001);
  config.mutable_delivery()->set_lease_ms(99);
  config.mutable_delivery()->set_max_lease_ms(86400001);
  config.mutable_delivery()->set_max_attempts(1001);
  config.mutable_delivery()->set_max_receive_batch(1001);
  config.mutable_delivery()->set_max_wait_ms(120001);
  config.mutable_delivery()->set_housekeeping_interval_ms(9);
  config.mutable_limits()->set_max_message_bytes(4095);
  for (const char* path : {"store.max_batch_operations", "delivery.lease_ms", "delivery.max_lease_ms",
                           "delivery.max_attempts", "delivery.max_receive_batch", "delivery.max_wait_ms",
                           "delivery.housekeeping_interval_ms", "limits.max_message_bytes"}) {
    CHECK(ErrorAt(config, path) == "OUT_OF_RANGE");
  }
}

TEST_CASE("bounds set by other settings", "[config][validate]") {
  GatewayConfig config = ValidConfig();
  SECTION("max_lease_ms is at least lease_ms") {
    config.mutable_delivery()->set_lease_ms(120000);
    config.mutable_delivery()->set_max_lease_ms(110000);
    CHECK(ErrorsOf(config) == std::map<std::string, std::string>{{"delivery.max_lease_ms", "OUT_OF_RANGE"}});
  }
  SECTION("max_payload_bytes is at most max_message_bytes") {
    config.mutable_limits()->set_max_message_bytes(8192);
    config.mutable_limits()->set_max_payload_bytes(8193);
    CHECK(ErrorsOf(config) == std::map<std::string, std::string>{{"limits.max_payload_bytes", "OUT_OF_RANGE"}});
  }
  SECTION("a default counts as the value") {
    config.mutable_limits()->set_max_payload_bytes(5000000);  // above the default max_message_bytes 4194304
    CHECK(ErrorAt(config, "limits.max_payload_bytes") == "OUT_OF_RANGE");
  }
}

TEST_CASE("logging level", "[config][validate]") {
  GatewayConfig config = ValidConfig();
  for (const char* level : {"trace", "debug", "info", "warn", "error"}) {
    config.mutable_logging()->set_level(level);
    CHECK(ErrorsOf(config).empty());
  }
  config.mutable_logging()->set_level("verbose");
  CHECK(ErrorAt(config, "logging.level") == "MALFORMED");
}

TEST_CASE("listener addresses", "[config][validate]") {
  GatewayConfig config = ValidConfig();
  SECTION("well-formed host:port") {
    for (const char* address : {"127.0.0.1:7790", "localhost:0", "[::1]:65535", "127.3.2.1:1"}) {
      config.mutable_agency_api()->set_address(address);
      INFO(address);
      CHECK(ErrorsOf(config).empty());
    }
    for (const char* address :
         {"127.0.0.1", "127.0.0.1:65536", "127.0.0.1:http", ":7790", "::1:7790", "[::1]7790", "127.0.0.1:-1"}) {
      config.mutable_agency_api()->set_address(address);
      INFO(address);
      CHECK(ErrorAt(config, "agency_api.address") == "MALFORMED");
    }
    config.mutable_agency_api()->clear_address();
    CHECK(ErrorAt(config, "agency_api.address") == "REQUIRED");
  }
  SECTION("plain text only on loopback") {
    for (const char* address : {"0.0.0.0:7790", "10.0.0.1:7790", "[::]:7790", "gateway.example:7790", "128.0.0.1:1"}) {
      config.mutable_operator_api()->set_address(address);
      INFO(address);
      CHECK(ErrorAt(config, "operator_api.insecure_loopback") == "NOT_LOOPBACK");
    }
  }
  SECTION("without insecure_loopback the three TLS files are required") {
    config.mutable_agency_api()->set_insecure_loopback(false);
    CHECK(ErrorAt(config, "agency_api.tls.certificate_file") == "REQUIRED");
    CHECK(ErrorAt(config, "agency_api.tls.private_key_file") == "REQUIRED");
    CHECK(ErrorAt(config, "agency_api.tls.client_ca_file") == "REQUIRED");
    config::v1::TlsConfig* tls = config.mutable_agency_api()->mutable_tls();
    tls->set_certificate_file("/etc/mezhved/server.pem");
    tls->set_private_key_file("/etc/mezhved/server.key");
    tls->set_client_ca_file("/etc/mezhved/clients.pem");
    config.mutable_agency_api()->set_address("0.0.0.0:7790");  // TLS may listen anywhere
    CHECK(ErrorAt(config, "seal") == "REQUIRED");              // and then the gateway must seal what it accepts
    config.mutable_seal()->set_algorithm("ecdsa-p256-sha256");
    config.mutable_seal()->set_pkcs12_file("/etc/mezhved/seal.p12");
    CHECK(ErrorsOf(config).empty());
  }
  SECTION("an agreement that requires sender signatures needs CAs to check them") {
    config::v1::Agreement* agreement = config.add_agreements();
    agreement->set_sender_signature_required(true);
    CHECK(ErrorAt(config, "sender_trust.ca_files") == "REQUIRED");
    config.mutable_sender_trust()->add_ca_files("/etc/mezhved/agency-cas.pem");
    CHECK(ErrorAt(config, "sender_trust.ca_files").empty());
  }
  SECTION("the seal: a known algorithm, one form of key, the GOST engine's config for GOST") {
    config::v1::SealConfig* seal = config.mutable_seal();
    CHECK(ErrorAt(config, "seal.algorithm") == "REQUIRED");
    CHECK(ErrorAt(config, "seal.pkcs12_file") == "REQUIRED");
    seal->set_algorithm("dsa-sha1");
    CHECK(ErrorAt(config, "seal.algorithm") == "MALFORMED");
    seal->set_algorithm("gost2012-256");
    seal->set_private_key_file("/etc/mezhved/seal.key");
    CHECK(ErrorAt(config, "seal.certificate_file") == "REQUIRED");
    CHECK(ErrorAt(config, "seal.openssl_config") == "REQUIRED");
    seal->set_certificate_file("/etc/mezhved/seal.pem");
    seal->set_pkcs12_file("/etc/mezhved/seal.p12");
    CHECK(ErrorAt(config, "seal.pkcs12_file") == "REQUIRED");  // not both forms
    seal->clear_pkcs12_file();
    seal->set_openssl_config("/usr/share/mezhved/openssl-gost.cnf");
    CHECK(ErrorsOf(config).empty());
  }
  SECTION("the two APIs need different addresses unless the port is 0") {
    config.mutable_agency_api()->set_address("127.0.0.1:7790");
    config.mutable_operator_api()->set_address("127.0.0.1:7790");
    CHECK(ErrorAt(config, "operator_api.address") == "DUPLICATE");
    config.mutable_operator_api()->set_address("127.0.0.1:7791");
    CHECK(ErrorsOf(config).empty());
  }
}

TEST_CASE("participant codes are well-formed and unique across agencies and organisations", "[config][validate]") {
  GatewayConfig config = ValidConfig();
  SECTION("syntax") {
    config.mutable_agencies(0)->set_code("СОЦЗАЩИТА");  // Cyrillic: codes are Latin
    config.mutable_agencies(1)->mutable_organisations(0)->set_code(std::string(65, 'A'));
    config.mutable_agencies(0)->mutable_organisations(0)->set_code("SOCPROT HQ");
    CHECK(ErrorAt(config, "agencies[0].code") == "MALFORMED");
    CHECK(ErrorAt(config, "agencies[1].organisations[0].code") == "MALFORMED");
    CHECK(ErrorAt(config, "agencies[0].organisations[0].code") == "MALFORMED");
  }
  SECTION("an organisation code equal to an agency code") {
    config.mutable_agencies(1)->mutable_organisations(0)->set_code("SOCPROT");
    CHECK(ErrorAt(config, "agencies[1].organisations[0].code") == "DUPLICATE");
  }
  SECTION("two organisations of different agencies") {
    config.mutable_agencies(1)->mutable_organisations(0)->set_code("SOCPROT-HQ");
    CHECK(ErrorAt(config, "agencies[1].organisations[0].code") == "DUPLICATE");
  }
  SECTION("two agencies") {
    config.mutable_agencies(1)->set_code("SOCPROT");
    CHECK(ErrorAt(config, "agencies[1].code") == "DUPLICATE");
  }
}

TEST_CASE("an organisation's parent is an organisation of the same agency, without cycles", "[config][validate]") {
  GatewayConfig config = ValidConfig();
  config::v1::Agency* social_protection = AgencyNamed(&config, "SOCPROT");
  SECTION("unknown code") {
    social_protection->mutable_organisations(1)->set_parent("SOCPROT-NOWHERE");
    CHECK(ErrorAt(config, "agencies[0].organisations[1].parent") == "UNKNOWN_REFERENCE");
  }
  SECTION("an organisation of another agency") {
    social_protection->mutable_organisations(1)->set_parent("HEALTH-HQ");
    CHECK(ErrorAt(config, "agencies[0].organisations[1].parent") == "UNKNOWN_REFERENCE");
  }
  SECTION("the agency itself is not an organisation") {
    social_protection->mutable_organisations(1)->set_parent("SOCPROT");
    CHECK(ErrorAt(config, "agencies[0].organisations[1].parent") == "UNKNOWN_REFERENCE");
  }
  SECTION("a cycle") {
    social_protection->mutable_organisations(0)->set_parent("SOCPROT-BARNAUL");
    CHECK(ErrorAt(config, "agencies[0].organisations[0].parent") == "CYCLE");
    CHECK(ErrorAt(config, "agencies[0].organisations[1].parent") == "CYCLE");
  }
  SECTION("its own parent") {
    social_protection->mutable_organisations(0)->set_parent("SOCPROT-HQ");
    CHECK(ErrorsOf(config) == std::map<std::string, std::string>{{"agencies[0].organisations[0].parent", "CYCLE"}});
  }
}

TEST_CASE("parent_agency names another agency, without cycles", "[config][validate]") {
  GatewayConfig config = ValidConfig();
  SECTION("a valid subordination") {
    config.mutable_agencies(1)->set_parent_agency("SOCPROT");
    CHECK(ErrorsOf(config).empty());
  }
  SECTION("unknown agency") {
    config.mutable_agencies(1)->set_parent_agency("NOWHERE");
    CHECK(ErrorAt(config, "agencies[1].parent_agency") == "UNKNOWN_REFERENCE");
  }
  SECTION("an organisation is not an agency") {
    config.mutable_agencies(1)->set_parent_agency("SOCPROT-HQ");
    CHECK(ErrorAt(config, "agencies[1].parent_agency") == "UNKNOWN_REFERENCE");
  }
  SECTION("a cycle") {
    config.mutable_agencies(0)->set_parent_agency("HEALTH");
    config.mutable_agencies(1)->set_parent_agency("SOCPROT");
    CHECK(ErrorAt(config, "agencies[0].parent_agency") == "CYCLE");
    CHECK(ErrorAt(config, "agencies[1].parent_agency") == "CYCLE");
  }
}

TEST_CASE("certificate values identify one organisation or operator", "[config][validate]") {
  GatewayConfig config = ValidConfig();
  const std::string fingerprint(64, 'a');
  SECTION("a common name listed twice") {
    config.mutable_agencies(1)->mutable_organisations(0)->add_certificate_common_names("SOCPROT-HQ");
    CHECK(ErrorAt(config, "agencies[1].organisations[0].certificate_common_names[0]") == "DUPLICATE");
  }
  SECTION("an organisation's common name on an operator") {
    config.mutable_operators(0)->add_certificate_common_names("SOCPROT-HQ");
    CHECK(ErrorAt(config, "operators[0].certificate_common_names[0]") == "DUPLICATE");
  }
  SECTION("an empty common name") {
    config.mutable_operators(0)->add_certificate_common_names("");
    CHECK(ErrorAt(config, "operators[0].certificate_common_names[0]") == "MALFORMED");
  }
  SECTION("fingerprints compare in any case") {
    config.mutable_agencies(0)->mutable_organisations(0)->add_certificate_sha256(fingerprint);
    config.mutable_operators(0)->add_certificate_sha256(std::string(64, 'A'));
    CHECK(ErrorAt(config, "operators[0].certificate_sha256[0]") == "DUPLICATE");
  }
  SECTION("a fingerprint is 64 hex digits") {
    config::v1::Organisation* organisation = config.mutable_agencies(0)->mutable_organisations(1);
    organisation->add_certificate_sha256(std::string(64, 'F'));
    organisation->add_certificate_sha256(std::string(63, 'a'));
    organisation->add_certificate_sha256(std::string(62, 'a') + "zz");
    organisation->add_certificate_sha256("AB:CD");
    CHECK(ErrorAt(config, "agencies[0].organisations[1].certificate_sha256[0]").empty());
    CHECK(ErrorAt(config, "agencies[0].organisations[1].certificate_sha256[1]") == "MALFORMED");
    CHECK(ErrorAt(config, "agencies[0].organisations[1].certificate_sha256[2]") == "MALFORMED");
    CHECK(ErrorAt(config, "agencies[0].organisations[1].certificate_sha256[3]") == "MALFORMED");
  }
}

TEST_CASE("operator names are well-formed and unique", "[config][validate]") {
  GatewayConfig config = ValidConfig();
  config.add_operators()->set_name("duty");
  config.add_operators()->set_name("дежурный");
  CHECK(ErrorAt(config, "operators[1].name") == "DUPLICATE");
  CHECK(ErrorAt(config, "operators[2].name") == "MALFORMED");
}

TEST_CASE("every failing field is reported at once", "[config][validate]") {
  GatewayConfig config = ValidConfig();
  config.clear_instance_name();
  config.mutable_delivery()->set_max_attempts(5000);
  config.mutable_agencies(0)->mutable_organisations(1)->set_parent("NOWHERE");
  config.mutable_operator_api()->set_address("192.168.1.1:7791");
  Status status = ValidateConfig(config);
  CHECK(status.code() == ErrorCode::kConfigInvalid);
  CHECK(status.message() == "4 configuration errors");
  CHECK(ErrorsOf(config) == std::map<std::string, std::string>{
                                {"instance_name", "REQUIRED"},
                                {"delivery.max_attempts", "OUT_OF_RANGE"},
                                {"agencies[0].organisations[1].parent", "UNKNOWN_REFERENCE"},
                                {"operator_api.insecure_loopback", "NOT_LOOPBACK"},
                            });
}

TEST_CASE("LoadConfig names the file of an invalid config", "[config]") {
  testing::TempDir dir;
  std::string path = (dir / "gateway.textproto").string();
  WriteFile(path, "instance_name: \"test\"\n");
  StatusOr<GatewayConfig> config = LoadConfig(path);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == ErrorCode::kConfigInvalid);
  CHECK_THAT(config.status().message(), Catch::StartsWith(path + ": ") && Catch::EndsWith("configuration errors"));
}

TEST_CASE("DescribeConfig prints readable text format that parses back", "[config]") {
  GatewayConfig config = ValidConfig();
  ApplyDefaults(&config);
  std::string description = DescribeConfig(config);
  CHECK_THAT(description, Catch::Contains("instance_name: \"test\"") && Catch::Contains("Министерство") &&
                              Catch::Contains("lease_ms: 60000"));
  StatusOr<GatewayConfig> reparsed = ParseConfigText(description, ConfigFormat::kText);
  REQUIRE(reparsed.ok());
  CHECK(MessageDifferencer::Equals(*reparsed, config));
}

}  // namespace
}  // namespace mezhved::gateway
