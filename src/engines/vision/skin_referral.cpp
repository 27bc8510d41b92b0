#include "engines/vision/skin_referral.hpp"

#include <functional>
#include <stdexcept>

namespace medcore::vision {

namespace {
constexpr int mel = 4;
double share(std::size_t part, std::size_t whole) { return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0; }
}  // namespace

ReferralScore score_referral(const std::vector<int>& labels, const ProbabilityRows& p, double prompt_share) {
  if (labels.size() != p.size()) throw std::invalid_argument("score_referral: labels and rows differ in number");
  ReferralScore s;
  s.prompt_share = prompt_share;
  std::size_t caught = 0, melanomas_caught = 0, melanomas_reassured = 0, others_flagged = 0, others_reassured = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto urgency = skin_urgency(p[i], prompt_share);
    const bool prompt = urgency == SkinUrgency::prompt;
    if (skin_class_needs_doctor(labels[i])) {
      ++s.needs_doctor;
      caught += prompt;
      if (labels[i] == mel) {
        ++s.melanomas;
        melanomas_caught += prompt;
        melanomas_reassured += urgency == SkinUrgency::routine;
      }
    } else {
      ++s.others;
      others_flagged += prompt;
      others_reassured += urgency == SkinUrgency::routine;
    }
  }
  s.sensitivity = share(caught, s.needs_doctor);
  s.melanoma_sensitivity = share(melanomas_caught, s.melanomas);
  s.melanoma_routine = share(melanomas_reassured, s.melanomas);
  s.others_prompt = share(others_flagged, s.others);
  s.others_routine = share(others_reassured, s.others);
  return s;
}

std::vector<ReferralScore> referral_table(const std::vector<int>& labels, const ProbabilityRows& p) {
  std::vector<double> thresholds{2.0, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, skin_prompt_malignant_share};
  std::sort(thresholds.begin(), thresholds.end(), std::greater<>());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  std::vector<ReferralScore> table;
  for (double t : thresholds) table.push_back(score_referral(labels, p, t));
  return table;
}

}  // namespace medcore::vision
