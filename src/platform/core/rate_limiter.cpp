#include "platform/core/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace medcore {

std::optional<int> RateLimiter::acquire(std::string_view key, EpochMs now) {
  std::lock_guard lock(mutex_);
  // Forget full buckets now and then so a scan of many addresses cannot grow memory forever.
  if (now - last_prune_ > 60'000) {
    last_prune_ = now;
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.tokens + (now - kv.second.updated) * refill_per_ms_ >= capacity_;
    });
  }
  auto [it, inserted] = buckets_.try_emplace(std::string(key), Bucket{capacity_, now});
  auto& b = it->second;
  if (!inserted) {
    b.tokens = std::min(capacity_, b.tokens + std::max<EpochMs>(0, now - b.updated) * refill_per_ms_);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait_ms = (1.0 - b.tokens) / refill_per_ms_;
  return std::max(1, static_cast<int>(std::ceil(wait_ms / 1000.0)));
}

}  // namespace medcore
