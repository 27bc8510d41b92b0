#pragma once
// How urgently a lesion should be seen, from the seven calibrated probabilities. One rule, used
// by the server (skin::assess) and scored by `medcore evaluate skin`, so the sensitivity the docs
// report is the rule patients get. Pure (no LibTorch) and unit-tested.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "engines/vision/multiclass_metrics.hpp"

namespace medcore::vision {

// Below this top-class probability the answer is "uncertain — see a dermatologist".
inline constexpr double skin_uncertain_below = 0.6;
// A malignant class on top, or mel+bcc+akiec at or above this share, makes the urgency `prompt`:
// a missed melanoma costs far more than an unnecessary visit. At or above the `soon` share (or
// when uncertain) the answer is at least "have it checked", never "likely harmless". Both chosen
// on the validation table that `medcore evaluate skin` prints (docs/models/README.md): with the
// committed model, 0.2 sends 66 % of melanomas to `prompt` (18 % of other lesions too), and 0.03
// leaves 2.7 % of melanomas at `routine` (0.1 left 18 %), while half of the other lesions still
// get `routine`.
inline constexpr double skin_prompt_malignant_share = 0.2;
inline constexpr double skin_soon_malignant_share = 0.03;

enum class SkinUrgency { routine, soon, prompt };

// Melanoma, basal cell carcinoma and actinic keratosis / intraepithelial carcinoma: the classes
// that need a doctor's assessment. (Inline, like the rule: the server's rules library uses them
// without linking the image engine.)
inline bool skin_class_needs_doctor(int k) { return k == 0 || k == 1 || k == 4; }
// Their summed probability; `p` in skin class order.
inline double malignant_share(const std::vector<double>& p) { return p.at(0) + p.at(1) + p.at(4); }

inline SkinUrgency skin_urgency(const std::vector<double>& p, double prompt_share = skin_prompt_malignant_share) {
  const auto top = std::max_element(p.begin(), p.end());  // the first of equals, as argmax
  const double share = malignant_share(p);
  if (skin_class_needs_doctor(static_cast<int>(top - p.begin())) || share >= prompt_share) return SkinUrgency::prompt;
  if (*top < skin_uncertain_below || share >= skin_soon_malignant_share) return SkinUrgency::soon;
  return SkinUrgency::routine;
}

// How the rule does on labelled images with a given prompt threshold.
struct ReferralScore {
  double prompt_share = 0;
  std::size_t needs_doctor = 0, melanomas = 0, others = 0;  // true members of each group
  double sensitivity = 0;           // of mel/bcc/akiec images, the share told `prompt`
  double melanoma_sensitivity = 0;  // of melanomas alone
  double melanoma_routine = 0;      // of melanomas, the share told `routine` ("likely harmless")
  double others_prompt = 0;         // of every other image, the share told `prompt` anyway
  double others_routine = 0;        // of every other image, the share told `routine` (reassured)
};
ReferralScore score_referral(const std::vector<int>& labels, const ProbabilityRows& probabilities, double prompt_share);

// The served threshold and its neighbours, and "top class only" (a share above 1 never triggers),
// so a reader sees what the threshold buys and costs.
std::vector<ReferralScore> referral_table(const std::vector<int>& labels, const ProbabilityRows& probabilities);

}  // namespace medcore::vision
