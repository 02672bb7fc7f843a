// Senders' signatures on payloads (docs/SIGNATURES.md, "Verify on entry"): verified at the door against the sender
// trust store whenever present, required where the agreement says so, each failure refused with its own code and
// recorded; the signer is kept with the message and the signature stays in the payload for the recipient.
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>

#include "tests/gateway/core_fixture.h"
#include "tests/seal/seal_fixture.h"
#include "tests/support/envelopes.h"

namespace mezhved::gateway {
namespace {

using testing::kSocialDept;
using testing::kZags;
using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary

std::unique_ptr<seal::Sealer> SignerFor(const testing::SealIdentity& identity) {
  auto key = seal::SealingKey::Load({identity.key.string(), identity.certificate.string(), "", ""});
  REQUIRE(key.ok());
  auto sealer = seal::Sealer::Create(*key);
  REQUIRE(sealer.ok());
  return std::move(sealer).value();
}

std::string Signed(const testing::SealIdentity& identity, const std::string& document) {
  auto signed_document = SignerFor(identity)->Seal(document);
  REQUIRE(signed_document.ok());
  return *signed_document;
}

// A core whose agreement AGR-TEST-1 requires sender signatures, trusting the test PKI's CA (and its CRL, if any).
struct SigningCore {
  seal::SealFixture keys{kStart};  // the PKI is made around the core's clock
  testing::SealIdentity agency = keys.pki.Issue("SOCPROT-BARNAUL-IS", seal::Algorithm::kGost2012_256);
  CoreFixture core{
      [](config::v1::GatewayConfig& config) { config.mutable_agreements(0)->set_sender_signature_required(true); }};

  explicit SigningCore(const std::vector<std::string>& crl_files = {}) { TrustSenders(crl_files); }

  void TrustSenders(const std::vector<std::string>& crl_files) {
    auto trust = seal::TrustStore::Load({{keys.pki.ca_file().string()}, crl_files});
    REQUIRE(trust.ok());
    core.rules_.sender_verifier = std::make_shared<const seal::SignatureVerifier>(*trust, xml::XmlLimits{});
    core.Reopen();
  }

