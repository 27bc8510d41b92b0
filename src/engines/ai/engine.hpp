#pragma once
// The one way to ask for AI text (docs/ARCHITECTURE.md, "AI engine").
//
//   ai::Engine engine(options, wording, ai::make_curl_client(), ai::load_api_key(options));
//   ai::Answer a = engine.ask(ai::Task::health_advice, facts, {.caller = user_id_text});
//
// ask() BLOCKS for up to (1 + retries) × timeout plus the backoff waits: call it from a worker
// thread (the general pool or a job), never from an I/O thread. Several threads may call it at
// once (breaker, cache, limits and counters lock briefly; each request has its own curl handle).
// It never throws for a provider's failure: any failure, timeout, refusal, malformed or
// schema-violating answer, or an answer that breaks the medication rail, gives the offline answer
// with fell_back = true and the reason.
// Whatever the provider, the urgent message comes first when a reading is in an urgent category,
// and every answer carries the disclaimer.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "engines/ai/answer.hpp"
#include "engines/ai/counters.hpp"
#include "engines/ai/facts.hpp"
#include "engines/ai/options.hpp"
#include "engines/ai/providers.hpp"
#include "engines/ai/resilience.hpp"

namespace medcore::ai {

// The words the engine adds to every answer; the feature that asks owns them (the health feature
// sets its fixed urgent message). The defaults serve the CLI.
struct Wording {
  std::string disclaimer =
      "This is general lifestyle information, not a diagnosis or a treatment plan. It does not replace your "
      "doctor; talk to them before changing your care.";
  std::string urgent_message =
      "One of your readings is in an emergency range. If you have chest pain, shortness of breath, weakness, "
      "confusion or trouble speaking, call emergency services now; otherwise contact your doctor today.";
};

// Who is asking, for the daily limit only (an opaque id: never sent to a provider), and whether
// the configured network provider may be asked at all: false while an administrator has not
// enabled it (the offline answer, fell_back with reason not_enabled; nothing leaves the machine).
struct Caller {
  std::string caller;
  bool provider_enabled = true;
};

// The clocks, injectable for tests.
struct Clock {
  std::function<SteadyTime()> steady = [] { return std::chrono::steady_clock::now(); };
  std::function<long()> utc_day = [] {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::days>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
  };
  std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
};

class Engine {
 public:
  // `options` are resolved (defaults filled, ranges checked: std::invalid_argument). `http` may
  // be null for the offline provider. `api_key` is sent only to the configured provider.
  Engine(Options options, Wording wording, std::shared_ptr<HttpClient> http, std::string api_key, Clock clock = {});

  Answer ask(Task, const Facts&, const Caller& = {});

  const Options& options() const { return options_; }
  std::vector<ProviderDay> counters() const { return counters_.snapshot(); }
  CircuitBreaker::State breaker_state() const { return breaker_.state(clock_.steady()); }

 private:
  struct Attempt;
  Answer ask_health(const HealthFacts&, const Caller&);
  Answer call_provider(const HealthFacts&, const Advice& offline, int& calls, int& failures);

  Options options_;
  Wording wording_;
  std::shared_ptr<HttpClient> http_;
  std::string api_key_;
  Clock clock_;
  CircuitBreaker breaker_;
  AnswerCache cache_;
  DailyLimit daily_;
  Counters counters_;
};

// The key named by the options: the file's first line when api_key_file is set, else the
// environment variable (empty when unset). Throws when the file cannot be read.
std::string load_api_key(const Options&);

// The digest the cache uses: SHA-256 over task, facts JSON, provider and model.
std::string answer_digest(Task, const HealthFacts&, Provider, const std::string& model);

}  // namespace medcore::ai
