// Shared by the signature tests: crypto initialised with the repository's GOST config, a fresh PKI, a document,
// sealing and verifying with one call each.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "seal/crypto.h"
#include "seal/keys.h"
#include "seal/sealer.h"
#include "seal/verifier.h"
#include "tests/seal/seal_pki.h"
#include "tests/support/temp_dir.h"

namespace mezhved::seal {

inline constexpr char kDocument[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<env:Envelope xmlns:env=\"urn:mezhved:test:envelope\"><env:Payload>"
    "<p:Data xmlns:p=\"urn:mezhved:test:payload\"><p:Name>Иванов</p:Name><p:Number>17</p:Number></p:Data>"
    "</env:Payload></env:Envelope>\n";

inline UnixMillis NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::string OpenSslConfig() { return std::string(MEZHVED_SOURCE_DIR) + "/deploy/openssl-gost.cnf"; }

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct SealFixture {
  // `now`: the instant the PKI is made around (0: the real time), e.g. a test's injected clock.
  explicit SealFixture(UnixMillis now = 0) : pki((InitOnce(), dir / "pki"), seal::Algorithm::kRsaSha256, now) {}

  static void InitOnce() { REQUIRE(InitializeCrypto(OpenSslConfig()).ok()); }

  std::string SealWith(const testing::SealIdentity& identity, const std::string& document) {
    auto key = SealingKey::Load({identity.key.string(), identity.certificate.string(), "", ""});
    REQUIRE(key.ok());
    auto sealer = Sealer::Create(*key);
    REQUIRE(sealer.ok());
    auto sealed = (*sealer)->Seal(document);
    REQUIRE(sealed.ok());
    return *sealed;
  }

  SignatureVerifier Verifier(const std::vector<std::string>& crl_files = {}) {
    auto trust = TrustStore::Load({{pki.ca_file().string()}, crl_files});
    REQUIRE(trust.ok());
    return SignatureVerifier(*trust, xml::XmlLimits{});
  }

  // The base64 body of the identity's PEM certificate, on one line, as it appears in ds:X509Certificate.
  static std::string CertificateBase64(const testing::SealIdentity& identity) {
    std::istringstream lines(ReadText(identity.certificate));
    std::string line;
    std::string base64;
    while (std::getline(lines, line)) {
      if (line.rfind("-----", 0) != 0) base64 += line;
    }
    return base64;
  }

  testing::TempDir dir;
  testing::SealPki pki;
};

}  // namespace mezhved::seal
