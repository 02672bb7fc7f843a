// Internal to seal/: what a SealingKey holds, for the Sealer.
#pragma once

#include <xmlsec/keys.h>

#include <string>

#include "seal/keys.h"

namespace mezhved::seal {

struct SealingKey::Impl {
  xmlSecKeyPtr key = nullptr;  // the private key with its certificates; duplicated for each signature
  Algorithm algorithm = Algorithm::kRsaSha256;
  std::string certificate_der;
  std::string certificate_sha256;
  std::string subject;
  UnixMillis not_after_ms = 0;

  Impl() = default;
  ~Impl() {
    if (key != nullptr) {
      xmlSecKeyDestroy(key);
    }
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

}  // namespace mezhved::seal
