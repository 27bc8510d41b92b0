#pragma once
// The engine's settings. They are the engine's own (not platform/core's Config): the server maps
// its MEDCORE_AI_* settings onto this struct (docs/OPERATIONS.md, "AI provider"), the CLI maps
// its flags. Each field states its default and the range `validate` accepts.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace medcore::ai {

enum class Provider { offline, gemini, openai };
std::string_view to_string(Provider);
std::optional<Provider> parse_provider(std::string_view);

struct Options {
  // offline | gemini | openai. Default offline: nothing leaves the machine.
  Provider provider = Provider::offline;
  // Empty: the provider's default (default_base_url). http or https, no path after the host
  // other than a prefix the server expects (the engine appends /v1beta/... or /v1/...).
  std::string base_url;
  // Empty: the provider's default (default_model). 1-200 characters of [A-Za-z0-9._:/-].
  std::string model;
  // The API key is read from this environment variable (default MEDCORE_AI_API_KEY) or, when
  // api_key_file is set, from that file (first line). Required for gemini; optional for openai
  // (a local llama.cpp server usually has none).
  std::string api_key_env = "MEDCORE_AI_API_KEY";
  std::string api_key_file;
  // Per attempt, connect to last byte. Default 20 s; 100 ms - 120 s.
  std::chrono::milliseconds timeout{20'000};
  // Retries after a 429 or 5xx (so at most 1 + retries calls). Default 2; 0-5.
  int retries = 2;
  // Backoff before retry n (0-based): backoff_base * 2^n, or the server's Retry-After; a wait
  // longer than backoff_max gives up instead. Defaults 500 ms and 10 s; base 10 ms - 10 s, max
  // base - 60 s.
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_max{10'000};
  // Provider answers per caller per UTC day; more get the offline answer. Default 20; 1-10000.
  int daily_limit_per_user = 20;
  // The breaker opens after this many failed calls in a row (default 5; 1-100) and lets one
  // probe through after breaker_open_for (default 60 s; 1 s - 1 h).
  int breaker_failures = 5;
  std::chrono::milliseconds breaker_open_for{60'000};
  // Provider answers kept in memory, keyed by a digest of (task, facts, provider, model).
  // Default 1000 entries for 6 h; 0-100000 entries (0 turns the cache off), 1 s - 7 days.
  std::size_t cache_entries = 1000;
  std::chrono::seconds cache_ttl{6 * 3600};
};

std::string default_base_url(Provider);  // gemini: https://generativelanguage.googleapis.com; openai: http://127.0.0.1:8080
std::string default_model(Provider);     // gemini: gemini-2.5-flash; openai: local-model; offline: rules-v1
// The options with defaults filled in; std::invalid_argument naming the field and its range.
Options resolved(Options);

}  // namespace medcore::ai