  StatusOr<v1::SendResult> SendWithPayload(const std::string& payload, const std::string& key) {
    v1::RequestEnvelope request = testing::ValidRequest(kSocialDept, kZags);
    request.set_payload(payload);
    return Await<v1::SendResult>(
        [&](Done<v1::SendResult> done) { core.gateway_->SendRequest(kSocialDept, key, request, done); });
  }
  std::string Payload() const { return testing::ValidRequest(kSocialDept, kZags).payload(); }
  std::string CodeOf(const std::string& payload, const std::string& key) {
    return std::string(ErrorCodeName(SendWithPayload(payload, key).status().code()));
  }
};

TEST_CASE("a signed payload is verified, kept with its signer, and delivered signed", "[gateway][signature]") {
  SigningCore signing;
  const std::string signed_payload = Signed(signing.agency, signing.Payload());
  auto sent = signing.SendWithPayload(signed_payload, "req-1");
  INFO(sent.status().ToString());
  REQUIRE(sent.ok());
  std::vector<v1::Message> inbox = signing.core.Receive(kZags);
  REQUIRE(inbox.size() == 1);
  CHECK(inbox[0].request().payload() == signed_payload);  // the recipient can check the signature itself
  CHECK(inbox[0].payload_signer().subject() == "/CN=SOCPROT-BARNAUL-IS");
  CHECK(inbox[0].payload_signer().algorithm() == "gost2012-256");
  CHECK(inbox[0].payload_signer().certificate_sha256().size() == 64);
  auto verified_by_recipient = signing.keys.Verifier().Verify(inbox[0].request().payload(), kStart, "payload");
  CHECK(verified_by_recipient.ok());
}

TEST_CASE("unsigned, changed, untrusted, expired, revoked and wrapped payloads are refused", "[gateway][signature]") {
  SigningCore signing;
  const std::string payload = signing.Payload();
  CHECK(signing.CodeOf(payload, "unsigned") == "SIGNATURE_MISSING");

  std::string changed = Signed(signing.agency, payload);
  changed.replace(changed.find("BIRTH"), 5, "DEATH");
  CHECK(signing.CodeOf(changed, "changed") == "SIGNATURE_INVALID");

  const testing::SealIdentity stranger = signing.keys.pki.Stranger("stranger", seal::Algorithm::kGost2012_256);
  CHECK(signing.CodeOf(Signed(stranger, payload), "stranger") == "CERTIFICATE_UNTRUSTED");

  const testing::SealIdentity expired =
      signing.keys.pki.Issue("old", seal::Algorithm::kRsaSha256, kStart - 400LL * 86400000, kStart - 30LL * 86400000);
  CHECK(signing.CodeOf(Signed(expired, payload), "expired") == "CERTIFICATE_EXPIRED");  // before the receipt

  std::string wrapped = Signed(signing.agency, payload);
  wrapped.replace(wrapped.find("URI=\"\""), 6, "URI=\"#part\"");
  CHECK(signing.CodeOf(wrapped, "wrapped") == "SIGNATURE_MALFORMED");

  // Each refusal is in the rejection log, with its code.
  auto rejections = signing.core.gateway_->ListRejections({});
  REQUIRE(rejections.ok());
  std::vector<std::string> codes;
  for (const v1::Rejection& rejection : rejections->rejections()) codes.push_back(rejection.error_code());
  CHECK(std::find(codes.begin(), codes.end(), "SIGNATURE_MISSING") != codes.end());
  CHECK(std::find(codes.begin(), codes.end(), "SIGNATURE_MALFORMED") != codes.end());
}

TEST_CASE("a revoked signer is refused once its CA's CRL says so", "[gateway][signature]") {
  SigningCore signing;
  const testing::SealIdentity revoked = signing.keys.pki.Issue("revoked-is", seal::Algorithm::kEcdsaP256Sha256);
  const std::string by_revoked = Signed(revoked, signing.Payload());
  CHECK(signing.SendWithPayload(by_revoked, "before-crl").ok());
  signing.TrustSenders({signing.keys.pki.Crl({revoked.serial}).string()});
  CHECK(signing.CodeOf(by_revoked, "after-crl") == "CERTIFICATE_REVOKED");
  CHECK(signing.SendWithPayload(Signed(signing.agency, signing.Payload()), "good-one").ok());
}

TEST_CASE("answers under the agreement are signed too: signatures not required are still checked",
          "[gateway][signature]") {
  SigningCore signing;
  auto sent = signing.SendWithPayload(Signed(signing.agency, signing.Payload()), "req-1");
  REQUIRE(sent.ok());
  REQUIRE(signing.core.Receive(kZags).size() == 1);
  v1::ResponseEnvelope answer = testing::DataResponse(sent->message_id(), kZags);
  CHECK(signing.core.Respond(kZags, answer, "unsigned-answer").status().code() == ErrorCode::kSignatureMissing);
  const testing::SealIdentity zags = signing.keys.pki.Issue("ZAGS-IS", seal::Algorithm::kGost2012_256);
  answer.mutable_data()->set_payload(Signed(zags, answer.data().payload()));
  auto answered = signing.core.Respond(kZags, answer, "signed-answer");
  INFO(answered.status().ToString());
  REQUIRE(answered.ok());
  CHECK(signing.core.Receive(kSocialDept).at(0).payload_signer().subject() == "/CN=ZAGS-IS");
}

TEST_CASE("without a requirement a signature is optional but must be good", "[gateway][signature]") {
  seal::SealFixture keys{kStart};
  CoreFixture core;
  auto trust = seal::TrustStore::Load({{keys.pki.ca_file().string()}, {}});
  REQUIRE(trust.ok());
  core.rules_.sender_verifier = std::make_shared<const seal::SignatureVerifier>(*trust, xml::XmlLimits{});
  core.Reopen();
  CHECK(core.Send(kSocialDept, kZags, "plain").ok());
  const testing::SealIdentity agency = keys.pki.Issue("SOCPROT-BARNAUL-IS", seal::Algorithm::kRsaSha256);
  v1::RequestEnvelope request = testing::ValidRequest(kSocialDept, kZags);
  std::string signed_payload = Signed(agency, request.payload());
  signed_payload.replace(signed_payload.find("BIRTH"), 5, "DEATH");
  request.set_payload(signed_payload);
  auto refused = Await<v1::SendResult>(
      [&](Done<v1::SendResult> done) { core.gateway_->SendRequest(kSocialDept, "bad", request, done); });
  CHECK(refused.status().code() == ErrorCode::kSignatureInvalid);
}

}  // namespace
}  // namespace mezhved::gateway
