// Job dispatch latency and throughput: N jobs due now are scheduled (one transaction) while a
// Runner is running; each handler records start − run_at. Reports p50/p99 latency in ms and
// jobs/s from the schedule call to the last job done.
//
//   build/medcore_bench --benchmark_filter=JobsDispatch
//   MEDCORE_BENCH_DATABASE_URL=postgresql://... build/medcore_bench --benchmark_filter=JobsDispatch
//
// Without MEDCORE_BENCH_DATABASE_URL a temporary SQLite file is used. The PostgreSQL URL must
// name a scratch database: the benchmark empties its jobs table.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "platform/app/app.hpp"
#include "platform/core/crypto.hpp"
#include "platform/core/log.hpp"
#include "platform/core/time.hpp"
#include "platform/db/migrations.hpp"
#include "platform/jobs/jobs.hpp"
#include "platform/jobs/runner.hpp"

namespace {

using namespace medcore;

void BM_JobsDispatch(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::size_t threads = static_cast<std::size_t>(state.range(1));
  crypto::init();
  log::setup("error");
  const char* env = std::getenv("MEDCORE_BENCH_DATABASE_URL");
  std::filesystem::path dir;
  std::string url;
  if (env != nullptr && *env != '\0') {
    url = env;
  } else {
    dir = std::filesystem::temp_directory_path() / ("medcore_bench_jobs_" + std::to_string(::getpid()));
    url = "sqlite:" + (dir / "bench.db").string();
  }
  App app;
  app.config.instance_id = "bench";
  app.config.jobs_poll_ms = static_cast<int>(state.range(2));
  app.db = db::Database::open(url, threads + 3);
  db::migrate(*app.db);
  app.db->transaction("bench.jobs_dispatch", [](soci::session& sql) { sql << "DELETE FROM jobs"; });

  std::mutex m;
  std::vector<double> latencies;
  std::atomic<int> finished{0};
  jobs::Runner runner(app, threads);
  runner.handle("bench.noop", [&](const jobs::Job& job) {
    const double ms = static_cast<double>(now_ms() - job.run_at);
    std::lock_guard lock(m);
    latencies.push_back(ms);
  });
  runner.start();

  double seconds = 0;
  for (auto _ : state) {
    latencies.clear();
    const std::uint64_t before = runner.stats().done;
    const auto t0 = std::chrono::steady_clock::now();
    app.db->transaction("bench.jobs_dispatch", [&](soci::session& sql) {
      const EpochMs now = now_ms();
      for (int i = 0; i < n; ++i) jobs::schedule(sql, {.kind = "bench.noop", .run_at = now});
    });
    while (runner.stats().done - before < static_cast<std::uint64_t>(n))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    finished += n;
  }
  runner.stop();

  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0.0 : latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(p * latencies.size()))];
  };
  state.counters["p50_ms"] = pct(0.50);
  state.counters["p99_ms"] = pct(0.99);
  state.counters["max_ms"] = latencies.empty() ? 0.0 : latencies.back();
  state.counters["jobs_per_s"] = seconds > 0 ? finished.load() / seconds : 0.0;
  app.db.reset();
  if (!dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
}

// Args: jobs per batch, runner threads, poll interval (ms). The last batch's latencies are reported.
BENCHMARK(BM_JobsDispatch)
    ->Args({1000, 2, 500})
    ->Args({1000, 4, 500})
    ->Args({1, 2, 500})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
