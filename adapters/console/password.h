// Operators' password hashes (docs/CONSOLE.md): Argon2id from Debian's libargon2, a memory-hard function, so that a
// stolen configuration does not give the passwords away cheaply. A library of its own, apart from the console
// adapter, so that `mezhvedctl hash-password` makes the hashes the console verifies without linking the daemon's
// core (store, XML, seals, HTTP).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace mezhved::adapters::console {

// An Argon2id hash of `password` in its encoded form ("$argon2id$v=19$m=65536,t=3,p=1$salt$hash"), with a fresh
// random salt: what `mezhvedctl hash-password` prints for the configuration. INTERNAL if libargon2 fails.
StatusOr<std::string> HashPassword(std::string_view password);

// Whether `password` is the one `encoded_hash` (HashPassword's form; the parameters are read from it) was made of.
// False for a hash that is not Argon2id's encoded form.
bool PasswordMatches(const std::string& encoded_hash, std::string_view password);

}  // namespace mezhved::adapters::console
