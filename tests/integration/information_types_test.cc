// Every information type of the shipped catalogue, with its documented example, through the real daemon on the
// embedded default region (deploy/default): accepted, delivered and answered; and refused variants of each: a
// required field missing, no agreement, an authority the agreement does not list, a payload its XSD rejects and a
// hostile payload.
#include <google/protobuf/text_format.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "mezhved/config/v1/information_types.pb.h"
#include "tests/integration/agency_client.h"
#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/support/temp_dir.h"

namespace mezhved::testing {
namespace {

const std::string kSourceDir = MEZHVED_SOURCE_DIR;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

config::v1::InformationTypeCatalog Catalogue() {
  config::v1::InformationTypeCatalog catalog;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(ReadFile(kSourceDir + "/schemas/catalog.textproto"), &catalog));
  return catalog;
}

// Who asks whom for each type, and under which authority, as the default region's agreements allow.
struct Route {
  std::string requester;
  std::string addressee;
  std::string authority;
};

const std::map<std::string, Route>& Routes() {
  static const std::map<std::string, Route> routes = {
      {"zags.civil-status-record", {"SOCPROT-BARNAUL", "ZAGS-BIYSK", "social-services.recognition-of-need"}},
      {"labour.employment-status", {"SOCPROT-BARNAUL", "LABOUR-CZN-BARNAUL", "social-services.recognition-of-need"}},
      {"health.contraindications",
       {"SOCPROT-BARNAUL", "HEALTH-CRH-ZMEINOGORSK", "social-services.recognition-of-need"}},
      {"health.medical-commission", {"SOCPROT-BIYSK", "HEALTH-CITY-HOSPITAL-BIYSK", "social-support.accompaniment"}},
      {"education.pmpk-conclusion", {"SOCPROT-BARNAUL", "EDUCATION-PMPK", "social-services.recognition-of-need"}},
      {"education.enrolment", {"SOCPROT-BARNAUL", "EDUCATION-SCHOOL-BARNAUL-1", "social-support.accompaniment"}},
      {"mse.disability", {"SOCPROT-BIYSK", "MSE-BUREAU-1", "social-services.recognition-of-need"}},
      {"social.referral", {"HEALTH-CRH-ZMEINOGORSK", "SOCPROT-BARNAUL", "social-services.identification"}},
      {"social.support-progress", {"SOCPROT-HQ", "HEALTH-CRH-ZMEINOGORSK", "social-support.accompaniment"}},
      {"social.support-request", {"SOCPROT-KCSON-BARNAUL", "LABOUR-CZN-BARNAUL", "social-support.accompaniment"}},
      {"social.support-quarterly-report", {"EDUCATION-PMPK", "SOCPROT-HQ", "social-support.accompaniment"}},
  };
  return routes;
}

class DefaultRegion {
 public:
  DefaultRegion() {
    std::string config = ReadFile(kSourceDir + "/deploy/default/mezhved.textproto");
    const std::string relative = "\"../../schemas/catalog.textproto\"";
    config.replace(config.find(relative), relative.size(), "\"" + kSourceDir + "/schemas/catalog.textproto\"");
    const std::string calendars = "\"../../calendars/federal\"";
    config.replace(config.find(calendars), calendars.size(), "\"" + kSourceDir + "/calendars/federal\"");
    // The trial sealing key that tools/run-gateway.sh would make, made here the same way.
    const std::string openssl_config = kSourceDir + "/deploy/openssl-gost.cnf";
    const std::string env = "OPENSSL_CONF=" + openssl_config;
    const std::string key = (dir_ / "seal.key").string();
    const std::string certificate = (dir_ / "seal.pem").string();
    REQUIRE(RunCommand({"/usr/bin/env", env, "openssl", "genpkey", "-algorithm", "gost2012_256", "-pkeyopt",
                        "paramset:A", "-out", key})
                .exit_status == 0);
    REQUIRE(RunCommand({"/usr/bin/env", env, "openssl", "req", "-new", "-x509", "-key", key, "-md_gost12_256", "-days",
                        "30", "-subj", "/CN=mezhved trial gateway", "-out", certificate})
                .exit_status == 0);
    for (const auto& [from, to] :
         std::vector<std::pair<std::string, std::string>>{{"\"../../var/keys/seal.key\"", "\"" + key + "\""},
                                                          {"\"../../var/keys/seal.pem\"", "\"" + certificate + "\""},
                                                          {"\"../openssl-gost.cnf\"", "\"" + openssl_config + "\""}}) {
      REQUIRE(config.find(from) != std::string::npos);
      config.replace(config.find(from), from.size(), to);
    }
    daemon_ = std::make_unique<DaemonProcess>(
        MEZHVED_DAEMON_PATH, dir_ / "daemon", config,
        std::vector<std::string>{"--data-dir", (dir_ / "data").string(), "--agency-listen", "127.0.0.1:0",
                                 "--operator-listen", "127.0.0.1:0", "--log-level", "debug"});
    daemon_->Start();
  }
  AgencyClient As(const std::string& organisation) const {
    return AgencyClient(InsecureChannel(daemon_->agency_address()), organisation);
  }

