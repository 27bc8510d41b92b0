#pragma once
// Process-wide counters in the Prometheus text exposition format.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace medcore {

class Metrics {
 public:
  static constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,    0.25,  0.5,    1.0,   2.5,  5.0,  10.0};
  static constexpr std::size_t kBucketCount = sizeof(kBuckets) / sizeof(kBuckets[0]);

  // `route` is a route template or a fixed label, never a path; the method is reduced to
  // method_label() here, so no request can add a series.
  void observe_request(std::string_view route, std::string_view method, int status, double seconds);
  // A value read at scrape time (queue depths, pool use).
  void gauge(std::string name, std::string help, std::function<double()> read);
  // Series a component keeps itself (the database's per-transaction counters), appended to the
  // exposition at scrape time in the Prometheus text format.
  void section(std::function<void(std::string& out)> render);
  // A spawned coroutine ended with an exception (`spawned` names what was spawned, a constant).
  void count_coroutine_failure(std::string_view spawned);
  std::string render() const;

  std::atomic<std::int64_t> open_connections{0};
  std::atomic<std::int64_t> open_websockets{0};
  std::atomic<std::uint64_t> connections_refused{0};  // closed at accept: over a connection cap

 private:
  struct Histogram {
    std::uint64_t buckets[kBucketCount] = {};
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  // One per thread that observes: every request counts under its own thread's lock, which no
  // other thread takes except a scrape. One shared lock had the I/O threads queueing on each
  // other (futex waits) for every request; render() adds the shards up.
  struct Shard {
    std::mutex mutex;
    std::map<std::string, std::uint64_t, std::less<>> requests;  // key: route\x1fmethod\x1fstatus
    std::map<std::string, Histogram, std::less<>> latency;        // key: route
  };
  Shard& my_shard();

  const std::uint64_t id_ = next_id_.fetch_add(1);  // tells this instance's shards from another's
  static inline std::atomic<std::uint64_t> next_id_{1};
  mutable std::mutex mutex_;                     // shards_ and gauges_
  std::vector<std::unique_ptr<Shard>> shards_;  // never shrinks while the instance lives
  std::vector<Gauge> gauges_;
  std::vector<std::function<void(std::string&)>> sections_;
  std::map<std::string, std::uint64_t, std::less<>> coroutine_failures_;  // rare: under mutex_
};

Metrics& metrics();

// The `method` label: a standard method as sent, anything else "other". The method is the one
// label a client chooses freely (any token is a valid HTTP method), and every distinct label
// value is a series kept for the life of the process.
std::string_view method_label(std::string_view method);

// Escapes a Prometheus label value.
std::string prometheus_label(std::string_view value);

}  // namespace medcore
