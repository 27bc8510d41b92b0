#include "engines/ai/options.hpp"

#include <cctype>
#include <stdexcept>

namespace medcore::ai {

namespace {

void in_range(long long value, long long lo, long long hi, std::string_view field, std::string_view unit = "") {
  if (value < lo || value > hi)
    throw std::invalid_argument("ai: " + std::string(field) + " must be between " + std::to_string(lo) +
                                std::string(unit) + " and " + std::to_string(hi) + std::string(unit));
}

}  // namespace

std::string_view to_string(Provider p) {
  switch (p) {
    case Provider::offline: return "offline";
    case Provider::gemini: return "gemini";
    case Provider::openai: return "openai";
  }
  return "?";
}

std::optional<Provider> parse_provider(std::string_view s) {
  if (s == "offline") return Provider::offline;
  if (s == "gemini") return Provider::gemini;
  if (s == "openai") return Provider::openai;
  return std::nullopt;
}

std::string default_base_url(Provider p) {
  switch (p) {
    case Provider::gemini: return "https://generativelanguage.googleapis.com";
    case Provider::openai: return "http://127.0.0.1:8080";
    case Provider::offline: return "";
  }
  return "";
}

std::string default_model(Provider p) {
  switch (p) {
    case Provider::gemini: return "gemini-2.5-flash";
    case Provider::openai: return "local-model";
    case Provider::offline: return "rules-v1";
  }
  return "";
}

Options resolved(Options o) {
  if (o.base_url.empty()) o.base_url = default_base_url(o.provider);
  while (!o.base_url.empty() && o.base_url.back() == '/') o.base_url.pop_back();
  if (o.model.empty()) o.model = default_model(o.provider);
  if (o.provider != Provider::offline && o.base_url.rfind("http://", 0) != 0 && o.base_url.rfind("https://", 0) != 0)
    throw std::invalid_argument("ai: the base URL must start with http:// or https://");
  if (o.model.size() > 200) throw std::invalid_argument("ai: the model name is longer than 200 characters");
  for (char c : o.model)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == ':' || c == '/'))
      throw std::invalid_argument("ai: the model name may hold only letters, digits and . _ - : /");
  in_range(o.timeout.count(), 100, 120'000, "the timeout", " ms");
  in_range(o.retries, 0, 5, "retries");
  in_range(o.backoff_base.count(), 10, 10'000, "the backoff base", " ms");
  in_range(o.backoff_max.count(), o.backoff_base.count(), 60'000, "the maximum backoff", " ms");
  in_range(o.daily_limit_per_user, 1, 10'000, "the daily limit per user");
  in_range(o.breaker_failures, 1, 100, "the breaker threshold");
  in_range(o.breaker_open_for.count(), 1'000, 3'600'000, "the breaker open time", " ms");
  in_range(static_cast<long long>(o.cache_entries), 0, 100'000, "the cache size");
  in_range(o.cache_ttl.count(), 1, 7 * 24 * 3600, "the cache TTL", " s");
  return o;
}

}  // namespace medcore::ai
