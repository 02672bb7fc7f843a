#include "tests/support/envelopes.h"

#include <google/protobuf/text_format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mezhved::testing {
namespace {

v1::Date MakeDate(int year, int month, int day) {
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

std::string ListenerText(const ServerTlsFiles* tls) {
  if (tls == nullptr) {
    return "address: \"127.0.0.1:0\" insecure_loopback: true";
  }
  return "address: \"127.0.0.1:0\" tls { certificate_file: \"" + tls->certificate + "\" private_key_file: \"" +
         tls->private_key + "\" client_ca_file: \"" + tls->client_ca + "\" }";
}

}  // namespace

std::string ExampleFile(const std::string& name) {
  const std::string path = std::string(MEZHVED_SOURCE_DIR) + "/schemas/examples/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string SmallRegionConfigText(const std::string& data_dir, const ServerTlsFiles* tls,
                                  const std::string& soap_settings) {
  std::string text = "instance_name: \"test-region\"\n";
  text += "agency_api { " + ListenerText(tls) + " }\n";
  text += "operator_api { " + ListenerText(tls) + " }\n";
  text += "soap_api { listener { " + ListenerText(tls) + " } " + soap_settings + " }\n";
  text += "operator_console { listener { " + ListenerText(tls) + " } }\n";
  text += "store { data_dir: \"" + data_dir + "\" }\n";
  text += "information_types_catalog: \"" + std::string(MEZHVED_SOURCE_DIR) + "/schemas/catalog.textproto\"\n";
  text += "calendar { federal_dir: \"" + std::string(MEZHVED_SOURCE_DIR) + "/calendars/federal\" }\n";
  if (tls != nullptr) {  // beyond loopback the gateway must seal: with the server's own EC key, good enough for tests
    text += "seal { algorithm: \"ecdsa-p256-sha256\" private_key_file: \"" + tls->private_key +
            "\" certificate_file: \"" + tls->certificate + "\" }\n";
  }
  // Every level, so that tests/logs checks every log line the daemon can write for citizens' data.
  text += R"pb(
    logging { level: "debug" }
    delivery { lease_ms: 30000 max_attempts: 3 housekeeping_interval_ms: 50 }
    limits { max_message_bytes: 262144 max_payload_bytes: 131072 }
    agencies {
      code: "SOCPROT"
      name: "Министерство социальной защиты"
      kind: AGENCY_KIND_SOCIAL_PROTECTION
      organisations {
        code: "SOCPROT-MAIN"
        name: "Министерство социальной защиты"
        certificate_common_names: "SOCPROT-MAIN"
      }
      organisations {
        code: "SOCPROT-BARNAUL"
        name: "Управление социальной защиты по г. Барнаулу"
        parent: "SOCPROT-MAIN"
        certificate_common_names: "SOCPROT-BARNAUL"
      }
      organisations {
        code: "SOCPROT-BIYSK"
        name: "Управление социальной защиты по г. Бийску"
        parent: "SOCPROT-MAIN"
        certificate_common_names: "SOCPROT-BIYSK"
      }
    }
    agencies {
      code: "ZAGS"
      name: "Управление юстиции (ЗАГС)"
      kind: AGENCY_KIND_CIVIL_REGISTRY
      organisations { code: "ZAGS-MAIN" name: "Управление ЗАГС" certificate_common_names: "ZAGS-MAIN" }
      organisations {
        code: "ZAGS-BARNAUL"
        name: "Отдел ЗАГС г. Барнаула"
        parent: "ZAGS-MAIN"
        certificate_common_names: "ZAGS-BARNAUL"
      }
    }
    agencies {
      code: "HEALTH"
      name: "Министерство здравоохранения"
      kind: AGENCY_KIND_HEALTH
      organisations { code: "HEALTH-MIN" name: "Министерство здравоохранения" certificate_common_names: "HEALTH-MIN" }
      organisations {
        code: "HEALTH-CRH-1"
        name: "Центральная районная больница"
        parent: "HEALTH-MIN"
        certificate_common_names: "HEALTH-CRH-1"
      }
    }
    operators { name: "duty" certificate_common_names: "operator-duty" }
    operators {
      name: "ivanova"
      role: OPERATOR_ROLE_OPERATOR
      certificate_common_names: "operator-ivanova"
      password_hash: "$argon2id$v=19$m=65536,t=3,p=1$c2FsdC1pdmFub3ZhLTE1MDE$2zrAaCE8g1fFxjMfcmdw568UbCfuPYX+pNJ947YpY54"
    }
    operators {
      name: "petrov"
      role: OPERATOR_ROLE_SUPERVISOR
      certificate_common_names: "operator-petrov"
      password_hash: "$argon2id$v=19$m=65536,t=3,p=1$c2FsdC1wZXRyb3YtMTMxMzk$i5hDpvDPf3mUMP4DzGlZoNFRMdh2LO/P5R273ZvKlYg"
    }
    operators {
      name: "sidorova"
      role: OPERATOR_ROLE_AUDITOR
      certificate_common_names: "operator-sidorova"
      password_hash: "$argon2id$v=19$m=65536,t=3,p=1$c2FsdC1zaWRvcm92YS02OA$5gfD62UQThNxU4jHbPmoxTr1WJpfZp9TfKSMJn7gPFk"
    }
    operators {
      name: "admin"
      role: OPERATOR_ROLE_ADMINISTRATOR
      certificate_common_names: "operator-admin"
      password_hash: "$argon2id$v=19$m=65536,t=3,p=1$c2FsdC1hZG1pbi0xMzkwOA$Dk+oDTO3/90Okj9TzXSmVc7vHH+tI6P8V6gmWdUwJj0"
    }
    agreements {
      id: "AGR-TEST-1"
      title: "Соглашение о межведомственном взаимодействии (тест)"
      requesters: "SOCPROT"
      addressees: "ZAGS"
      addressees: "HEALTH"
      information_types: "zags.civil-status-record"
      authorities { code: "social-services.recognition-of-need" }
      authorities { code: "social-support.child-allowance" }
      valid_from: "2020-01-01"
    }
  )pb";
  return text;
}

