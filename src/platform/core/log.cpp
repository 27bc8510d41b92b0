#include "platform/core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "platform/core/time.hpp"

namespace medcore::log {

namespace {
std::atomic<Level> g_level{Level::info};
thread_local std::string t_request_id;

std::shared_ptr<spdlog::logger> logger() {
  // Built on first use so early errors (bad config) are still logged.
  static auto instance = [] {
    auto l = std::make_shared<spdlog::logger>("medcore", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return instance;
}

const char* name_of(Level l) {
  switch (l) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}
}  // namespace

void setup(std::string_view level_name) {
  for (Level l : {Level::trace, Level::debug, Level::info, Level::warn, Level::error}) {
    if (level_name == name_of(l)) {
      g_level = l;
      logger();
      return;
    }
  }
  throw std::invalid_argument("unknown log level '" + std::string(level_name) +
                              "' (use trace, debug, info, warn or error)");
}

bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view event, boost::json::object fields) {
  if (!enabled(level)) return;
  boost::json::object line;
  line.reserve(fields.size() + 4);
  line["ts"] = iso8601(now_ms());
  line["level"] = name_of(level);
  line["event"] = event;
  if (!t_request_id.empty() && !fields.contains("request_id")) line["request_id"] = t_request_id;
  for (auto& kv : fields) line[kv.key()] = std::move(kv.value());
  logger()->log(spdlog::level::info, boost::json::serialize(line));
}

RequestScope::RequestScope(std::string request_id) : previous_(std::move(t_request_id)) {
  t_request_id = std::move(request_id);
}
RequestScope::~RequestScope() { t_request_id = std::move(previous_); }

}  // namespace medcore::log
