#include "features/skin/model.hpp"

#include <algorithm>
#include <numeric>

#include "engines/vision/skin_classes.hpp"
#include "engines/vision/skin_referral.hpp"

namespace medcore::skin {

namespace {
constexpr int akiec = 0, bcc = 1, bkl = 2, df = 3, mel = 4, nv = 5, vasc = 6;
}

std::string_view urgency_name(Urgency u) {
  switch (u) {
    case Urgency::routine: return "routine";
    case Urgency::soon: return "soon";
    case Urgency::prompt: return "prompt";
  }
  return "soon";
}

CareAdvice care_advice(int c) {
  switch (c) {
    case akiec:
      return {"Actinic keratoses are rough, scaly patches caused by years of sun; a few can turn into skin cancer, "
              "and the intraepithelial form already is an early one. They are treated easily when found early.",
              {"Book a dermatologist appointment within the next two weeks and show them this spot.",
               "Protect the area from the sun: clothing, shade, and SPF 30+ sunscreen every day.",
               "Do not pick or scratch the patch.",
               "See a doctor sooner if it bleeds, grows quickly, becomes painful or forms a lump."}};
    case bcc:
      return {"Basal cell carcinoma is the most common skin cancer. It grows slowly and rarely spreads, but it "
              "keeps growing into nearby skin until it is removed.",
              {"Book a dermatologist appointment within the next two weeks; it can usually be removed in a short "
               "outpatient procedure.",
               "Note any bleeding, crusting that does not heal, or growth, and tell the doctor.",
               "Protect your skin from the sun; people who had one are more likely to get another."}};
    case bkl:
      return {"Benign keratosis-like lesions (seborrhoeic keratoses, solar lentigines, lichen planus-like keratoses) "
              "are harmless growths that become common with age.",
              {"No treatment is needed unless it itches, catches on clothing or bothers you.",
               "Watch it with the ABCDE rule: Asymmetry, irregular Border, several Colours, Diameter over 6 mm, "
               "Evolving (changing). See a doctor if any of these appear or change.",
               "Some melanomas look like these lesions: if you are unsure, have it checked."}};
    case df:
      return {"A dermatofibroma is a harmless, firm bump in the skin, often on the legs, sometimes after an insect "
              "bite or small injury.",
              {"No treatment is needed; it may stay for years.",
               "See a doctor if it grows quickly, changes colour, bleeds or hurts."}};
    case mel:
      return {"The image resembles melanoma, the most dangerous common skin cancer. Only a doctor can tell, often "
              "with a small biopsy; found early, melanoma is usually curable.",
              {"Book an appointment with a dermatologist now, to be seen within two weeks; tell them you are worried "
               "about melanoma.",
               "Do not wait to see if it changes, and do not try to remove it yourself.",
               "Take a dated photo with a ruler beside it so changes can be compared.",
               "Protect it and the rest of your skin from the sun meanwhile."}};
    case nv:
      return {"Melanocytic nevi are ordinary moles. Almost everyone has some and nearly all stay harmless.",
              {"Check your moles every few months with the ABCDE rule: Asymmetry, irregular Border, several Colours, "
               "Diameter over 6 mm, Evolving (changing).",
               "See a doctor if a mole changes, bleeds, itches or looks different from your other moles (the "
               "'ugly duckling' sign).",
               "Use sun protection; many moles or a family history of melanoma are reasons for regular skin checks."}};
    case vasc:
      return {"Vascular lesions (cherry angiomas, angiokeratomas, pyogenic granulomas, haemorrhages) come from blood "
              "vessels and are usually harmless.",
              {"No treatment is needed unless it bleeds often or bothers you.",
               "See a doctor if it bleeds repeatedly, grows quickly, or if a dark spot appeared without an injury."}};
    default:
      return {"", {}};
  }
}

std::string disclaimer() {
  return "This is not a diagnosis. An automated model compared your image with dermatoscopic images of seven "
         "common skin lesion types; it can be wrong, it knows no other skin conditions, and it was not validated "
         "for phone photos or darker skin types. A reassuring result never rules out skin cancer: if a spot worries "
         "you, changes, bleeds or itches, see a doctor.";
}

Assessment assess(const std::array<double, kClasses>& p) {
  std::array<int, kClasses> order{};
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return p[a] > p[b]; });
  const auto entry = [&](int k) {
    return ClassProbability{k, vision::skin_class_codes[k], vision::skin_class_names[k], p[k]};
  };
  Assessment a;
  for (int i = 0; i < 3; ++i) a.top.push_back(entry(order[i]));
  a.predicted = a.top.front();
  a.uncertain = a.predicted.probability < kUncertainBelow;
  a.care = care_advice(a.predicted.index);

  const std::vector<double> row(p.begin(), p.end());
  a.urgency = vision::skin_urgency(row);
  const bool malignant_on_top = vision::skin_class_needs_doctor(a.predicted.index);
  if (a.urgency == Urgency::prompt) {
    a.urgency_title = "See a dermatologist promptly";
    a.urgency_advice = malignant_on_top
                           ? "The image most resembles a lesion that needs a doctor's assessment. Book a dermatologist "
                             "appointment to be seen within two weeks."
                           : "A benign type is most likely, but the chance of a skin cancer type is too high to ignore. "
                             "Book a dermatologist appointment to be seen within two weeks.";
  } else if (a.urgency == Urgency::soon) {
    a.urgency_title = a.uncertain ? "Uncertain — see a dermatologist" : "Have it checked";
    a.urgency_advice = "The model is not sure enough to reassure you. Book a skin check with your doctor or a "
                       "dermatologist in the coming weeks.";
  } else {
    a.urgency_title = "Likely harmless — keep an eye on it";
    a.urgency_advice = "Check the spot every few months and see a doctor if it changes, bleeds or itches.";
  }
  return a;
}

}  // namespace medcore::skin
