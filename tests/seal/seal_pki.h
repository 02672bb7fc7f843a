// A throw-away PKI for the signature tests, made at test time with OpenSSL 3 (and its GOST engine, which
// seal::InitializeCrypto loads): a CA and the certificates it issues, of any supported algorithm and validity,
// revocation lists, self-signed strangers. Every file is PEM (PKCS#12 on request), in the directory given.
// Errors throw std::runtime_error (test code).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "seal/algorithms.h"

namespace mezhved::testing {

struct SealIdentity {
  std::filesystem::path key;          // PEM private key
  std::filesystem::path certificate;  // PEM certificate
  long serial = 0;
};

class SealPki {
 public:
  // Writes a CA of `ca_algorithm` (ca.pem) into `dir`, valid from a year before `now` for ten years. `now` (Unix ms;
  // 0: the real time) is the instant the PKI's default validity periods and CRLs are made around: tests that verify
  // at an injected time pass that time.
  SealPki(std::filesystem::path dir, seal::Algorithm ca_algorithm = seal::Algorithm::kRsaSha256, UnixMillis now = 0);
  ~SealPki();
  SealPki(const SealPki&) = delete;
  SealPki& operator=(const SealPki&) = delete;

  // A certificate with subject CN `cn` for a new key of `algorithm`, issued by the CA, valid in [not_before,
  // not_after] (Unix ms; by default from a day before `now` for a year).
  SealIdentity Issue(const std::string& cn, seal::Algorithm algorithm, UnixMillis not_before = 0,
                     UnixMillis not_after = 0);
  // A self-signed certificate no trust store knows.
  SealIdentity Stranger(const std::string& cn, seal::Algorithm algorithm);
  // The identity as a PKCS#12 file with `password`.
  std::filesystem::path Pkcs12(const SealIdentity& identity, const std::string& password);
  // A CRL of the CA (crl.pem) revoking these serials.
  std::filesystem::path Crl(const std::vector<long>& revoked);

  std::filesystem::path ca_file() const;

 private:
  struct Authority;
  std::filesystem::path dir_;
  std::unique_ptr<Authority> ca_;
  long next_serial_ = 100;
  UnixMillis now_ = 0;
};

}  // namespace mezhved::testing
