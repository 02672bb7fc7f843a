#include "tests/support/test_pki.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace mezhved::testing {
namespace {

constexpr long kValidBeforeNowSeconds = 3600;  // tolerate a little clock skew between test and daemon
constexpr long kValidForSeconds = 7L * 24 * 3600;

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
struct BignumFree {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

[[noreturn]] void ThrowOpenSslError(std::string_view what) {
  std::string text = "TestPki: " + std::string(what);
  while (unsigned long code = ERR_get_error()) {
    std::array<char, 256> reason{};
    ERR_error_string_n(code, reason.data(), reason.size());
    text += ": " + std::string(reason.data());
  }
  throw std::runtime_error(text);
}

void Require(bool ok, std::string_view what) {
  if (!ok) {
    ThrowOpenSslError(what);
  }
}

KeyPtr NewP256Key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  Require(key != nullptr, "generating an EC P-256 key");
  return key;
}

void SetRandomSerial(X509* cert) {
  std::unique_ptr<BIGNUM, BignumFree> serial(BN_new());
  Require(serial != nullptr && BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1,
          "drawing a serial number");
  Require(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr, "setting the serial number");
}

// A certificate for subject_key with subject "O=mezhved tests, CN=cn", not yet signed.
CertPtr NewCertificate(EVP_PKEY* subject_key, const std::string& cn) {
  CertPtr cert(X509_new());
  Require(cert != nullptr, "allocating a certificate");
  Require(X509_set_version(cert.get(), 2) == 1, "setting the version");
  SetRandomSerial(cert.get());
  Require(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kValidBeforeNowSeconds) != nullptr, "setting notBefore");
  Require(X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValidForSeconds) != nullptr, "setting notAfter");
  Require(X509_set_pubkey(cert.get(), subject_key) == 1, "setting the public key");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  auto add_entry = [&](const char* field, const std::string& value) {
    Require(X509_NAME_add_entry_by_txt(subject, field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) == 1,
            "setting the subject");
  };
  add_entry("O", "mezhved tests");
  add_entry("CN", cn);
  return cert;
}

// Extensions in OpenSSL's config syntax ("critical,CA:TRUE"); issuer == cert for a self-signed certificate.
void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  Require(extension != nullptr, std::string("building extension ") + value);
  int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  Require(added == 1, std::string("adding extension ") + value);
}

void Sign(X509* cert, X509* issuer, EVP_PKEY* issuer_key) {
  Require(X509_set_issuer_name(cert, X509_get_subject_name(issuer)) == 1, "setting the issuer");
  Require(X509_sign(cert, issuer_key, EVP_sha256()) > 0, "signing the certificate");
}

std::unique_ptr<BIO, BioFree> OpenForWriting(const std::filesystem::path& path) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "w"));
  Require(bio != nullptr, "opening " + path.string());
  return bio;
}

void WriteCertificate(X509* cert, const std::filesystem::path& path) {
  Require(PEM_write_bio_X509(OpenForWriting(path).get(), cert) == 1, "writing " + path.string());
}

void WritePrivateKey(EVP_PKEY* key, const std::filesystem::path& path) {
  Require(PEM_write_bio_PrivateKey(OpenForWriting(path).get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "writing " + path.string());
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

std::string Sha256Hex(X509* cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  Require(X509_digest(cert, EVP_sha256(), digest.data(), &length) == 1, "hashing the certificate");
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    std::array<char, 3> pair{};
    std::snprintf(pair.data(), pair.size(), "%02x", digest[i]);
    hex += pair.data();
  }
  return hex;
}

// A CN may hold anything; the file name keeps only what is safe in a path.
std::string FileNameSafe(const std::string& text) {
  std::string safe;
  for (unsigned char c : text) {
    safe += (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.') ? static_cast<char>(c) : '_';
  }
  return safe;
}

}  // namespace

struct TestPki::Authority {
  KeyPtr key;
  CertPtr cert;
  std::filesystem::path file;

  Authority(const std::string& cn, std::filesystem::path cert_file)
      : key(NewP256Key()), cert(NewCertificate(key.get(), cn)), file(std::move(cert_file)) {
    AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
    AddExtension(cert.get(), cert.get(), NID_authority_key_identifier, "keyid:always");
    Sign(cert.get(), cert.get(), key.get());
    WriteCertificate(cert.get(), file);
  }
};

TestPki::TestPki(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  ca_ = std::make_unique<Authority>("mezhved test CA", dir_ / "ca.pem");
  stranger_ca_ = std::make_unique<Authority>("mezhved stranger CA", dir_ / "stranger-ca.pem");
}

TestPki::~TestPki() = default;

CertFiles TestPki::IssueServer() { return Issue(*ca_, "server", "localhost", /*server=*/true); }

CertFiles TestPki::IssueClient(const std::string& cn, bool from_stranger_ca) {
  Authority& issuer = from_stranger_ca ? *stranger_ca_ : *ca_;
  std::string stem = std::string(from_stranger_ca ? "stranger-client-" : "client-") + FileNameSafe(cn);
  return Issue(issuer, stem, cn, /*server=*/false);
}

std::filesystem::path TestPki::ca_file() const { return ca_->file; }

std::filesystem::path TestPki::stranger_ca_file() const { return stranger_ca_->file; }

CertFiles TestPki::Issue(Authority& issuer, const std::string& file_stem, const std::string& cn, bool server) {
  KeyPtr key = NewP256Key();
  CertPtr cert = NewCertificate(key.get(), cn);
  AddExtension(cert.get(), issuer.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), issuer.cert.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
  AddExtension(cert.get(), issuer.cert.get(), NID_ext_key_usage, server ? "serverAuth" : "clientAuth");
  AddExtension(cert.get(), issuer.cert.get(), NID_subject_key_identifier, "hash");
  AddExtension(cert.get(), issuer.cert.get(), NID_authority_key_identifier, "keyid:always");
  if (server) {
    AddExtension(cert.get(), issuer.cert.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  }
  Sign(cert.get(), issuer.cert.get(), issuer.key.get());

  std::string stem = file_stem + "-" + std::to_string(++issued_);
  CertFiles files{dir_ / (stem + ".pem"), dir_ / (stem + ".key"), Sha256Hex(cert.get())};
  WriteCertificate(cert.get(), files.cert);
  WritePrivateKey(key.get(), files.key);
  return files;
}

}  // namespace mezhved::testing
