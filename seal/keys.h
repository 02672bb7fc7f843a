// The gateway's sealing key and certificate (docs/SIGNATURES.md), loaded from PEM or PKCS#12 files named in the
// config. Key material is never logged; errors name the file, never its contents.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "seal/algorithms.h"

namespace mezhved::seal {

// Where a key comes from: a PEM private key with a PEM certificate file (the signer's certificate first, then any
// intermediate CA certificates), or a PKCS#12 file with both. The intermediates are carried in every seal, after the
// signer's certificate, so that verifiers need only the root. The password decrypts an encrypted PEM key or the PKCS#12
// file.
struct KeySource {
  std::string private_key_file;
  std::string certificate_file;
  std::string pkcs12_file;
  std::string password;
};

// The first certificate of a PEM file, as DER. CONFIG_INVALID naming the file when it cannot be read or holds none.
StatusOr<std::string> ReadPemCertificateDer(const std::string& file);

class SealingKey {
 public:
  // CONFIG_INVALID naming the file when it cannot be read or decoded, when the key and the certificate do not
  // match, or when the key is of no supported algorithm (RSA, ECDSA on P-256, GOST R 34.10-2012 256-bit; a GOST key
  // needs the GOST engine: InitializeCrypto).
  static StatusOr<std::shared_ptr<const SealingKey>> Load(const KeySource& source);

  ~SealingKey();
  SealingKey(const SealingKey&) = delete;
  SealingKey& operator=(const SealingKey&) = delete;

  Algorithm algorithm() const;
  const std::string& certificate_der() const;     // the signer's certificate, DER
  const std::string& certificate_sha256() const;  // its SHA-256 fingerprint, lowercase hex
  const std::string& subject() const;             // its subject, one line
  UnixMillis not_after_ms() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit SealingKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mezhved::seal