config::v1::GatewayConfig SmallRegionConfig(const std::string& data_dir) {
  config::v1::GatewayConfig config;
  if (!google::protobuf::TextFormat::ParseFromString(SmallRegionConfigText(data_dir), &config)) {
    throw std::runtime_error("SmallRegionConfigText does not parse");
  }
  return config;
}

v1::RequestEnvelope ValidRequest(const std::string& from, const std::string& to) {
  v1::RequestEnvelope request;
  request.set_requester_code(from);
  request.set_addressee_code(to);
  request.mutable_information_type()->set_id("zags.civil-status-record");
  request.mutable_information_type()->set_version("1.0");
  v1::Authority* authority = request.mutable_authority();
  authority->set_code("social-services.recognition-of-need");
  authority->set_name("Признание гражданина нуждающимся в социальном обслуживании");
  authority->set_legal_act("Федеральный закон от 28.12.2013 № 442-ФЗ");
  authority->set_provision("статья 15");
  v1::Citizen* citizen = request.mutable_citizen();
  citizen->set_last_name("Иванова");
  citizen->set_first_name("Мария");
  citizen->set_middle_name("Петровна");
  *citizen->mutable_birth_date() = MakeDate(1948, 3, 17);
  citizen->set_snils("112-233-445 95");
  request.mutable_reply_contact()->set_email("uszn-barnaul@example.ru");
  v1::Registration* registration = request.mutable_registration();
  registration->set_outgoing_number("01-12/3456");
  *registration->mutable_sent_date() = MakeDate(2026, 11, 24);
  *registration->mutable_expected_response_date() = MakeDate(2026, 12, 1);
  v1::Preparer* preparer = request.mutable_preparer();
  preparer->set_full_name("Петрова Анна Сергеевна");
  preparer->set_position("главный специалист");
  preparer->set_work_phone("+7 3852 000000");
  v1::PersonalDataConsent* consent = request.mutable_consent();
  consent->set_obtained(true);
  consent->set_document_reference("согласие № 77 от 20.11.2026");
  *consent->mutable_date() = MakeDate(2026, 11, 20);
  request.set_payload(ExampleFile("zags.civil-status-record.request.xml"));
  return request;
}

v1::ResponseEnvelope DataResponse(const std::string& request_id, const std::string& responder) {
  v1::ResponseEnvelope response;
  response.set_request_id(request_id);
  response.set_responder_code(responder);
  response.mutable_registration()->set_outgoing_number("ZAGS/2026/991");
  *response.mutable_registration()->mutable_sent_date() = MakeDate(2026, 11, 25);
  response.mutable_preparer()->set_full_name("Сидоров Олег Викторович");
  response.mutable_preparer()->set_position("начальник отдела");
  response.mutable_preparer()->set_work_email("zags-barnaul@example.ru");
  response.mutable_data()->set_payload(ExampleFile("zags.civil-status-record.response.xml"));
  return response;
}

}  // namespace mezhved::testing
