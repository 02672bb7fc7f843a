#include "seal/keys.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "common/digest.h"
#include "seal/crypto.h"
#include "seal/keys_internal.h"
#include "seal/openssl_util.h"

namespace mezhved::seal {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

Status Unusable(const std::string& file, const std::string& why) {
  return {ErrorCode::kConfigInvalid, "the sealing key " + file + ": " + why};
}

struct KeyAndCertificate {
  EvpPkeyPtr key;
  X509Ptr certificate;
  std::vector<X509Ptr> chain;  // the certificates after the signer's: carried in the seal for its verifiers
};

// The password callback of PEM_read_bio_PrivateKey: copies the password, if any.
int CopyPassword(char* buffer, int size, int /*rwflag*/, void* user_data) {
  const auto* password = static_cast<const std::string*>(user_data);
  const int length = std::min<int>(size, static_cast<int>(password->size()));
  std::copy_n(password->data(), length, buffer);
  return length;
}

StatusOr<KeyAndCertificate> ReadPem(const KeySource& source) {
  BioPtr key_file(BIO_new_file(source.private_key_file.c_str(), "r"));
  if (key_file == nullptr) {
    return Unusable(source.private_key_file, "cannot be read");
  }
  KeyAndCertificate read;
  std::string password = source.password;
  read.key.reset(PEM_read_bio_PrivateKey(key_file.get(), nullptr, &CopyPassword, &password));
  if (read.key == nullptr) {
    return Unusable(source.private_key_file,
                    "not a PEM private key, or a wrong password (" + TakeOpenSslErrors() + ")");
  }
  BioPtr certificate_file(BIO_new_file(source.certificate_file.c_str(), "r"));
  if (certificate_file == nullptr) {
    return Unusable(source.certificate_file, "cannot be read");
  }
  read.certificate.reset(PEM_read_bio_X509(certificate_file.get(), nullptr, nullptr, nullptr));
  if (read.certificate == nullptr) {
    return Unusable(source.certificate_file, "not a PEM certificate (" + TakeOpenSslErrors() + ")");
  }
  while (X509* next = PEM_read_bio_X509(certificate_file.get(), nullptr, nullptr, nullptr)) {
    read.chain.emplace_back(next);
  }
  ERR_clear_error();  // the end of the file reads as an error
  return read;
}

StatusOr<KeyAndCertificate> ReadPkcs12(const KeySource& source) {
  BioPtr file(BIO_new_file(source.pkcs12_file.c_str(), "rb"));
  if (file == nullptr) {
    return Unusable(source.pkcs12_file, "cannot be read");
  }
  std::unique_ptr<PKCS12, decltype(&PKCS12_free)> bundle(d2i_PKCS12_bio(file.get(), nullptr), &PKCS12_free);
  if (bundle == nullptr) {
    return Unusable(source.pkcs12_file, "not a PKCS#12 file (" + TakeOpenSslErrors() + ")");
  }
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  STACK_OF(X509)* chain = nullptr;
  if (PKCS12_parse(bundle.get(), source.password.c_str(), &key, &certificate, &chain) != 1) {
    return Unusable(source.pkcs12_file, "cannot be opened: a wrong password? (" + TakeOpenSslErrors() + ")");
  }
  KeyAndCertificate read{EvpPkeyPtr(key), X509Ptr(certificate), {}};
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    read.chain.emplace_back(sk_X509_value(chain, i));
  }
  sk_X509_free(chain);  // the certificates now belong to read.chain
  if (read.key == nullptr || read.certificate == nullptr) {
    return Unusable(source.pkcs12_file, "holds no private key with its certificate");
  }
  return read;
}

