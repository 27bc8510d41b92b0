#include "platform/db/transaction_stats.hpp"

#include <cstdio>
#include <map>

namespace medcore::db {

namespace {

constexpr const char* kOutcomeLabels[kOutcomeCount] = {"committed", "rolled_back", "unavailable", "timeout"};
constexpr const char* kOverflowName = "(overflow)";

std::size_t slot_of(const char* name, std::size_t slots) {
  // Fibonacci hashing of the address; literals are at least 1-aligned, so keep the low bits.
  const auto bits = reinterpret_cast<std::uintptr_t>(name);
  return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ULL) >> 32) % slots;
}

}  // namespace

void TransactionStats::Entry::observe(Outcome outcome, std::chrono::steady_clock::time_point started) noexcept {
  outcomes[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  if (started == std::chrono::steady_clock::time_point{}) return;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started);
  const double seconds = std::chrono::duration<double>(ns).count();
  std::size_t i = 0;
  while (i < Metrics::kBucketCount && seconds > Metrics::kBuckets[i]) ++i;
  buckets[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns.fetch_add(static_cast<std::uint64_t>(ns.count()), std::memory_order_relaxed);
}

TransactionStats::Entry& TransactionStats::entry(const char* name) noexcept {
  const std::size_t home = slot_of(name, kSlots);
  for (std::size_t probe = 0; probe < kSlots; ++probe) {
    Entry& e = entries_[(home + probe) % kSlots];
    const char* held = e.name.load(std::memory_order_acquire);
    if (held == name) return e;
    if (held == nullptr) {
      if (e.name.compare_exchange_strong(held, name, std::memory_order_acq_rel)) return e;
      if (held == name) return e;  // another thread claimed it for the same name
    }
  }
  const char* unset = nullptr;
  overflow_.name.compare_exchange_strong(unset, kOverflowName);
  return overflow_;
}

void TransactionStats::render(std::string& out) const {
  struct Sum {
    std::uint64_t outcomes[kOutcomeCount] = {};
    std::uint64_t begin_retries = 0;
    std::uint64_t buckets[Metrics::kBucketCount + 1] = {};
    std::uint64_t sum_ns = 0;
  };
  std::map<std::string, Sum> by_name;
  auto add = [&by_name](const Entry& e) {
    const char* name = e.name.load(std::memory_order_acquire);
    if (!name) return;
    Sum& s = by_name[name];
    for (std::size_t i = 0; i < kOutcomeCount; ++i) s.outcomes[i] += e.outcomes[i].load(std::memory_order_relaxed);
    s.begin_retries += e.begin_retries.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i <= Metrics::kBucketCount; ++i) s.buckets[i] += e.buckets[i].load(std::memory_order_relaxed);
    s.sum_ns += e.sum_ns.load(std::memory_order_relaxed);
  };
  for (const Entry& e : entries_) add(e);
  add(overflow_);

  char num[64];
  out += "# HELP medcore_db_transactions_total Database transactions by name and outcome "
         "(committed, rolled_back, unavailable, timeout).\n"
         "# TYPE medcore_db_transactions_total counter\n";
  for (const auto& [name, s] : by_name) {
    const std::string label = prometheus_label(name);
    for (std::size_t i = 0; i < kOutcomeCount; ++i)
      out += "medcore_db_transactions_total{name=\"" + label + "\",outcome=\"" + kOutcomeLabels[i] + "\"} " +
             std::to_string(s.outcomes[i]) + "\n";
  }
  out += "# HELP medcore_db_transaction_begin_retries_total BEGINs retried on a fresh connection after the pooled "
         "one turned out broken.\n"
         "# TYPE medcore_db_transaction_begin_retries_total counter\n";
  for (const auto& [name, s] : by_name)
    out += "medcore_db_transaction_begin_retries_total{name=\"" + prometheus_label(name) + "\"} " +
           std::to_string(s.begin_retries) + "\n";
  out += "# HELP medcore_db_transaction_duration_seconds Time from BEGIN to COMMIT or ROLLBACK, by transaction name.\n"
         "# TYPE medcore_db_transaction_duration_seconds histogram\n";
  for (const auto& [name, s] : by_name) {
    const std::string label = "name=\"" + prometheus_label(name) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < Metrics::kBucketCount; ++i) {
      cumulative += s.buckets[i];
      std::snprintf(num, sizeof num, "%g", Metrics::kBuckets[i]);
      out += "medcore_db_transaction_duration_seconds_bucket{" + label + ",le=\"" + num + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    cumulative += s.buckets[Metrics::kBucketCount];
    out += "medcore_db_transaction_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " + std::to_string(cumulative) +
           "\n";
    std::snprintf(num, sizeof num, "%.6f", static_cast<double>(s.sum_ns) / 1e9);
    out += "medcore_db_transaction_duration_seconds_sum{" + label + "} " + num + "\n";
    out += "medcore_db_transaction_duration_seconds_count{" + label + "} " + std::to_string(cumulative) + "\n";
  }
}

}  // namespace medcore::db
