// The cost of the rules at the door per message, without the network: the envelope checks of every request
// (ValidateRequest with the information type's rules), the agreement look-up, and the payload checks (the
// hostile-input scan, libxml2's parse and the XSD validation) for the 4 KB benchmark payload and for each shipped
// example. Run: build/bench/validation_bench (Google Benchmark flags apply, e.g. --benchmark_min_time=2).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "gateway/agreements.h"
#include "gateway/config.h"
#include "gateway/information_types.h"
#include "gateway/participants.h"
#include "gateway/validation.h"

namespace mezhved::gateway {
namespace {

const std::string kSourceDir = MEZHVED_SOURCE_DIR;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct World {
  config::v1::GatewayConfig config;
  ParticipantRegistry participants;
  std::shared_ptr<const AgreementRegistry> agreements;
  std::shared_ptr<const InformationTypeRegistry> types;

  World() {
    config = *ReadConfigFile(kSourceDir + "/deploy/default/mezhved.textproto");
    config.set_information_types_catalog(kSourceDir + "/schemas/catalog.textproto");
    participants = ParticipantRegistry::FromConfig(config);
    agreements = std::make_shared<AgreementRegistry>(config, participants);
    types = *InformationTypeRegistry::Load(config.information_types_catalog());
  }
};

const World& TheWorld() {
  static const World world;
  return world;
}

// The payload mezhved_bench sends: the zags request padded to 4096 bytes with a comment.
std::string BenchPayload() {
  std::string payload =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<CivilStatusRecordRequest xmlns=\"urn:mezhved:types:zags:civil-status-record:1\">"
      "<RecordKind>BIRTH</RecordKind><CitizenRole>ANY</CitizenRole><!-- ";
  const std::string tail = " --></CivilStatusRecordRequest>\n";
  while (payload.size() + tail.size() < 4096) payload += 'x';
  return payload + tail;
}

v1::RequestEnvelope Envelope() {
  v1::RequestEnvelope request;
  request.set_requester_code("SOCPROT-BARNAUL");
  request.set_addressee_code("ZAGS-BIYSK");
  request.mutable_information_type()->set_id("zags.civil-status-record");
  request.mutable_information_type()->set_version("1.0");
  auto* authority = request.mutable_authority();
  authority->set_code("social-services.recognition-of-need");
  authority->set_name("Признание гражданина нуждающимся в социальном обслуживании");
  authority->set_legal_act("442-ФЗ");
  authority->set_provision("ст. 15");
  auto* citizen = request.mutable_citizen();
  citizen->set_last_name("Иванова");
  citizen->set_first_name("Мария");
  citizen->mutable_birth_date()->set_year(1948);
  citizen->mutable_birth_date()->set_month(3);
  citizen->mutable_birth_date()->set_day(17);
  citizen->set_snils("112-233-445 95");
  request.mutable_reply_contact()->set_email("a@example.ru");
  auto* registration = request.mutable_registration();
  registration->set_outgoing_number("1");
  *registration->mutable_sent_date() = citizen->birth_date();
  *registration->mutable_expected_response_date() = citizen->birth_date();
  registration->mutable_expected_response_date()->set_year(1949);
  request.mutable_preparer()->set_full_name("Петрова А. С.");
  request.mutable_preparer()->set_position("специалист");
  request.mutable_preparer()->set_work_email("p@example.ru");
  request.mutable_consent()->set_obtained(true);
  request.mutable_consent()->set_document_reference("№ 1");
  *request.mutable_consent()->mutable_date() = citizen->birth_date();
  request.set_payload(BenchPayload());
  return request;
}

void BM_EnvelopeRules(benchmark::State& state) {
  const World& world = TheWorld();
  const v1::RequestEnvelope request = Envelope();
  for (auto _ : state) {
    benchmark::DoNotOptimize(ValidateRequest(request, world.participants, {}, world.types.get()));
  }
}
BENCHMARK(BM_EnvelopeRules);

void BM_AgreementLookup(benchmark::State& state) {
  const World& world = TheWorld();
  for (auto _ : state) {
    benchmark::DoNotOptimize(world.agreements->Authorize("SOCPROT-BARNAUL", "ZAGS-BIYSK", "zags.civil-status-record",
                                                         "social-services.recognition-of-need", 20261124));
  }
}
BENCHMARK(BM_AgreementLookup);

void BM_PayloadScanOnly(benchmark::State& state) {
  const std::string payload = BenchPayload();
  for (auto _ : state) {
    benchmark::DoNotOptimize(xml::CheckXmlSafety(payload, {}, "request.payload"));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(BM_PayloadScanOnly);

void BM_PayloadBench4K(benchmark::State& state) {
  const World& world = TheWorld();
  const v1::RequestEnvelope request = Envelope();
  for (auto _ : state) {
    benchmark::DoNotOptimize(world.types->ValidateRequestPayload(request.information_type(), request.payload(), {}));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * request.payload().size()));
}
BENCHMARK(BM_PayloadBench4K);

// Each shipped example request, against its own XSD.
void BM_PayloadExample(benchmark::State& state) {
  const World& world = TheWorld();
  const config::v1::InformationType& type = world.types->catalog().types(static_cast<int>(state.range(0)));
  const std::string payload = ReadFile(kSourceDir + "/schemas/" + type.request_example());
  v1::InformationTypeRef ref;
  ref.set_id(type.id());
  ref.set_version(type.version());
  state.SetLabel(type.id());
  for (auto _ : state) {
    benchmark::DoNotOptimize(world.types->ValidateRequestPayload(ref, payload, {}));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(BM_PayloadExample)->DenseRange(0, 9);

}  // namespace
}  // namespace mezhved::gateway

BENCHMARK_MAIN();
