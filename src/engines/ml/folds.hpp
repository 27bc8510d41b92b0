#pragma once
// Seeded, platform-independent randomness and stratified k-fold splits. Pure.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace medcore::ml {

// SplitMix64: the same sequence on every platform and standard library (unlike std::shuffle).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  std::size_t below(std::size_t n);  // uniform in [0, n)
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  std::uint64_t state_;
};

// Test-fold membership for stratified k-fold: fold[i] in [0, k) for each row of `indices`
// (positions into y). Each class is shuffled, then dealt round-robin, so every fold gets
// ⌊n_c/k⌋ or ⌈n_c/k⌉ of each class.
std::vector<int> stratified_folds(const std::vector<int>& y, const std::vector<std::size_t>& indices, int k,
                                  std::uint64_t seed);

struct Split {
  std::vector<std::size_t> train, test;
};
// Repeated stratified k-fold over the rows `indices` of y: repeats·k splits, repeat r uses seed+r.
std::vector<Split> repeated_stratified_kfold(const std::vector<int>& y, const std::vector<std::size_t>& indices,
                                             int k, int repeats, std::uint64_t seed);

}  // namespace medcore::ml
