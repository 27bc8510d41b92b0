#pragma once
// One router for every route. Patterns are literal segments and typed parameters:
// /api/v1/doctors/{id:int}, /files/{name} or /appointments/{id:int}.ics. A path that matches a pattern but not its
// method answers 405 with Allow; no match at all is 404.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/http/context.hpp"

namespace medcore::http {

using Handler = std::function<Response(Context&)>;
// Answers a GET from memory on the I/O thread, or nullopt when it cannot (then `handler` runs on
// the route's pool as usual). Must not block: no database, no file, no lock held for long. Its
// principal comes from the server's memory authenticator only.
using MemoryHandler = std::function<std::optional<Response>(Context&)>;

enum class Pool {
  inline_io,  // runs on the I/O thread: must never block (health, metrics)
  general,    // the bounded worker pool: database work
  auth,       // the small password-hashing pool: signup, login, password changes
  inference,  // one worker per core for CPU-bound model inference (skin images); general when absent
};

// Which listener serves a route: the API one, the management one (MEDCORE_METRICS_LISTEN), or both.
enum class Listener {
  api,
  management,  // /metrics: internal figures, kept off a public API port
  both,        // the probes, for load balancers on the API port and orchestrators on the other
};

struct RouteOptions {
  Pool pool = Pool::general;
  std::size_t body_limit = 1 << 20;  // bytes; upload routes raise it
  bool auth_rate_limited = false;    // counts against the per-IP auth bucket
  bool authenticate = true;          // resolve the session before the handler
  bool json_body = true;             // a non-empty body must be application/json (415 otherwise)
  Listener listener = Listener::api;
  MemoryHandler from_memory = {};    // optional: the hand-off-free answer (see above)
};

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
  struct Segment {
    std::string literal;  // empty for a parameter
    std::string param;
    bool integer = false;
    std::string suffix;  // {id:int}.ics: literal text after the parameter in the same segment
  };
  std::vector<Segment> segments;
};

struct RouteMatch {
  const Route* route = nullptr;  // null: see allowed
  PathParams params;
  std::vector<std::string> allowed;  // non-empty when the path matched but the method did not
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  void get(std::string pattern, Handler h, RouteOptions o = {}) { add("GET", std::move(pattern), std::move(h), o); }
  void post(std::string pattern, Handler h, RouteOptions o = {}) { add("POST", std::move(pattern), std::move(h), o); }
  void patch(std::string pattern, Handler h, RouteOptions o = {}) { add("PATCH", std::move(pattern), std::move(h), o); }
  void put(std::string pattern, Handler h, RouteOptions o = {}) { add("PUT", std::move(pattern), std::move(h), o); }
  void del(std::string pattern, Handler h, RouteOptions o = {}) { add("DELETE", std::move(pattern), std::move(h), o); }

  RouteMatch match(std::string_view method, std::string_view path) const;
  // Longest literal prefix that some route starts with; used to decide API 404 vs SPA fallback.
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace medcore::http
