#pragma once
// The hottest reads — who holds a session, a user's own profile (/api/v1/me), a directory page —
// kept in memory for a short while (MEDCORE_READ_CACHE_MS), so that an I/O thread can answer them
// without the worker pool or the database (docs/ARCHITECTURE.md, "Threads and blocking").
//
// What keeps it true: every change on this instance forgets what it touched before it answers
// (accounts::AccountService calls the forget_* functions after its commit), so the next request
// here sees it; on other instances the chat's "sessions ended / access revoked" broadcasts reach
// this cache too (chat::relay_access_changes), and every entry is dropped after the TTL at the
// latest — the stated bound for an instance that missed a notification, and for profile edits
// and approvals made elsewhere. Lookups hold a shared lock for a map probe only; puts and forgets
// an exclusive one: nothing here blocks an I/O thread for long.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "features/accounts/live_access.hpp"
#include "features/accounts/model.hpp"
#include "platform/http/context.hpp"

namespace medcore::accounts {

class ReadCache final : public LiveAccess {
 public:
  // `source_available` says whether the database answers (Database::available). While it does not,
  // nothing is answered from memory: the instance is not ready, every other route answers 503
  // not-ready, and the notices that keep the entries true (the LISTEN connection) are not arriving.
  explicit ReadCache(EpochMs ttl_ms, std::function<bool()> source_available = {})
      : ttl_ms_(ttl_ms), source_available_(std::move(source_available)) {}
  bool enabled() const { return ttl_ms_ > 0; }

  // Read before the database read whose result is then put: a forget in between (a logout that
  // raced the read) makes that put a no-op, so nothing a change removed comes back.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  struct Session {
    http::Principal principal;  // without the token (the cache is keyed by its hash)
    SessionTimes times;
  };
  // A session whose last_seen_at is `touch_interval_ms` old is due for its expiry slide: like an
  // entry past half its TTL, it is declined to one request (which writes the slide on a worker),
  // answered to the others.
  std::optional<Session> session(const std::string& token_hash, EpochMs now, EpochMs touch_interval_ms) const;
  void put_session(const std::string& token_hash, Session session, std::uint64_t generation, EpochMs now);

  // user_json of the user, serialised.
  std::shared_ptr<const std::string> user_json(std::int64_t user_id, EpochMs now) const;
  void put_user_json(std::int64_t user_id, std::string json, std::uint64_t generation, EpochMs now);

  // A public directory answer (the whole body), by its normalised query.
  std::shared_ptr<const std::string> directory(const std::string& query_key, EpochMs now) const;
  void put_directory(const std::string& query_key, std::string body, std::uint64_t generation, EpochMs now);

  // These sessions ended.
  void forget_sessions(const std::vector<std::int64_t>& session_ids);
  // Anything about the user changed (profile, rights, a doctor's listing): their sessions, their
  // /me and every directory page go.
  void forget_user(std::int64_t user_id);

  // LiveAccess: the same signals that close chat sockets, from this or another instance.
  void access_revoked(std::int64_t user_id) override { forget_user(user_id); }
  void sessions_ended(const std::vector<std::int64_t>& session_ids, std::string_view) override {
    forget_sessions(session_ids);
  }

 private:
  template <class T>
  struct Entry {
    std::shared_ptr<const T> value;
    EpochMs stored_at = 0;
    // When a request last took it upon itself to refresh this entry (see usable()).
    mutable std::atomic<EpochMs> refresh_claimed_at{0};
  };
  // Past half its TTL an entry is still answered, except to one request (one per kReclaimMs, in
  // case that one fails), which is declined so that it goes to a worker and refreshes the entry.
  // Without this every connection missed in the same instant once per TTL and queued on the
  // worker pool — and once a minute all of them raced to write the same session's expiry slide,
  // waiting on its row lock: a p99 of 30-970 ms on PostgreSQL at 64 connections.
  static constexpr EpochMs kReclaimMs = 100;
  template <class T>
  bool usable(const Entry<T>& e, EpochMs now, bool refresh_due = false) const {
    if (!fresh(e.stored_at, now)) return false;
    if (now - e.stored_at < ttl_ms_ / 2 && !refresh_due) return true;
    EpochMs claimed = e.refresh_claimed_at.load(std::memory_order_relaxed);
    if (now - claimed < kReclaimMs) return true;  // someone is refreshing it
    return !e.refresh_claimed_at.compare_exchange_strong(claimed, now, std::memory_order_relaxed);
  }
  // Past these sizes a map is emptied rather than grown: a flood of distinct tokens or queries
  // costs misses, never memory.
  static constexpr std::size_t kMaxSessions = 100'000;
  static constexpr std::size_t kMaxUsers = 100'000;
  static constexpr std::size_t kMaxDirectoryPages = 2'000;

  // The one way in and out of a map: answered only while answering(); a put is dropped when a
  // forget came between its database read and now (the generation moved), and a full map is
  // emptied rather than grown.
  template <class Map>
  auto lookup(const Map& map, const typename Map::key_type& key, EpochMs now) const
      -> decltype(map.begin()->second.value) {
    if (!answering()) return nullptr;
    std::shared_lock lock(mu_);
    auto it = map.find(key);
    if (it == map.end() || !usable(it->second, now)) return nullptr;
    return it->second.value;
  }
  template <class Map, class T>
  void put(Map& map, const typename Map::key_type& key, T value, std::size_t max_entries, std::uint64_t generation,
           EpochMs now) {
    if (!enabled()) return;
    auto shared = std::make_shared<const T>(std::move(value));
    std::unique_lock lock(mu_);
    if (generation != generation_.load(std::memory_order_relaxed)) return;
    if (map.size() >= max_entries) map.clear();
    store(map[key], std::move(shared), now);
  }

  template <class T>
  static void store(Entry<T>& e, std::shared_ptr<const T> value, EpochMs now) {
    e.value = std::move(value);
    e.stored_at = now;
    e.refresh_claimed_at.store(0, std::memory_order_relaxed);
  }
  bool fresh(EpochMs stored_at, EpochMs now) const { return now - stored_at < ttl_ms_ && now >= stored_at; }

  // Lookups answer only while enabled and the database is available (see the constructor).
  bool answering() const { return enabled() && (!source_available_ || source_available_()); }

  const EpochMs ttl_ms_;
  const std::function<bool()> source_available_;
  mutable std::shared_mutex mu_;
  std::atomic<std::uint64_t> generation_{0};
  std::unordered_map<std::string, Entry<Session>> sessions_;
  std::unordered_map<std::int64_t, Entry<std::string>> users_;
  std::unordered_map<std::string, Entry<std::string>> directory_;
};

}  // namespace medcore::accounts
