#include "platform/ops/routes.hpp"

#include <boost/json.hpp>

#include "platform/core/metrics.hpp"
#include "platform/core/problem.hpp"
#include "platform/db/migrations.hpp"

namespace medcore::embedded {
std::string_view openapi_json();  // generated from docs/openapi.json at build time
}

namespace medcore::ops {

void mount_ops(http::Router& router, App& app) {
  const http::RouteOptions on_io{.pool = http::Pool::inline_io, .authenticate = false};
  const http::RouteOptions probe_on_io{.pool = http::Pool::inline_io, .authenticate = false, .listener = http::Listener::both};

  // Alive: answers from the I/O thread without touching anything that can block.
  router.get("/healthz", [](http::Context&) { return http::Response::json(200, {{"status", "ok"}}); }, probe_on_io);

  // Ready: the database answers and the schema is current. A load balancer stops sending
  // traffic here while this is 503.
  router.get(
      "/readyz",
      [&app](http::Context&) {
        if (!app.db->ping())
          throw Problem(503, "not-ready", "Not ready", "The database does not answer.").with_retry_after(5);
        if (!db::migrations_current(*app.db))
          throw Problem(503, "not-ready", "Not ready", "Database migrations are not applied.").with_retry_after(5);
        return http::Response::json(200, {{"status", "ready"}});
      },
      {.authenticate = false, .listener = http::Listener::both});

  // Request volumes, queues and mail counts are nobody's business outside: served on the
  // management listener, or on the API one only while that is loopback (see Server).
  router.get(
      "/metrics",
      [](http::Context&) {
        return http::Response::text(200, metrics().render(), "text/plain; version=0.0.4; charset=utf-8");
      },
      {.pool = http::Pool::inline_io, .authenticate = false, .listener = http::Listener::management});

  router.get(
      "/api/v1/openapi.json",
      [](http::Context&) {
        return http::Response::text(200, std::string(embedded::openapi_json()), "application/json");
      },
      on_io);
}

}  // namespace medcore::ops