 private:
  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
};

v1::RequestEnvelope ExampleRequest(const config::v1::InformationType& type, const Route& route) {
  v1::RequestEnvelope request = ValidRequest(route.requester, route.addressee);
  request.mutable_information_type()->set_id(type.id());
  request.mutable_information_type()->set_version(type.version());
  request.mutable_authority()->set_code(route.authority);
  request.set_payload(ReadFile(kSourceDir + "/schemas/" + type.request_example()));
  return request;
}

TEST_CASE("every shipped example travels through the daemon, and its refused variants do not",
          "[integration][information_types]") {
  const config::v1::InformationTypeCatalog catalog = Catalogue();
  REQUIRE(catalog.types_size() == static_cast<int>(Routes().size()));
  DefaultRegion region;
  int key = 0;
  const auto next_key = [&] { return "example-" + std::to_string(++key); };
  for (const config::v1::InformationType& type : catalog.types()) {
    INFO(type.id());
    REQUIRE(Routes().contains(type.id()));
    const Route& route = Routes().at(type.id());
    AgencyClient requester = region.As(route.requester);
    AgencyClient addressee = region.As(route.addressee);

    const v1::RequestEnvelope example = ExampleRequest(type, route);
    v1::SendResult sent;
    CallResult accepted = requester.SendRequest(next_key(), example, &sent);
    INFO(accepted.status.error_message());
    REQUIRE(accepted.ok());
    std::vector<v1::Message> inbox;
    REQUIRE(addressee.Receive(10, 2000, 0, &inbox).ok());
    REQUIRE(inbox.size() == 1);
    CHECK(inbox[0].message_id() == sent.message_id());
    CHECK(inbox[0].request().payload() == example.payload());
    // The embedded default seals with GOST: the sealed form names the type's payload root.
    CHECK(inbox[0].sealed_xml().find("gostr34102012-gostr34112012-256") != std::string::npos);
    CHECK(inbox[0].sealed_xml().find("<" + type.request_root()) != std::string::npos);

    if (!type.response_example().empty()) {
      v1::ResponseEnvelope answer = DataResponse(sent.message_id(), route.addressee);
      answer.mutable_data()->set_payload(ReadFile(kSourceDir + "/schemas/" + type.response_example()));
      v1::SendResult answered;
      CallResult response = addressee.SendResponse(next_key(), answer, &answered);
      INFO(response.status.error_message());
      REQUIRE(response.ok());
      std::vector<v1::Message> replies;
      REQUIRE(requester.Receive(10, 2000, 0, &replies).ok());
      REQUIRE(replies.size() == 1);
      CHECK(replies[0].response().request_id() == sent.message_id());
      // An answer the response XSD rejects is refused.
      answer.mutable_data()->set_payload(example.payload());  // the request document is no answer
      CHECK(addressee.SendResponse(next_key(), answer, &answered).error_code == "SCHEMA_INVALID");
    } else {
      v1::AckResponse acked;
      REQUIRE(addressee.Ack({sent.message_id()}, &acked).ok());
    }

    v1::RequestEnvelope missing = example;
    missing.clear_preparer();
    CallResult invalid = requester.SendRequest(next_key(), missing, &sent);
    CHECK(invalid.error_code == "INVALID_MESSAGE");

    v1::RequestEnvelope reversed = ExampleRequest(type, {route.addressee, route.requester, route.authority});
    CHECK(addressee.SendRequest(next_key(), reversed, &sent).error_code == "ACCESS_DENIED");

    v1::RequestEnvelope other_power = example;
    other_power.mutable_authority()->set_code("housing.subsidy");
    CallResult denied = requester.SendRequest(next_key(), other_power, &sent);
    CHECK(denied.error_code == "ACCESS_DENIED");
    REQUIRE(denied.detail.violations_size() == 1);
    CHECK(denied.detail.violations(0).code() == "AUTHORITY_NOT_AGREED");

    v1::RequestEnvelope wrong_document = example;
    wrong_document.set_payload("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Unexpected xmlns=\"urn:x\"/>");
    CHECK(requester.SendRequest(next_key(), wrong_document, &sent).error_code == "SCHEMA_INVALID");

    v1::RequestEnvelope hostile = example;
    hostile.set_payload(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
        "\"&lol;&lol;&lol;\">]><r>&lol2;</r>");
    CHECK(requester.SendRequest(next_key(), hostile, &sent).error_code == "UNSAFE_XML");
  }
}

}  // namespace
}  // namespace mezhved::testing
