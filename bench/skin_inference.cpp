// One skin lesion image analysed in-process, as the server's inference worker does it, without
// HTTP or the database: JPEG decode → centre crop and resize → MobileNetV2 (flip averaging, the
// server's default LibTorch threads) → calibrated probabilities → assessment, and the thumbnail. Each benchmark also
// reports p50/p99 over its iterations (counters, in ms).
// Run from the repository root (reads models/skin and ../shared):
//   build/medcore_bench --benchmark_filter=Skin     (BENCH_INFERENCE_THREADS=1 for one LibTorch thread)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "features/skin/service.hpp"

namespace {

std::vector<std::uint8_t> lesion_jpeg() {
  std::ifstream f("../shared/datasets/skin_lesions_ham10000/images_200x150/ISIC_0024306.jpg", std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  const std::string bytes = s.str();
  return {bytes.begin(), bytes.end()};
}

void report_percentiles(benchmark::State& state, std::vector<double>& ms) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
}

template <class F>
void timed(benchmark::State& state, F&& f) {
  std::vector<double> ms;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  report_percentiles(state, ms);
}

const medcore::skin::Classifier& classifier() {
  static const auto c = [] {
    // As `medcore serve` does with its default single inference worker: every core.
    const char* threads = std::getenv("BENCH_INFERENCE_THREADS");
    medcore::vision::set_inference_threads(threads ? std::atoi(threads)
                                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    medcore::vision::keep_large_allocations();
    return medcore::skin::Classifier::load("models/skin");
  }();
  return *c;
}

// Decode + preprocess + inference + assessment + thumbnail: the whole CPU part of one upload.
void BM_SkinAnalyseUpload(benchmark::State& state) {
  const auto jpeg = lesion_jpeg();
  const auto& c = classifier();
  timed(state, [&] { benchmark::DoNotOptimize(medcore::skin::analyse(c, jpeg)); });
}
BENCHMARK(BM_SkinAnalyseUpload)->Unit(benchmark::kMillisecond)->MinTime(3.0);

// The network alone on an image already at input size.
void BM_SkinNetworkOnly(benchmark::State& state) {
  const auto& c = classifier();
  const auto decoded = medcore::vision::decode_image(lesion_jpeg());
  const auto input = medcore::vision::to_model_input(*decoded.image, c.model().config().input_size);
  timed(state, [&] { benchmark::DoNotOptimize(c.model().probabilities({&input})); });
}
BENCHMARK(BM_SkinNetworkOnly)->Unit(benchmark::kMillisecond)->MinTime(3.0);

// Decode and resize only (what happens before the network).
void BM_SkinDecodeAndResize(benchmark::State& state) {
  const auto jpeg = lesion_jpeg();
  timed(state, [&] {
    const auto d = medcore::vision::decode_image(jpeg);
    benchmark::DoNotOptimize(medcore::vision::to_model_input(*d.image, 128));
  });
}
BENCHMARK(BM_SkinDecodeAndResize)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace
