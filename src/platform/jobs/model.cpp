#include "platform/jobs/model.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace medcore::jobs {

std::string_view to_string(JobStatus status) {
  switch (status) {
    case JobStatus::pending: return "pending";
    case JobStatus::running: return "running";
    case JobStatus::done: return "done";
    case JobStatus::failed: return "failed";
    case JobStatus::cancelled: return "cancelled";
  }
  return "pending";
}

std::optional<JobStatus> parse_job_status(std::string_view text) {
  for (JobStatus s : all_job_statuses)
    if (to_string(s) == text) return s;
  return std::nullopt;
}

namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  // Three-letter names accepted for the field (index + min = value), or empty.
  std::vector<std::string_view> names;
};

const FieldSpec kFields[5] = {
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day-of-month", 1, 31, {}},
    {"month", 1, 12, {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
    // 7 is accepted as a second Sunday, as every cron does.
    {"day-of-week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
};

[[noreturn]] void refuse(const FieldSpec& f, std::string_view part, const std::string& why) {
  throw std::invalid_argument("cron " + std::string(f.name) + " field '" + std::string(part) + "': " + why);
}

int parse_value(const FieldSpec& f, std::string_view field, std::string_view s) {
  if (s.empty()) refuse(f, field, "empty value");
  if (std::isalpha(static_cast<unsigned char>(s.front()))) {
    std::string upper;
    for (char c : s) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    const auto it = std::find(f.names.begin(), f.names.end(), upper);
    if (it == f.names.end()) refuse(f, field, "unknown name '" + std::string(s) + "'");
    return static_cast<int>(it - f.names.begin()) + (f.min == 0 ? 0 : 1);
  }
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') refuse(f, field, "'" + std::string(s) + "' is not a number");
    v = v * 10 + (c - '0');
    if (v > 1000) break;
  }
  if (v < f.min || v > f.max)
    refuse(f, field, std::to_string(v) + " is outside " + std::to_string(f.min) + "-" + std::to_string(f.max));
  return v;
}

// Sets the bits of every value the field selects; returns whether the field was '*'
// (unrestricted) — which matters for the day-of-month/day-of-week rule.
template <std::size_t N>
bool parse_field(const FieldSpec& f, std::string_view field, std::bitset<N>& out) {
  if (field.empty()) refuse(f, field, "empty");
  bool star = field == "*";
  std::size_t start = 0;
  while (start <= field.size()) {
    const std::size_t comma = std::min(field.find(',', start), field.size());
    const std::string_view part = field.substr(start, comma - start);
    if (part.empty()) refuse(f, field, "empty list element");

    std::string_view range = part;
    int step = 1;
    if (const std::size_t slash = part.find('/'); slash != std::string_view::npos) {
      range = part.substr(0, slash);
      const std::string_view step_text = part.substr(slash + 1);
      if (step_text.empty() || step_text.find_first_not_of("0123456789") != std::string_view::npos)
        refuse(f, field, "step must be a positive number");
      step = std::stoi(std::string(step_text.substr(0, 4)));
      if (step < 1 || step > f.max) refuse(f, field, "step must be between 1 and " + std::to_string(f.max));
    }
    int lo = f.min;
    int hi = f.max;
    if (range != "*") {
      if (const std::size_t dash = range.find('-'); dash != std::string_view::npos) {
        lo = parse_value(f, field, range.substr(0, dash));
        hi = parse_value(f, field, range.substr(dash + 1));
        if (lo > hi) refuse(f, field, "range runs backwards");
      } else {
        lo = parse_value(f, field, range);
        // "a/n" means from a to the end of the field, stepping n.
        hi = part.find('/') != std::string_view::npos ? f.max : lo;
      }
    }
    for (int v = lo; v <= hi; v += step) out.set(static_cast<std::size_t>(f.max == 7 ? v % 7 : v));
    start = comma + 1;
  }
  return star;
}

constexpr EpochMs kMinuteMs = 60'000;
constexpr EpochMs kDayMs = 86'400'000;

unsigned days_in_month(unsigned month) {
  constexpr std::array<unsigned, 13> days = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return days[month];  // February counts its leap day: a rule for the 29th fires in leap years
}

EpochMs floor_div(EpochMs a, EpochMs b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

}  // namespace

CronRule CronRule::parse(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const std::size_t begin = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > begin) fields.push_back(text.substr(begin, i - begin));
  }
  if (fields.size() != 5)
    throw std::invalid_argument("cron rule '" + std::string(text) + "' must have 5 fields (minute hour "
                                "day-of-month month day-of-week), has " + std::to_string(fields.size()));
  CronRule r;
  r.text_ = std::string(text);
  parse_field(kFields[0], fields[0], r.minutes_);
  parse_field(kFields[1], fields[1], r.hours_);
  r.days_restricted_ = !parse_field(kFields[2], fields[2], r.days_);
  parse_field(kFields[3], fields[3], r.months_);
  r.weekdays_restricted_ = !parse_field(kFields[4], fields[4], r.weekdays_);

  // With only day-of-month restricted, some chosen month must have some chosen day
  // ("0 0 31 4,6 *" never fires). With day-of-week involved some day always comes.
  if (r.days_restricted_ && !r.weekdays_restricted_) {
    bool possible = false;
    for (unsigned m = 1; m <= 12 && !possible; ++m) {
      if (!r.months_.test(m)) continue;
      for (unsigned d = 1; d <= days_in_month(m) && !possible; ++d) possible = r.days_.test(d);
    }
    if (!possible) throw std::invalid_argument("cron rule '" + std::string(text) + "' can never fire");
  }
  return r;
}

