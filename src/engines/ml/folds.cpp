#include "engines/ml/folds.hpp"

#include <stdexcept>

namespace medcore::ml {

std::uint64_t Rng::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::size_t Rng::below(std::size_t n) {
  // Rejection sampling: no modulo bias.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t v;
  do v = next();
  while (v >= limit);
  return static_cast<std::size_t>(v % n);
}

std::vector<int> stratified_folds(const std::vector<int>& y, const std::vector<std::size_t>& indices, int k,
                                  std::uint64_t seed) {
  if (k < 2) throw std::invalid_argument("k-fold needs k >= 2");
  std::vector<std::size_t> pos, neg;  // positions in `indices`
  for (std::size_t i = 0; i < indices.size(); ++i) (y[indices[i]] == 1 ? pos : neg).push_back(i);
  Rng rng(seed);
  rng.shuffle(pos);
  rng.shuffle(neg);
  std::vector<int> fold(indices.size());
  std::size_t next = 0;
  for (auto i : pos) fold[i] = static_cast<int>(next++ % static_cast<std::size_t>(k));
  for (auto i : neg) fold[i] = static_cast<int>(next++ % static_cast<std::size_t>(k));
  return fold;
}

std::vector<Split> repeated_stratified_kfold(const std::vector<int>& y, const std::vector<std::size_t>& indices,
                                             int k, int repeats, std::uint64_t seed) {
  std::vector<Split> out;
  for (int r = 0; r < repeats; ++r) {
    const auto fold = stratified_folds(y, indices, k, seed + static_cast<std::uint64_t>(r));
    for (int f = 0; f < k; ++f) {
      Split s;
      for (std::size_t i = 0; i < indices.size(); ++i) (fold[i] == f ? s.test : s.train).push_back(indices[i]);
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace medcore::ml
