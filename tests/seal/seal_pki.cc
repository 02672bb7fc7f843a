#include "tests/seal/seal_pki.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <stdexcept>

#include "seal/openssl_util.h"

namespace mezhved::testing {
namespace {

using seal::Algorithm;

using KeyPtr = seal::EvpPkeyPtr;
using CertPtr = seal::X509Ptr;

[[noreturn]] void Fail(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char text[256] = "";
  ERR_error_string_n(code, text, sizeof text);
  throw std::runtime_error("SealPki: " + what + ": " + text);
}

KeyPtr NewKey(Algorithm algorithm) {
  EVP_PKEY* key = nullptr;
  switch (algorithm) {
    case Algorithm::kRsaSha256:
      key = EVP_RSA_gen(2048);
      break;
    case Algorithm::kEcdsaP256Sha256:
      key = EVP_EC_gen("P-256");
      break;
    case Algorithm::kGost2012_256: {
      std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
          EVP_PKEY_CTX_new_id(NID_id_GostR3410_2012_256, nullptr), &EVP_PKEY_CTX_free);
      if (context == nullptr || EVP_PKEY_keygen_init(context.get()) != 1 ||
          EVP_PKEY_CTX_ctrl_str(context.get(), "paramset", "A") <= 0 || EVP_PKEY_keygen(context.get(), &key) != 1) {
        Fail("GOST key generation (is the GOST engine loaded?)");
      }
      break;
    }
  }
  if (key == nullptr) {
    Fail("key generation");
  }
  return KeyPtr(key);
}

const EVP_MD* DigestFor(const EVP_PKEY* key) {
  return EVP_PKEY_get_base_id(key) == NID_id_GostR3410_2012_256 ? EVP_get_digestbynid(NID_id_GostR3411_2012_256)
                                                                : EVP_sha256();
}

UnixMillis Now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kDay = 24LL * 3600 * 1000;

void SetName(X509_NAME* name, const std::string& cn) {
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
}

void AddExtension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) {
    Fail("extension");
  }
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

// A certificate for `key`, signed by `issuer_key` (itself when issuer is null).
CertPtr MakeCertificate(EVP_PKEY* key, const std::string& cn, long serial, UnixMillis not_before, UnixMillis not_after,
                        X509* issuer, EVP_PKEY* issuer_key, bool ca) {
  CertPtr certificate(X509_new());
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), serial);
  ASN1_TIME_set(X509_getm_notBefore(certificate.get()), static_cast<time_t>(not_before / 1000));
  ASN1_TIME_set(X509_getm_notAfter(certificate.get()), static_cast<time_t>(not_after / 1000));
  X509_set_pubkey(certificate.get(), key);
  SetName(X509_get_subject_name(certificate.get()), cn);
  X509* signer = issuer != nullptr ? issuer : certificate.get();
  X509_set_issuer_name(certificate.get(), X509_get_subject_name(signer));
  AddExtension(certificate.get(), signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExtension(certificate.get(), signer, NID_key_usage,
               ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation");
  AddExtension(certificate.get(), signer, NID_subject_key_identifier, "hash");
  if (X509_sign(certificate.get(), issuer_key, DigestFor(issuer_key)) <= 0) {
    Fail("signing a certificate");
  }
  return certificate;
}

template <typename Write>
void WritePem(const std::filesystem::path& path, Write write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "w"), &BIO_free);
  if (bio == nullptr || write(bio.get()) != 1) {
    Fail("writing " + path.string());
  }
}

SealIdentity WriteIdentity(const std::filesystem::path& dir, const std::string& stem, EVP_PKEY* key, X509* certificate,
                           long serial) {
  SealIdentity identity{dir / (stem + ".key"), dir / (stem + ".pem"), serial};
  WritePem(identity.key,
           [&](BIO* bio) { return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr); });
  WritePem(identity.certificate, [&](BIO* bio) { return PEM_write_bio_X509(bio, certificate); });
  return identity;
}

}  // namespace

struct SealPki::Authority {
  KeyPtr key;
  CertPtr certificate;
};

