// Interoperability of the seals with tools that share no code with the gateway's own verifier: the stock xmlsec1
// command line tool of Debian (RSA, ECDSA), the GOST-enabled xmlsec1 of this build, and for GOST an independent
// check of SignedInfo with xmllint's exclusive c14n and openssl dgst with the GOST engine. The other way round, a
// document the xmlsec1 command line tool signed is accepted by the gateway's verifier.
#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "tests/seal/seal_fixture.h"
#include "tests/support/daemon_process.h"

namespace mezhved::seal {
namespace {

using testing::RunCommand;
using testing::SealIdentity;

constexpr char kStockXmlsec[] = "/usr/bin/xmlsec1";

void WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The xmlsec1 to use for an algorithm, with the environment GOST needs.
std::vector<std::string> XmlsecCommand(Algorithm algorithm) {
  if (algorithm == Algorithm::kGost2012_256) {
    return {"/usr/bin/env", "OPENSSL_CONF=" + OpenSslConfig(), MEZHVED_XMLSEC_GOST_TOOL};
  }
  return {kStockXmlsec};
}

std::vector<std::string> Plus(std::vector<std::string> command, const std::vector<std::string>& more) {
  command.insert(command.end(), more.begin(), more.end());
  return command;
}

TEST_CASE("xmlsec1 verifies the gateway's seals against the CA", "[seal][interop]") {
  const Algorithm algorithm = GENERATE(Algorithm::kRsaSha256, Algorithm::kEcdsaP256Sha256, Algorithm::kGost2012_256);
  SealFixture fixture;
  const SealIdentity gateway = fixture.pki.Issue("gateway", algorithm);
  const auto sealed = fixture.dir / "sealed.xml";
  WriteText(sealed, fixture.SealWith(gateway, kDocument));
  const auto verify = Plus(XmlsecCommand(algorithm), {"--verify", "--trusted-pem", fixture.pki.ca_file().string(),
                                                      "--enabled-reference-uris", "empty", sealed.string()});
  const testing::CommandResult good = RunCommand(verify);
  INFO(good.out << good.err);
  CHECK(good.exit_status == 0);

  // A changed byte: the tool refuses it too.
  std::string text = ReadText(sealed);
  text.replace(text.find("Иванов"), std::string("Иванов").size(), "Петров");
  WriteText(sealed, text);
  CHECK(RunCommand(verify).exit_status != 0);
}

// The GOST signature value over SignedInfo, checked with nothing of xmlsec1: SignedInfo is canonicalized by xmllint
// (exclusive c14n renders the namespaces it uses, so the element alone canonicalizes as it does in place) and the
// value is verified by openssl dgst with the GOST engine.
TEST_CASE("a GOST seal verifies with xmllint's c14n and openssl dgst", "[seal][interop]") {
  SealFixture fixture;
  const SealIdentity gateway = fixture.pki.Issue("gateway", Algorithm::kGost2012_256);
  const std::string sealed = fixture.SealWith(gateway, kDocument);

  const size_t start = sealed.find("<ds:SignedInfo>");
  const size_t end = sealed.find("</ds:SignedInfo>") + std::string("</ds:SignedInfo>").size();
  REQUIRE(start != std::string::npos);
  std::string signed_info = sealed.substr(start, end - start);
  signed_info.insert(std::string("<ds:SignedInfo").size(), " xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"");
  WriteText(fixture.dir / "signed-info.xml", signed_info);
  const testing::CommandResult canonical =
      RunCommand({"/usr/bin/xmllint", "--exc-c14n", (fixture.dir / "signed-info.xml").string()});
  REQUIRE(canonical.exit_status == 0);
  WriteText(fixture.dir / "signed-info.c14n", canonical.out);

  const size_t value_start = sealed.find("<ds:SignatureValue>") + std::string("<ds:SignatureValue>").size();
  std::string base64 = sealed.substr(value_start, sealed.find("</ds:SignatureValue>") - value_start);
  std::erase_if(base64, [](char c) { return c == '\n' || c == '\r' || c == ' '; });
  std::string value(base64.size(), '\0');
  const int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(value.data()),
                      reinterpret_cast<const unsigned char*>(base64.data()), static_cast<int>(base64.size()));
  REQUIRE(length >= 64);
  value.resize(64);  // a GOST R 34.10-2012 256-bit signature; base64 padding decodes as trailing zeros
  WriteText(fixture.dir / "signature.bin", value);

  const std::string env = "OPENSSL_CONF=" + OpenSslConfig();
  REQUIRE(RunCommand({"/usr/bin/env", env, "/usr/bin/openssl", "x509", "-in", gateway.certificate.string(), "-pubkey",
                      "-noout", "-out", (fixture.dir / "public.pem").string()})
              .exit_status == 0);
  const auto dgst = [&](const std::filesystem::path& data) {
    return RunCommand({"/usr/bin/env", env, "/usr/bin/openssl", "dgst", "-md_gost12_256", "-verify",
                       (fixture.dir / "public.pem").string(), "-signature", (fixture.dir / "signature.bin").string(),
                       data.string()});
  };
  const testing::CommandResult verified = dgst(fixture.dir / "signed-info.c14n");
  INFO(verified.out << verified.err);
  CHECK(verified.exit_status == 0);
  CHECK(verified.out.find("Verified OK") != std::string::npos);

  std::string changed = canonical.out;
  changed[changed.find("DigestValue>") + 12] ^= 1;
  WriteText(fixture.dir / "changed.c14n", changed);
  CHECK(dgst(fixture.dir / "changed.c14n").exit_status != 0);
}

std::string SignatureTemplate(Algorithm algorithm) {
  return std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") +
         "<env:Envelope xmlns:env=\"urn:mezhved:test:envelope\"><env:Payload>"
         "<p:Data xmlns:p=\"urn:mezhved:test:payload\"><p:Name>Иванов</p:Name></p:Data></env:Payload>"
         "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>"
         "<CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
         "<SignatureMethod Algorithm=\"" +
         std::string(UrisOf(algorithm).signature) +
         "\"/><Reference URI=\"\"><Transforms>"
         "<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
         "<Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></Transforms>"
         "<DigestMethod Algorithm=\"" +
         std::string(UrisOf(algorithm).digest) +
         "\"/><DigestValue/></Reference></SignedInfo><SignatureValue/>"
         "<KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature></env:Envelope>\n";
}

TEST_CASE("a document signed by the xmlsec1 command line tool is accepted", "[seal][interop]") {
  const Algorithm algorithm = GENERATE(Algorithm::kRsaSha256, Algorithm::kEcdsaP256Sha256, Algorithm::kGost2012_256);
  SealFixture fixture;
  const SealIdentity agency = fixture.pki.Issue("agency-system", algorithm);
  WriteText(fixture.dir / "template.xml", SignatureTemplate(algorithm));
  const auto sign = Plus(XmlsecCommand(algorithm),
                         {"--sign", "--privkey-pem", agency.key.string() + "," + agency.certificate.string(),
                          "--output", (fixture.dir / "signed.xml").string(), (fixture.dir / "template.xml").string()});
  const testing::CommandResult signed_by_tool = RunCommand(sign);
  INFO(signed_by_tool.err);
  REQUIRE(signed_by_tool.exit_status == 0);
  const std::string document = ReadText(fixture.dir / "signed.xml");
  StatusOr<VerifiedSignature> verified = fixture.Verifier().Verify(document, NowMs(), "document");
  INFO(verified.status().ToString());
  REQUIRE(verified.ok());
  CHECK(verified->algorithm == algorithm);
  CHECK(verified->subject == "/CN=agency-system");
}

// A signature over one element by its Id (the SOAP API's CallerInformationSystemSignature), made by the stock tool.
TEST_CASE("a signature by Id made by the xmlsec1 command line tool is accepted only over the one element with that Id",
          "[seal][interop]") {
  SealFixture fixture;
  const SealIdentity system = fixture.pki.Issue("SOCPROT-BARNAUL", Algorithm::kEcdsaP256Sha256);
  const std::string signature_template =
      "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>"
      "<CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
      "<SignatureMethod Algorithm=\"" +
      std::string(UrisOf(Algorithm::kEcdsaP256Sha256).signature) +
      "\"/><Reference URI=\"#BLOCK\"><Transforms><Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
      "</Transforms><DigestMethod Algorithm=\"" +
      std::string(UrisOf(Algorithm::kEcdsaP256Sha256).digest) +
      "\"/><DigestValue/></Reference></SignedInfo><SignatureValue/>"
      "<KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature>";
  WriteText(
      fixture.dir / "template.xml",
      "<Call xmlns:x=\"urn:x\"><x:Block Id=\"BLOCK\"><x:Data>17</x:Data></x:Block>" + signature_template + "</Call>");
  const auto sign =
      Plus(XmlsecCommand(Algorithm::kEcdsaP256Sha256),
           {"--sign", "--privkey-pem", system.key.string() + "," + system.certificate.string(), "--id-attr:Id",
            "urn:x:Block", "--output", (fixture.dir / "signed.xml").string(), (fixture.dir / "template.xml").string()});
  const testing::CommandResult signed_by_tool = RunCommand(sign);
  INFO(signed_by_tool.err);
  REQUIRE(signed_by_tool.exit_status == 0);
  const std::string document = ReadText(fixture.dir / "signed.xml");
  const SignatureVerifier verifier = fixture.Verifier();

  StatusOr<VerifiedSignature> verified = verifier.VerifyReferenced(document, "BLOCK", NowMs(), "block");
  INFO(verified.status().ToString());
  REQUIRE(verified.ok());
  CHECK(verified->common_name == "SOCPROT-BARNAUL");

  const auto code_of = [&](const std::string& text, const std::string& id) {
    return std::string(ErrorCodeName(verifier.VerifyReferenced(text, id, NowMs(), "block").status().code()));
  };
  std::string changed = document;
  changed.replace(changed.find(">17<"), 4, ">18<");
  CHECK(code_of(changed, "BLOCK") == "SIGNATURE_INVALID");
  CHECK(code_of(document, "OTHER") == "SIGNATURE_MALFORMED");  // the block read is not the one signed
  std::string wrapped = document;                              // a second element with the signed Id, inside the block
  wrapped.replace(wrapped.find("<x:Data>"), 8, "<x:Data Id=\"BLOCK\">");
  CHECK(code_of(wrapped, "BLOCK") == "SIGNATURE_MALFORMED");
  std::string enveloped_shape = document;  // the Reference of a whole-document signature is not accepted here
  enveloped_shape.replace(enveloped_shape.find("URI=\"#BLOCK\""), 12, "URI=\"\"");
  CHECK(code_of(enveloped_shape, "BLOCK") == "SIGNATURE_MALFORMED");
}

}  // namespace
}  // namespace mezhved::seal
