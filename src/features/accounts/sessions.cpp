#include "features/accounts/sessions.hpp"

#include <algorithm>

#include "features/accounts/read_cache.hpp"
#include "features/accounts/store.hpp"
#include "platform/app/app.hpp"
#include "platform/core/crypto.hpp"
#include "platform/http/message.hpp"

namespace medcore::accounts {

SessionPolicy session_policy(const Config& config) {
  SessionPolicy p;
  p.idle_ttl_ms = static_cast<EpochMs>(config.session_ttl_seconds) * 1000;
  p.absolute_ms = static_cast<EpochMs>(config.session_max_seconds) * 1000;
  return p;
}

IssuedSession start_session(soci::session& sql, const Config& config, std::int64_t user_id, std::string_view ip,
                            std::string_view user_agent, EpochMs now) {
  IssuedSession issued;
  issued.token = crypto::random_token(32);
  store::NewSession row;
  row.token_hash = crypto::sha256_hex(issued.token);
  row.user_id = user_id;
  row.times = new_session_times(session_policy(config), now);
  row.ip = std::string(ip);
  row.user_agent = std::string(user_agent);
  issued.id = store::insert_session(sql, row);
  issued.expires_at = row.times.expires_at;
  return issued;
}

std::string session_set_cookie(const Config& config, std::string_view token) {
  // A browser-session cookie (no Max-Age): the server's idle expiry (12 h) slides with use and
  // is not sent back on every request, so no fixed Max-Age can match it. A persistent cookie
  // would keep the token on disk for the 30-day absolute lifetime, long after the session died
  // (a shared or lost computer); this one goes when the browser closes, and the server still
  // enforces both lifetimes.
  return http::session_cookie(kSessionCookie, token, {config.cookie_secure, std::nullopt});
}

std::string session_clear_cookie(const Config& config) {
  return http::session_cookie(kSessionCookie, "", {config.cookie_secure, 0});
}

std::optional<std::string> presented_token(const http::Request& request, bool& via_cookie) {
  // Our tokens are 43 characters; anything far longer is not one of ours and not worth hashing.
  constexpr std::size_t kMaxToken = 128;
  if (auto auth = request.header("authorization")) {
    std::string_view v = *auth;
    if (v.size() > 7 && ascii_lower(v.substr(0, 7)) == "bearer ") {
      std::string_view token = trim(v.substr(7));
      if (token.empty() || token.size() > kMaxToken) return std::nullopt;
      via_cookie = false;
      return std::string(token);
    }
    return std::nullopt;
  }
  if (auto cookie = request.cookie(kSessionCookie)) {
    if (cookie->empty() || cookie->size() > kMaxToken) return std::nullopt;
    via_cookie = true;
    return *cookie;
  }
  return std::nullopt;
}

namespace {

http::Principal principal_of(const store::SessionLookup& found) {
  http::Principal p;
  p.user_id = found.user_id;
  p.role = found.role;
  p.doctor_status = found.doctor_status;
  p.session_id = found.session_id;
  p.email = found.email;
  p.name = found.name;
  return p;
}

}  // namespace

SessionAuthenticator::SessionAuthenticator(App& app, std::shared_ptr<ReadCache> cache)
    : app_(app), cache_(std::move(cache)) {}

http::MemoryAuth SessionAuthenticator::from_memory(const http::Request& request) const {
  bool via_cookie = false;
  auto token = presented_token(request, via_cookie);
  if (!token) return {.known = true, .principal = std::nullopt};
  if (!cache_ || !cache_->enabled()) return {};
  const EpochMs now = now_ms();
  // The expiry slide (a write) is left to one request on a worker; the others are answered here
  // meanwhile — the session is alive either way, the slide only moves its idle expiry on.
  auto found = cache_->session(crypto::sha256_hex(*token), now, session_policy(app_.config).touch_interval_ms);
  if (!found || !session_alive(found->times, std::nullopt, now)) return {};
  found->principal.session_token = std::move(*token);
  found->principal.via_cookie = via_cookie;
  return {.known = true, .principal = std::move(found->principal)};
}

std::optional<http::Principal> SessionAuthenticator::authenticate(const http::Request& request) {
  bool via_cookie = false;
  auto token = presented_token(request, via_cookie);
  if (!token) return std::nullopt;
  const std::string hash = crypto::sha256_hex(*token);
  const SessionPolicy policy = session_policy(app_.config);
  const EpochMs now = now_ms();
  const std::uint64_t generation = cache_ ? cache_->generation() : 0;

  return app_.db->read([&](soci::session& sql) -> std::optional<http::Principal> {
    auto found = store::find_session(sql, hash);
    if (!found || !session_alive(found->times, found->revoked_at, now)) return std::nullopt;
    SessionTimes times = found->times;
    if (session_needs_touch(policy, times, now)) {
      // Conditional on last_seen, so concurrent requests (and instances) write it once a minute.
      times.expires_at = slid_expiry(policy, times, now);
      store::touch_session(sql, found->session_id, now, times.expires_at, now - policy.touch_interval_ms);
      times.last_seen_at = now;
    }
    http::Principal p = principal_of(*found);
    if (cache_) cache_->put_session(hash, ReadCache::Session{p, times}, generation, now);
    p.session_token = *token;
    p.via_cookie = via_cookie;
    return p;
  });
}

std::vector<http::Principal> SessionAuthenticator::alive(const std::vector<std::int64_t>& session_ids) {
  constexpr std::size_t kChunk = 500;  // bound parameters per query stay far below either backend's limit
  std::vector<http::Principal> out;
  const EpochMs now = now_ms();
  for (std::size_t from = 0; from < session_ids.size(); from += kChunk) {
    const std::vector<std::int64_t> chunk(session_ids.begin() + static_cast<std::ptrdiff_t>(from),
                                          session_ids.begin() + static_cast<std::ptrdiff_t>(std::min(from + kChunk, session_ids.size())));
    for (const auto& found : app_.db->read([&](soci::session& sql) { return store::find_sessions(sql, chunk); }))
      if (session_alive(found.times, found.revoked_at, now)) out.push_back(principal_of(found));
  }
  return out;
}

}  // namespace medcore::accounts
