#include "engines/ai/answer.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace medcore::ai {

namespace json = boost::json;

namespace {

constexpr std::string_view kAreas[] = {"diet", "activity", "sleep", "monitoring", "medical_follow_up"};
constexpr std::string_view kUrgencies[] = {"routine", "soon", "urgent"};

json::array string_enum(auto&& values) {
  json::array a;
  for (const auto& v : values) a.emplace_back(json::string_view(v.data(), v.size()));
  return a;
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; });
}

std::optional<std::string> text_error(std::string_view s, std::size_t max, std::string_view field) {
  if (blank(s)) return std::string(field) + " is empty";
  if (s.size() > max) return std::string(field) + " is longer than " + std::to_string(max) + " bytes";
  return std::nullopt;
}

const json::string* string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? &v->get_string() : nullptr;
}

}  // namespace

std::string_view to_string(Area a) { return kAreas[static_cast<int>(a)]; }
std::string_view to_string(Urgency u) { return kUrgencies[static_cast<int>(u)]; }
std::string_view to_string(Fallback f) {
  switch (f) {
    case Fallback::none: return "none";
    case Fallback::daily_limit: return "daily_limit";
    case Fallback::circuit_open: return "circuit_open";
    case Fallback::timeout: return "timeout";
    case Fallback::network: return "network";
    case Fallback::http_status: return "http_status";
    case Fallback::refusal: return "refusal";
    case Fallback::malformed_json: return "malformed_json";
    case Fallback::schema_violation: return "schema_violation";
    case Fallback::medication_advice: return "medication_advice";
    case Fallback::not_enabled: return "not_enabled";
  }
  return "?";
}

json::object to_json(const Advice& a) {
  json::object o;
  o["summary"] = a.summary;
  json::array suggestions;
  for (const auto& s : a.suggestions) {
    json::object x;
    x["text"] = s.text;
    x["area"] = to_string(s.area);
    json::array based_on;
    for (const auto& k : s.based_on) based_on.emplace_back(k);
    x["based_on"] = std::move(based_on);
    x["urgency"] = to_string(s.urgency);
    suggestions.emplace_back(std::move(x));
  }
  o["suggestions"] = std::move(suggestions);
  o["see_doctor_when"] = a.see_doctor_when;
  return o;
}

json::object to_json(const Answer& a) {
  json::object o;
  o["task"] = to_string(a.task);
  o["urgent_message"] = a.urgent_message ? json::value(*a.urgent_message) : json::value(nullptr);
  for (auto& kv : to_json(a.advice)) o[kv.key()] = kv.value();
  o["disclaimer"] = a.disclaimer;
  o["provider"] = a.provider;
  o["model"] = a.model;
  o["latency_ms"] = std::round(a.latency_ms * 1000.0) / 1000.0;
  o["cached"] = a.cached;
  o["fell_back"] = a.fell_back;
  o["fallback_reason"] = a.fell_back ? json::value(to_string(a.reason)) : json::value(nullptr);
  o["fallback_detail"] = a.fell_back ? json::value(a.detail) : json::value(nullptr);
  json::object tokens;
  tokens["input"] = a.tokens_in;
  tokens["output"] = a.tokens_out;
  o["tokens"] = std::move(tokens);
  return o;
}

json::object advice_json_schema(const std::vector<std::string>& fact_keys) {
  json::object text{{"type", "string"}, {"maxLength", kMaxText}};
  json::object suggestion{
      {"type", "object"},
      {"properties",
       {{"text", text},
        {"area", {{"type", "string"}, {"enum", string_enum(kAreas)}}},
        {"based_on",
         {{"type", "array"},
          {"minItems", 1},
          {"maxItems", kMaxBasedOn},
          {"items", {{"type", "string"}, {"enum", string_enum(fact_keys)}}}}},
        {"urgency", {{"type", "string"}, {"enum", string_enum(kUrgencies)}}}}},
      {"required", {"text", "area", "based_on", "urgency"}},
      {"additionalProperties", false}};
  return {{"type", "object"},
          {"properties",
           {{"summary", {{"type", "string"}, {"maxLength", kMaxSummary}}},
            {"suggestions", {{"type", "array"}, {"minItems", 1}, {"maxItems", kMaxSuggestions}, {"items", suggestion}}},
            {"see_doctor_when", text}}},
          {"required", {"summary", "suggestions", "see_doctor_when"}},
          {"additionalProperties", false}};
}

