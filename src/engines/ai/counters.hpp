#pragma once
// What the admin page and /metrics show about the engine: per provider and per UTC day, calls,
// failures, fallbacks by reason, latency and tokens. In memory only (a restart starts at zero);
// the last `kDaysKept` days are kept.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engines/ai/answer.hpp"

namespace medcore::ai {

struct ProviderDay {
  std::string provider;      // the configured provider the question went to
  std::string day;           // YYYY-MM-DD, UTC
  std::uint64_t questions = 0;  // ask() calls
  std::uint64_t calls = 0;      // HTTP requests made (retries included)
  std::uint64_t failures = 0;   // requests that did not give a usable answer
  std::uint64_t fallbacks = 0;  // answers that are the offline one although another was configured
  std::map<std::string, std::uint64_t> fallbacks_by_reason;
  std::uint64_t cache_hits = 0;
  double latency_ms_total = 0, latency_ms_max = 0;  // per question, as the caller waited
  std::int64_t tokens_in = 0, tokens_out = 0;
};

class Counters {
 public:
  static constexpr std::size_t kDaysKept = 31;
  // One finished question: its answer and how many HTTP requests / failed requests it took.
  void record(std::string_view provider, long day, const Answer&, int calls, int failures);
  // Oldest first.
  std::vector<ProviderDay> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<long, std::string>, ProviderDay> days_;
};

boost::json::array to_json(const std::vector<ProviderDay>&);
std::string iso_day(long days_since_epoch);

}  // namespace medcore::ai
