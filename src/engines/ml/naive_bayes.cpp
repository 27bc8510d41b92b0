#include "engines/ml/naive_bayes.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>

namespace medcore::ml {

namespace {
double log_gauss(double x, double mean, double var) {
  return -0.5 * std::log(2.0 * std::numbers::pi * var) - (x - mean) * (x - mean) / (2.0 * var);
}
}  // namespace

NaiveBayes NaiveBayes::fit(const Dataset& d, const std::vector<std::size_t>& rows_in, NaiveBayesParams params) {
  std::vector<std::size_t> rows = rows_in;
  if (rows.empty()) {
    rows.resize(d.n);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
  }
  NaiveBayes nb;
  nb.params_ = params;
  double n[2] = {0, 0};
  for (auto i : rows) n[d.y[i]] += 1;
  if (n[0] == 0 || n[1] == 0) throw std::invalid_argument("naive Bayes needs both classes in the training rows");
  nb.prior_log_odds_ = std::log(n[1] / n[0]);
  const auto& feats = d.schema->features;
  nb.kinds_.resize(d.p);
  nb.gauss_.resize(d.p);
  nb.log_ratio_.resize(d.p);
  for (std::size_t j = 0; j < d.p; ++j) {
    nb.kinds_[j] = feats[j].kind;
    if (feats[j].kind == FeatureKind::continuous) {
      double cnt[2] = {0, 0}, sum[2] = {0, 0}, all_cnt = 0, all_sum = 0;
      for (auto i : rows) {
        const double v = d.row(i)[j];
        if (std::isnan(v)) continue;
        cnt[d.y[i]] += 1;
        sum[d.y[i]] += v;
        all_cnt += 1;
        all_sum += v;
      }
      if (cnt[0] < 1 || cnt[1] < 1) throw std::invalid_argument("feature " + feats[j].name + " has no values in one class");
      const double all_mean = all_sum / all_cnt;
      double ss[2] = {0, 0}, all_ss = 0;
      for (auto i : rows) {
        const double v = d.row(i)[j];
        if (std::isnan(v)) continue;
        const int c = d.y[i];
        ss[c] += (v - sum[c] / cnt[c]) * (v - sum[c] / cnt[c]);
        all_ss += (v - all_mean) * (v - all_mean);
      }
      const double floor = 1e-9 * std::max(all_ss / all_cnt, 1e-12);
      for (int c = 0; c < 2; ++c) {
        nb.gauss_[j].mean[c] = sum[c] / cnt[c];
        nb.gauss_[j].var[c] = ss[c] / cnt[c] + floor;
      }
    } else {
      const std::size_t K = feats[j].categories.size();
      std::vector<double> count[2] = {std::vector<double>(K, 0), std::vector<double>(K, 0)};
      double seen[2] = {0, 0};
      for (auto i : rows) {
        const double v = d.row(i)[j];
        if (std::isnan(v)) continue;
        count[d.y[i]][static_cast<std::size_t>(v)] += 1;
        seen[d.y[i]] += 1;
      }
      auto& lr = nb.log_ratio_[j];
      lr.resize(K);
      const double a = params.alpha, dk = static_cast<double>(K);
      for (std::size_t k = 0; k < K; ++k)
        lr[k] = std::log((count[1][k] + a) / (seen[1] + a * dk)) - std::log((count[0][k] + a) / (seen[0] + a * dk));
    }
  }
  return nb;
}

void NaiveBayes::contributions(const double* x, double* out) const {
  for (std::size_t j = 0; j < kinds_.size(); ++j) {
    const double v = x[j];
    if (std::isnan(v)) {
      out[j] = 0;
    } else if (kinds_[j] == FeatureKind::continuous) {
      const auto& g = gauss_[j];
      out[j] = log_gauss(v, g.mean[1], g.var[1]) - log_gauss(v, g.mean[0], g.var[0]);
    } else {
      const auto k = static_cast<std::size_t>(v);
      out[j] = k < log_ratio_[j].size() ? log_ratio_[j][k] : 0.0;
    }
  }
}

double NaiveBayes::log_odds(const double* x) const {
  double s = prior_log_odds_;
  double buf[64];
  std::vector<double> big;
  double* c = buf;
  if (kinds_.size() > 64) {
    big.resize(kinds_.size());
    c = big.data();
  }
  contributions(x, c);
  for (std::size_t j = 0; j < kinds_.size(); ++j) s += c[j];
  return s;
}

double NaiveBayes::probability(const double* x) const { return 1.0 / (1.0 + std::exp(-log_odds(x))); }

boost::json::object NaiveBayes::to_json() const {
  boost::json::object o;
  o["format"] = "medcore-naive-bayes-1";
  o["alpha"] = params_.alpha;
  o["prior_log_odds"] = prior_log_odds_;
  boost::json::array feats;
  for (std::size_t j = 0; j < kinds_.size(); ++j) {
    boost::json::object f;
    if (kinds_[j] == FeatureKind::continuous) {
      f["kind"] = "gaussian";
      f["mean"] = boost::json::array{gauss_[j].mean[0], gauss_[j].mean[1]};
      f["var"] = boost::json::array{gauss_[j].var[0], gauss_[j].var[1]};
    } else {
      f["kind"] = "categorical";
      boost::json::array lr;
      for (double v : log_ratio_[j]) lr.push_back(v);
      f["log_likelihood_ratio"] = std::move(lr);
    }
    feats.push_back(std::move(f));
  }
  o["features"] = std::move(feats);
  return o;
}

NaiveBayes NaiveBayes::from_json(const boost::json::object& o) {
  if (o.at("format").as_string() != "medcore-naive-bayes-1") throw std::runtime_error("not a medcore naive Bayes model");
  NaiveBayes nb;
  nb.params_.alpha = o.at("alpha").to_number<double>();
  nb.prior_log_odds_ = o.at("prior_log_odds").to_number<double>();
  for (const auto& fv : o.at("features").as_array()) {
    const auto& f = fv.as_object();
    Gaussian g;
    std::vector<double> lr;
    if (f.at("kind").as_string() == "gaussian") {
      nb.kinds_.push_back(FeatureKind::continuous);
      for (int c = 0; c < 2; ++c) {
        g.mean[c] = f.at("mean").as_array().at(static_cast<std::size_t>(c)).to_number<double>();
        g.var[c] = f.at("var").as_array().at(static_cast<std::size_t>(c)).to_number<double>();
      }
    } else {
      nb.kinds_.push_back(FeatureKind::categorical);
      for (const auto& v : f.at("log_likelihood_ratio").as_array()) lr.push_back(v.to_number<double>());
    }
    nb.gauss_.push_back(g);
    nb.log_ratio_.push_back(std::move(lr));
  }
  return nb;
}

}  // namespace medcore::ml