bool CronRule::day_matches(int day_of_month, unsigned month, unsigned weekday) const {
  if (!months_.test(month)) return false;
  const bool dom = days_.test(static_cast<std::size_t>(day_of_month));
  const bool dow = weekdays_.test(weekday);
  if (days_restricted_ && weekdays_restricted_) return dom || dow;
  if (days_restricted_) return dom;
  if (weekdays_restricted_) return dow;
  return true;
}

std::optional<EpochMs> CronRule::next_after(EpochMs t) const {
  const EpochMs first = (floor_div(t, kMinuteMs) + 1) * kMinuteMs;
  EpochMs day_start = floor_div(first, kDayMs) * kDayMs;
  int from_minute = static_cast<int>((first - day_start) / kMinuteMs);
  // A 29th of February with a weekday-free rule can be 8 years away (2096 → 2104).
  for (int n = 0; n < 366 * 9; ++n, day_start += kDayMs, from_minute = 0) {
    const date::sys_days day{date::days{day_start / kDayMs}};
    const date::year_month_day ymd{day};
    const date::weekday wd{day};
    if (!day_matches(static_cast<int>(static_cast<unsigned>(ymd.day())), static_cast<unsigned>(ymd.month()),
                     wd.c_encoding()))
      continue;
    for (int h = from_minute / 60; h < 24; ++h) {
      if (!hours_.test(static_cast<std::size_t>(h))) continue;
      const int m0 = h == from_minute / 60 ? from_minute % 60 : 0;
      for (int m = m0; m < 60; ++m)
        if (minutes_.test(static_cast<std::size_t>(m))) return day_start + (h * 60 + m) * kMinuteMs;
    }
  }
  return std::nullopt;
}

EpochMs backoff_ceiling(int failures, const BackoffPolicy& policy) {
  const int doublings = std::clamp(failures, 1, 63) - 1;
  // Doubling stops once past the cap, so the shift never overflows.
  EpochMs ceiling = std::max<EpochMs>(policy.base_ms, 0);
  for (int i = 0; i < doublings && ceiling < policy.cap_ms; ++i) ceiling *= 2;
  return std::min(ceiling, policy.cap_ms);
}

EpochMs backoff_delay(int failures, const BackoffPolicy& policy, const UniformRandom& random) {
  const EpochMs ceiling = backoff_ceiling(failures, policy);
  const double u = std::clamp(random(), 0.0, 1.0);
  return std::min(ceiling, static_cast<EpochMs>(std::floor(u * static_cast<double>(ceiling + 1))));
}

}  // namespace medcore::jobs
