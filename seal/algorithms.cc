#include "seal/algorithms.h"

#include <array>

namespace mezhved::seal {
namespace {

struct AlgorithmEntry {
  Algorithm algorithm;
  std::string_view name;
  AlgorithmUris uris;
};

// RFC 6931 for RSA and ECDSA; the CryptoPro URIs that Russian systems (SMEV among them) use for GOST 2012.
constexpr std::array<AlgorithmEntry, 3> kAlgorithms = {{
    {Algorithm::kRsaSha256,
     "rsa-sha256",
     {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256"}},
    {Algorithm::kEcdsaP256Sha256,
     "ecdsa-p256-sha256",
     {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256"}},
    {Algorithm::kGost2012_256,
     "gost2012-256",
     {"urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256",
      "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256"}},
}};

const AlgorithmEntry& EntryOf(Algorithm algorithm) {
  for (const AlgorithmEntry& entry : kAlgorithms) {
    if (entry.algorithm == algorithm) {
      return entry;
    }
  }
  return kAlgorithms[0];  // unreachable: every enumerator has an entry
}

}  // namespace

AlgorithmUris UrisOf(Algorithm algorithm) { return EntryOf(algorithm).uris; }

std::optional<Algorithm> AlgorithmOfSignatureUri(std::string_view uri) {
  for (const AlgorithmEntry& entry : kAlgorithms) {
    if (entry.uris.signature == uri) {
      return entry.algorithm;
    }
  }
  return std::nullopt;
}

std::string_view NameOf(Algorithm algorithm) { return EntryOf(algorithm).name; }

std::optional<Algorithm> AlgorithmNamed(std::string_view name) {
  for (const AlgorithmEntry& entry : kAlgorithms) {
    if (entry.name == name) {
      return entry.algorithm;
    }
  }
  return std::nullopt;
}

}  // namespace mezhved::seal
