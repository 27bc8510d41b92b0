#include "platform/core/text.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uspoof.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace medcore::text {

namespace {

constexpr const char* kControl = "must not contain control characters";
constexpr const char* kInvisible = "must not contain invisible or text-direction characters";
constexpr const char* kUnassigned = "must not contain unassigned or private-use characters";

bool kept_in_multiline_format(UChar32 c) {
  // ZWNJ / ZWJ: emoji sequences and the orthography of Persian, Indic scripts; tags: flag emoji.
  return c == 0x200C || c == 0x200D || (c >= 0xE0020 && c <= 0xE007F);
}

// The problem with one code point, or nullptr when it may stay.
const char* problem_with(UChar32 c, Lines lines) {
  const bool multi = lines == Lines::multi;
  switch (u_charType(c)) {
    case U_CONTROL_CHAR:
      return multi && (c == '\n' || c == '\t' || c == '\r') ? nullptr : kControl;
    case U_FORMAT_CHAR:
      return multi && kept_in_multiline_format(c) ? nullptr : kInvisible;
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
      return kInvisible;
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
    case U_UNASSIGNED:
      return multi ? nullptr : kUnassigned;
    default:
      break;
  }
  if (!multi && u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return kInvisible;
  return nullptr;
}

const icu::Normalizer2& nfc() {
  static const icu::Normalizer2* instance = [] {
    UErrorCode ec = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(ec);
    if (U_FAILURE(ec) || !n) throw std::runtime_error(std::string("ICU NFC data: ") + u_errorName(ec));
    return n;
  }();
  return *instance;
}

struct SpoofCheckerDeleter {
  void operator()(USpoofChecker* c) const { uspoof_close(c); }
};

// Configured once; ICU documents the check and skeleton functions as safe to call concurrently
// on one checker.
const USpoofChecker& spoof_checker() {
  static const std::unique_ptr<USpoofChecker, SpoofCheckerDeleter> checker = [] {
    UErrorCode ec = U_ZERO_ERROR;
    std::unique_ptr<USpoofChecker, SpoofCheckerDeleter> c(uspoof_open(&ec));
    uspoof_setRestrictionLevel(c.get(), USPOOF_HIGHLY_RESTRICTIVE);
    uspoof_setChecks(c.get(), USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE | USPOOF_MIXED_NUMBERS, &ec);
    if (U_FAILURE(ec)) throw std::runtime_error(std::string("ICU spoof checker: ") + u_errorName(ec));
    return c;
  }();
  return *checker;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::optional<std::string> part_problem(std::string_view part) {
  if (part.empty() || is_ascii(part)) return std::nullopt;
  const USpoofChecker* checker = &spoof_checker();
  UErrorCode ec = U_ZERO_ERROR;
  const int32_t failed = uspoof_checkUTF8(checker, part.data(), static_cast<int32_t>(part.size()), nullptr, &ec);
  if (U_FAILURE(ec)) return "must be readable text";
  if (failed & (USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS))
    return "must not mix letters or digits of different scripts (such as Latin and Cyrillic)";
  if (failed & USPOOF_INVISIBLE) return kInvisible;
  // A whole-script look-alike: every character confusable with ASCII (Cyrillic "аре" for "ape").
  std::string skeleton(part.size() * 4 + 16, '\0');
  ec = U_ZERO_ERROR;
  const int32_t n = uspoof_getSkeletonUTF8(checker, 0, part.data(), static_cast<int32_t>(part.size()),
                                           skeleton.data(), static_cast<int32_t>(skeleton.size()), &ec);
  if (U_FAILURE(ec)) return "must be readable text";
  skeleton.resize(static_cast<std::size_t>(n));
  if (is_ascii(skeleton)) return "must not be written in letters that imitate Latin ones";
  return std::nullopt;
}

}  // namespace

Cleaned clean(std::string_view utf8, Lines lines) {
  UErrorCode ec = U_ZERO_ERROR;
  const icu::UnicodeString input =
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  const icu::UnicodeString normal = nfc().normalize(input, ec);
  if (U_FAILURE(ec)) return {std::nullopt, "must be readable text"};

  int32_t begin = 0, end = normal.length();
  while (begin < end && u_isUWhiteSpace(normal.char32At(begin))) begin = normal.moveIndex32(begin, 1);
  while (end > begin) {
    const int32_t last = normal.moveIndex32(end, -1);
    if (!u_isUWhiteSpace(normal.char32At(last))) break;
    end = last;
  }
  for (int32_t i = begin; i < end; i = normal.moveIndex32(i, 1)) {
    if (const char* problem = problem_with(normal.char32At(i), lines)) return {std::nullopt, problem};
  }
  std::string out;
  normal.tempSubStringBetween(begin, end).toUTF8String(out);
  return {std::move(out), ""};
}

std::optional<std::string> email_spoofing_problem(std::string_view address) {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return part_problem(address);
  if (auto p = part_problem(address.substr(0, at))) return p;
  std::string_view domain = address.substr(at + 1);
  while (!domain.empty()) {
    const auto dot = domain.find('.');
    if (auto p = part_problem(domain.substr(0, dot))) return p;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  return std::nullopt;
}

}  // namespace medcore::text
