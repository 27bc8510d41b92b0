#pragma once
// What keeps a slow or failing provider from hurting the server: the retry backoff, a circuit
// breaker, the answer cache and the per-caller daily limit. Each takes the time as an argument
// (no clock inside), so the unit tests drive them exactly. All are thread-safe.
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "engines/ai/answer.hpp"

namespace medcore::ai {

using SteadyTime = std::chrono::steady_clock::time_point;

// The wait before retry `attempt` (0 = first retry): Retry-After when the server sent one,
// otherwise base * 2^attempt; nullopt when that wait exceeds `max` (give up now).
std::optional<std::chrono::milliseconds> backoff_delay(int attempt, std::optional<std::chrono::milliseconds> retry_after,
                                                       std::chrono::milliseconds base, std::chrono::milliseconds max);

// closed -> (threshold failures in a row) -> open -> (open_for elapsed) -> half-open: one probe
// call is let through; its success closes the breaker, its failure opens it again.
class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };
  CircuitBreaker(int threshold, std::chrono::milliseconds open_for) : threshold_(threshold), open_for_(open_for) {}
  // May a call go out now? In half-open only the first caller gets true until it reports.
  bool allow(SteadyTime now);
  void record_success();
  void record_failure(SteadyTime now);
  State state(SteadyTime now) const;

 private:
  mutable std::mutex mutex_;
  int threshold_;
  std::chrono::milliseconds open_for_;
  int failures_ = 0;
  bool open_ = false;
  bool probing_ = false;
  SteadyTime opened_at_{};
};
std::string_view to_string(CircuitBreaker::State);

// Least-recently-used, with a time to live; capacity 0 keeps nothing.
class AnswerCache {
 public:
  AnswerCache(std::size_t capacity, std::chrono::seconds ttl) : capacity_(capacity), ttl_(ttl) {}
  std::optional<Answer> get(const std::string& key, SteadyTime now);
  void put(const std::string& key, const Answer& answer, SteadyTime now);
  std::size_t size() const;

 private:
  struct Entry {
    std::string key;
    Answer answer;
    SteadyTime stored;
  };
  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::chrono::seconds ttl_;
  std::list<Entry> entries_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

// Provider answers per caller per day. Only today's counts are kept.
class DailyLimit {
 public:
  explicit DailyLimit(int limit) : limit_(limit) {}
  // Counts one call for `caller` on `day` (days since the epoch, UTC) when under the limit.
  bool try_take(const std::string& caller, long day);

 private:
  std::mutex mutex_;
  int limit_;
  long day_ = -1;
  std::unordered_map<std::string, int> used_;
};

}  // namespace medcore::ai
