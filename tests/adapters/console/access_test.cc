// Who may use the console and what they may do: the roles' table, password sign-in with Argon2id hashes, the
// lock-out after repeated failures, sessions that end, certificate sign-in, CSRF tokens.
#include "adapters/console/access.h"

#include <catch2/catch.hpp>

namespace mezhved::adapters::console {
namespace {

using config::v1::OPERATOR_ROLE_ADMINISTRATOR;
using config::v1::OPERATOR_ROLE_AUDITOR;
using config::v1::OPERATOR_ROLE_OPERATOR;
using config::v1::OPERATOR_ROLE_SUPERVISOR;

constexpr UnixMillis kStart = 1'795'500'000'000;
constexpr int64_t kMinute = 60'000;

config::v1::GatewayConfig Operators() {
  config::v1::GatewayConfig config;
  const auto add = [&config](const std::string& name, config::v1::OperatorRole role, const std::string& password) {
    config::v1::Operator& op = *config.add_operators();
    op.set_name(name);
    op.set_role(role);
    if (!password.empty()) {
      op.set_password_hash(*HashPassword(password));
    }
    op.add_certificate_common_names(name + "-cert");
  };
  add("ivanova", OPERATOR_ROLE_OPERATOR, "night shift 42");
  add("petrov", OPERATOR_ROLE_SUPERVISOR, "reports 2026");
  add("sidorova", OPERATOR_ROLE_AUDITOR, "");  // certificate only
  return config;
}

TEST_CASE("each role may do what its duties need and no more", "[console][access]") {
  CHECK(PermissionNames(OPERATOR_ROLE_OPERATOR) == std::vector<std::string>{"view", "requeue"});
  CHECK(PermissionNames(OPERATOR_ROLE_SUPERVISOR) == std::vector<std::string>{"view", "reveal", "reports"});
  CHECK(PermissionNames(OPERATOR_ROLE_AUDITOR) == std::vector<std::string>{"view", "reports", "audit"});
  CHECK(PermissionNames(OPERATOR_ROLE_ADMINISTRATOR) == std::vector<std::string>{"view", "administer"});
  CHECK_FALSE(Allows(OPERATOR_ROLE_AUDITOR, Permission::kReveal));  // auditors read, they do not look into cases
  CHECK_FALSE(Allows(OPERATOR_ROLE_OPERATOR, Permission::kReveal));
}

TEST_CASE("a password hash is Argon2id with a fresh salt each time", "[console][access]") {
  const std::string first = *HashPassword("secret");
  const std::string second = *HashPassword("secret");
  CHECK(first.rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0) == 0);
  CHECK(first != second);
}

TEST_CASE("signing in by password opens a session that later requests find", "[console][access]") {
  ManualClock clock(kStart);
  OperatorAccess access(Operators(), AccessSettings{}, clock);
  StatusOr<Session> session = access.SignIn("ivanova", "night shift 42");
  REQUIRE(session.ok());
  CHECK(session->token.size() == 64);
  CHECK(session->who.operator_name == "ivanova");
  CHECK(session->who.role == OPERATOR_ROLE_OPERATOR);
  CHECK(session->who.authenticated_by == "password");
  CHECK(session->who.csrf_token.size() == 64);
  CHECK(session->who.csrf_token != session->token);

  std::optional<SignedIn> found = access.Find(session->token);
  REQUIRE(found);
  CHECK(found->operator_name == "ivanova");
  CHECK_FALSE(access.Find("not-a-token"));
  CHECK_FALSE(access.Find(""));

  access.SignOut(session->token);
  CHECK_FALSE(access.Find(session->token));
}

TEST_CASE("a wrong password, an unknown name and a certificate-only operator get the same answer",
          "[console][access]") {
  ManualClock clock(kStart);
  OperatorAccess access(Operators(), AccessSettings{}, clock);
  for (const auto& [name, password] :
       {std::pair{"ivanova", "wrong"}, std::pair{"nobody", "night shift 42"}, std::pair{"sidorova", ""}}) {
    StatusOr<Session> refused = access.SignIn(name, password);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == ErrorCode::kUnauthenticated);
    CHECK(refused.status().message() == "wrong name or password");
  }
}

