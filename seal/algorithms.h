// The signature algorithms of the gateway's seals and of the signatures it accepts (docs/SIGNATURES.md): RSA and
// ECDSA P-256 with SHA-256, and GOST R 34.10-2012 (256-bit) with GOST R 34.11-2012 (Streebog), under the URIs Russian
// systems use.
#pragma once

#include <optional>
#include <string_view>

namespace mezhved::seal {

enum class Algorithm { kRsaSha256, kEcdsaP256Sha256, kGost2012_256 };

struct AlgorithmUris {
  std::string_view signature;  // ds:SignatureMethod/@Algorithm
  std::string_view digest;     // ds:DigestMethod/@Algorithm
};

AlgorithmUris UrisOf(Algorithm algorithm);
// The algorithm a SignatureMethod URI names, if the gateway accepts it.
std::optional<Algorithm> AlgorithmOfSignatureUri(std::string_view uri);

// "rsa-sha256", "ecdsa-p256-sha256", "gost2012-256": the names the config uses.
std::string_view NameOf(Algorithm algorithm);
std::optional<Algorithm> AlgorithmNamed(std::string_view name);

}  // namespace mezhved::seal
