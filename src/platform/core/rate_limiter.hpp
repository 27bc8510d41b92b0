#pragma once
// Token buckets keyed by a string (an IP). In memory, per instance: with several instances
// behind a balancer each enforces its own share, which is the intent for abuse protection.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "platform/core/time.hpp"

namespace medcore {

class RateLimiter {
 public:
  // `per_minute` tokens refilled evenly over a minute, bursts up to `per_minute`.
  explicit RateLimiter(int per_minute) : capacity_(per_minute), refill_per_ms_(per_minute / 60000.0) {}
  // nullopt when allowed; otherwise seconds until a token is available (for Retry-After).
  std::optional<int> acquire(std::string_view key, EpochMs now);

 private:
  struct Bucket {
    double tokens;
    EpochMs updated;
  };
  double capacity_;
  double refill_per_ms_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  EpochMs last_prune_ = 0;
};

}  // namespace medcore
