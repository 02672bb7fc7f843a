#include "adapters/console/password.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <cstdint>
#include <vector>

namespace mezhved::adapters::console {
namespace {

// Argon2id parameters of new hashes: 64 MiB, 3 passes, 1 lane (RFC 9106's second recommended option, with one lane
// for a two-core server). Verification reads them from the stored hash.
constexpr uint32_t kTimeCost = 3;
constexpr uint32_t kMemoryKiB = 64 * 1024;
constexpr uint32_t kLanes = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

}  // namespace

StatusOr<std::string> HashPassword(std::string_view password) {
  std::vector<unsigned char> salt(kSaltBytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    return Status(ErrorCode::kInternal, "no random salt");
  }
  const size_t length = argon2_encodedlen(kTimeCost, kMemoryKiB, kLanes, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(length, '\0');
  const int result = argon2id_hash_encoded(kTimeCost, kMemoryKiB, kLanes, password.data(), password.size(), salt.data(),
                                           salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (result != ARGON2_OK) {
    return Status(ErrorCode::kInternal, std::string("argon2id: ") + argon2_error_message(result));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool PasswordMatches(const std::string& encoded_hash, std::string_view password) {
  return argon2id_verify(encoded_hash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace mezhved::adapters::console
