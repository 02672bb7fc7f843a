#include "tests/support/test_pki.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <memory>

#include "tests/support/temp_dir.h"

namespace mezhved::testing {
namespace {

struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
using CertPtr = std::unique_ptr<X509, CertFree>;

CertPtr LoadCertificate(const std::filesystem::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "r"), &std::fclose);
  REQUIRE(file != nullptr);
  CertPtr cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
  REQUIRE(cert != nullptr);
  return cert;
}

// Verifies the chain leaf <- CA for the given purpose (X509_PURPOSE_SSL_SERVER, X509_PURPOSE_SSL_CLIENT).
bool VerifiesAgainst(const std::filesystem::path& leaf_file, const std::filesystem::path& ca_file, int purpose) {
  CertPtr leaf = LoadCertificate(leaf_file);
  CertPtr ca = LoadCertificate(ca_file);
  std::unique_ptr<X509_STORE, void (*)(X509_STORE*)> store(X509_STORE_new(), &X509_STORE_free);
  REQUIRE(X509_STORE_add_cert(store.get(), ca.get()) == 1);
  std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> context(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  REQUIRE(X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), nullptr) == 1);
  REQUIRE(X509_STORE_CTX_set_purpose(context.get(), purpose) == 1);
  return X509_verify_cert(context.get()) == 1;
}

std::string CommonName(const std::filesystem::path& cert_file) {
  CertPtr cert = LoadCertificate(cert_file);
  std::array<char, 256> name{};
  int length = X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, name.data(), name.size());
  REQUIRE(length >= 0);
  return {name.data(), static_cast<size_t>(length)};
}

// What `openssl x509 -fingerprint -sha256` prints ("sha256 Fingerprint=AB:CD:..."), as lower-case hex.
std::string OpensslFingerprint(const std::filesystem::path& cert_file) {
  std::string command = "openssl x509 -noout -fingerprint -sha256 -in '" + cert_file.string() + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), &pclose);
  REQUIRE(pipe != nullptr);
  std::array<char, 512> line{};
  REQUIRE(std::fgets(line.data(), line.size(), pipe.get()) != nullptr);
  std::string text(line.data());
  std::string hex;
  for (char c : text.substr(text.find('=') + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(c)) != 0) {
      hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return hex;
}

TEST_CASE("the server certificate chains to the test CA only", "[test_pki]") {
  TempDir dir;
  TestPki pki(dir.path());
  CertFiles server = pki.IssueServer();

  CHECK(VerifiesAgainst(server.cert, pki.ca_file(), X509_PURPOSE_SSL_SERVER));
  CHECK_FALSE(VerifiesAgainst(server.cert, pki.stranger_ca_file(), X509_PURPOSE_SSL_SERVER));
  CHECK_FALSE(VerifiesAgainst(server.cert, pki.ca_file(), X509_PURPOSE_SSL_CLIENT));
}

TEST_CASE("the server certificate names 127.0.0.1 and localhost", "[test_pki]") {
  TempDir dir;
  TestPki pki(dir.path());
  CertPtr server = LoadCertificate(pki.IssueServer().cert);

  CHECK(X509_check_ip_asc(server.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_host(server.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(server.get(), "example.org", 0, 0, nullptr) == 0);
}

TEST_CASE("client certificates carry their CN and chain to their issuer", "[test_pki]") {
  TempDir dir;
  TestPki pki(dir.path());
  CertFiles client = pki.IssueClient("zags-barnaul-is");
  CertFiles stranger = pki.IssueClient("zags-barnaul-is", /*from_stranger_ca=*/true);

  CHECK(CommonName(client.cert) == "zags-barnaul-is");
  CHECK(CommonName(stranger.cert) == "zags-barnaul-is");
  CHECK(VerifiesAgainst(client.cert, pki.ca_file(), X509_PURPOSE_SSL_CLIENT));
  CHECK_FALSE(VerifiesAgainst(client.cert, pki.stranger_ca_file(), X509_PURPOSE_SSL_CLIENT));
  CHECK(VerifiesAgainst(stranger.cert, pki.stranger_ca_file(), X509_PURPOSE_SSL_CLIENT));
  CHECK_FALSE(VerifiesAgainst(stranger.cert, pki.ca_file(), X509_PURPOSE_SSL_CLIENT));
}

TEST_CASE("fingerprints match openssl x509 -fingerprint -sha256", "[test_pki]") {
  TempDir dir;
  TestPki pki(dir.path());
  CertFiles server = pki.IssueServer();
  CertFiles client = pki.IssueClient("operator duty");
  CertFiles again = pki.IssueClient("operator duty");

  CHECK(server.sha256_hex.size() == 64);
  CHECK(server.sha256_hex == OpensslFingerprint(server.cert));
  CHECK(client.sha256_hex == OpensslFingerprint(client.cert));
  CHECK(again.sha256_hex == OpensslFingerprint(again.cert));
  CHECK(again.sha256_hex != client.sha256_hex);
  CHECK(again.cert != client.cert);
  CHECK(std::all_of(client.sha256_hex.begin(), client.sha256_hex.end(),
                    [](char c) { return std::isdigit(c) != 0 || (c >= 'a' && c <= 'f'); }));
}

TEST_CASE("private keys are readable by their owner only", "[test_pki]") {
  TempDir dir;
  TestPki pki(dir.path());
  CertFiles client = pki.IssueClient("a/b c");  // a CN that is no file name

  std::filesystem::perms perms = std::filesystem::status(client.key).permissions();
  CHECK((perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
        std::filesystem::perms::none);
  CHECK(client.cert.parent_path() == dir.path());
  CHECK(CommonName(client.cert) == "a/b c");
}

}  // namespace
}  // namespace mezhved::testing
