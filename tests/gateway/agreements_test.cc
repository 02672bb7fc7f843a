// Purpose limitation: information may be requested only to exercise the requester's own powers, and who may ask
// whom for what is fixed by interagency agreements (DOMAIN.md "Rules of the exchange"; Altai 3.2, 3.5; Kuzbass 4.2;
// Leningrad 5.3; Mintrud recommendations 16).
#include "gateway/agreements.h"

#include <google/protobuf/text_format.h>
#include <catch2/catch.hpp>

#include "gateway/config.h"
#include "tests/support/envelopes.h"

namespace mezhved::gateway {
namespace {

constexpr DayNumber kToday = 20261124;

// The test region plus agreements with dates, a subordinate organisation as a party and a narrow authority list.
config::v1::GatewayConfig RegionWithAgreements() {
  config::v1::GatewayConfig config = testing::SmallRegionConfig("/tmp/unused");
  config.clear_agreements();
  const char* text = R"pb(
    agreements {
      id: "AGR-1"
      title: "SOCPROT asks ZAGS for civil-status records"
      requesters: "SOCPROT"
      addressees: "ZAGS"
      information_types: "zags.civil-status-record"
      authorities { code: "social-services.recognition-of-need" }
      valid_from: "2025-01-01"
      valid_until: "2026-12-31"
    }
    agreements {
      id: "AGR-2"
      title: "the Barnaul department alone asks the hospital"
      requesters: "SOCPROT-BARNAUL"
      addressees: "HEALTH-CRH-1"
      information_types: "health.contraindications"
      authorities { code: "social-services.recognition-of-need" }
      valid_from: "2027-01-01"
    }
    agreements {
      id: "AGR-3"
      title: "the ministry's subordinates ask the ZAGS ministry office"
      requesters: "SOCPROT-MAIN"
      addressees: "ZAGS-MAIN"
      information_types: "zags.civil-status-record"
      authorities { code: "social-support.accompaniment" }
      valid_from: "2025-01-01"
      valid_until: "2026-12-31"
    }
  )pb";
  config::v1::GatewayConfig agreements;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &agreements));
  config.MergeFrom(agreements);
  return config;
}

struct Case {
  const char* why;
  const char* requester;
  const char* addressee;
  const char* type;
  const char* authority;
  DayNumber day;
  const char* expected;  // agreement id, or the violation code of the refusal
};

