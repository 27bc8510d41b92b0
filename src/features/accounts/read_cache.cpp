#include "features/accounts/read_cache.hpp"

#include <algorithm>
#include <mutex>

namespace medcore::accounts {

std::optional<ReadCache::Session> ReadCache::session(const std::string& token_hash, EpochMs now,
                                                     EpochMs touch_interval_ms) const {
  if (!answering()) return std::nullopt;
  std::shared_ptr<const Session> found;
  {
    std::shared_lock lock(mu_);
    auto it = sessions_.find(token_hash);
    if (it == sessions_.end()) return std::nullopt;
    const bool slide_due = now - it->second.value->times.last_seen_at >= touch_interval_ms;
    if (!usable(it->second, now, slide_due)) return std::nullopt;
    found = it->second.value;
  }
  return *found;  // copied outside the lock
}

void ReadCache::put_session(const std::string& token_hash, Session session, std::uint64_t generation, EpochMs now) {
  session.principal.session_token.clear();
  put(sessions_, token_hash, std::move(session), kMaxSessions, generation, now);
}

std::shared_ptr<const std::string> ReadCache::user_json(std::int64_t user_id, EpochMs now) const {
  return lookup(users_, user_id, now);
}

void ReadCache::put_user_json(std::int64_t user_id, std::string json, std::uint64_t generation, EpochMs now) {
  put(users_, user_id, std::move(json), kMaxUsers, generation, now);
}

std::shared_ptr<const std::string> ReadCache::directory(const std::string& query_key, EpochMs now) const {
  return lookup(directory_, query_key, now);
}

void ReadCache::put_directory(const std::string& query_key, std::string body, std::uint64_t generation, EpochMs now) {
  put(directory_, query_key, std::move(body), kMaxDirectoryPages, generation, now);
}

void ReadCache::forget_sessions(const std::vector<std::int64_t>& session_ids) {
  if (!enabled() || session_ids.empty()) return;
  std::unique_lock lock(mu_);
  generation_.fetch_add(1, std::memory_order_release);
  std::erase_if(sessions_, [&](const auto& kv) {
    return std::find(session_ids.begin(), session_ids.end(), kv.second.value->principal.session_id) != session_ids.end();
  });
}

void ReadCache::forget_user(std::int64_t user_id) {
  if (!enabled()) return;
  std::unique_lock lock(mu_);
  generation_.fetch_add(1, std::memory_order_release);
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.value->principal.user_id == user_id; });
  users_.erase(user_id);
  directory_.clear();
}

}  // namespace medcore::accounts
