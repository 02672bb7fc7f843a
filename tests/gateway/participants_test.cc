#include "gateway/participants.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "gateway/config.h"

namespace mezhved::gateway {
namespace {

using config::v1::GatewayConfig;

const std::string kFingerprint = "3f7c0a9e5b1d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6";
const std::string kOperatorFingerprint = std::string(64, 'b');

constexpr char kConfigText[] = R"pb(
  instance_name: "test"
  agency_api { address: "127.0.0.1:0" insecure_loopback: true }
  operator_api { address: "127.0.0.1:0" insecure_loopback: true }
  store { data_dir: "/var/lib/mezhved" }
  information_types_catalog: "/usr/share/mezhved/schemas/catalog.textproto"
  calendar { federal_dir: "/usr/share/mezhved/calendars/federal" }
  agencies {
    code: "SOCPROT"
    name: "Министерство социальной защиты Алтайского края"
    kind: AGENCY_KIND_SOCIAL_PROTECTION
    organisations { code: "SOCPROT-HQ" name: "Аппарат" certificate_common_names: "SOCPROT-HQ" }
    organisations {
      code: "SOCPROT-BARNAUL"
      name: "Управление социальной защиты населения по городу Барнаулу"
      parent: "SOCPROT-HQ"
      certificate_common_names: "SOCPROT-BARNAUL"
      certificate_common_names: "uszn-barnaul.example"
      certificate_sha256: "3F7C0A9E5B1D2C4E6F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6"
    }
  }
  agencies {
    code: "HEALTH"
    name: "Здравоохранение"
    kind: AGENCY_KIND_HEALTH
    parent_agency: "SOCPROT"
    organisations { code: "HEALTH-HQ" name: "Аппарат" certificate_common_names: "HEALTH-HQ" }
    organisations { code: "HEALTH-CRH-ZMEINOGORSK" name: "ЦРБ" parent: "HEALTH-HQ" }
  }
  operators { name: "duty" certificate_common_names: "duty" }
  operators {
    name: "night-shift"
    certificate_sha256: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    role: OPERATOR_ROLE_SUPERVISOR
  }
  operators { name: "auditor" role: OPERATOR_ROLE_AUDITOR }
)pb";

ParticipantRegistry Registry() {
  StatusOr<GatewayConfig> config = ParseConfigText(kConfigText, ConfigFormat::kText);
  REQUIRE(config.ok());
  Status valid = ValidateConfig(*config);
  INFO(valid.ToString());
  REQUIRE(valid.ok());
  return ParticipantRegistry::FromConfig(*config);
}

std::vector<std::string> CodesOf(const std::vector<const Organisation*>& organisations) {
  std::vector<std::string> codes;
  codes.reserve(organisations.size());
  for (const Organisation* organisation : organisations) {
    codes.push_back(organisation->code);
  }
  return codes;
}

TEST_CASE("organisations and agencies are found by code", "[participants]") {
  ParticipantRegistry registry = Registry();

  const Organisation* barnaul = registry.FindOrganisation("SOCPROT-BARNAUL");
  REQUIRE(barnaul != nullptr);
  CHECK(barnaul->name == "Управление социальной защиты населения по городу Барнаулу");
  CHECK(barnaul->agency_code == "SOCPROT");
  CHECK(barnaul->parent_code == "SOCPROT-HQ");
  CHECK(registry.FindOrganisation("SOCPROT-HQ")->parent_code.empty());

  const Agency* health = registry.FindAgency("HEALTH");
  REQUIRE(health != nullptr);
  CHECK(health->kind == config::v1::AGENCY_KIND_HEALTH);
  CHECK(health->parent_agency == "SOCPROT");
  CHECK(health->organisation_codes == std::vector<std::string>{"HEALTH-HQ", "HEALTH-CRH-ZMEINOGORSK"});

  // Codes are exact: no case folding, and an agency is not an organisation.
  CHECK(registry.FindOrganisation("socprot-barnaul") == nullptr);
  CHECK(registry.FindOrganisation("SOCPROT") == nullptr);
  CHECK(registry.FindAgency("SOCPROT-HQ") == nullptr);
  CHECK(registry.FindOrganisation("") == nullptr);
}

TEST_CASE("the agency of an organisation", "[participants]") {
  ParticipantRegistry registry = Registry();
  REQUIRE(registry.AgencyOf("HEALTH-CRH-ZMEINOGORSK") != nullptr);
  CHECK(registry.AgencyOf("HEALTH-CRH-ZMEINOGORSK")->code == "HEALTH");
  CHECK(registry.AgencyOf("SOCPROT-BARNAUL")->code == "SOCPROT");
  CHECK(registry.AgencyOf("NOWHERE") == nullptr);
  CHECK(registry.AgencyOf("HEALTH") == nullptr);  // an agency code, not an organisation
}

TEST_CASE("a client certificate identifies an organisation by fingerprint, then common name", "[participants]") {
  ParticipantRegistry registry = Registry();
  SECTION("by common name") {
    REQUIRE(registry.FindByCertificate("HEALTH-HQ", "") != nullptr);
    CHECK(registry.FindByCertificate("HEALTH-HQ", "")->code == "HEALTH-HQ");
    CHECK(registry.FindByCertificate("uszn-barnaul.example", "")->code == "SOCPROT-BARNAUL");
    CHECK(registry.FindByCertificate("health-hq", "") == nullptr);  // common names are exact
  }
  SECTION("by SHA-256 in any case") {
    std::string uppercase = "3F7C0A9E5B1D2C4E6F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6";
    for (const std::string& fingerprint : {kFingerprint, uppercase}) {
      const Organisation* organisation = registry.FindByCertificate("", fingerprint);
      REQUIRE(organisation != nullptr);
      CHECK(organisation->code == "SOCPROT-BARNAUL");
    }
  }
  SECTION("the fingerprint wins over the common name") {
    const Organisation* organisation = registry.FindByCertificate("HEALTH-HQ", kFingerprint);
    REQUIRE(organisation != nullptr);
    CHECK(organisation->code == "SOCPROT-BARNAUL");
  }
  SECTION("an unknown fingerprint falls back to the common name") {
    CHECK(registry.FindByCertificate("HEALTH-HQ", std::string(64, 'c'))->code == "HEALTH-HQ");
  }
  SECTION("unknown certificates") {
    CHECK(registry.FindByCertificate("stranger", std::string(64, 'c')) == nullptr);
    CHECK(registry.FindByCertificate("", "") == nullptr);
    CHECK(registry.FindByCertificate("duty", "") == nullptr);  // an operator, not an organisation
  }
}

TEST_CASE("operators and their certificates", "[participants]") {
  ParticipantRegistry registry = Registry();
  CHECK(registry.IsOperator("duty"));
  CHECK(registry.IsOperator("night-shift"));
  CHECK_FALSE(registry.IsOperator("SOCPROT-HQ"));
  CHECK_FALSE(registry.IsOperator(""));

  CHECK(registry.FindOperatorByCertificate("duty", "") == "duty");
  CHECK(registry.FindOperatorByCertificate("", std::string(64, 'B')) == "night-shift");
  CHECK(registry.FindOperatorByCertificate("duty", kOperatorFingerprint) == "night-shift");
  CHECK(registry.FindOperatorByCertificate("SOCPROT-HQ", "").empty());
  CHECK(registry.FindOperatorByCertificate("", "").empty());
}

TEST_CASE("operators' roles, an unspecified one read as OPERATOR", "[participants]") {
  ParticipantRegistry registry = Registry();
  CHECK(registry.OperatorRoleOf("duty") == config::v1::OPERATOR_ROLE_OPERATOR);
  CHECK(registry.OperatorRoleOf("night-shift") == config::v1::OPERATOR_ROLE_SUPERVISOR);
  CHECK(registry.OperatorRoleOf("auditor") == config::v1::OPERATOR_ROLE_AUDITOR);
  CHECK_FALSE(registry.OperatorRoleOf("SOCPROT-HQ").has_value());  // an organisation, not an operator
  CHECK_FALSE(registry.OperatorRoleOf("loopback").has_value());
  CHECK_FALSE(registry.OperatorRoleOf("").has_value());
  CHECK_FALSE(ParticipantRegistry().OperatorRoleOf("duty").has_value());
}

TEST_CASE("listings are sorted by code", "[participants]") {
  ParticipantRegistry registry = Registry();
  CHECK(CodesOf(registry.Organisations()) ==
        std::vector<std::string>{"HEALTH-CRH-ZMEINOGORSK", "HEALTH-HQ", "SOCPROT-BARNAUL", "SOCPROT-HQ"});
  std::vector<const Agency*> agencies = registry.Agencies();
  REQUIRE(agencies.size() == 2);
  CHECK(agencies[0]->code == "HEALTH");
  CHECK(agencies[1]->code == "SOCPROT");
}

TEST_CASE("copies share one immutable snapshot that outlives the original", "[participants]") {
  const Organisation* before = nullptr;
  ParticipantRegistry copy;
  CHECK(copy.Organisations().empty());
  {
    ParticipantRegistry original = Registry();
    before = original.FindOrganisation("HEALTH-HQ");
    copy = original;
  }
  CHECK(copy.FindOrganisation("HEALTH-HQ") == before);  // the same object: nothing was copied
  CHECK(before->name == "Аппарат");

  // Concurrent readers need no locking. (Catch assertions are not thread-safe: count misses, check after.)
  std::atomic<int> misses = 0;
  std::vector<std::thread> readers;
  readers.reserve(4);
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&copy, &misses] {
      for (int n = 0; n < 1000; ++n) {
        const Agency* agency = copy.AgencyOf("SOCPROT-BARNAUL");
        misses += (agency == nullptr || agency->code != "SOCPROT") ? 1 : 0;
      }
    });
  }
  for (std::thread& reader : readers) {
    reader.join();
  }
  CHECK(misses == 0);
}