json::object advice_gemini_schema(const std::vector<std::string>& fact_keys) {
  // Gemini's Schema object: OpenAPI 3.0 subset, upper-case type names, no additionalProperties;
  // propertyOrdering keeps the summary first in the generated text.
  json::object suggestion{
      {"type", "OBJECT"},
      {"properties",
       {{"text", {{"type", "STRING"}}},
        {"area", {{"type", "STRING"}, {"format", "enum"}, {"enum", string_enum(kAreas)}}},
        {"based_on",
         {{"type", "ARRAY"},
          {"minItems", 1},
          {"maxItems", kMaxBasedOn},
          {"items", {{"type", "STRING"}, {"format", "enum"}, {"enum", string_enum(fact_keys)}}}}},
        {"urgency", {{"type", "STRING"}, {"format", "enum"}, {"enum", string_enum(kUrgencies)}}}}},
      {"required", {"text", "area", "based_on", "urgency"}},
      {"propertyOrdering", {"text", "area", "based_on", "urgency"}}};
  return {{"type", "OBJECT"},
          {"properties",
           {{"summary", {{"type", "STRING"}}},
            {"suggestions", {{"type", "ARRAY"}, {"minItems", 1}, {"maxItems", kMaxSuggestions}, {"items", suggestion}}},
            {"see_doctor_when", {{"type", "STRING"}}}}},
          {"required", {"summary", "suggestions", "see_doctor_when"}},
          {"propertyOrdering", {"summary", "suggestions", "see_doctor_when"}}};
}

std::optional<std::string> schema_error(const Advice& a, const std::vector<std::string>& fact_keys) {
  if (auto e = text_error(a.summary, kMaxSummary, "summary")) return e;
  if (auto e = text_error(a.see_doctor_when, kMaxText, "see_doctor_when")) return e;
  if (a.suggestions.empty()) return "suggestions is empty";
  if (a.suggestions.size() > kMaxSuggestions) return "more than " + std::to_string(kMaxSuggestions) + " suggestions";
  for (std::size_t i = 0; i < a.suggestions.size(); ++i) {
    const auto& s = a.suggestions[i];
    const std::string field = "suggestions[" + std::to_string(i) + "]";
    if (auto e = text_error(s.text, kMaxText, field + ".text")) return e;
    if (s.based_on.empty()) return field + ".based_on is empty";
    if (s.based_on.size() > kMaxBasedOn) return field + ".based_on has too many keys";
    for (const auto& k : s.based_on)
      if (std::find(fact_keys.begin(), fact_keys.end(), k) == fact_keys.end())
        return field + ".based_on names \"" + k + "\", which is not a fact given";
  }
  return std::nullopt;
}

ParsedAdvice parse_advice(std::string_view text, const std::vector<std::string>& fact_keys) {
  ParsedAdvice out;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    out.failure = Fallback::malformed_json;
    out.why = ec ? "not JSON: " + ec.message() : "not a JSON object";
    return out;
  }
  const auto fail = [&](std::string why) {
    out.failure = Fallback::schema_violation;
    out.why = std::move(why);
    return out;
  };
  const auto& o = v.get_object();
  for (const auto& kv : o)
    if (kv.key() != "summary" && kv.key() != "suggestions" && kv.key() != "see_doctor_when")
      return fail("unexpected field \"" + std::string(kv.key()) + "\"");
  Advice a;
  const auto* summary = string_field(o, "summary");
  const auto* see = string_field(o, "see_doctor_when");
  if (!summary) return fail("summary is not a string");
  if (!see) return fail("see_doctor_when is not a string");
  a.summary = *summary;
  a.see_doctor_when = *see;
  const auto* list = o.if_contains("suggestions");
  if (!list || !list->is_array()) return fail("suggestions is not an array");
  for (std::size_t i = 0; i < list->get_array().size(); ++i) {
    const auto& item = list->get_array()[i];
    const std::string field = "suggestions[" + std::to_string(i) + "]";
    if (!item.is_object()) return fail(field + " is not an object");
    const auto& x = item.get_object();
    for (const auto& kv : x)
      if (kv.key() != "text" && kv.key() != "area" && kv.key() != "based_on" && kv.key() != "urgency")
        return fail(field + ": unexpected field \"" + std::string(kv.key()) + "\"");
    Suggestion s;
    const auto* t = string_field(x, "text");
    const auto* area = string_field(x, "area");
    const auto* urgency = string_field(x, "urgency");
    const auto* based_on = x.if_contains("based_on");
    if (!t) return fail(field + ".text is not a string");
    s.text = *t;
    const auto area_at = area ? std::find(std::begin(kAreas), std::end(kAreas), std::string_view(*area)) : std::end(kAreas);
    if (area_at == std::end(kAreas)) return fail(field + ".area is not one of diet, activity, sleep, monitoring, medical_follow_up");
    s.area = static_cast<Area>(area_at - std::begin(kAreas));
    const auto urgency_at =
        urgency ? std::find(std::begin(kUrgencies), std::end(kUrgencies), std::string_view(*urgency)) : std::end(kUrgencies);
    if (urgency_at == std::end(kUrgencies)) return fail(field + ".urgency is not one of routine, soon, urgent");
    s.urgency = static_cast<Urgency>(urgency_at - std::begin(kUrgencies));
    if (!based_on || !based_on->is_array()) return fail(field + ".based_on is not an array");
    for (const auto& k : based_on->get_array()) {
      if (!k.is_string()) return fail(field + ".based_on holds a non-string");
      s.based_on.emplace_back(k.get_string());
    }
    a.suggestions.push_back(std::move(s));
  }
  if (auto e = schema_error(a, fact_keys)) return fail(*e);
  out.advice = std::move(a);
  return out;
}

}  // namespace medcore::ai
