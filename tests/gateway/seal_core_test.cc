// The core seals every message it accepts (docs/SIGNATURES.md): requests, responses, supplements and deadline
// notices reach their recipients with their XML form sealed by the gateway, which verifies with the gateway's
// certificate and says exactly what the delivered message says.
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>

#include "envelope/xml_form.h"
#include "tests/gateway/core_fixture.h"
#include "tests/seal/seal_fixture.h"
#include "tests/support/envelopes.h"

namespace mezhved::gateway {
namespace {

using testing::kSocialDept;
using testing::kZags;
using namespace test_fixture;  // NOLINT(google-build-using-namespace): the fixture is this file's vocabulary

std::shared_ptr<const seal::Sealer> MakeSealer(seal::SealFixture& keys, const testing::SealIdentity& identity) {
  auto key = seal::SealingKey::Load({identity.key.string(), identity.certificate.string(), "", ""});
  REQUIRE(key.ok());
  auto sealer = seal::Sealer::Create(*key);
  REQUIRE(sealer.ok());
  static_cast<void>(keys);
  return std::shared_ptr<const seal::Sealer>(std::move(sealer).value());
}

struct SealedCore {
  seal::SealFixture keys;
  testing::SealIdentity identity = keys.pki.Issue("mezhved-gateway", seal::Algorithm::kGost2012_256);
  CoreFixture core{{}, MakeSealer(keys, identity)};

  // The seal verifies with the gateway's CA, and the sealed form is the XML form of the message as delivered.
  void CheckSealed(const v1::Message& delivered) {
    INFO(delivered.message_id());
    REQUIRE_FALSE(delivered.sealed_xml().empty());
    auto verified = keys.Verifier().Verify(delivered.sealed_xml(), seal::NowMs(), "sealed_xml");
    INFO(verified.status().ToString());
    REQUIRE(verified.ok());
    CHECK(verified->algorithm == seal::Algorithm::kGost2012_256);
    CHECK(verified->subject == "/CN=mezhved-gateway");
    v1::Message unsealed = delivered;
    unsealed.clear_sealed_xml();
    StatusOr<std::string> form = envelope::ToXml(unsealed);
    REQUIRE(form.ok());
    const std::string& sealed = delivered.sealed_xml();
    const std::string body = form->substr(0, form->rfind("</m:Message>"));
    CHECK(sealed.rfind(body, 0) == 0);  // the form, then the signature
  }
};

TEST_CASE("requests, responses and notices arrive sealed by the gateway", "[gateway][seal]") {
  SealedCore sealed;
  CoreFixture& core = sealed.core;
  auto sent = core.Send(kSocialDept, kZags, "req-1");
  REQUIRE(sent.ok());
  std::vector<v1::Message> inbox = core.Receive(kZags);
  REQUIRE(inbox.size() == 1);
  sealed.CheckSealed(inbox[0]);
  CHECK(inbox[0].delivery_attempt() == 1);  // not part of the seal, so delivering again does not break it

  REQUIRE(core.Respond(kZags, testing::DataResponse(sent->message_id(), kZags), "resp-1").ok());
  std::vector<v1::Message> replies = core.Receive(kSocialDept);
  REQUIRE(replies.size() == 1);
  sealed.CheckSealed(replies[0]);

  // A tampered copy no longer verifies.
  std::string tampered = replies[0].sealed_xml();
  tampered.replace(tampered.find(kZags), 4, "ZAGZ");
  CHECK(sealed.keys.Verifier().Verify(tampered, seal::NowMs(), "sealed_xml").status().code() ==
        ErrorCode::kSignatureInvalid);
}

TEST_CASE("deadline notices are sealed too", "[gateway][seal]") {
  SealedCore sealed;
  CoreFixture& core = sealed.core;
  REQUIRE(core.Send(kSocialDept, kZags, "req-1").ok());
  REQUIRE(core.Receive(kZags).size() == 1);
  core.clock_.Set(1'796'158'800'000);  // the end of the five working days
  auto fired = Await<uint32_t>([&](Done<uint32_t> done) { core.gateway_->FireDeadlineTimers(done); });
  REQUIRE(fired.ok());
  REQUIRE(*fired == 1);
  std::vector<v1::Message> inbox = core.Receive(kZags);
  REQUIRE_FALSE(inbox.empty());
  const v1::Message& notice = inbox.back();
  REQUIRE(notice.kind() == v1::MESSAGE_KIND_NOTICE);
  sealed.CheckSealed(notice);
}

}  // namespace
}  // namespace mezhved::gateway
