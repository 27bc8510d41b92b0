#pragma once
// Server-side sessions: a random token handed to the client (cookie or bearer), only its
// SHA-256 stored, an idle expiry that slides with use, capped by an absolute lifetime.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "features/accounts/model.hpp"
#include "platform/http/context.hpp"

namespace soci {
class session;
}

namespace medcore {
struct App;
struct Config;
}  // namespace medcore

namespace medcore::accounts {

inline constexpr std::string_view kSessionCookie = "medcore_session";

SessionPolicy session_policy(const Config& config);

struct IssuedSession {
  std::int64_t id = 0;
  std::string token;  // raw; shown to the client once, never stored
  EpochMs expires_at = 0;
};

// Inserts a new session row; call inside the caller's transaction.
IssuedSession start_session(soci::session& sql, const Config& config, std::int64_t user_id, std::string_view ip,
                            std::string_view user_agent, EpochMs now);

// Set-Cookie values.
std::string session_set_cookie(const Config& config, std::string_view token);
std::string session_clear_cookie(const Config& config);

// The token a request presents: "Authorization: Bearer" first (explicit beats ambient), then
// the session cookie. `via_cookie` tells the caller which one it was.
std::optional<std::string> presented_token(const http::Request& request, bool& via_cookie);

class ReadCache;

class SessionAuthenticator {
 public:
  // With a cache, every session found alive is kept there (see accounts/read_cache.hpp).
  explicit SessionAuthenticator(App& app, std::shared_ptr<ReadCache> cache = nullptr);
  // nullopt for no token, an unknown, revoked or expired one; never throws for bad input.
  std::optional<http::Principal> authenticate(const http::Request& request);
  // The cache's answer, for an I/O thread: known when no token is presented or the session is in
  // the cache and alive; when its once-a-minute expiry slide is due, one request is sent on to a
  // worker (that write needs one) and the others are answered here meanwhile.
  http::MemoryAuth from_memory(const http::Request& request) const;
  // Of these sessions, the ones still alive, with who holds them (no token, no expiry slid): open
  // connections re-checked in bulk.
  std::vector<http::Principal> alive(const std::vector<std::int64_t>& session_ids);

 private:
  App& app_;
  std::shared_ptr<ReadCache> cache_;
};

}  // namespace medcore::accounts
