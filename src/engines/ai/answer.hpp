#pragma once
// The engine's answer and the schema a provider's text must meet. The provider writes only the
// `Advice` part; the engine adds the urgent message, the disclaimer, who answered and whether it
// fell back, so no provider can leave them out.
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/ai/facts.hpp"

namespace medcore::ai {

enum class Area { diet, activity, sleep, monitoring, medical_follow_up };
enum class Urgency { routine, soon, urgent };
std::string_view to_string(Area);
std::string_view to_string(Urgency);

struct Suggestion {
  std::string text;
  Area area = Area::monitoring;
  std::vector<std::string> based_on;  // fact keys (fact_keys()), at least one
  Urgency urgency = Urgency::routine;
};

// What a provider (or the offline composer) writes.
struct Advice {
  std::string summary;
  std::vector<Suggestion> suggestions;
  std::string see_doctor_when;
};

// Why an answer is the offline one although another provider is configured.
enum class Fallback {
  none,
  daily_limit,        // the caller used up MEDCORE_AI_DAILY_LIMIT provider answers today
  circuit_open,       // recent calls failed; the breaker lets a probe through after a while
  timeout,
  network,            // connection refused, DNS, TLS, reset
  http_status,        // a non-2xx answer (after the retries for 429/5xx)
  refusal,            // the model declined or was blocked
  malformed_json,     // no JSON where the advice should be
  schema_violation,   // JSON that does not meet the advice schema
  medication_advice,  // the safety rail: starting, stopping or dosing a medication
  not_enabled,        // an administrator has not enabled the network provider: nothing was sent
};
std::string_view to_string(Fallback);

struct Answer {
  Task task = Task::health_advice;
  std::optional<std::string> urgent_message;  // shown before everything else
  Advice advice;
  std::string disclaimer;
  std::string provider;  // who wrote the advice: "offline", "gemini" or "openai"
  std::string model;
  double latency_ms = 0;
  bool cached = false;
  bool fell_back = false;
  Fallback reason = Fallback::none;
  std::string detail;  // what went wrong, for logs and the admin page (never patient data)
  std::int64_t tokens_in = 0, tokens_out = 0;
};

boost::json::object to_json(const Advice&);
boost::json::object to_json(const Answer&);

// Limits every advice meets (also written into the schemas sent to providers).
inline constexpr std::size_t kMaxSummary = 800, kMaxText = 400, kMaxSuggestions = 8, kMaxBasedOn = 6;

// JSON Schema (the strict subset OpenAI-compatible servers accept: every property required, no
// additional properties). `based_on` items are an enum of the facts' own keys.
boost::json::object advice_json_schema(const std::vector<std::string>& fact_keys);
// The same shape in Gemini's OpenAPI-subset `responseSchema` dialect.
boost::json::object advice_gemini_schema(const std::vector<std::string>& fact_keys);

// A provider's text checked against the schema: the advice, or why not (malformed_json when it
// is not a JSON object at all, schema_violation otherwise) and which rule failed.
struct ParsedAdvice {
  std::optional<Advice> advice;
  Fallback failure = Fallback::none;
  std::string why;
};
ParsedAdvice parse_advice(std::string_view text, const std::vector<std::string>& fact_keys);
// The same checks on an advice built in C++ (the offline composer's output is checked in tests).
std::optional<std::string> schema_error(const Advice&, const std::vector<std::string>& fact_keys);

}  // namespace medcore::ai
