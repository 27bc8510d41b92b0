#pragma once
// JSON-lines logging. Every line carries the request id of the request the thread is serving,
// so one grep follows a request through the access log, the handler and the database.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace medcore::log {

enum class Level { trace, debug, info, warn, error };

// Throws std::invalid_argument for an unknown level name.
void setup(std::string_view level_name);
bool enabled(Level level);
void write(Level level, std::string_view event, boost::json::object fields = {});

inline void debug(std::string_view e, boost::json::object f = {}) { write(Level::debug, e, std::move(f)); }
inline void info(std::string_view e, boost::json::object f = {}) { write(Level::info, e, std::move(f)); }
inline void warn(std::string_view e, boost::json::object f = {}) { write(Level::warn, e, std::move(f)); }
inline void error(std::string_view e, boost::json::object f = {}) { write(Level::error, e, std::move(f)); }

// Marks the current thread as working for a request while alive.
class RequestScope {
 public:
  explicit RequestScope(std::string request_id);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

 private:
  std::string previous_;
};

}  // namespace medcore::log
