// SHA-256, the one digest the gateway computes of its own data (idempotency digests, citizen keys, certificate
// fingerprints, session tokens' digests, the report tallies' basis), through OpenSSL.
#pragma once

#include <string>
#include <string_view>

namespace mezhved {

// The 32 bytes of the digest.
std::string Sha256(std::string_view bytes);
// The same as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view bytes);

}  // namespace mezhved
