#include "engines/ai/resilience.hpp"

namespace medcore::ai {

std::optional<std::chrono::milliseconds> backoff_delay(int attempt, std::optional<std::chrono::milliseconds> retry_after,
                                                       std::chrono::milliseconds base, std::chrono::milliseconds max) {
  std::chrono::milliseconds wait = base;
  if (retry_after) {
    wait = *retry_after;
  } else {
    for (int i = 0; i < attempt && wait <= max; ++i) wait *= 2;
  }
  if (wait > max) return std::nullopt;
  return wait;
}

bool CircuitBreaker::allow(SteadyTime now) {
  std::lock_guard lock(mutex_);
  if (!open_) return true;
  if (now - opened_at_ < open_for_ || probing_) return false;
  probing_ = true;  // half-open: this caller is the probe
  return true;
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mutex_);
  failures_ = 0;
  open_ = false;
  probing_ = false;
}

void CircuitBreaker::record_failure(SteadyTime now) {
  std::lock_guard lock(mutex_);
  ++failures_;
  if (probing_ || failures_ >= threshold_) {
    open_ = true;
    opened_at_ = now;
  }
  probing_ = false;
}

CircuitBreaker::State CircuitBreaker::state(SteadyTime now) const {
  std::lock_guard lock(mutex_);
  if (!open_) return State::closed;
  if (probing_ || now - opened_at_ >= open_for_) return State::half_open;
  return State::open;
}

std::string_view to_string(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::closed: return "closed";
    case CircuitBreaker::State::open: return "open";
    case CircuitBreaker::State::half_open: return "half_open";
  }
  return "?";
}

std::optional<Answer> AnswerCache::get(const std::string& key, SteadyTime now) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  if (now - it->second->stored >= ttl_) {
    entries_.erase(it->second);
    index_.erase(it);
    return std::nullopt;
  }
  entries_.splice(entries_.begin(), entries_, it->second);
  return it->second->answer;
}

void AnswerCache::put(const std::string& key, const Answer& answer, SteadyTime now) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mutex_);
  if (const auto it = index_.find(key); it != index_.end()) {
    entries_.erase(it->second);
    index_.erase(it);
  }
  entries_.push_front({key, answer, now});
  index_[key] = entries_.begin();
  while (entries_.size() > capacity_) {
    index_.erase(entries_.back().key);
    entries_.pop_back();
  }
}

std::size_t AnswerCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

bool DailyLimit::try_take(const std::string& caller, long day) {
  std::lock_guard lock(mutex_);
  if (day != day_) {
    used_.clear();
    day_ = day;
  }
  int& used = used_[caller];
  if (used >= limit_) return false;
  ++used;
  return true;
}

}  // namespace medcore::ai
