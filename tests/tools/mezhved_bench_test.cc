// Short mezhved_bench runs against the real mezhvedd on loopback ports: the requests it sends pass the gateway's
// checks and arrive complete, its report counts what really went through, and its exit statuses.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/envelopes.h"
#include "tests/tools/gateway_under_test.h"

namespace mezhved::testing {
namespace {

constexpr std::chrono::milliseconds kRunTimeout{30'000};

// A short run: 2 senders, 1 receiver, 0.5 s warm-up, 1.5 s measured, unless options say otherwise.
CommandResult Bench(const std::string& target, const std::map<std::string, std::string>& options) {
  std::map<std::string, std::string> all = {
      {"--senders", "2"}, {"--receivers", "1"}, {"--warmup", "0.5"}, {"--duration", "1.5"}};
  for (const auto& [name, value] : options) {
    all[name] = value;
  }
  std::vector<std::string> arguments = {MEZHVED_BENCH_PATH, "--target", target, "--json"};
  for (const auto& [name, value] : all) {
    arguments.push_back(name);
    arguments.push_back(value);
  }
  return RunCommand(arguments, kRunTimeout);
}

nlohmann::json ReportOf(const CommandResult& result) {
  nlohmann::json report = nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  if (!report.is_object()) {
    FAIL("mezhved_bench printed no JSON report; stdout:\n" << result.out << "stderr:\n" << result.err);
  }
  return report;
}

uint64_t PendingFor(GatewayUnderTest& gateway, const std::string& recipient_code) {
  std::optional<v1::QueueSummary> queue = gateway.Queue(recipient_code);
  return queue ? queue->pending() : 0;
}

TEST_CASE("mezhved_bench measures end-to-end throughput and latency through the real gateway", "[mezhved_bench]") {
  GatewayUnderTest gateway;
  // Left over from "an earlier run": the bench receives and acknowledges them, but does not count them as its own.
  for (const char* key : {"old-1", "old-2", "old-3"}) {
    gateway.Send(kSocialDept, kZags, key);
  }

  CommandResult result = Bench(gateway.agency_address(), {{"--from", kSocialDept}, {"--to", kZags}});
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  nlohmann::json report = ReportOf(result);
  INFO(report.dump(2));
  const nlohmann::json& counts = report["counts"];
  CHECK(counts["sent"].get<uint64_t>() > 0);
  CHECK(counts["end_to_end"].get<uint64_t>() > 0);
  CHECK(counts["received"].get<uint64_t>() >= counts["end_to_end"].get<uint64_t>());
  CHECK(counts["acked"].get<uint64_t>() >= counts["end_to_end"].get<uint64_t>());
  CHECK(counts["redelivered"] == 0);
  CHECK(counts["foreign"] == 3);
  CHECK(report["end_to_end_per_second"].get<double>() > 0);
  CHECK(report["sent_per_second"].get<double>() > 0);
  const nlohmann::json& latency = report["delivery_latency_ms"];
  CHECK(latency["samples"].get<uint64_t>() > 0);
  CHECK(latency["p50"].get<double>() > 0);
  CHECK(latency["p50"].get<double>() <= latency["p99"].get<double>());
  CHECK(latency["p99"].get<double>() <= latency["max"].get<double>());
  CHECK(report["send_rpc_ms"]["p99"].get<double>() > 0);
  CHECK(report["errors"].empty());
  CHECK(report["payload_bytes"] == 4096);
  CHECK(report["duration_seconds"].get<double>() == Approx(1.5));

  // What the bench says it left behind is what the gateway still holds for the addressee.
  CHECK(PendingFor(gateway, kZags) == counts["unacknowledged_at_end"].get<uint64_t>());
}

TEST_CASE("mezhved_bench --soap puts the same load through the SOAP API", "[mezhved_bench][soap]") {
  GatewayUnderTest gateway;
  gateway.Send(kSocialDept, kZags, "old-1");  // not the bench's own: received and acknowledged, not counted
  CommandResult result =
      Bench(gateway.agency_address(),
            {{"--from", kSocialDept}, {"--to", kZags}, {"--soap", gateway.soap_address()}, {"--rate", "100"}});
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  nlohmann::json report = ReportOf(result);
  INFO(report.dump(2));
  CHECK(report["api"] == "soap");
  const nlohmann::json& counts = report["counts"];
  CHECK(counts["sent"].get<uint64_t>() > 0);
  CHECK(counts["end_to_end"].get<uint64_t>() > 0);
  CHECK(counts["foreign"] == 1);
  CHECK(counts["redelivered"] == 0);
  CHECK(report["delivery_latency_ms"]["samples"].get<uint64_t>() > 0);
  CHECK(report["errors"].empty());
  CHECK(PendingFor(gateway, kZags) == counts["unacknowledged_at_end"].get<uint64_t>());
}

TEST_CASE("mezhved_bench --scrape reads /metrics through the run and reports the scrapes", "[mezhved_bench]") {
  GatewayUnderTest gateway;
  CommandResult result =
      Bench(gateway.agency_address(), {{"--from", kSocialDept},
                                       {"--to", kZags},
                                       {"--rate", "100"},
                                       {"--scrape", "http://" + gateway.console_address() + "/metrics"},
                                       {"--scrape-interval", "0.2"}});
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  nlohmann::json report = ReportOf(result);
  INFO(report.dump(2));
  const nlohmann::json& scrape = report["scrape"];
  // 2 s at one scrape every 0.2 s: about 10.
  CHECK(scrape["scrapes"].get<uint64_t>() >= 5);
  CHECK(scrape["scrapes"].get<uint64_t>() <= 11);
  CHECK(scrape["failed"] == 0);
  CHECK(scrape["bytes"].get<uint64_t>() > 1000);
  CHECK(scrape["latency_ms"]["p50"].get<double>() > 0);
  CHECK(scrape["latency_ms"]["p50"].get<double>() <= scrape["latency_ms"]["max"].get<double>());
  CHECK(report["errors"].empty());

  // Without a listener to scrape, every scrape fails and the run says so.
  CommandResult nowhere =
      Bench(gateway.agency_address(),
            {{"--from", kSocialDept}, {"--to", kZags}, {"--rate", "100"}, {"--scrape", "http://127.0.0.1:1/metrics"}});
  CHECK(nowhere.exit_status == 1);
  CHECK(ReportOf(nowhere)["scrape"]["failed"].get<uint64_t>() > 0);
}

TEST_CASE("mezhved_bench paces senders to --rate, and the gateway stores complete requests", "[mezhved_bench]") {
  GatewayUnderTest gateway;

  // --receivers 0: everything sent stays in the addressee's queue, to be counted and inspected.
  CommandResult result = Bench(
      gateway.agency_address(),
      {{"--receivers", "0"}, {"--rate", "50"}, {"--payload-bytes", "300"}, {"--warmup", "0.3"}, {"--duration", "1"}});
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  nlohmann::json report = ReportOf(result);
  INFO(report.dump(2));
  // 50/s for 1.3 s in all: about 65 requests; pacing that failed would send hundreds.
  uint64_t stored = PendingFor(gateway, kZags);
  CHECK(stored >= 30);
  CHECK(stored <= 80);
  CHECK(report["sent_per_second"].get<double>() <= 60);
  CHECK(report["sent_per_second"].get<double>() >= 25);
  CHECK(report["counts"]["unacknowledged_at_end"].get<uint64_t>() == stored);
  CHECK(report["payload_bytes"] == 300);
  CHECK(report["errors"].empty());

  std::vector<v1::Message> received = gateway.Receive(kZags, 1, 2'000);
  REQUIRE(received.size() == 1);
  REQUIRE(received[0].has_request());
  CHECK(received[0].delivery_attempt() == 1);
  const v1::RequestEnvelope& request = received[0].request();
  CHECK(request.requester_code() == kSocialDept);
  CHECK(request.addressee_code() == kZags);
  CHECK(request.addressee_name() == "Отдел ЗАГС г. Барнаула");  // filled in by the gateway
  CHECK(request.information_type().id() == "zags.civil-status-record");
  CHECK(request.information_type().version() == "1.0");
  CHECK(!request.authority().legal_act().empty());
  CHECK(request.citizen().snils() == "112-233-445 95");
  CHECK(request.citizen().birth_date().year() == 1985);
  CHECK(!request.reply_contact().email().empty());
  CHECK(request.registration().outgoing_number().starts_with("bench-"));
  CHECK(request.registration().outgoing_number().size() <= 128);
  CHECK(request.registration().has_expected_response_date());
  CHECK(!request.preparer().work_email().empty());
  CHECK(request.consent().obtained());
  CHECK(request.payload().size() == 300);
  CHECK(request.payload().starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CivilStatusRecordRequest"));
  CHECK(request.payload().ends_with("</CivilStatusRecordRequest>\n"));
}

TEST_CASE("mezhved_bench reports the gateway's errors by their stable code", "[mezhved_bench]") {
  GatewayUnderTest gateway;

  // An addressee the registry does not know: every send is refused, every receive is unauthenticated.
  CommandResult result = Bench(
      gateway.agency_address(),
      {{"--to", "NOT-REGISTERED"}, {"--senders", "1"}, {"--rate", "20"}, {"--warmup", "0"}, {"--duration", "0.5"}});
  CHECK(result.exit_status == 1);
  nlohmann::json report = ReportOf(result);
  INFO(report.dump(2));
  CHECK(report["counts"]["sent"] == 0);
  CHECK(report["counts"]["end_to_end"] == 0);
  CHECK(report["errors"].contains("SendRequest INVALID_MESSAGE"));
  CHECK(report["errors"].contains("Receive UNAUTHENTICATED"));
  CHECK(!gateway.Queue("NOT-REGISTERED").has_value());  // nothing was stored
}

TEST_CASE("mezhved_bench exits 3 when nothing listens and 2 on bad usage", "[mezhved_bench]") {
  std::string address;
  {
    GatewayUnderTest gateway;
    address = gateway.agency_address();
    CHECK(gateway.daemon().Stop() == 0);
  }
  CommandResult refused = Bench(address, {});
  CHECK(refused.exit_status == 3);
  CHECK(refused.out.empty());
  CHECK(refused.err == "error: cannot connect to " + address + "\n");
  CHECK(Bench(address, {{"--senders", "0"}, {"--receivers", "0"}}).exit_status == 2);
  CHECK(Bench(address, {{"--ca", "ca.pem"}}).exit_status == 2);  // TLS needs both identities
  CHECK(Bench(address, {{"--payload-bytes", "0"}}).exit_status == 2);
  CHECK(Bench(address, {{"--duration", "0"}}).exit_status == 2);
  CommandResult unreadable = Bench(address, {{"--ca", "/nonexistent/ca.pem"},
                                             {"--cert", "c.pem"},
                                             {"--key", "c.key"},
                                             {"--receiver-cert", "r.pem"},
                                             {"--receiver-key", "r.key"}});
  CHECK(unreadable.exit_status == 2);
  CHECK(unreadable.err == "error: cannot read the CA file /nonexistent/ca.pem\n");
}

TEST_CASE("mezhved_bench over mutual TLS, one identity per side", "[mezhved_bench][test_pki]") {
  GatewayUnderTest gateway(GatewayUnderTest::Mode::kMutualTls);
  const CertFiles& sender = gateway.Client(kSocialDept);
  const CertFiles& receiver = gateway.Client(kZags);
  std::map<std::string, std::string> tls = {{"--ca", gateway.pki().ca_file().string()},
                                            {"--cert", sender.cert.string()},
                                            {"--key", sender.key.string()},
                                            {"--receiver-cert", receiver.cert.string()},
                                            {"--receiver-key", receiver.key.string()},
                                            {"--from", kSocialDept},
                                            {"--to", kZags},
                                            {"--warmup", "0.3"},
                                            {"--duration", "1"}};

  CommandResult result = Bench(gateway.agency_address(), tls);
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  nlohmann::json report = ReportOf(result);
  CHECK(report["counts"]["end_to_end"].get<uint64_t>() > 0);
  CHECK(report["errors"].empty());

  // The gateway takes the sender from the certificate: a hospital's certificate cannot send as SOCPROT-BARNAUL.
  const CertFiles& hospital = gateway.Client(kHospital);
  tls["--cert"] = hospital.cert.string();
  tls["--key"] = hospital.key.string();
  tls["--receivers"] = "0";
  tls["--senders"] = "1";
  tls["--rate"] = "20";
  tls["--warmup"] = "0";
  tls["--duration"] = "0.5";
  CommandResult mismatch = Bench(gateway.agency_address(), tls);
  CHECK(mismatch.exit_status == 1);
  nlohmann::json refused = ReportOf(mismatch);
  INFO(refused.dump(2));
  CHECK(refused["counts"]["sent"] == 0);
  CHECK(refused["errors"].contains("SendRequest SENDER_MISMATCH"));
}

}  // namespace
}  // namespace mezhved::testing
