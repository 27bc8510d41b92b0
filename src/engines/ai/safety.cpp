#include "engines/ai/safety.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace medcore::ai {

namespace {

constexpr std::array<std::string_view, 33> kVerbs{
    "start",    "starting",   "begin",    "stop",       "stopping", "quit",     "discontinue", "take",  "taking",
    "increase", "increasing", "decrease", "decreasing", "reduce",   "reducing", "double",      "halve", "skip",
    "switch",   "change",     "adjust",   "raise",      "lower",    "add",      "titrate",     "resume", "restart",
    "cut",      "try",        "use",      "using",      "continue", "prescribe"};
constexpr std::array<std::string_view, 44> kMedicationWords{
    "medication", "medications", "medicine", "medicines", "drug", "drugs", "pill", "pills", "tablet", "tablets",
    "capsule", "capsules", "dose", "doses", "dosage", "insulin", "metformin", "aspirin", "ibuprofen",
    "paracetamol", "acetaminophen", "warfarin", "diuretic", "diuretics", "hydrochlorothiazide", "chlorthalidone",
    "amlodipine", "nifedipine", "sulfonylurea", "glipizide", "gliclazide", "glimepiride", "semaglutide",
    "liraglutide", "tirzepatide", "ozempic", "inhibitor", "inhibitors", "blocker", "blockers", "statin",
    "statins", "prescription", "supplement"};
// Drug-class endings: ACE inhibitors, ARBs, beta blockers, statins, calcium channel blockers,
// SGLT2 inhibitors, GLP-1 agonists, biguanides, DPP-4 inhibitors.
constexpr std::array<std::string_view, 9> kDrugEndings{"pril", "sartan", "olol", "statin", "dipine", "gliflozin",
                                                      "glutide", "formin", "gliptin"};
constexpr std::array<std::string_view, 9> kDoseUnits{"mg", "mcg", "µg", "ug", "iu", "units", "unit", "tablets", "tablet"};
constexpr std::array<std::string_view, 4> kDoseUnits2{"pills", "pill", "capsules", "capsule"};
constexpr std::array<std::string_view, 10> kNutrients{"sodium", "salt", "potassium", "caffeine", "calcium",
                                                      "fibre", "fiber", "cholesterol", "carbohydrate", "carbohydrates"};
constexpr std::array<std::string_view, 5> kNegations{"not", "don't", "never", "dont", "without"};

template <std::size_t N>
bool in(const std::array<std::string_view, N>& list, std::string_view w) {
  return std::find(list.begin(), list.end(), w) != list.end();
}

bool is_medication_word(std::string_view w) {
  if (in(kMedicationWords, w)) return true;
  if (w.size() < 6) return false;
  return std::any_of(kDrugEndings.begin(), kDrugEndings.end(), [&](std::string_view end) {
    return w.size() > end.size() + 2 && w.substr(w.size() - end.size()) == end;
  });
}

bool is_number(std::string_view w) {
  bool digit = false;
  for (char c : w) {
    if (c >= '0' && c <= '9') digit = true;
    else if (c != '.' && c != ',') return false;
  }
  return digit;
}

// Lower-case words of one sentence; digits stay glued to a unit ("500mg" -> "500", "mg") and
// "mg/dl" stays one word so it is never read as a dose.
std::vector<std::string> words_of(std::string_view sentence) {
  std::vector<std::string> words;
  std::string w;
  const auto flush = [&] {
    if (!w.empty()) words.push_back(std::move(w));
    w.clear();
  };
  for (std::size_t i = 0; i < sentence.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(sentence[i]);
    const bool digit = c >= '0' && c <= '9';
    const bool letter = std::isalpha(c) || c >= 0x80 || c == '\'' || c == '/' || c == '-';
    if (digit || ((c == '.' || c == ',') && !w.empty() && std::isdigit(static_cast<unsigned char>(w.back())))) {
      if (!w.empty() && !std::isdigit(static_cast<unsigned char>(w.back())) && w.back() != '.' && w.back() != ',') flush();
      w += static_cast<char>(c);
    } else if (letter) {
      if (!w.empty() && (std::isdigit(static_cast<unsigned char>(w.back())) || w.back() == '.' || w.back() == ',')) flush();
      w += static_cast<char>(std::tolower(c));
    } else {
      flush();
    }
  }
  flush();
  for (auto& x : words) {
    while (!x.empty() && (x.back() == '.' || x.back() == ',' || x.back() == '-' || x.back() == '\'')) x.pop_back();
    if (x.size() > 1 && x.back() == 's' && x[x.size() - 2] == '\'') x.resize(x.size() - 2);
  }
  std::erase_if(words, [](const std::string& x) { return x.empty(); });
  return words;
}

bool gives_dose(const std::vector<std::string>& w) {
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (!is_number(w[i])) continue;
    const auto& unit = w[i + 1];
    if (!in(kDoseUnits, unit) && !in(kDoseUnits2, unit)) continue;
    // "2,300 mg of sodium", "30 mg caffeine": an amount of food, not a dose.
    bool nutrient = false;
    for (std::size_t j = i + 2; j < std::min(w.size(), i + 5); ++j) nutrient = nutrient || in(kNutrients, w[j]);
    // "units" of alcohol are a drinking measure.
    if ((unit == "unit" || unit == "units") && i + 3 < w.size() && w[i + 3] == "alcohol") nutrient = true;
    if (!nutrient) return true;
  }
  return false;
}

// "Keep taking your medicines as prescribed" tells the patient to follow their doctor, not to
// change anything (a dose in the same sentence is still caught by gives_dose).
bool follows_prescription(const std::vector<std::string>& w) {
  for (std::size_t i = 0; i + 1 < w.size(); ++i)
    if (w[i] == "as" && (w[i + 1] == "prescribed" || w[i + 1] == "directed")) return true;
  return false;
}

bool instructs(const std::vector<std::string>& w) {
  if (follows_prescription(w)) return false;
  for (std::size_t v = 0; v < w.size(); ++v) {
    if (!in(kVerbs, w[v])) continue;
    bool negated = false;
    for (std::size_t j = v >= 3 ? v - 3 : 0; j < v; ++j) negated = negated || in(kNegations, w[j]);
    if (negated) continue;
    const std::size_t from = v >= 8 ? v - 8 : 0, to = std::min(w.size(), v + 9);
    for (std::size_t m = from; m < to; ++m)
      if (m != v && is_medication_word(w[m])) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> medication_instruction(std::string_view text) {
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const bool end = i == text.size() || text[i] == '!' || text[i] == '?' || text[i] == ';' || text[i] == '\n' ||
                     (text[i] == '.' && (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n'));
    if (!end) continue;
    const auto sentence = text.substr(start, i - start);
    const auto words = words_of(sentence);
    if (gives_dose(words) || instructs(words)) {
      std::string s(sentence);
      while (!s.empty() && s.front() == ' ') s.erase(0, 1);
      return s;
    }
    start = i + 1;
  }
  return std::nullopt;
}

}  // namespace medcore::ai
