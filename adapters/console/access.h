// Who may use the operators' console (docs/CONSOLE.md; what each role may do is gateway/operator_roles.h): signing in
// by password (Argon2id hashes from the configuration, a memory-hard function from Debian's libargon2)
// or by client certificate, sessions with their CSRF tokens, and the lock-out after repeated failures.
//
// Sessions live in memory: a restart signs everyone out, which is what a night operator expects of a security
// update anyway. Session and CSRF tokens are 256-bit random values; the table keeps only their SHA-256, so a memory
// dump does not hand out live sessions. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/console/password.h"  // HashPassword, PasswordMatches
#include "adapters/http/certificate_identity.h"
#include "common/clock.h"
#include "common/status.h"
#include "gateway/operator_roles.h"
#include "gateway/participants.h"
#include "mezhved/config/v1/config.pb.h"

namespace mezhved::adapters::console {

using config::v1::OperatorRole;
using gateway::Allows;
using gateway::kLoopbackRole;
using gateway::NameOf;
using gateway::Permission;
using gateway::PermissionNames;

struct SignedIn {
  std::string operator_name;
  OperatorRole role = config::v1::OPERATOR_ROLE_OPERATOR;
  std::string authenticated_by;  // "password", "certificate" or "loopback"
  std::string csrf_token;
  UnixMillis expires_at_ms = 0;
  bool Allows(Permission permission) const { return gateway::Allows(role, permission); }
};

// A session: the token for its cookie and who it is.
struct Session {
  std::string token;
  SignedIn who;
};

struct AccessSettings {
  int64_t idle_timeout_ms = 30LL * 60 * 1000;      // a session unused this long ends
  int64_t max_session_ms = 12LL * 60 * 60 * 1000;  // and any session ends after this long (a shift)
  uint32_t max_failures = 5;                       // failed sign-ins of one name within the window lock it
  int64_t failure_window_ms = 15LL * 60 * 1000;
  int64_t lockout_ms = 15LL * 60 * 1000;
  size_t max_sessions = 10000;
};

class OperatorAccess {
 public:
  OperatorAccess(const config::v1::GatewayConfig& config, AccessSettings settings, const Clock& clock);

  // Signs in by password. UNAUTHENTICATED "wrong name or password" for an unknown name, a wrong password or an
  // operator without a password (the same answer and about the same time for each, so names cannot be probed);
  // LOCKED_OUT while the name is locked after repeated failures (the password is then not even checked).
  StatusOr<Session> SignIn(const std::string& name, const std::string& password);
  // The operator a verified client certificate identifies (the configured certificate_common_names /
  // certificate_sha256), with a session of its own that later requests with the same certificate reuse.
  std::optional<Session> SignInByCertificate(const CertificateIdentity& certificate);
  // The insecure loopback trial: one session with every permission, named "loopback".
  Session SignInLoopback();
  // The session of a cookie's token, kept alive by the use; nullopt when unknown or expired.
  std::optional<SignedIn> Find(const std::string& token);
  void SignOut(const std::string& token);

  // Whether a request's CSRF token is its session's, compared in constant time.
  static bool CsrfMatches(const SignedIn& who, std::string_view presented);

 private:
  struct OperatorRecord {
    OperatorRole role = config::v1::OPERATOR_ROLE_OPERATOR;
    std::string password_hash;
  };
  struct SessionEntry {
    SignedIn who;
    UnixMillis started_ms = 0;
    UnixMillis last_used_ms = 0;
  };
  struct Failures {
    std::vector<UnixMillis> at_ms;  // within the window
    UnixMillis locked_until_ms = 0;
  };

  Session Open(const std::string& name, OperatorRole role, const std::string& authenticated_by,
               const std::string& reuse_key);
  bool VerifyPassword(const OperatorRecord* record, const std::string& password) const;
  void DropExpired(UnixMillis now);

  const AccessSettings settings_;
  const Clock& clock_;
  const gateway::ParticipantRegistry participants_;  // which operator a certificate identifies
  std::map<std::string, OperatorRecord, std::less<>> operators_;
  std::string decoy_hash_;  // verified against for unknown names, so they cost the same time

  std::mutex mutex_;
  std::map<std::string, SessionEntry> sessions_;           // SHA-256 of the token -> session
  std::map<std::string, std::string> reusable_;            // certificate fingerprint or "loopback" -> token
  std::map<std::string, Failures, std::less<>> failures_;  // by name tried
};

}  // namespace mezhved::adapters::console