// Hands the key and its certificate to xmlsec1: the key as the key's value, the certificate as the one that
// KeyInfo/X509Data shows.
StatusOr<xmlSecKeyPtr> ToXmlsecKey(const KeyAndCertificate& read, const std::string& file) {
  xmlSecKeyPtr key = xmlSecKeyCreate();
  if (key == nullptr) {
    return Status(ErrorCode::kInternal, "xmlsec1 cannot make a key");
  }
  EVP_PKEY_up_ref(read.key.get());
  xmlSecKeyDataPtr value = xmlSecOpenSSLEvpKeyAdopt(read.key.get());
  xmlSecKeyDataPtr x509 = value == nullptr ? nullptr : xmlSecKeyEnsureData(key, xmlSecOpenSSLKeyDataX509Id);
  bool adopted = value != nullptr && xmlSecKeySetValue(key, value) == 0 && x509 != nullptr;
  if (adopted) {
    X509_up_ref(read.certificate.get());
    adopted = xmlSecOpenSSLKeyDataX509AdoptKeyCert(x509, read.certificate.get()) == 0;
  }
  if (adopted) {
    X509_up_ref(read.certificate.get());
    adopted = xmlSecOpenSSLKeyDataX509AdoptCert(x509, read.certificate.get()) == 0;
  }
  for (const X509Ptr& issuer : read.chain) {
    if (adopted) {
      X509_up_ref(issuer.get());
      adopted = xmlSecOpenSSLKeyDataX509AdoptCert(x509, issuer.get()) == 0;
    }
  }
  if (!adopted) {
    xmlSecKeyDestroy(key);
    return Status(Unusable(file, "xmlsec1 does not take it: " + LastXmlsecError()));
  }
  return key;
}

}  // namespace

StatusOr<std::string> ReadPemCertificateDer(const std::string& file) {
  BioPtr bio(BIO_new_file(file.c_str(), "r"));
  X509Ptr certificate(bio == nullptr ? nullptr : PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (certificate == nullptr) {
    ERR_clear_error();
    return Status(ErrorCode::kConfigInvalid, "the certificate file " + file + " cannot be read as PEM");
  }
  return DerOf(certificate.get());
}

StatusOr<std::shared_ptr<const SealingKey>> SealingKey::Load(const KeySource& source) {
  const bool pkcs12 = !source.pkcs12_file.empty();
  const std::string& file = pkcs12 ? source.pkcs12_file : source.private_key_file;
  StatusOr<KeyAndCertificate> read = pkcs12 ? ReadPkcs12(source) : ReadPem(source);
  MEZHVED_RETURN_IF_ERROR(read.status());
  if (X509_check_private_key(read->certificate.get(), read->key.get()) != 1) {
    TakeOpenSslErrors();
    return Unusable(file, "the private key does not belong to the certificate");
  }
  const std::optional<Algorithm> algorithm = AlgorithmOfKey(read->key.get());
  if (!algorithm) {
    return Unusable(file, "not an RSA, ECDSA P-256 or GOST R 34.10-2012 256-bit key");
  }
  StatusOr<xmlSecKeyPtr> key = ToXmlsecKey(*read, file);
  MEZHVED_RETURN_IF_ERROR(key.status());
  auto impl = std::make_unique<Impl>();
  impl->key = *key;
  impl->algorithm = *algorithm;
  impl->certificate_der = DerOf(read->certificate.get());
  impl->certificate_sha256 = Sha256Hex(impl->certificate_der);
  impl->subject = SubjectOf(read->certificate.get());
  impl->not_after_ms = NotAfterMs(read->certificate.get());
  return std::shared_ptr<const SealingKey>(new SealingKey(std::move(impl)));
}

SealingKey::SealingKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SealingKey::~SealingKey() = default;

Algorithm SealingKey::algorithm() const { return impl_->algorithm; }
const std::string& SealingKey::certificate_der() const { return impl_->certificate_der; }
const std::string& SealingKey::certificate_sha256() const { return impl_->certificate_sha256; }
const std::string& SealingKey::subject() const { return impl_->subject; }
UnixMillis SealingKey::not_after_ms() const { return impl_->not_after_ms; }

}  // namespace mezhved::seal
