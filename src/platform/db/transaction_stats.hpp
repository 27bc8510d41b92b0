#pragma once
// Per-name transaction counters and latency histograms for /metrics.
//
// Names are constants in the code (db::TransactionName), so the set of series is fixed by the
// program. Each name's counters live in a fixed table keyed by the name's address: after a
// name's first transaction, counting one is a hash of a pointer, a short probe and a few relaxed
// atomic increments — no lock, no allocation, no map insert. The same text at two addresses
// (one literal per translation unit) gets two entries, added up when rendered.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "platform/core/metrics.hpp"

namespace medcore::db {

enum class Outcome : std::uint8_t {
  committed,
  rolled_back,  // the work threw (a conflict, a refused constraint, a bug) or COMMIT failed
  unavailable,  // refused or cut off because the database could not serve (medcore::Unavailable)
  timeout,      // a statement ran past the statement timeout and was cancelled
};
inline constexpr std::size_t kOutcomeCount = 4;

class TransactionStats {
 public:
  struct Entry {
    std::atomic<const char*> name{nullptr};
    std::array<std::atomic<std::uint64_t>, kOutcomeCount> outcomes{};
    // BEGIN retried once on a fresh connection after the pooled one turned out to be broken.
    std::atomic<std::uint64_t> begin_retries{0};
    // Non-cumulative: [i] counts times in (kBuckets[i-1], kBuckets[i]]; the last one the rest.
    std::array<std::atomic<std::uint64_t>, Metrics::kBucketCount + 1> buckets{};
    std::atomic<std::uint64_t> sum_ns{0};

    // `started` is the default time_point for a transaction that never began (refused a
    // connection): counted, not timed.
    void observe(Outcome outcome, std::chrono::steady_clock::time_point started) noexcept;
  };

  // The entry of this name (by address); the first call for a name claims a free slot.
  Entry& entry(const char* name) noexcept;
  void render(std::string& out) const;

 private:
  // About 60 names today; a full table puts further names in `overflow_` (labelled so).
  static constexpr std::size_t kSlots = 512;
  std::array<Entry, kSlots> entries_{};
  Entry overflow_;
};

}  // namespace medcore::db