TEST_CASE("agreements decide who may ask whom for what, under which authority, when", "[agreements]") {
  const config::v1::GatewayConfig config = RegionWithAgreements();
  REQUIRE(ValidateConfig(config).ok());
  const AgreementRegistry registry(config, ParticipantRegistry::FromConfig(config));
  const Case cases[] = {
      {"an agency code covers its organisations (Altai 2.1: directly and through subordinate organisations)",
       "SOCPROT-BIYSK", "ZAGS-BARNAUL", "zags.civil-status-record", "social-services.recognition-of-need", kToday,
       "AGR-1"},
      {"no agreement between these parties (Altai 3.2)", "HEALTH-CRH-1", "ZAGS-BARNAUL", "zags.civil-status-record",
       "social-services.recognition-of-need", kToday, "NO_AGREEMENT"},
      {"the agreement does not cover this information type (Mintrud recommendations 16: only the volume the powers "
       "need)",
       "SOCPROT-BIYSK", "ZAGS-BARNAUL", "health.contraindications", "social-services.recognition-of-need", kToday,
       "NO_AGREEMENT"},
      {"an authority the agreement does not list (Altai 3.5: only for the requester's own powers)", "SOCPROT-BIYSK",
       "ZAGS-BARNAUL", "zags.civil-status-record", "social-support.child-allowance", kToday, "AUTHORITY_NOT_AGREED"},
      {"after valid_until", "SOCPROT-BIYSK", "ZAGS-BARNAUL", "zags.civil-status-record",
       "social-services.recognition-of-need", 20270101, "AGREEMENT_NOT_IN_FORCE"},
      {"valid_until is inclusive", "SOCPROT-BIYSK", "ZAGS-BARNAUL", "zags.civil-status-record",
       "social-services.recognition-of-need", 20261231, "AGR-1"},
      {"before valid_from", "SOCPROT-BARNAUL", "HEALTH-CRH-1", "health.contraindications",
       "social-services.recognition-of-need", kToday, "AGREEMENT_NOT_IN_FORCE"},
      {"valid_from is inclusive", "SOCPROT-BARNAUL", "HEALTH-CRH-1", "health.contraindications",
       "social-services.recognition-of-need", 20270101, "AGR-2"},
      {"an organisation named as a party does not cover its sibling", "SOCPROT-BIYSK", "HEALTH-CRH-1",
       "health.contraindications", "social-services.recognition-of-need", 20270101, "NO_AGREEMENT"},
      {"an organisation named as a party covers its subordinates", "SOCPROT-BARNAUL", "ZAGS-MAIN",
       "zags.civil-status-record", "social-support.accompaniment", kToday, "AGR-3"},
      {"an addressee organisation covers its subordinates", "SOCPROT-BARNAUL", "ZAGS-BARNAUL",
       "zags.civil-status-record", "social-support.accompaniment", kToday, "AGR-3"},
      {"an organisation named as a party does not cover its parent", "SOCPROT-BARNAUL", "HEALTH-MIN",
       "health.contraindications", "social-services.recognition-of-need", 20270101, "NO_AGREEMENT"},
      {"an unknown requester is covered by nothing", "NOBODY", "ZAGS-BARNAUL", "zags.civil-status-record",
       "social-services.recognition-of-need", kToday, "NO_AGREEMENT"},
  };
  for (const Case& c : cases) {
    INFO(c.why);
    StatusOr<const config::v1::Agreement*> decision =
        registry.Authorize(c.requester, c.addressee, c.type, c.authority, c.day);
    if (std::string(c.expected).starts_with("AGR-")) {
      REQUIRE(decision.ok());
      CHECK((*decision)->id() == c.expected);
    } else {
      const Status refusal = decision.status();
      CHECK(refusal.code() == ErrorCode::kAccessDenied);
      REQUIRE(refusal.fields().size() == 1);
      CHECK(refusal.fields()[0].code == c.expected);
    }
  }
}

TEST_CASE("ISO dates parse strictly", "[agreements]") {
  CHECK(ParseIsoDate("2026-11-24") == 20261124);
  CHECK(ParseIsoDate("2024-02-29") == 20240229);
  CHECK_FALSE(ParseIsoDate("2026-02-29").has_value());
  CHECK_FALSE(ParseIsoDate("2026-13-01").has_value());
  CHECK_FALSE(ParseIsoDate("2026-1-01").has_value());
  CHECK_FALSE(ParseIsoDate("24.11.2026").has_value());
  CHECK_FALSE(ParseIsoDate("").has_value());
  CHECK(UtcDayOf(1'795'500'000'000) == 20261124);  // 2026-11-24T...Z
}

TEST_CASE("agreement rules in the config", "[agreements][config]") {
  config::v1::GatewayConfig config = RegionWithAgreements();
  config::v1::Agreement* broken = config.mutable_agreements(1);
  broken->set_id("AGR-1");                // duplicate
  broken->add_requesters("NO-SUCH-ORG");  // unknown party
  broken->clear_authorities();            // at least one
  broken->set_valid_until("2026-06-31");  // not a date
  broken->set_answer_deadline_working_days(61);
  config::v1::Agreement* undated = config.mutable_agreements(2);
  undated->clear_valid_from();
  undated->clear_information_types();
  const Status status = ValidateConfig(config);
  REQUIRE(status.code() == ErrorCode::kConfigInvalid);
  std::vector<std::string> failing;
  for (const FieldError& error : status.fields()) {
    failing.push_back(error.path + " " + error.code);
  }
  CHECK(failing == std::vector<std::string>{
                       "agreements[1].id DUPLICATE",
                       "agreements[1].requesters[1] UNKNOWN_REFERENCE",
                       "agreements[1].authorities REQUIRED",
                       "agreements[1].valid_until MALFORMED",
                       "agreements[1].answer_deadline_working_days OUT_OF_RANGE",
                       "agreements[2].information_types REQUIRED",
                       "agreements[2].valid_from REQUIRED",
                   });
}

}  // namespace
}  // namespace mezhved::gateway
