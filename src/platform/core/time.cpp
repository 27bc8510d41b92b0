#include "platform/core/time.hpp"

#include <date/tz.h>

// date.h's parser trips GCC 12's -Wmaybe-uninitialized at -O2 (a false positive inside the
// library's own locals); silence it for this file only rather than build-wide.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <chrono>
#include <sstream>

namespace medcore {

using namespace std::chrono;

EpochMs now_ms() { return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count(); }

std::string iso8601(EpochMs t) {
  return date::format("%FT%TZ", sys_time<milliseconds>{milliseconds{t}});
}

std::optional<EpochMs> parse_iso8601(std::string_view s) {
  if (s.size() < 20 || s.size() > 35) return std::nullopt;
  std::string str(s);
  for (const char* fmt : {"%FT%TZ", "%FT%T%Ez"}) {
    std::istringstream in(str);
    sys_time<milliseconds> tp;
    in >> date::parse(fmt, tp);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return tp.time_since_epoch().count();
  }
  return std::nullopt;
}

std::string iso_date(date::year_month_day d) { return date::format("%F", d); }

std::optional<date::year_month_day> parse_iso_date(std::string_view s) {
  if (s.size() != 10) return std::nullopt;
  std::istringstream in{std::string(s)};
  date::year_month_day d;
  in >> date::parse("%F", d);
  if (in.fail() || !d.ok()) return std::nullopt;
  return d;
}

date::year_month_day utc_today() { return date::year_month_day{floor<date::days>(system_clock::now())}; }

bool is_time_zone(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  try {
    date::locate_zone(name);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

}  // namespace medcore
