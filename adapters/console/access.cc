#include "adapters/console/access.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>

#include "common/digest.h"

namespace mezhved::adapters::console {
namespace {

using config::v1::OPERATOR_ROLE_OPERATOR;
using config::v1::OPERATOR_ROLE_UNSPECIFIED;

constexpr char kLoopbackName[] = "loopback";

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> random(bytes);
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    std::abort();  // no randomness: no tokens can be made safely, and nothing else would be safe either
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (const unsigned char byte : random) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0xF];
  }
  return hex;
}

}  // namespace

OperatorAccess::OperatorAccess(const config::v1::GatewayConfig& config, AccessSettings settings, const Clock& clock)
    : settings_(settings), clock_(clock), participants_(gateway::ParticipantRegistry::FromConfig(config)) {
  for (const config::v1::Operator& configured : config.operators()) {
    OperatorRecord& record = operators_[configured.name()];
    record.role = configured.role() == OPERATOR_ROLE_UNSPECIFIED ? OPERATOR_ROLE_OPERATOR : configured.role();
    record.password_hash = configured.password_hash();
  }
  StatusOr<std::string> decoy = HashPassword(RandomHex(16));
  decoy_hash_ = decoy.ok() ? *decoy : "";
}

bool OperatorAccess::VerifyPassword(const OperatorRecord* record, const std::string& password) const {
  const bool real = record != nullptr && !record->password_hash.empty();
  const std::string& hash = real ? record->password_hash : decoy_hash_;
  const bool verified = PasswordMatches(hash, password);
  return real && verified;
}

StatusOr<Session> OperatorAccess::SignIn(const std::string& name, const std::string& password) {
  const UnixMillis now = clock_.NowMs();
  {
    std::lock_guard lock(mutex_);
    const auto it = failures_.find(name);
    if (it != failures_.end() && it->second.locked_until_ms > now) {
      return Status(ErrorCode::kLockedOut, "too many failed sign-ins of " + name + "; try again after " +
                                               std::to_string((it->second.locked_until_ms - now + 59999) / 60000) +
                                               " min");
    }
  }
  const auto found = operators_.find(name);
  const OperatorRecord* record = found == operators_.end() ? nullptr : &found->second;
  // Verified outside the lock: a memory-hard hash takes a while, and other sessions must not wait for it.
  if (VerifyPassword(record, password)) {
    {
      std::lock_guard lock(mutex_);
      failures_.erase(name);
    }
    return Open(name, record->role, "password", "");
  }
  std::lock_guard lock(mutex_);
  if (failures_.size() >= settings_.max_sessions && !failures_.contains(name)) {
    failures_.erase(failures_.begin());  // bounded: a flood of made-up names cannot exhaust memory
  }
  Failures& failed = failures_[name];
  std::erase_if(failed.at_ms, [&](UnixMillis at) { return at <= now - settings_.failure_window_ms; });
  failed.at_ms.push_back(now);
  if (failed.at_ms.size() >= settings_.max_failures) {
    failed.locked_until_ms = now + settings_.lockout_ms;
    failed.at_ms.clear();
    return Status(ErrorCode::kLockedOut, "too many failed sign-ins of " + name + "; locked for " +
                                             std::to_string(settings_.lockout_ms / 60000) + " min");
  }
  return Status(ErrorCode::kUnauthenticated, "wrong name or password");
}

std::optional<Session> OperatorAccess::SignInByCertificate(const CertificateIdentity& certificate) {
  // The registry's matching, so that a certificate names the same operator on the console as on the operator API.
  const std::string name = participants_.FindOperatorByCertificate(certificate.common_name, certificate.sha256_hex);
  const auto record = operators_.find(name);
  if (name.empty() || record == operators_.end()) {
    return std::nullopt;
  }
  return Open(name, record->second.role, "certificate", "certificate:" + certificate.sha256_hex);
}

Session OperatorAccess::SignInLoopback() { return Open(kLoopbackName, kLoopbackRole, "loopback", "loopback"); }

Session OperatorAccess::Open(const std::string& name, OperatorRole role, const std::string& authenticated_by,
                             const std::string& reuse_key) {
  const UnixMillis now = clock_.NowMs();
  std::lock_guard lock(mutex_);
  DropExpired(now);
  if (!reuse_key.empty()) {
    const auto reused = reusable_.find(reuse_key);
    if (reused != reusable_.end()) {
      const auto entry = sessions_.find(Sha256(reused->second));
      if (entry != sessions_.end()) {
        entry->second.last_used_ms = now;
        return Session{reused->second, entry->second.who};
      }
    }
  }
  while (sessions_.size() >= settings_.max_sessions) {
    // The least recently used session makes room.
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used_ms < b.second.last_used_ms;
    });
    sessions_.erase(oldest);
  }
  Session session;
  session.token = RandomHex(32);
  session.who.operator_name = name;
  session.who.role = role;
  session.who.authenticated_by = authenticated_by;
  session.who.csrf_token = RandomHex(32);
  session.who.expires_at_ms = now + settings_.max_session_ms;
  sessions_[Sha256(session.token)] = SessionEntry{session.who, now, now};
  if (!reuse_key.empty()) {
    reusable_[reuse_key] = session.token;
  }
  return session;
}

std::optional<SignedIn> OperatorAccess::Find(const std::string& token) {
  if (token.empty()) {
    return std::nullopt;
  }
  const UnixMillis now = clock_.NowMs();
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(Sha256(token));
  if (it == sessions_.end()) {
    return std::nullopt;
  }
  SessionEntry& entry = it->second;
  if (now >= entry.who.expires_at_ms || now - entry.last_used_ms >= settings_.idle_timeout_ms) {
    sessions_.erase(it);
    return std::nullopt;
  }
  entry.last_used_ms = now;
  return entry.who;
}

void OperatorAccess::SignOut(const std::string& token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(Sha256(token));
  std::erase_if(reusable_, [&token](const auto& entry) { return entry.second == token; });
}

void OperatorAccess::DropExpired(UnixMillis now) {
  std::erase_if(sessions_, [&](const auto& entry) {
    return now >= entry.second.who.expires_at_ms || now - entry.second.last_used_ms >= settings_.idle_timeout_ms;
  });
}

bool OperatorAccess::CsrfMatches(const SignedIn& who, std::string_view presented) {
  return !who.csrf_token.empty() && presented.size() == who.csrf_token.size() &&
         CRYPTO_memcmp(presented.data(), who.csrf_token.data(), presented.size()) == 0;
}

}  // namespace mezhved::adapters::console