TEST_CASE("the default config's registry", "[participants]") {
  StatusOr<GatewayConfig> config = LoadConfig(std::string(MEZHVED_SOURCE_DIR) + "/deploy/default/mezhved.textproto");
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  ParticipantRegistry registry = ParticipantRegistry::FromConfig(*config);

  const Agency* social_protection = registry.AgencyOf("SOCPROT-BARNAUL");
  REQUIRE(social_protection != nullptr);
  CHECK(social_protection->kind == config::v1::AGENCY_KIND_SOCIAL_PROTECTION);
  CHECK(registry.AgencyOf("HEALTH-CRH-ZMEINOGORSK")->kind == config::v1::AGENCY_KIND_HEALTH);
  CHECK(registry.IsOperator("duty"));
  // The trial's operators: one of each role that the operator API serves (README "Operating it").
  CHECK(registry.OperatorRoleOf("duty") == config::v1::OPERATOR_ROLE_OPERATOR);
  CHECK(registry.OperatorRoleOf("supervisor") == config::v1::OPERATOR_ROLE_SUPERVISOR);
  CHECK(registry.OperatorRoleOf("auditor") == config::v1::OPERATOR_ROLE_AUDITOR);
  // CN = code for every organisation.
  for (const Organisation* organisation : registry.Organisations()) {
    CHECK(registry.FindByCertificate(organisation->code, "") == organisation);
  }
}

TEST_CASE("agency kinds have readable names", "[participants]") {
  CHECK(ParticipantRegistry::KindName(config::v1::AGENCY_KIND_SOCIAL_PROTECTION) == "social protection");
  CHECK(ParticipantRegistry::KindName(config::v1::AGENCY_KIND_HEALTH) == "health");
  CHECK(ParticipantRegistry::KindName(config::v1::AGENCY_KIND_CIVIL_REGISTRY) == "civil registry (ZAGS)");
  for (int kind = config::v1::AgencyKind_MIN; kind <= config::v1::AgencyKind_MAX; ++kind) {
    CHECK(ParticipantRegistry::KindName(static_cast<config::v1::AgencyKind>(kind)) != "unknown");
  }
  CHECK(ParticipantRegistry::KindName(static_cast<config::v1::AgencyKind>(999)) == "unknown");
}

}  // namespace
}  // namespace mezhved::gateway
