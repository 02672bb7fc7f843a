// Internal to seal/: OpenSSL ownership and the certificate facts the module reports.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "seal/algorithms.h"

namespace mezhved::seal {

struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

// OpenSSL's queued errors, oldest first, joined with "; "; the queue is emptied.
std::string TakeOpenSslErrors();

std::string DerOf(X509* certificate);
std::string SubjectOf(const X509* certificate);
UnixMillis NotAfterMs(const X509* certificate);

// The algorithm a key signs with: RSA, ECDSA on P-256, GOST R 34.10-2012 256-bit; nullopt for any other.
std::optional<Algorithm> AlgorithmOfKey(const EVP_PKEY* key);

}  // namespace mezhved::seal
