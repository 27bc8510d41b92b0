#include "engines/ai/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engines/ai/engine.hpp"
#include "engines/ai/http_client.hpp"
#include "engines/ai/offline.hpp"

namespace medcore::ai {

struct AiCli {
  CLI::App* ask = nullptr;
  CLI::App* bench = nullptr;
  std::string task = "health_advice";
  std::string facts_path;
  std::string provider = "offline";
  Options options;
  long timeout_ms = 20'000;
  long backoff_base_ms = 500, backoff_max_ms = 10'000;
  int repeat = 1;
  bool counters = false;
  int iterations = 10'000;
};

namespace {

HealthFacts read_facts(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const auto v = boost::json::parse(text.str(), ec);
  if (ec) throw std::runtime_error(path + " is not JSON: " + ec.message());
  return health_facts_from_json(v);
}

int run_ask(const AiCli& c) {
  const auto task = parse_task(c.task);
  if (!task) {
    std::cerr << "unknown task " << c.task << " (health_advice)\n";
    return 2;
  }
  const auto provider = parse_provider(c.provider);
  if (!provider) {
    std::cerr << "unknown provider " << c.provider << " (offline, gemini, openai)\n";
    return 2;
  }
  Options o = c.options;
  o.provider = *provider;
  o.timeout = std::chrono::milliseconds(c.timeout_ms);
  o.backoff_base = std::chrono::milliseconds(c.backoff_base_ms);
  o.backoff_max = std::chrono::milliseconds(c.backoff_max_ms);
  const HealthFacts facts = read_facts(c.facts_path);
  Engine engine(o, Wording{}, o.provider == Provider::offline ? nullptr : make_curl_client(), load_api_key(o));
  // --repeat asks the same question again (the cache answers), so a test can see it.
  for (int i = 0; i < c.repeat; ++i) std::cout << boost::json::serialize(to_json(engine.ask(*task, facts))) << "\n";
  if (c.counters) std::cout << boost::json::serialize(to_json(engine.counters())) << "\n";
  return 0;
}

int run_bench(const AiCli& c) {
  const HealthFacts facts = read_facts(c.facts_path);
  Engine engine(Options{}, Wording{}, nullptr, "");
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(c.iterations));
  for (int i = 0; i < 100; ++i) (void)engine.ask(Task::health_advice, facts);  // warm-up
  for (int i = 0; i < c.iterations; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const Answer a = engine.ask(Task::health_advice, facts);
    const auto t1 = std::chrono::steady_clock::now();
    if (a.advice.suggestions.empty()) return 1;
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  const auto at = [&](double q) { return us[static_cast<std::size_t>(q * static_cast<double>(us.size() - 1))]; };
  std::cout << "offline health_advice, " << us.size() << " answers, one thread: p50 " << at(0.5) << " us, p99 "
            << at(0.99) << " us, max " << us.back() << " us\n";
  return 0;
}

}  // namespace

std::shared_ptr<AiCli> add_ai_commands(CLI::App* app) {
  auto c = std::make_shared<AiCli>();
  auto* ai = app->add_subcommand("ai", "Ask the AI engine (offline, Gemini or an OpenAI-compatible server)");
  ai->require_subcommand(1);
  c->ask = ai->add_subcommand("ask", "Answer one question and print the answer JSON");
  c->ask->add_option("--task", c->task, "health_advice")->capture_default_str();
  c->ask->add_option("--facts", c->facts_path, "JSON file of de-identified facts (docs/ARCHITECTURE.md, AI engine)")->required();
  c->ask->add_option("--provider", c->provider, "offline, gemini or openai")->capture_default_str();
  c->ask->add_option("--base-url", c->options.base_url, "Provider base URL (default per provider)");
  c->ask->add_option("--model", c->options.model, "Model name (default per provider)");
  c->ask->add_option("--api-key-env", c->options.api_key_env, "Environment variable holding the API key")->capture_default_str();
  c->ask->add_option("--api-key-file", c->options.api_key_file, "File holding the API key (first line)");
  c->ask->add_option("--timeout-ms", c->timeout_ms, "Per-attempt timeout")->capture_default_str();
  c->ask->add_option("--retries", c->options.retries, "Retries after 429/5xx")->capture_default_str();
  c->ask->add_option("--backoff-base-ms", c->backoff_base_ms, "First retry wait")->capture_default_str();
  c->ask->add_option("--backoff-max-ms", c->backoff_max_ms, "Longest retry wait")->capture_default_str();
  c->ask->add_option("--repeat", c->repeat, "Ask this many times (the cache answers repeats)")->check(CLI::Range(1, 100));
  c->ask->add_flag("--counters", c->counters, "Print the engine's counters after the answers");
  c->bench = ai->add_subcommand("bench", "Measure offline advice latency (p50, p99)");
  c->bench->add_option("--facts", c->facts_path, "JSON file of de-identified facts")->required();
  c->bench->add_option("--iterations", c->iterations, "Answers to time")->check(CLI::Range(100, 10'000'000))->capture_default_str();
  return c;
}

std::optional<int> run_ai_command(const AiCli& c) {
  try {
    if (*c.ask) return run_ask(c);
    if (*c.bench) return run_bench(c);
  } catch (const std::exception& e) {
    std::cerr << "medcore ai: " << e.what() << "\n";
    return 2;
  }
  return std::nullopt;
}

}  // namespace medcore::ai
