// The cost of the gateway's seal per message, in-process: signing a 4.7 KB document with each algorithm (the
// template prepared once per key, the key duplicated per signature) and verifying it, certificate chain included.
// Keys come from a throw-away PKI made at start (tests/seal/seal_pki.h). Run: build/bench/seal_bench
// (Google Benchmark flags apply, e.g. --benchmark_min_time=2).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "seal/crypto.h"
#include "seal/keys.h"
#include "seal/sealer.h"
#include "seal/verifier.h"
#include "tests/seal/seal_pki.h"
#include "xml/document.h"

namespace mezhved::seal {
namespace {

// An envelope-like document of about 4.7 KB: a few header fields and the 4 KB benchmark payload.
std::string Document() {
  std::string payload = "<p:Data xmlns:p=\"urn:mezhved:bench:payload\"><p:Record>";
  while (payload.size() < 4096) payload += "<p:Field>Иванов Иван Иванович 1980-01-01</p:Field>";
  payload += "</p:Record></p:Data>";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<env:Message xmlns:env=\"urn:mezhved:bench:envelope\">"
         "<env:MessageId>0190a5e2-7c1b-7d3e-8f00-123456789012</env:MessageId><env:Sender>SOCPROT-BARNAUL</env:Sender>"
         "<env:Recipient>ZAGS-BARNAUL</env:Recipient><env:AcceptedAt>2026-11-24T06:00:00Z</env:AcceptedAt>"
         "<env:Payload>" +
         payload + "</env:Payload></env:Message>\n";
}

UnixMillis NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Setup {
  std::unique_ptr<Sealer> sealer;
  std::unique_ptr<SignatureVerifier> verifier;
  std::string sealed;
};

const Setup& SetupFor(Algorithm algorithm) {
  static std::map<Algorithm, Setup> setups;
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "seal-bench-XXXXXX").string();
    const char* made = mkdtemp(pattern.data());
    if (made == nullptr || !InitializeCrypto(std::string(MEZHVED_SOURCE_DIR) + "/deploy/openssl-gost.cnf").ok()) {
      std::abort();
    }
    return std::filesystem::path(made);
  }();
  if (auto found = setups.find(algorithm); found != setups.end()) {
    return found->second;
  }
  testing::SealPki pki(dir / NameOf(algorithm).data(), algorithm);
  const testing::SealIdentity identity = pki.Issue("gateway", algorithm);
  auto key = SealingKey::Load({identity.key.string(), identity.certificate.string(), "", ""});
  auto trust = TrustStore::Load({{pki.ca_file().string()}, {}});
  if (!key.ok() || !trust.ok()) {
    std::abort();
  }
  StatusOr<std::unique_ptr<Sealer>> created = Sealer::Create(*key);
  if (!created.ok()) {
    std::abort();
  }
  Setup setup;
  setup.sealer = std::move(created).value();
  setup.verifier = std::make_unique<SignatureVerifier>(*trust, xml::XmlLimits{});
  setup.sealed = *setup.sealer->Seal(Document());
  return setups.emplace(algorithm, std::move(setup)).first->second;
}

void BM_Seal(benchmark::State& state, Algorithm algorithm) {
  const Setup& setup = SetupFor(algorithm);
  const std::string document = Document();
  for (auto _ : state) {
    StatusOr<std::string> sealed = setup.sealer->Seal(document);
    if (!sealed.ok()) {
      state.SkipWithError(sealed.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(sealed->data());
  }
  state.SetLabel(std::to_string(document.size()) + " B document");
}

void BM_Verify(benchmark::State& state, Algorithm algorithm) {
  const Setup& setup = SetupFor(algorithm);
  const UnixMillis now = NowMs();
  for (auto _ : state) {
    StatusOr<VerifiedSignature> verified = setup.verifier->Verify(setup.sealed, now, "document");
    if (!verified.ok()) {
      state.SkipWithError(verified.status().ToString().c_str());
      break;
    }
  }
  state.SetLabel(std::to_string(setup.sealed.size()) + " B sealed");
}

// The untrusted parse alone, for scale: every seal and verification parses the document once.
void BM_ParseOnly(benchmark::State& state) {
  const std::string document = Document();
  for (auto _ : state) {
    auto parsed = xml::ParseUntrusted(document, xml::XmlLimits{}, "document");
    benchmark::DoNotOptimize(parsed.ok());
  }
}

BENCHMARK_CAPTURE(BM_Seal, rsa_sha256, Algorithm::kRsaSha256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Seal, ecdsa_p256_sha256, Algorithm::kEcdsaP256Sha256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Seal, gost2012_256, Algorithm::kGost2012_256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Verify, rsa_sha256, Algorithm::kRsaSha256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Verify, ecdsa_p256_sha256, Algorithm::kEcdsaP256Sha256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Verify, gost2012_256, Algorithm::kGost2012_256)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ParseOnly)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mezhved::seal

BENCHMARK_MAIN();
