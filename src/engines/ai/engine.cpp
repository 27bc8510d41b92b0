#include "engines/ai/engine.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "engines/ai/offline.hpp"
#include "engines/ai/safety.hpp"
#include "platform/core/crypto.hpp"

namespace medcore::ai {

namespace {

double ms_between(SteadyTime a, SteadyTime b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

bool retryable(int status) { return status == 429 || (status >= 500 && status <= 599); }

// The first sentence in the advice that gives a medication instruction.
std::optional<std::string> medication_in(const Advice& a) {
  if (auto s = medication_instruction(a.summary)) return s;
  if (auto s = medication_instruction(a.see_doctor_when)) return s;
  for (const auto& x : a.suggestions)
    if (auto s = medication_instruction(x.text)) return s;
  return std::nullopt;
}

}  // namespace

Engine::Engine(Options options, Wording wording, std::shared_ptr<HttpClient> http, std::string api_key, Clock clock)
    : options_(resolved(std::move(options))),
      wording_(std::move(wording)),
      http_(std::move(http)),
      api_key_(std::move(api_key)),
      clock_(std::move(clock)),
      breaker_(options_.breaker_failures, options_.breaker_open_for),
      cache_(options_.cache_entries, options_.cache_ttl),
      daily_(options_.daily_limit_per_user) {
  if (!clock_.sleep) clock_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (options_.provider != Provider::offline && !http_)
    throw std::invalid_argument("ai: the " + std::string(to_string(options_.provider)) + " provider needs an HTTP client");
  if (options_.provider == Provider::gemini && api_key_.empty())
    throw std::invalid_argument("ai: the gemini provider needs an API key (" +
                                (options_.api_key_file.empty() ? "environment variable " + options_.api_key_env
                                                               : "file " + options_.api_key_file) +
                                " is empty)");
}

Answer Engine::ask(Task task, const Facts& facts, const Caller& caller) {
  switch (task) {
    case Task::health_advice: return ask_health(std::get<HealthFacts>(facts), caller);
  }
  throw std::invalid_argument("ai: unknown task");
}

Answer Engine::ask_health(const HealthFacts& facts, const Caller& caller) {
  const auto started = clock_.steady();
  const long day = clock_.utc_day();
  int calls = 0, failures = 0;
  const Advice offline = compose_offline(facts);

  Answer a;
  const auto fall_back = [&](Fallback reason, std::string detail) {
    Answer f;
    f.advice = offline;
    f.provider = "offline";
    f.model = default_model(Provider::offline);
    f.fell_back = options_.provider != Provider::offline;
    f.reason = f.fell_back ? reason : Fallback::none;
    f.detail = f.fell_back ? std::move(detail) : std::string();
    return f;
  };

  if (options_.provider == Provider::offline) {
    a = fall_back(Fallback::none, {});
  } else {
    const std::string key = answer_digest(Task::health_advice, facts, options_.provider, options_.model);
    if (!caller.provider_enabled) {
      a = fall_back(Fallback::not_enabled, "an administrator has not enabled the " +
                                               std::string(to_string(options_.provider)) + " provider");
    } else if (auto hit = cache_.get(key, started)) {
      a = std::move(*hit);
      a.cached = true;
    } else if (!caller.caller.empty() && !daily_.try_take(caller.caller, day)) {
      a = fall_back(Fallback::daily_limit, "the daily limit of " + std::to_string(options_.daily_limit_per_user) +
                                               " provider answers is used up");
    } else if (!breaker_.allow(started)) {
      a = fall_back(Fallback::circuit_open, "recent calls failed; the provider is not asked for a while");
    } else {
      a = call_provider(facts, offline, calls, failures);
      if (a.fell_back) {
        breaker_.record_failure(clock_.steady());
      } else {
        breaker_.record_success();
        cache_.put(key, a, clock_.steady());
      }
    }
  }

  a.task = Task::health_advice;
  if (has_urgent_category(facts)) a.urgent_message = wording_.urgent_message;
  a.disclaimer = wording_.disclaimer;
  a.latency_ms = ms_between(started, clock_.steady());
  counters_.record(to_string(options_.provider), day, a, calls, failures);
  return a;
}

Answer Engine::call_provider(const HealthFacts& facts, const Advice& offline, int& calls, int& failures) {
  const bool gemini = options_.provider == Provider::gemini;
  const HttpRequest request = gemini ? gemini_request(options_, api_key_, Task::health_advice, facts)
                                     : openai_request(options_, api_key_, Task::health_advice, facts);
  Answer a;
  a.provider = to_string(options_.provider);
  a.model = options_.model;
  const auto fail = [&](Fallback reason, std::string detail) {
    ++failures;
    a.advice = offline;
    a.fell_back = true;
    a.reason = reason;
    a.detail = std::string(to_string(options_.provider)) + ": " + std::move(detail);
    a.provider = "offline";
    a.model = default_model(Provider::offline);
    return a;
  };

  for (int attempt = 0;; ++attempt) {
    ++calls;
    const HttpResponse response = http_->post(request, options_.timeout);
    if (response.status == 0) {
      if (response.timed_out) return fail(Fallback::timeout, "no answer within " + std::to_string(options_.timeout.count()) + " ms");
      return fail(Fallback::network, response.error.empty() ? "no HTTP answer" : response.error);
    }
    if (response.status < 200 || response.status > 299) {
      const std::string detail = "HTTP " + std::to_string(response.status);
      if (!retryable(response.status) || attempt >= options_.retries)
        return fail(Fallback::http_status, detail + (retryable(response.status) ? " after " + std::to_string(attempt + 1) + " attempts" : ""));
      const auto wait = backoff_delay(attempt, response.retry_after, options_.backoff_base, options_.backoff_max);
      if (!wait) return fail(Fallback::http_status, detail + " and Retry-After is longer than the maximum backoff");
      ++failures;  // this request failed; the question goes on
      clock_.sleep(*wait);
      continue;
    }
    const ProviderReply reply = gemini ? parse_gemini_reply(response.body) : parse_openai_reply(response.body);
    a.tokens_in = reply.tokens_in;
    a.tokens_out = reply.tokens_out;
    if (!reply.text) return fail(reply.failure, reply.why);
    ParsedAdvice parsed = parse_advice(*reply.text, fact_keys(facts));
    if (!parsed.advice) return fail(parsed.failure, parsed.why);
    if (medication_in(*parsed.advice))
      return fail(Fallback::medication_advice, "the answer gives a medication instruction");
    a.advice = std::move(*parsed.advice);
    return a;
  }
}

std::string load_api_key(const Options& o) {
  std::string key;
  if (!o.api_key_file.empty()) {
    std::ifstream in(o.api_key_file);
    if (!in) throw std::runtime_error("ai: cannot read the API key file " + o.api_key_file);
    std::getline(in, key);
  } else if (!o.api_key_env.empty()) {
    if (const char* v = std::getenv(o.api_key_env.c_str())) key = v;
  }
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ' || key.back() == '\n')) key.pop_back();
  return key;
}

std::string answer_digest(Task task, const HealthFacts& facts, Provider provider, const std::string& model) {
  std::string material = std::string(to_string(task));
  material += '\n';
  material += boost::json::serialize(to_json(facts));
  material += '\n';
  material += to_string(provider);
  material += '\n';
  material += model;
  return crypto::sha256_hex(material);
}

}  // namespace medcore::ai
