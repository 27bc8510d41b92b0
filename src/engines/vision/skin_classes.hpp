#pragma once
// The seven HAM10000 / DermaMNIST diagnosis classes, in the benchmark's label order (dx code in
// alphabetical order), so label k here is label k in every DermaMNIST file.
#include <array>
#include <optional>
#include <string_view>

namespace medcore::vision {

inline constexpr int skin_class_count = 7;
inline constexpr std::array<std::string_view, skin_class_count> skin_class_codes = {"akiec", "bcc", "bkl", "df",
                                                                                   "mel",   "nv",  "vasc"};
inline constexpr std::array<std::string_view, skin_class_count> skin_class_names = {
    "Actinic keratosis / intraepithelial carcinoma",
    "Basal cell carcinoma",
    "Benign keratosis-like lesion",
    "Dermatofibroma",
    "Melanoma",
    "Melanocytic nevus (mole)",
    "Vascular lesion"};

inline std::optional<int> skin_class_of(std::string_view code) {
  for (int i = 0; i < skin_class_count; ++i)
    if (skin_class_codes[i] == code) return i;
  return std::nullopt;
}

}  // namespace medcore::vision
