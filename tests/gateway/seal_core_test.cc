// The core seals every message it accepts (docs/SIGNATURES.md): requests, responses, supplements and deadline
// notices reach their recipients with their XML form sealed by the gateway, which verifies with the gateway's
// certificate and says exactly what the delivered message says.
#include <google/protobuf/util/time_util.h>

#include <catch2/catch.hpp>
#include <set>

#include <rocksdb/db.h>

#include "envelope/xml_form.h"
#include "store/column_families.h"
#include "tests/gateway/core_fixture.h"
#include "tests/seal/seal_fixture.h"
#include "tests/support/envelopes.h"

// Last: the stored records' package, mezhved::store::v1, would hide mezhved::v1 from store/message_store.h.
#include "mezhved/store/v1/records.pb.h"  // NOLINT(llvm-include-order)

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

std::shared_ptr<const seal::SignatureVerifier> OwnSealVerifier(const seal::Sealer& sealer) {
  auto trust = seal::TrustStore::ForCertificates({sealer.key().certificate_der()});
  REQUIRE(trust.ok());
  return std::make_shared<const seal::SignatureVerifier>(*trust, xml::XmlLimits{});
}

struct SealedCore {
  seal::SealFixture keys{kStart};  // the PKI is made around the core's clock
  testing::SealIdentity identity = keys.pki.Issue("mezhved-gateway", seal::Algorithm::kGost2012_256);
  std::shared_ptr<const seal::Sealer> sealer = MakeSealer(keys, identity);
  CoreFixture core{{}, sealer, OwnSealVerifier(*sealer)};

  // The seal verifies with the gateway's CA, and the sealed form is the XML form of the message as delivered.
  void CheckSealed(const v1::Message& delivered) {
    INFO(delivered.message_id());
    REQUIRE_FALSE(delivered.sealed_xml().empty());
    auto verified = keys.Verifier().Verify(delivered.sealed_xml(), kStart, "sealed_xml");
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
  CHECK(sealed.keys.Verifier().Verify(tampered, kStart, "sealed_xml").status().code() == ErrorCode::kSignatureInvalid);
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

// Rewrites one stored message in the closed store, the way a disk fault or an intruder with file access would.
void TamperWithStoredMessage(const std::string& data_dir, const std::string& message_id,
                             const std::function<void(store::v1::StoredMessage&)>& change) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (std::string_view name : store::kColumnFamilyNames) {
    families.emplace_back(std::string(name), rocksdb::ColumnFamilyOptions());
  }
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), data_dir, families, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* messages = handles[store::ColumnFamilyIndex(store::ColumnFamily::kMessages)];
  const std::string key(MessageId::Parse(message_id)->bytes());
  std::string value;
  REQUIRE(db->Get(rocksdb::ReadOptions(), messages, key, &value).ok());
  store::v1::StoredMessage stored;
  REQUIRE(stored.ParseFromString(value));
  change(stored);
  REQUIRE(db->Put(rocksdb::WriteOptions(), messages, key, stored.SerializeAsString()).ok());
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    REQUIRE(db->DestroyColumnFamilyHandle(handle).ok());
  }
}

TEST_CASE("operators re-verify stored seals, one or all, and see what was changed", "[gateway][seal]") {
  SealedCore sealed;
  CoreFixture& core = sealed.core;
  std::vector<std::string> requests;
  for (const char* key : {"req-1", "req-2", "req-3"}) {
    auto sent = core.Send(kSocialDept, kZags, key);
    REQUIRE(sent.ok());
    requests.push_back(sent->message_id());
  }
  REQUIRE(core.Receive(kZags).size() == 3);
  REQUIRE(core.Respond(kZags, testing::DataResponse(requests[0], kZags), "resp-1").ok());

  v1::VerifySealRequest one;
  one.set_message_id(requests[1]);
  auto check = core.gateway_->VerifySeal(one);
  REQUIRE(check.ok());
  CHECK(check->verdict() == v1::SEAL_VERDICT_VALID);
  CHECK(check->algorithm() == "gost2012-256");
  CHECK(check->signer() == "/CN=mezhved-gateway");

  const auto scrub = [&] {
    v1::ScrubSealsResponse total;
    v1::ScrubSealsRequest page;
    page.set_page_size(2);
    do {
      auto response = core.gateway_->ScrubSeals(page);
      REQUIRE(response.ok());
      total.set_checked(total.checked() + response->checked());
      total.set_valid(total.valid() + response->valid());
      for (const v1::SealCheck& failure : response->failures()) *total.add_failures() = failure;
      page.set_page_token(response->next_page_token());
    } while (!page.page_token().empty());
    return total;
  };
  v1::ScrubSealsResponse clean = scrub();
  CHECK(clean.checked() == 4);  // three requests and a response, in two pages and a half
  CHECK(clean.valid() == 4);
  CHECK(clean.failures().empty());

  core.Reopen([&](const std::string& data_dir) {
    TamperWithStoredMessage(data_dir, requests[1], [](store::v1::StoredMessage& stored) {
      stored.mutable_message()->mutable_request()->mutable_citizen()->set_last_name("Петрова");
    });
    TamperWithStoredMessage(data_dir, requests[2], [](store::v1::StoredMessage& stored) {
      std::string& xml = *stored.mutable_message()->mutable_sealed_xml();
      xml.replace(xml.find("Иванова"), std::string("Иванова").size(), "Петрова");
    });
  });
  auto changed_fields = core.gateway_->VerifySeal(one);
  REQUIRE(changed_fields.ok());
  CHECK(changed_fields->verdict() == v1::SEAL_VERDICT_CONTENT_MISMATCH);
  one.set_message_id(requests[2]);
  auto changed_seal = core.gateway_->VerifySeal(one);
  REQUIRE(changed_seal.ok());
  CHECK(changed_seal->verdict() == v1::SEAL_VERDICT_SIGNATURE_FAILED);
  CHECK(changed_seal->error_code() == "SIGNATURE_INVALID");

  v1::ScrubSealsResponse dirty = scrub();
  CHECK(dirty.checked() == 4);
  CHECK(dirty.valid() == 2);
  REQUIRE(dirty.failures_size() == 2);
  // In id order, which within one millisecond (the fixture's clock stands still) is no particular order.
  std::set<std::string> failed = {dirty.failures(0).message_id(), dirty.failures(1).message_id()};
  CHECK(failed == std::set<std::string>{requests[1], requests[2]});
}

}  // namespace
}  // namespace mezhved::gateway
