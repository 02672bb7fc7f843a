// libFuzzer target over the request decoder and every rule at the door: arbitrary bytes are decoded as a
// SendRequestRequest (the agency API's wire form), then checked as the core checks a request: the envelope's
// required items with the information type's rules (ValidateRequest), the interagency agreement, and the payload
// (hostile-input scan, parse, XSD). It traps when a refusal breaks its contract: only the documented codes, an
// INVALID_MESSAGE that lists its fields, never INTERNAL. Built and run by tools/run-fuzz.sh (clang, -DMEZHVED_FUZZ=ON);
// with MEZHVED_FUZZ_WRITE_SEEDS=DIR it writes one valid request per shipped example into DIR and exits.
#include <google/protobuf/text_format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway/agreements.h"
#include "gateway/information_types.h"
#include "gateway/participants.h"
#include "gateway/validation.h"
#include "mezhved/v1/gateway.pb.h"

namespace {

using namespace mezhved;           // NOLINT(google-build-using-namespace): a test harness
using namespace mezhved::gateway;  // NOLINT(google-build-using-namespace)

const std::string kSourceDir = MEZHVED_SOURCE_DIR;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Rules {
  config::v1::GatewayConfig config;
  ParticipantRegistry participants;
  std::unique_ptr<AgreementRegistry> agreements;
  std::shared_ptr<const InformationTypeRegistry> types;

  Rules() {
    if (!google::protobuf::TextFormat::ParseFromString(ReadFile(kSourceDir + "/deploy/default/mezhved.textproto"),
                                                       &config)) {
      abort();
    }
    participants = ParticipantRegistry::FromConfig(config);
    agreements = std::make_unique<AgreementRegistry>(config, participants);
    auto loaded = InformationTypeRegistry::Load(kSourceDir + "/schemas/catalog.textproto");
    if (!loaded.ok()) {
      abort();
    }
    types = *loaded;
  }
};

const Rules& TheRules() {
  static const Rules rules;
  return rules;
}

// The request the gateway would check, in the order it checks it.
Status CheckAtTheDoor(const v1::RequestEnvelope& request) {
  const Rules& rules = TheRules();
  MEZHVED_RETURN_IF_ERROR(ValidateRequest(request, rules.participants, {}, rules.types.get()));
  StatusOr<const config::v1::Agreement*> agreement =
      rules.agreements->Authorize(request.requester_code(), request.addressee_code(), request.information_type().id(),
                                  request.authority().code(), 20261124);
  MEZHVED_RETURN_IF_ERROR(agreement.status());
  return rules.types->ValidateRequestPayload(request.information_type(), request.payload(), {});
}

void WriteSeeds(const std::string& dir) {
  const Rules& rules = TheRules();
  int n = 0;
  for (const config::v1::InformationType& type : rules.types->catalog().types()) {
    v1::SendRequestRequest call;
    call.set_idempotency_key("seed-" + std::to_string(n));
    v1::RequestEnvelope* request = call.mutable_request();
    request->set_requester_code("SOCPROT-BARNAUL");
    request->set_addressee_code("ZAGS-BIYSK");
    request->mutable_information_type()->set_id(type.id());
    request->mutable_information_type()->set_version(type.version());
    request->mutable_authority()->set_code("social-services.recognition-of-need");
    request->mutable_authority()->set_name("n");
    request->mutable_authority()->set_legal_act("442-FZ");
    request->mutable_authority()->set_provision("15");
    request->mutable_citizen()->set_last_name("L");
    request->mutable_citizen()->set_first_name("F");
    request->mutable_citizen()->mutable_birth_date()->set_year(1950);
    request->mutable_citizen()->mutable_birth_date()->set_month(1);
    request->mutable_citizen()->mutable_birth_date()->set_day(1);
    request->mutable_citizen()->set_snils("112-233-445 95");
    request->mutable_reply_contact()->set_email("e@example.ru");
    request->mutable_registration()->set_outgoing_number("1");
    *request->mutable_registration()->mutable_sent_date() = request->citizen().birth_date();
    *request->mutable_registration()->mutable_expected_response_date() = request->citizen().birth_date();
    request->mutable_preparer()->set_full_name("P");
    request->mutable_preparer()->set_position("S");
    request->mutable_preparer()->set_work_email("p@example.ru");
    request->mutable_consent()->set_obtained(true);
    request->mutable_consent()->set_document_reference("1");
    *request->mutable_consent()->mutable_date() = request->citizen().birth_date();
    request->set_payload(ReadFile(kSourceDir + "/schemas/" + type.request_example()));
    std::ofstream(dir + "/seed-" + std::to_string(n++) + ".pb", std::ios::binary) << call.SerializeAsString();
  }
}

bool DocumentedRefusal(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
    case ErrorCode::kInvalidMessage:
    case ErrorCode::kMessageTooLarge:
    case ErrorCode::kAccessDenied:
    case ErrorCode::kUnsafeXml:
    case ErrorCode::kInvalidXml:
    case ErrorCode::kSchemaInvalid:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (const char* dir = std::getenv("MEZHVED_FUZZ_WRITE_SEEDS")) {
    WriteSeeds(dir);
    std::exit(0);
  }
  TheRules();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  v1::SendRequestRequest call;
  if (!call.ParseFromArray(data, static_cast<int>(size))) {
    return 0;  // gRPC refuses what does not decode before the core sees it
  }
  const Status status = CheckAtTheDoor(call.request());
  if (!DocumentedRefusal(status.code())) {
    __builtin_trap();
  }
  if (status.code() == ErrorCode::kInvalidMessage && status.fields().empty()) {
    __builtin_trap();  // an invalid message always says which fields
  }
  return 0;
}
