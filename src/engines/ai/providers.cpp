#include "engines/ai/providers.hpp"

#include <boost/json.hpp>

namespace medcore::ai {

namespace json = boost::json;

namespace {

std::int64_t int_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : v && v->is_uint64() ? static_cast<std::int64_t>(v->get_uint64()) : 0;
}

std::optional<json::object> object_body(std::string_view body, ProviderReply& out) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    out.failure = Fallback::malformed_json;
    out.why = "the provider's answer is not a JSON object";
    return std::nullopt;
  }
  return std::move(v.get_object());
}

}  // namespace

std::string system_prompt(Task task) {
  switch (task) {
    case Task::health_advice:
      return "You write short, practical lifestyle suggestions for a patient from the de-identified facts given "
             "(age band, sex, latest readings with their guideline category, trends, BMI class, risk bands). "
             "Rules: use only the facts given; cite in based_on the keys of the facts each suggestion rests on; "
             "never tell the patient to start, stop, change, skip or dose any medication or supplement, and never "
             "name a drug or a dose; do not diagnose; keep each text under 400 characters and plain; areas are "
             "diet, activity, sleep, monitoring or medical_follow_up; use urgency urgent only for a reading in an "
             "emergency range. Answer with JSON matching the response schema and nothing else.";
  }
  return {};
}

std::string user_prompt(Task task, const HealthFacts& facts) {
  return "Task: " + std::string(to_string(task)) + "\nFacts (JSON): " + json::serialize(to_json(facts));
}

HttpRequest gemini_request(const Options& o, const std::string& api_key, Task task, const HealthFacts& facts) {
  json::object body{
      {"systemInstruction", {{"parts", json::array{{{"text", system_prompt(task)}}}}}},
      {"contents", json::array{{{"role", "user"}, {"parts", json::array{{{"text", user_prompt(task, facts)}}}}}}},
      {"generationConfig",
       {{"responseMimeType", "application/json"},
        {"responseSchema", advice_gemini_schema(fact_keys(facts))},
        {"temperature", 0.2},
        {"candidateCount", 1}}}};
  HttpRequest r;
  r.url = o.base_url + "/v1beta/models/" + o.model + ":generateContent";
  r.headers = {{"Content-Type", "application/json"}, {"x-goog-api-key", api_key}};
  r.body = json::serialize(body);
  return r;
}

HttpRequest openai_request(const Options& o, const std::string& api_key, Task task, const HealthFacts& facts) {
  json::object body{
      {"model", o.model},
      {"messages",
       json::array{{{"role", "system"}, {"content", system_prompt(task)}},
                   {{"role", "user"}, {"content", user_prompt(task, facts)}}}},
      {"response_format",
       {{"type", "json_schema"},
        {"json_schema", {{"name", to_string(task)}, {"strict", true}, {"schema", advice_json_schema(fact_keys(facts))}}}}},
      {"temperature", 0.2}};
  HttpRequest r;
  r.url = o.base_url + "/v1/chat/completions";
  r.headers = {{"Content-Type", "application/json"}};
  if (!api_key.empty()) r.headers.emplace_back("Authorization", "Bearer " + api_key);
  r.body = json::serialize(body);
  return r;
}

ProviderReply parse_gemini_reply(std::string_view body) {
  ProviderReply out;
  auto o = object_body(body, out);
  if (!o) return out;
  if (const auto* usage = o->if_contains("usageMetadata"); usage && usage->is_object()) {
    out.tokens_in = int_at(usage->get_object(), "promptTokenCount");
    out.tokens_out = int_at(usage->get_object(), "candidatesTokenCount");
  }
  if (const auto* feedback = o->if_contains("promptFeedback"); feedback && feedback->is_object())
    if (const auto* reason = feedback->get_object().if_contains("blockReason"); reason && reason->is_string()) {
      out.failure = Fallback::refusal;
      out.why = "prompt blocked: " + std::string(reason->get_string());
      return out;
    }
  const auto* candidates = o->if_contains("candidates");
  if (!candidates || !candidates->is_array() || candidates->get_array().empty() ||
      !candidates->get_array()[0].is_object()) {
    out.failure = Fallback::malformed_json;
    out.why = "no candidates in the answer";
    return out;
  }
  const auto& candidate = candidates->get_array()[0].get_object();
  if (const auto* finish = candidate.if_contains("finishReason"); finish && finish->is_string()) {
    const std::string_view reason = finish->get_string();
    if (reason != "STOP" && reason != "FINISH_REASON_UNSPECIFIED") {
      // SAFETY, RECITATION, PROHIBITED_CONTENT, ...: declined; MAX_TOKENS: cut short.
      out.failure = reason == "MAX_TOKENS" ? Fallback::malformed_json : Fallback::refusal;
      out.why = "finishReason " + std::string(reason);
      return out;
    }
  }
  const auto* content = candidate.if_contains("content");
  const auto* parts = content && content->is_object() ? content->get_object().if_contains("parts") : nullptr;
  if (!parts || !parts->is_array()) {
    out.failure = Fallback::malformed_json;
    out.why = "the candidate has no content parts";
    return out;
  }
  std::string text;
  for (const auto& p : parts->get_array())
    if (p.is_object())
      if (const auto* t = p.get_object().if_contains("text"); t && t->is_string()) text += t->get_string();
  out.text = std::move(text);
  return out;
}

ProviderReply parse_openai_reply(std::string_view body) {
  ProviderReply out;
  auto o = object_body(body, out);
  if (!o) return out;
  if (const auto* usage = o->if_contains("usage"); usage && usage->is_object()) {
    out.tokens_in = int_at(usage->get_object(), "prompt_tokens");
    out.tokens_out = int_at(usage->get_object(), "completion_tokens");
  }
  const auto* choices = o->if_contains("choices");
  if (!choices || !choices->is_array() || choices->get_array().empty() || !choices->get_array()[0].is_object()) {
    out.failure = Fallback::malformed_json;
    out.why = "no choices in the answer";
    return out;
  }
  const auto& choice = choices->get_array()[0].get_object();
  const auto* message = choice.if_contains("message");
  if (!message || !message->is_object()) {
    out.failure = Fallback::malformed_json;
    out.why = "the choice has no message";
    return out;
  }
  const auto& m = message->get_object();
  if (const auto* refusal = m.if_contains("refusal"); refusal && refusal->is_string() && !refusal->get_string().empty()) {
    out.failure = Fallback::refusal;
    out.why = "the model refused";
    return out;
  }
  if (const auto* finish = choice.if_contains("finish_reason"); finish && finish->is_string()) {
    const std::string_view reason = finish->get_string();
    if (reason == "content_filter") {
      out.failure = Fallback::refusal;
      out.why = "finish_reason content_filter";
      return out;
    }
    if (reason == "length") {
      out.failure = Fallback::malformed_json;
      out.why = "finish_reason length: the answer was cut short";
      return out;
    }
  }
  const auto* content = m.if_contains("content");
  if (!content || !content->is_string()) {
    out.failure = Fallback::malformed_json;
    out.why = "the message has no text content";
    return out;
  }
  out.text = std::string(content->get_string());
  return out;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' || value.back() == '\n'))
    value.remove_suffix(1);
  if (value.empty() || value.size() > 9) return std::nullopt;
  long long seconds = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return std::chrono::milliseconds(seconds * 1000);
}

}  // namespace medcore::ai
