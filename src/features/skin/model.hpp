#pragma once
// Pure rules of the skin check (no I/O, no LibTorch): from the seven calibrated probabilities to
// what a patient is told — the top three, whether the result is too uncertain to lean on, how
// urgently to see a dermatologist, and care advice written for patients. Unit-tested in
// tests/unit/skin_model_test.cpp.
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "engines/vision/skin_referral.hpp"

namespace medcore::skin {

inline constexpr int kClasses = 7;

struct ClassProbability {
  int index = 0;
  std::string_view code, name;
  double probability = 0;
};

using Urgency = vision::SkinUrgency;  // the rule itself is vision::skin_urgency
std::string_view urgency_name(Urgency u);

struct CareAdvice {
  std::string summary;
  std::vector<std::string> steps;
};

struct Assessment {
  std::vector<ClassProbability> top;  // three, most likely first
  ClassProbability predicted;
  bool uncertain = false;
  Urgency urgency = Urgency::routine;
  std::string urgency_title, urgency_advice;
  CareAdvice care;
};

// Below this the answer is "uncertain — see a dermatologist".
inline constexpr double kUncertainBelow = vision::skin_uncertain_below;

// `probabilities` are in skin class order (akiec, bcc, bkl, df, mel, nv, vasc) and sum to ~1.
Assessment assess(const std::array<double, kClasses>& probabilities);

CareAdvice care_advice(int class_index);
std::string disclaimer();

}  // namespace medcore::skin
