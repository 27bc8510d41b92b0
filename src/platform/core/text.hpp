#pragma once
// What user text may contain, decided once for every field (JsonInput calls these).
// Built on ICU: NFC normalisation, Unicode general categories, and the UTS #39 spoof checker.
//
// Why: the same name written with a precomposed "é" or "e" + combining accent must be one name;
// and characters that display as nothing, or that reorder what follows them (U+202E), let a
// sign-up look like someone else on an admin's screen.
#include <optional>
#include <string>
#include <string_view>

namespace medcore::text {

enum class Lines {
  single,  // names, titles, emails, ...: every character must be visible
  multi,   // bios, reasons: also line feeds, carriage returns and tabs
};

struct Cleaned {
  std::optional<std::string> text;  // NFC, trimmed of white space at both ends; nullopt when refused
  std::string problem;              // why it was refused, phrased to follow the field name
};

// Normalises valid UTF-8 to NFC, trims Unicode white space at both ends, then refuses:
// - both kinds: control characters (Cc, including C1 controls such as U+0085) other than the line
//   feed and tab of multi-line text, line and paragraph separators (U+2028, U+2029), text-direction
//   controls (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069) and the other invisible format
//   characters (Cf: U+200B, U+2060, U+FEFF, U+00AD, ...);
// - single-line text only: also the zero-width joiners (U+200C, U+200D) and emoji tag characters,
//   which multi-line text keeps for emoji sequences and scripts that need them, every other
//   default-ignorable code point (Hangul fillers, variation selectors, ...), private-use and
//   unassigned code points.
Cleaned clean(std::string_view utf8, Lines lines);

// UTS #39 checks of an email address already cleaned as single-line text (NFC, no invisible
// characters), part by part (the local part, then each label of the domain):
// - a part must not mix scripts beyond what one writing system uses (ICU "highly restrictive":
//   Latin with Cyrillic or Greek is refused; Latin with Han and Kana is not), nor digits of two
//   numbering systems;
// - a part that is not ASCII must not be a whole-script look-alike of an ASCII one (all-Cyrillic
//   "аре" displays as "ape").
// nullopt when the address passes, otherwise the reason.
std::optional<std::string> email_spoofing_problem(std::string_view address);

}  // namespace medcore::text
