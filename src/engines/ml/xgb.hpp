#pragma once
// A thin RAII layer over XGBoost's C API (libxgboost 1.7): training, margin and SHAP
// contribution prediction, JSON model files. Every call checks its return code and throws
// std::runtime_error with XGBGetLastError().
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace medcore::ml {

struct XgbParams {
  int max_depth = 3;
  double eta = 0.05;
  int rounds = 200;
  double min_child_weight = 1;
  double subsample = 0.8;
  double colsample_bytree = 0.8;
  double lambda = 1;
};

// Dense float rows, NaN = missing.
struct XgbMatrix {
  const float* data = nullptr;
  std::size_t rows = 0, cols = 0;
};

class Booster {
 public:
  Booster() = default;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  Booster(Booster&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
  Booster& operator=(Booster&& o) noexcept;
  ~Booster();

  // binary:logistic, hist trees, nthread = 1, seeded: the same inputs give the same model.
  // `weights` may be empty. scale_pos_weight multiplies the positive class's gradient.
  static Booster train(XgbMatrix x, const std::vector<float>& labels, const std::vector<float>& weights,
                       const XgbParams& params, double scale_pos_weight, std::uint64_t seed);
  static Booster load(const std::string& path);

  void save(const std::string& path) const;
  // Raw margins (log-odds before the sigmoid), one per row.
  std::vector<float> margins(XgbMatrix x) const;
  // SHAP values: rows × (cols + 1); the last of each row is the bias. Each row sums to its margin.
  // `out` is resized and overwritten.
  void contributions(XgbMatrix x, std::vector<float>& out) const;

 private:
  explicit Booster(void* h) : h_(h) {}
  void* h_ = nullptr;
};

// "1.7.4"
std::string xgboost_version();

}  // namespace medcore::ml
