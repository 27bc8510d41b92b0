// One prediction with its explanation, in-process, for each committed tabular model:
// JSON input → validation → probability, band, per-feature contributions and factor text.
// Run from the repository root (reads models/): build/medcore_bench --benchmark_filter=Ml
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <vector>

#include "engines/ml/predictor.hpp"

namespace {
using medcore::ml::Predictor;

const boost::json::object& input_for(const std::string& name) {
  static const boost::json::object heart = {{"age", 63}, {"sex", 1}, {"cp", 4}, {"trestbps", 145}, {"chol", 233},
                                            {"fbs", 1}, {"restecg", 2}, {"thalach", 150}, {"exang", 0},
                                            {"oldpeak", 2.3}, {"slope", 3}, {"ca", 0}, {"thal", 6}};
  static const boost::json::object diabetes = {{"pregnancies", 2}, {"glucose", 168}, {"blood_pressure", 72},
                                               {"skin_thickness", 35}, {"insulin", 120}, {"bmi", 38.2},
                                               {"diabetes_pedigree_function", 0.6}, {"age", 45}};
  static const boost::json::object stroke = {{"gender", "Male"}, {"age", 67}, {"hypertension", 0},
                                             {"heart_disease", 1}, {"ever_married", "Yes"},
                                             {"work_type", "Private"}, {"residence_type", "Urban"},
                                             {"avg_glucose_level", 228.69}, {"bmi", 36.6},
                                             {"smoking_status", "formerly smoked"}};
  return name == "heart" ? heart : name == "diabetes" ? diabetes : stroke;
}

void BM_MlPredictExplained(benchmark::State& state, const std::string& name) {
  std::shared_ptr<const Predictor> predictor;
  try {
    predictor = Predictor::load("models", name);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  const auto& input = input_for(name);
  // Each call is timed on its own as well, so the percentiles are per prediction.
  std::vector<double> us;
  us.reserve(1 << 20);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto p = predictor->predict(input);
    benchmark::DoNotOptimize(p);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  if (!us.empty()) {
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[us.size() * 99 / 100];
  }
}
}  // namespace

BENCHMARK_CAPTURE(BM_MlPredictExplained, heart, std::string("heart"));
BENCHMARK_CAPTURE(BM_MlPredictExplained, diabetes, std::string("diabetes"));
BENCHMARK_CAPTURE(BM_MlPredictExplained, stroke, std::string("stroke"));