TEST_CASE("repeated failures lock the name for a while, even with the right password", "[console][access]") {
  ManualClock clock(kStart);
  AccessSettings settings;
  settings.max_failures = 3;
  OperatorAccess access(Operators(), settings, clock);
  CHECK(access.SignIn("ivanova", "wrong-1").status().code() == ErrorCode::kUnauthenticated);
  CHECK(access.SignIn("ivanova", "wrong-2").status().code() == ErrorCode::kUnauthenticated);
  CHECK(access.SignIn("ivanova", "wrong-3").status().code() == ErrorCode::kLockedOut);
  CHECK(access.SignIn("ivanova", "night shift 42").status().code() == ErrorCode::kLockedOut);
  CHECK(access.SignIn("petrov", "reports 2026").ok());  // another name is not locked

  clock.Advance(settings.lockout_ms);
  CHECK(access.SignIn("ivanova", "night shift 42").ok());
}

TEST_CASE("failures spread out over more than the window do not lock", "[console][access]") {
  ManualClock clock(kStart);
  AccessSettings settings;
  settings.max_failures = 2;
  OperatorAccess access(Operators(), settings, clock);
  CHECK(access.SignIn("ivanova", "wrong").status().code() == ErrorCode::kUnauthenticated);
  clock.Advance(settings.failure_window_ms + 1);
  CHECK(access.SignIn("ivanova", "wrong").status().code() == ErrorCode::kUnauthenticated);
  CHECK(access.SignIn("ivanova", "night shift 42").ok());
}

TEST_CASE("a session ends when idle too long, and after a shift however busy", "[console][access]") {
  ManualClock clock(kStart);
  AccessSettings settings;
  settings.idle_timeout_ms = 30 * kMinute;
  settings.max_session_ms = 120 * kMinute;
  OperatorAccess access(Operators(), settings, clock);
  const Session idle = *access.SignIn("ivanova", "night shift 42");
  clock.Advance(30 * kMinute);
  CHECK_FALSE(access.Find(idle.token));

  const Session busy = *access.SignIn("ivanova", "night shift 42");
  for (int i = 0; i < 7; ++i) {
    clock.Advance(17 * kMinute);
    CHECK(access.Find(busy.token));
  }
  clock.Advance(2 * kMinute);  // 121 minutes since it began
  CHECK_FALSE(access.Find(busy.token));
}

TEST_CASE("an operator's certificate signs in and reuses its session", "[console][access]") {
  ManualClock clock(kStart);
  OperatorAccess access(Operators(), AccessSettings{}, clock);
  std::optional<Session> first = access.SignInByCertificate({"sidorova-cert", "ab12"});
  REQUIRE(first);
  CHECK(first->who.operator_name == "sidorova");
  CHECK(first->who.role == OPERATOR_ROLE_AUDITOR);
  CHECK(first->who.authenticated_by == "certificate");
  std::optional<Session> again = access.SignInByCertificate({"sidorova-cert", "ab12"});
  REQUIRE(again);
  CHECK(again->token == first->token);
  CHECK(again->who.csrf_token == first->who.csrf_token);  // the page keeps working with the token it has
  CHECK_FALSE(access.SignInByCertificate({"prometheus", "cd34"}));
}

TEST_CASE("the CSRF token must match exactly", "[console][access]") {
  ManualClock clock(kStart);
  OperatorAccess access(Operators(), AccessSettings{}, clock);
  const Session session = *access.SignIn("ivanova", "night shift 42");
  CHECK(OperatorAccess::CsrfMatches(session.who, session.who.csrf_token));
  CHECK_FALSE(OperatorAccess::CsrfMatches(session.who, ""));
  CHECK_FALSE(OperatorAccess::CsrfMatches(session.who, session.who.csrf_token.substr(1)));
  CHECK_FALSE(OperatorAccess::CsrfMatches(session.who, session.token));
}

TEST_CASE("the loopback trial may do everything", "[console][access]") {
  ManualClock clock(kStart);
  OperatorAccess access(Operators(), AccessSettings{}, clock);
  const Session session = access.SignInLoopback();
  CHECK(session.who.operator_name == "loopback");
  CHECK(PermissionNames(session.who.role).size() == 6);
  CHECK(access.SignInLoopback().token == session.token);
}

}  // namespace
}  // namespace mezhved::adapters::console
