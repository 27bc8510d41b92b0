#include "engines/ml/xgb.hpp"

#include <xgboost/c_api.h>

#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>

namespace medcore::ml {

namespace {
void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string("xgboost ") + what + ": " + XGBGetLastError());
}

void quiet_once() {
  static std::once_flag once;
  std::call_once(once, [] { check(XGBSetGlobalConfig(R"({"verbosity": 0})"), "global config"); });
}

struct DMatrix {
  DMatrixHandle h = nullptr;
  explicit DMatrix(XgbMatrix x) {
    check(XGDMatrixCreateFromMat(x.data, static_cast<bst_ulong>(x.rows), static_cast<bst_ulong>(x.cols),
                                 std::numeric_limits<float>::quiet_NaN(), &h),
          "DMatrix");
  }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  ~DMatrix() {
    if (h) XGDMatrixFree(h);
  }
};

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

Booster& Booster::operator=(Booster&& o) noexcept {
  if (this != &o) {
    if (h_) XGBoosterFree(h_);
    h_ = o.h_;
    o.h_ = nullptr;
  }
  return *this;
}

Booster::~Booster() {
  if (h_) XGBoosterFree(h_);
}

Booster Booster::train(XgbMatrix x, const std::vector<float>& labels, const std::vector<float>& weights,
                       const XgbParams& p, double scale_pos_weight, std::uint64_t seed) {
  quiet_once();
  DMatrix d(x);
  check(XGDMatrixSetFloatInfo(d.h, "label", labels.data(), static_cast<bst_ulong>(labels.size())), "labels");
  if (!weights.empty())
    check(XGDMatrixSetFloatInfo(d.h, "weight", weights.data(), static_cast<bst_ulong>(weights.size())), "weights");
  BoosterHandle h = nullptr;
  check(XGBoosterCreate(&d.h, 1, &h), "create");
  Booster b(h);
  const std::pair<const char*, std::string> params[] = {
      {"objective", "binary:logistic"},
      {"base_score", "0.5"},
      {"tree_method", "hist"},
      {"nthread", "1"},
      {"seed", std::to_string(seed % 2147483647u)},
      {"max_depth", std::to_string(p.max_depth)},
      {"eta", num(p.eta)},
      {"min_child_weight", num(p.min_child_weight)},
      {"subsample", num(p.subsample)},
      {"colsample_bytree", num(p.colsample_bytree)},
      {"lambda", num(p.lambda)},
      {"scale_pos_weight", num(scale_pos_weight)},
      {"verbosity", "0"},
  };
  for (const auto& [k, v] : params) check(XGBoosterSetParam(h, k, v.c_str()), k);
  for (int it = 0; it < p.rounds; ++it) check(XGBoosterUpdateOneIter(h, it, d.h), "update");
  return b;
}

Booster Booster::load(const std::string& path) {
  quiet_once();
  BoosterHandle h = nullptr;
  check(XGBoosterCreate(nullptr, 0, &h), "create");
  Booster b(h);
  check(XGBoosterLoadModel(h, path.c_str()), ("load " + path).c_str());
  check(XGBoosterSetParam(h, "nthread", "1"), "nthread");
  return b;
}

void Booster::save(const std::string& path) const { check(XGBoosterSaveModel(h_, path.c_str()), "save"); }

std::vector<float> Booster::margins(XgbMatrix x) const {
  DMatrix d(x);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  check(XGBoosterPredictFromDMatrix(
            h_, d.h, R"({"type": 1, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})",
            &shape, &dim, &out),
        "predict");
  return std::vector<float>(out, out + x.rows);
}

void Booster::contributions(XgbMatrix x, std::vector<float>& result) const {
  DMatrix d(x);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  check(XGBoosterPredictFromDMatrix(
            h_, d.h, R"({"type": 2, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false})",
            &shape, &dim, &out),
        "contributions");
  result.assign(out, out + x.rows * (x.cols + 1));
}

std::string xgboost_version() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace medcore::ml
