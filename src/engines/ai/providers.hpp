#pragma once
// The wire format of the two network providers, as pure functions: the request the engine sends
// and what it reads back. The HTTP itself is behind `HttpClient` (libcurl in http_client.cpp; a
// fake in the unit tests).
//   gemini: POST {base}/v1beta/models/{model}:generateContent, header x-goog-api-key,
//           generationConfig.responseMimeType = application/json + responseSchema;
//           the text is candidates[0].content.parts[*].text, usage in usageMetadata.
//   openai: POST {base}/v1/chat/completions (OpenAI and compatible servers: llama.cpp, Ollama,
//           vLLM), Authorization: Bearer <key> when a key is set,
//           response_format {type: json_schema, json_schema: {name, strict: true, schema}};
//           the text is choices[0].message.content, a refusal in choices[0].message.refusal,
//           usage in usage.prompt_tokens / completion_tokens.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engines/ai/answer.hpp"
#include "engines/ai/facts.hpp"
#include "engines/ai/options.hpp"

namespace medcore::ai {

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;  // 0: no HTTP answer (see timed_out / error)
  std::string body;
  std::optional<std::chrono::milliseconds> retry_after;  // a Retry-After header in seconds
  bool timed_out = false;
  std::string error;  // transport error text when status is 0
};

// Blocking HTTP. Implementations must be safe to call from several threads at once.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual HttpResponse post(const HttpRequest&, std::chrono::milliseconds timeout) = 0;
};

// The instructions every provider gets (same for both): the rails in words. The engine enforces
// them anyway; saying them makes a good answer likelier.
std::string system_prompt(Task);
// The user turn: the task and the facts as JSON (to_json(HealthFacts)), nothing else.
std::string user_prompt(Task, const HealthFacts&);

HttpRequest gemini_request(const Options&, const std::string& api_key, Task, const HealthFacts&);
HttpRequest openai_request(const Options&, const std::string& api_key, Task, const HealthFacts&);

// What came back in a 2xx body: the model's text, or why there is none.
struct ProviderReply {
  std::optional<std::string> text;
  Fallback failure = Fallback::none;  // refusal or malformed_json when there is no text
  std::string why;
  std::int64_t tokens_in = 0, tokens_out = 0;
};
ProviderReply parse_gemini_reply(std::string_view body);
ProviderReply parse_openai_reply(std::string_view body);

// "Retry-After: 3" -> 3 s. The HTTP-date form is not honoured (the backoff applies instead).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

}  // namespace medcore::ai
