#include "engines/ai/counters.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

namespace medcore::ai {

std::string iso_day(long days) {
  // Howard Hinnant's civil_from_days.
  days += 719468;
  const long era = (days >= 0 ? days : days - 146096) / 146097;
  const long doe = days - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  const long d = doy - (153 * mp + 2) / 5 + 1;
  const long m = mp < 10 ? mp + 3 : mp - 9;
  const long y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(y), static_cast<int>(m), static_cast<int>(d));
  return buf;
}

void Counters::record(std::string_view provider, long day, const Answer& a, int calls, int failures) {
  std::lock_guard lock(mutex_);
  auto& p = days_[{day, std::string(provider)}];
  if (p.day.empty()) {
    p.provider = provider;
    p.day = iso_day(day);
  }
  ++p.questions;
  p.calls += static_cast<std::uint64_t>(calls);
  p.failures += static_cast<std::uint64_t>(failures);
  if (a.fell_back) {
    ++p.fallbacks;
    ++p.fallbacks_by_reason[std::string(to_string(a.reason))];
  }
  if (a.cached) ++p.cache_hits;
  p.latency_ms_total += a.latency_ms;
  p.latency_ms_max = std::max(p.latency_ms_max, a.latency_ms);
  if (!a.cached) {
    p.tokens_in += a.tokens_in;
    p.tokens_out += a.tokens_out;
  }
  while (!days_.empty() && days_.begin()->first.first + static_cast<long>(kDaysKept) <= day) days_.erase(days_.begin());
}

std::vector<ProviderDay> Counters::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<ProviderDay> out;
  for (const auto& kv : days_) out.push_back(kv.second);
  return out;
}

boost::json::array to_json(const std::vector<ProviderDay>& days) {
  boost::json::array a;
  for (const auto& d : days) {
    boost::json::object reasons;
    for (const auto& [reason, n] : d.fallbacks_by_reason) reasons[reason] = n;
    a.push_back({{"provider", d.provider},
                 {"day", d.day},
                 {"questions", d.questions},
                 {"calls", d.calls},
                 {"failures", d.failures},
                 {"fallbacks", d.fallbacks},
                 {"fallbacks_by_reason", std::move(reasons)},
                 {"cache_hits", d.cache_hits},
                 {"latency_ms_total", d.latency_ms_total},
                 {"latency_ms_max", d.latency_ms_max},
                 {"tokens_in", d.tokens_in},
                 {"tokens_out", d.tokens_out}});
  }
  return a;
}

}  // namespace medcore::ai
