#pragma once
// The medication rail: whatever a provider writes, advice that tells the patient to start, stop,
// change or dose a medication is rejected and the offline answer is given instead. Those
// decisions belong to the patient's doctor.
//
// The detector is deliberately conservative — a false alarm only costs the provider's wording
// (the patient still gets the offline advice); a miss could hurt. Per sentence it flags:
//   1. a dose: a number followed by mg, mcg, µg, IU, tablet(s), pill(s), capsule(s) or unit(s)
//      (not "mg/dL", and not an amount of a nutrient: "2,300 mg of sodium");
//   2. an action verb (start, stop, take, increase, skip, double, switch, ...) within eight words
//      of a medication word (medication, pill, dose, insulin, metformin, a statin, an ACE
//      inhibitor, any word with a drug-class ending such as -pril, -sartan, -olol, -statin, ...),
//      unless the verb is negated ("do not stop", "never change") — the standard safe wording
//      "do not stop your medication without talking to your doctor" passes, and so does a sentence
//      that says "as prescribed" / "as directed" (keep following the doctor's plan).
#include <optional>
#include <string>
#include <string_view>

namespace medcore::ai {

// The sentence that breaks the rule, or nullopt when the text gives no medication instruction.
std::optional<std::string> medication_instruction(std::string_view text);

}  // namespace medcore::ai