SealPki::SealPki(std::filesystem::path dir, seal::Algorithm ca_algorithm, UnixMillis now)
    : dir_(std::move(dir)), now_(now != 0 ? now : Now()) {
  std::filesystem::create_directories(dir_);
  ca_ = std::make_unique<Authority>();
  ca_->key = NewKey(ca_algorithm);
  ca_->certificate = MakeCertificate(ca_->key.get(), "mezhved test CA", 1, now_ - 365 * kDay, now_ + 3650 * kDay,
                                     nullptr, ca_->key.get(), true);
  WritePem(ca_file(), [&](BIO* bio) { return PEM_write_bio_X509(bio, ca_->certificate.get()); });
}

SealPki::~SealPki() = default;

std::filesystem::path SealPki::ca_file() const { return dir_ / "ca.pem"; }

SealIdentity SealPki::Issue(const std::string& cn, seal::Algorithm algorithm, UnixMillis not_before,
                            UnixMillis not_after) {
  KeyPtr key = NewKey(algorithm);
  const long serial = next_serial_++;
  CertPtr certificate =
      MakeCertificate(key.get(), cn, serial, not_before != 0 ? not_before : now_ - kDay,
                      not_after != 0 ? not_after : now_ + 365 * kDay, ca_->certificate.get(), ca_->key.get(), false);
  return WriteIdentity(dir_, cn + "-" + std::to_string(serial), key.get(), certificate.get(), serial);
}

SealIdentity SealPki::Stranger(const std::string& cn, seal::Algorithm algorithm) {
  KeyPtr key = NewKey(algorithm);
  const long serial = next_serial_++;
  CertPtr certificate =
      MakeCertificate(key.get(), cn, serial, now_ - kDay, now_ + 365 * kDay, nullptr, key.get(), false);
  return WriteIdentity(dir_, cn + "-stranger-" + std::to_string(serial), key.get(), certificate.get(), serial);
}

std::filesystem::path SealPki::Pkcs12(const SealIdentity& identity, const std::string& password) {
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new_file(identity.key.c_str(), "r"), &BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new_file(identity.certificate.c_str(), "r"), &BIO_free);
  KeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  CertPtr certificate(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  std::unique_ptr<PKCS12, decltype(&PKCS12_free)> bundle(
      PKCS12_create(password.c_str(), "mezhved", key.get(), certificate.get(), nullptr, 0, 0, 0, 0, 0), &PKCS12_free);
  if (bundle == nullptr) {
    Fail("PKCS12_create");
  }
  const std::filesystem::path path = identity.key.string() + ".p12";
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new_file(path.c_str(), "wb"), &BIO_free);
  if (out == nullptr || i2d_PKCS12_bio(out.get(), bundle.get()) != 1) {
    Fail("writing " + path.string());
  }
  return path;
}

std::filesystem::path SealPki::Crl(const std::vector<long>& revoked) {
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(X509_CRL_new(), &X509_CRL_free);
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_->certificate.get()));
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> last(ASN1_TIME_set(nullptr, now_ / 1000 - 7 * 86400),
                                                             &ASN1_TIME_free);
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> next(ASN1_TIME_set(nullptr, now_ / 1000 + 30 * 86400),
                                                             &ASN1_TIME_free);
  X509_CRL_set1_lastUpdate(crl.get(), last.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  for (long serial : revoked) {
    X509_REVOKED* entry = X509_REVOKED_new();
    std::unique_ptr<ASN1_INTEGER, decltype(&ASN1_INTEGER_free)> number(ASN1_INTEGER_new(), &ASN1_INTEGER_free);
    ASN1_INTEGER_set(number.get(), serial);
    X509_REVOKED_set_serialNumber(entry, number.get());
    X509_REVOKED_set_revocationDate(entry, last.get());
    X509_CRL_add0_revoked(crl.get(), entry);
  }
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), ca_->key.get(), DigestFor(ca_->key.get())) <= 0) {
    Fail("signing the CRL");
  }
  const std::filesystem::path path = dir_ / "crl.pem";
  WritePem(path, [&](BIO* bio) { return PEM_write_bio_X509_CRL(bio, crl.get()); });
  return path;
}

}  // namespace mezhved::testing
