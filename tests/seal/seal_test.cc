// The gateway's seal and the verification of signatures (seal/): each algorithm round-trips, keys load from PEM and
// PKCS#12, and every way a signature can be wrong is refused with its own code.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "seal/crypto.h"
#include "seal/keys.h"
#include "seal/sealer.h"
#include "seal/verifier.h"
#include "tests/seal/seal_fixture.h"

namespace mezhved::seal {
namespace {

using testing::SealIdentity;

TEST_CASE("a seal verifies with the gateway's certificate, for each algorithm", "[seal]") {
  const Algorithm algorithm = GENERATE(Algorithm::kRsaSha256, Algorithm::kEcdsaP256Sha256, Algorithm::kGost2012_256);
  SealFixture fixture;
  const SealIdentity gateway = fixture.pki.Issue("gateway", algorithm);
  const std::string sealed = fixture.SealWith(gateway, kDocument);
  INFO(sealed);
  CHECK(sealed.find(std::string(UrisOf(algorithm).signature)) != std::string::npos);
  CHECK(sealed.find(std::string(UrisOf(algorithm).digest)) != std::string::npos);
  CHECK(sealed.find("<ds:X509Certificate>") != std::string::npos);
  CHECK(sealed.find("Иванов") != std::string::npos);  // the document itself is untouched

  StatusOr<VerifiedSignature> verified = fixture.Verifier().Verify(sealed, NowMs(), "document");
  REQUIRE(verified.ok());
  CHECK(verified->algorithm == algorithm);
  CHECK(verified->subject == "/CN=gateway");
  CHECK(verified->certificate_sha256.size() == 64);
}

TEST_CASE("the sealing key loads from PEM and PKCS#12, and a wrong one is refused", "[seal]") {
  SealFixture fixture;
  const SealIdentity gateway = fixture.pki.Issue("gateway", Algorithm::kEcdsaP256Sha256);
  const SealIdentity other = fixture.pki.Issue("other", Algorithm::kEcdsaP256Sha256);

  auto pem = SealingKey::Load({gateway.key.string(), gateway.certificate.string(), "", ""});
  REQUIRE(pem.ok());
  CHECK((*pem)->algorithm() == Algorithm::kEcdsaP256Sha256);
  CHECK((*pem)->subject() == "/CN=gateway");
  CHECK((*pem)->not_after_ms() > NowMs());

  const auto p12 = fixture.pki.Pkcs12(gateway, "secret");
  auto from_p12 = SealingKey::Load({"", "", p12.string(), "secret"});
  REQUIRE(from_p12.ok());
  CHECK((*from_p12)->certificate_sha256() == (*pem)->certificate_sha256());

  auto wrong_password = SealingKey::Load({"", "", p12.string(), "guess"});
  CHECK(wrong_password.status().code() == ErrorCode::kConfigInvalid);
  CHECK(wrong_password.status().message().find("secret") == std::string::npos);
  auto mismatched = SealingKey::Load({gateway.key.string(), other.certificate.string(), "", ""});
  CHECK(mismatched.status().code() == ErrorCode::kConfigInvalid);
  CHECK(mismatched.status().message().find("does not belong") != std::string::npos);
  auto missing = SealingKey::Load({"/nonexistent.key", gateway.certificate.string(), "", ""});
  CHECK(missing.status().code() == ErrorCode::kConfigInvalid);
}

TEST_CASE("certificates after the signer's in the PEM file travel in the seal", "[seal]") {
  SealFixture fixture;
  const SealIdentity gateway = fixture.pki.Issue("gateway", Algorithm::kGost2012_256);
  SealIdentity with_chain = gateway;
  with_chain.certificate = fixture.dir / "chain.pem";
  std::ofstream(with_chain.certificate) << ReadText(gateway.certificate) << ReadText(fixture.pki.ca_file());
  const std::string sealed = fixture.SealWith(with_chain, kDocument);
  size_t certificates = 0;
  for (size_t at = sealed.find("<ds:X509Certificate>"); at != std::string::npos;
       at = sealed.find("<ds:X509Certificate>", at + 1)) {
    ++certificates;
  }
  CHECK(certificates == 2);
  StatusOr<VerifiedSignature> verified = fixture.Verifier().Verify(sealed, NowMs(), "document");
  REQUIRE(verified.ok());
  CHECK(verified->subject == "/CN=gateway");  // the first certificate is the signer's
}

// --- What is refused, and how.

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string CodeOf(const Status& status) { return std::string(ErrorCodeName(status.code())); }

TEST_CASE("tampering, wrong and unacceptable certificates are refused with their own codes", "[seal]") {
  const Algorithm algorithm = GENERATE(Algorithm::kRsaSha256, Algorithm::kGost2012_256);
  SealFixture fixture;
  const SealIdentity gateway = fixture.pki.Issue("gateway", algorithm);
  const std::string sealed = fixture.SealWith(gateway, kDocument);
  const SignatureVerifier verifier = fixture.Verifier();
  const auto code_of = [&](const std::string& document, UnixMillis at = 0) {
    return CodeOf(verifier.Verify(document, at != 0 ? at : NowMs(), "document").status());
  };
  REQUIRE(code_of(sealed) == "OK");

  SECTION("one byte of the document, of the signed info or of the signature value") {
    CHECK(code_of(Replaced(sealed, "Иванов", "Иванoв")) == "SIGNATURE_INVALID");  // a Latin 'o'
    CHECK(code_of(Replaced(sealed, "<p:Number>17</p:Number>", "<p:Number>18</p:Number>")) == "SIGNATURE_INVALID");
    const size_t value = sealed.find("<ds:SignatureValue>") + std::string("<ds:SignatureValue>").size();
    std::string changed = sealed;
    changed[value + 5] = changed[value + 5] == 'A' ? 'B' : 'A';
    CHECK(code_of(changed) == "SIGNATURE_INVALID");
  }
  SECTION("another certificate in KeyInfo than the key that signed") {
    const SealIdentity other = fixture.pki.Issue("other", algorithm);
    const size_t start = sealed.find("<ds:X509Certificate>") + std::string("<ds:X509Certificate>").size();
    const size_t end = sealed.find("</ds:X509Certificate>");
    std::string swapped = sealed;
    swapped.replace(start, end - start, SealFixture::CertificateBase64(other));
    CHECK(code_of(swapped) == "SIGNATURE_INVALID");
  }
  SECTION("an untrusted, an expired and a revoked certificate") {
    const SealIdentity stranger = fixture.pki.Stranger("stranger", algorithm);
    CHECK(code_of(fixture.SealWith(stranger, kDocument)) == "CERTIFICATE_UNTRUSTED");
    const SealIdentity old = fixture.pki.Issue("old", algorithm, NowMs() - 400LL * 86400000, NowMs() - 30LL * 86400000);
    CHECK(code_of(fixture.SealWith(old, kDocument)) == "CERTIFICATE_EXPIRED");
    // ... valid when it signed: verifying at a time inside its validity passes.
    CHECK(code_of(fixture.SealWith(old, kDocument), NowMs() - 60LL * 86400000) == "OK");

    const SealIdentity revoked = fixture.pki.Issue("revoked", algorithm);
    const std::string by_revoked = fixture.SealWith(revoked, kDocument);
    CHECK(code_of(by_revoked) == "OK");
    const auto crl = fixture.pki.Crl({revoked.serial});
    const SignatureVerifier with_crl = fixture.Verifier({crl.string()});
    CHECK(CodeOf(with_crl.Verify(by_revoked, NowMs(), "document").status()) == "CERTIFICATE_REVOKED");
    CHECK(CodeOf(with_crl.Verify(sealed, NowMs(), "document").status()) == "OK");
  }
  SECTION("no signature, two, or one in the wrong place") {
    CHECK(code_of(kDocument) == "SIGNATURE_MISSING");
    const size_t start = sealed.find("<ds:Signature");
    const size_t end = sealed.find("</ds:Signature>") + std::string("</ds:Signature>").size();
    const std::string signature = sealed.substr(start, end - start);
    CHECK(code_of(Replaced(sealed, "</env:Envelope>", signature + "</env:Envelope>")) == "SIGNATURE_MALFORMED");
    std::string moved = sealed;
    moved.erase(start, end - start);
    CHECK(code_of(Replaced(moved, "</env:Payload>", signature + "</env:Payload>")) == "SIGNATURE_MALFORMED");
  }
  SECTION("signature wrapping: a reference to a part of the document, or other transforms") {
    const std::string part =
        Replaced(Replaced(sealed, "URI=\"\"", "URI=\"#payload\""), "<env:Payload>", "<env:Payload Id=\"payload\">");
    CHECK(code_of(part) == "SIGNATURE_MALFORMED");
    const std::string xpath =
        Replaced(sealed, "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
                 "<ds:Transform "
                 "Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>1</ds:XPath></ds:Transform>");
    CHECK(code_of(xpath) == "SIGNATURE_MALFORMED");
    CHECK(code_of(Replaced(sealed, std::string(UrisOf(algorithm).signature),
                           "http://www.w3.org/2000/09/xmldsig#rsa-sha1")) == "SIGNATURE_MALFORMED");
  }
  SECTION("hostile XML never reaches xmlsec1") {
    const std::string with_dtd = Replaced(sealed, "<env:Envelope", "<!DOCTYPE x [<!ENTITY a \"b\">]><env:Envelope");
    CHECK(code_of(with_dtd) == "UNSAFE_XML");
  }
}

}  // namespace
}  // namespace mezhved::seal
