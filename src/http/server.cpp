#include "http/server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <limits>
#include <csignal>

#include "core/crypto.hpp"
#include "core/json_input.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/problem.hpp"
#include "core/rate_limiter.hpp"
#include "core/time.hpp"
#include "http/static_files.hpp"

namespace medcore::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kDefaultBodyLimit = 1 << 20;

struct PoolFull {};

bool is_unsafe(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

bool sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
  }
  return true;
}

Response problem_response(const Problem& p, std::string_view instance, std::string_view request_id) {
  Response r;
  r.status = p.status();
  r.body = boost::json::serialize(p.to_json(instance, request_id));
  r.headers.push_back({"content-type", "application/problem+json"});
  if (p.retry_after()) r.headers.push_back({"retry-after", std::to_string(*p.retry_after())});
  return r;
}

Problem internal_error() {
  return Problem(500, "internal", "Internal server error",
                 "Something went wrong on our side. It has been logged; quote the request id if you report it.");
}

Problem overloaded() {
  Problem p(503, "overloaded", "Service busy", "The server is busy. Try again in a moment.");
  p.with_retry_after(1);
  return p;
}

Problem csrf_problem(std::string detail) { return Problem(403, "csrf", "Cross-site request refused", std::move(detail)); }

// The host[:port] an Origin header names, or empty when it is not a usable origin.
std::string_view origin_authority(std::string_view origin) {
  auto scheme = origin.find("://");
  if (scheme == std::string_view::npos) return {};
  return origin.substr(scheme + 3);
}

void add_standard_headers(Response& r, std::string_view path, bool hsts) {
  auto add_missing = [&](std::string_view name, std::string value) {
    if (!r.find_header(name)) r.headers.push_back({std::string(name), std::move(value)});
  };
  // No inline script anywhere: the web app ships only files from 'self'.
  add_missing("content-security-policy",
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
              "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
              "frame-ancestors 'none'");
  add_missing("x-content-type-options", "nosniff");
  // Reset links carry a token in the URL: never leak it in a Referer.
  add_missing("referrer-policy", "no-referrer");
  add_missing("x-frame-options", "DENY");
  add_missing("cross-origin-opener-policy", "same-origin");
  add_missing("permissions-policy", "camera=(self), microphone=(), geolocation=()");
  if (hsts) add_missing("strict-transport-security", "max-age=31536000; includeSubDomains");
  // Health data must never sit in a shared or browser cache.
  if (path.starts_with("/api/") || path == "/metrics" || path == "/readyz" || path == "/healthz")
    add_missing("cache-control", "no-store");
}

class InFlight {
 public:
  explicit InFlight(std::atomic<int>& n) : n_(n) { n_.fetch_add(1); }
  ~InFlight() { n_.fetch_sub(1); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<int>& n_;
};

class ConnectionCount {
 public:
  ConnectionCount() { metrics().open_connections.fetch_add(1); }
  ~ConnectionCount() { metrics().open_connections.fetch_sub(1); }
  ConnectionCount(const ConnectionCount&) = delete;
  ConnectionCount& operator=(const ConnectionCount&) = delete;
};

}  // namespace

std::pair<std::string, std::uint16_t> parse_listen_address(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) throw std::invalid_argument("listen address must be host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) throw std::invalid_argument("listen port must be 0-65535");
  return {host, static_cast<std::uint16_t>(port)};
}

struct Server::Impl {
  Impl(ServerOptions o, const Router& r, WorkerPool& g, WorkerPool& a, WorkerPool* i)
      : options(std::move(o)),
        router(r),
        general(g),
        auth(a),
        inference(i ? *i : g),
        acceptor(ioc),
        signals(ioc, SIGINT, SIGTERM),
        statics(options.web_root),
        auth_limiter(options.auth_rate_per_minute) {}

  ServerOptions options;
  const Router& router;
  WorkerPool& general;
  WorkerPool& auth;
  WorkerPool& inference;
  Authenticator authenticator;
  std::vector<std::pair<std::string, RawHandler>> raw_handlers;
  std::vector<std::function<void()>> shutdown_hooks;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  StaticFiles statics;
  RateLimiter auth_limiter;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::uint16_t bound_port = 0;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket socket);
  asio::awaitable<Response> handle(Request& req, RouteMatch& match, const std::string& request_id,
                                   std::int64_t& user_id);
  asio::awaitable<Response> run_on(WorkerPool& pool, std::function<Response()> work);
  asio::awaitable<void> shutdown();
  Response dispatch_on_worker(Request& req, const Route& route, PathParams params, const std::string& request_id,
                              std::int64_t& user_id);
};

asio::awaitable<Response> Server::Impl::run_on(WorkerPool& pool, std::function<Response()> work) {
  auto executor = co_await asio::this_coro::executor;
  auto initiation = [&pool, executor](auto handler, std::function<Response()> task) {
    auto done = std::make_shared<decltype(handler)>(std::move(handler));
    const bool queued = pool.try_submit([task = std::move(task), done, executor]() mutable {
      Response result;
      std::exception_ptr error;
      try {
        result = task();
      } catch (...) {
        error = std::current_exception();
      }
      asio::post(executor, [done, error, result = std::move(result)]() mutable { (*done)(error, std::move(result)); });
    });
    if (!queued) {
      asio::post(executor, [done]() mutable { (*done)(std::make_exception_ptr(PoolFull{}), Response{}); });
    }
  };
  Response response =
      co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr, Response)>(
          std::move(initiation), asio::use_awaitable, std::move(work));
  co_return response;
}

Response Server::Impl::dispatch_on_worker(Request& req, const Route& route, PathParams params,
                                          const std::string& request_id, std::int64_t& user_id) {
  log::RequestScope scope(request_id);
  Context ctx{req, std::move(params), std::nullopt, request_id, route.pattern};
  try {
    if (route.options.authenticate && authenticator) ctx.principal = authenticator(req);
    if (ctx.principal) user_id = ctx.principal->user_id;
    // Cookies ride along on cross-site requests; a bearer token never does, so only cookie
    // sessions need the CSRF token.
    if (ctx.principal && ctx.principal->via_cookie && is_unsafe(req.method)) {
      auto sent = req.header("x-csrf-token");
      if (!sent || !crypto::constant_time_equal(*sent, crypto::csrf_token_for(ctx.principal->session_token)))
        throw csrf_problem("Send the csrf_token from sign-in in the X-CSRF-Token header.");
    }
    return route.handler(ctx);
  } catch (const Problem& p) {
    return problem_response(p, req.path, request_id);
  } catch (const Unavailable&) {
    // The database cannot serve now; it logs that once (db_unavailable), not once per request.
    return problem_response(problems::not_ready(), req.path, request_id);
  } catch (const std::exception& e) {
    log::error("handler_failed", {{"route", route.pattern}, {"error", e.what()}});
    return problem_response(internal_error(), req.path, request_id);
  }
}

asio::awaitable<Response> Server::Impl::handle(Request& req, RouteMatch& match, const std::string& request_id,
                                               std::int64_t& user_id) {
  try {
    if (!match.route) {
      if (!match.allowed.empty()) {
        std::string allow;
        for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
        auto r = problem_response(Problem(405, "method-not-allowed", "Method not allowed",
                                          req.method + " is not allowed here. Allowed: " + allow + "."),
                                  req.path, request_id);
        r.headers.push_back({"allow", allow});
        co_return r;
      }
      if ((req.method == "GET" || req.method == "HEAD") && !req.path.starts_with("/api/") &&
          !req.path.starts_with("/socket.io/")) {
        if (auto r = statics.serve(req.path, req)) co_return std::move(*r);
      }
      co_return problem_response(problems::not_found("No such resource: " + req.path), req.path, request_id);
    }
    const Route& route = *match.route;
    if (route.options.auth_rate_limited) {
      if (auto wait = auth_limiter.acquire(req.remote_ip, now_ms()))
        co_return problem_response(problems::rate_limited(*wait), req.path, request_id);
    }
    if (is_unsafe(req.method)) {
      if (auto origin = req.header("origin")) {
        auto host = req.header("host");
        if (!host || origin_authority(*origin) != *host)
          co_return problem_response(csrf_problem("Requests from another site are refused."), req.path, request_id);
      }
    }
    if (route.options.json_body && !req.body.empty()) {
      if (req.media_type() != "application/json")
        co_return problem_response(problems::unsupported_media_type("Send the body as application/json."), req.path,
                                   request_id);
    }
    if (route.options.pool == Pool::inline_io) {
      co_return dispatch_on_worker(req, route, std::move(match.params), request_id, user_id);
    }
    WorkerPool& pool = route.options.pool == Pool::auth        ? auth
                       : route.options.pool == Pool::inference ? inference
                                                               : general;
    // Named, and capturing only references into this (suspended, so alive) frame: GCC 12
    // destroys init-captured temporaries inside a co_await expression twice.
    std::function<Response()> work = [this, &req, &route, &match, &request_id, &user_id] {
      return dispatch_on_worker(req, route, std::move(match.params), request_id, user_id);
    };
    Response response = co_await run_on(pool, std::move(work));
    co_return response;
  } catch (const PoolFull&) {
    co_return problem_response(overloaded(), req.path, request_id);
  }
}

asio::awaitable<void> Server::Impl::session(tcp::socket socket) {
  ConnectionCount counted;
  beast::tcp_stream stream(std::move(socket));
  std::string peer_ip;
  {
    boost::system::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) peer_ip = ep.address().to_string();
  }
  beast::flat_buffer buffer;
  bool first = true;
  while (!stopping.load()) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    // The route decides the body limit, and Beast would already enforce a limit against the
    // Content-Length while reading the header; so none here, the route's limit right after.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    stream.expires_after(std::chrono::seconds(first ? options.read_timeout_seconds : options.idle_timeout_seconds));
    auto [read_ec, read_n] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    (void)read_n;
    const std::string request_id = [&] {
      if (parser.is_header_done()) {
        auto incoming = parser.get()["X-Request-Id"];
        if (sane_request_id(incoming)) return std::string(incoming);
      }
      return crypto::random_token(12);
    }();
    auto reply_and_close = [&](const Problem& p, std::string_view instance = "/") -> asio::awaitable<void> {
      Response r = problem_response(p, instance, request_id);
      add_standard_headers(r, "", false);
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), 11};
      for (const auto& h : r.headers) res.insert(h.name, h.value);
      res.set("X-Request-Id", request_id);
      res.keep_alive(false);
      res.body() = std::move(r.body);
      res.prepare_payload();
      stream.expires_after(std::chrono::seconds(options.read_timeout_seconds));
      co_await bhttp::async_write(stream, res, use_tuple);
      metrics().observe_request("(unmatched)", "-", r.status, 0);
    };
    if (read_ec) {
      if (read_ec == bhttp::error::header_limit) {
        const Problem too_large(431, "headers-too-large", "Request headers too large",
                                "The request header block is larger than 16 KiB.");
        co_await reply_and_close(too_large);
      } else if (read_ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
                 read_ec != bhttp::error::end_of_stream && read_ec != bhttp::error::partial_message) {
        const Problem bad = problems::bad_request("The request is not valid HTTP/1.1.");
        co_await reply_and_close(bad);
      }
      break;
    }
    first = false;
    InFlight busy(in_flight);
    const auto started = std::chrono::steady_clock::now();
    const std::string target(parser.get().target());

    const RawHandler* raw = nullptr;
    for (auto& [prefix, handler] : raw_handlers)
      if (target.starts_with(prefix)) raw = &handler;
    if (raw) {
      const Problem too_large = problems::payload_too_large(kDefaultBodyLimit);
      if (auto length = parser.content_length(); length && *length > kDefaultBodyLimit) {
        co_await reply_and_close(too_large, "/");
        break;
      }
      if (!parser.is_done()) {
        parser.body_limit(kDefaultBodyLimit);
        stream.expires_after(std::chrono::seconds(options.read_timeout_seconds));
        auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
        (void)n;
        if (ec == bhttp::error::body_limit) {
          co_await reply_and_close(too_large, "/");
          break;
        }
        if (ec) co_return;
      }
      // Named request and awaitable: no temporaries inside the co_await (GCC 12).
      RawRequest raw_request = parser.release();
      auto raw_op = (*raw)(stream, buffer, std::move(raw_request));
      if (!co_await std::move(raw_op)) co_return;
    } else {
      Request req;
      req.method = std::string(parser.get().method_string());
      req.target = target;
      auto url = boost::urls::parse_origin_form(target);
      if (!url) {
        const Problem bad = problems::bad_request("The request target is not a valid path.");
        co_await reply_and_close(bad);
        break;
      }
      req.path = url->path();
      req.query = std::string(url->encoded_query());
      for (const auto& field : parser.get()) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        req.headers.push_back({std::move(name), std::string(field.value())});
      }
      req.remote_ip = peer_ip;
      if (options.trust_proxy) {
        if (auto fwd = req.header("x-forwarded-for")) {
          auto first_hop = trim(fwd->substr(0, fwd->find(',')));
          if (!first_hop.empty()) req.remote_ip = std::string(first_hop);
        }
        req.secure = req.header("x-forwarded-proto") == std::optional<std::string_view>("https");
      }

      RouteMatch match = router.match(req.method, req.path);
      const std::size_t limit = match.route ? match.route->options.body_limit : kDefaultBodyLimit;
      const Problem too_large = problems::payload_too_large(limit);
      if (auto length = parser.content_length(); length && *length > limit) {
        co_await reply_and_close(too_large, req.path);
        break;
      }
      if (!parser.is_done()) {
        parser.body_limit(limit);
        stream.expires_after(std::chrono::seconds(options.read_timeout_seconds));
        auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
        (void)n;
        if (ec == bhttp::error::body_limit) {
          co_await reply_and_close(too_large, req.path);
          break;
        }
        if (ec) break;
      }
      req.body = std::move(parser.get().body());
      const bool keep_alive = parser.get().keep_alive();

      std::int64_t user_id = 0;
      const std::string route_label = match.route ? match.route->pattern : (match.allowed.empty() ? "(static)" : "(405)");
      Response r = co_await handle(req, match, request_id, user_id);
      add_standard_headers(r, req.path, options.tls_terminated_upstream || req.secure);

      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), parser.get().version()};
      for (const auto& h : r.headers) res.insert(h.name, h.value);
      res.set("X-Request-Id", request_id);
      const bool keep = keep_alive && !stopping.load();
      res.keep_alive(keep);
      const std::size_t body_bytes = r.body.size();
      res.body() = std::move(r.body);
      if (req.method == "HEAD") {
        // Same headers as GET, no body.
        if (res.find(bhttp::field::content_length) == res.end()) res.content_length(res.body().size());
        res.body().clear();
      } else {
        res.prepare_payload();
      }
      stream.expires_after(std::chrono::seconds(options.read_timeout_seconds));
      auto [write_ec, written] = co_await bhttp::async_write(stream, res, use_tuple);
      (void)written;

      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      metrics().observe_request(route_label, req.method, r.status, seconds);
      if (log::enabled(log::Level::info)) {
        boost::json::object line{{"request_id", request_id}, {"method", req.method},   {"path", req.path},
                                 {"route", route_label},     {"status", r.status},     {"ms", seconds * 1000.0},
                                 {"bytes", body_bytes},      {"ip", req.remote_ip}};
        if (user_id) line["user_id"] = user_id;
        log::info("http_request", std::move(line));
      }
      if (write_ec || !keep) break;
    }
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), use_tuple);
    if (ec) {
      if (stopping.load() || ec == asio::error::operation_aborted) co_return;
      log::warn("accept_failed", {{"error", ec.message()}});
      // Out of file descriptors and the like: back off instead of spinning.
      asio::steady_timer pause(ioc, 50ms);
      co_await pause.async_wait(use_tuple);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::Impl::shutdown() {
  if (stopping.exchange(true)) co_return;
  log::info("shutdown_started", {{"in_flight", in_flight.load()}});
  boost::system::error_code ignored;
  acceptor.close(ignored);
  for (auto& hook : shutdown_hooks) hook();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.shutdown_grace_seconds);
  asio::steady_timer tick(ioc);
  while (in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    tick.expires_after(10ms);
    co_await tick.async_wait(use_tuple);
  }
  log::info("shutdown_finished", {{"abandoned", in_flight.load()}});
  ioc.stop();
}

Server::Server(ServerOptions options, const Router& router, WorkerPool& general, WorkerPool& auth,
               WorkerPool* inference)
    : impl_(std::make_unique<Impl>(std::move(options), router, general, auth, inference)) {}

Server::~Server() = default;

void Server::set_authenticator(Authenticator authenticator) { impl_->authenticator = std::move(authenticator); }

void Server::mount_raw(std::string path_prefix, RawHandler handler) {
  impl_->raw_handlers.emplace_back(std::move(path_prefix), std::move(handler));
}

void Server::on_shutdown(std::function<void()> hook) { impl_->shutdown_hooks.push_back(std::move(hook)); }

void Server::bind() {
  auto& a = impl_->acceptor;
  tcp::endpoint endpoint{asio::ip::make_address(impl_->options.host), impl_->options.port};
  a.open(endpoint.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  a.bind(endpoint);
  a.listen(asio::socket_base::max_listen_connections);
  impl_->bound_port = a.local_endpoint().port();
}

std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::run() {
  auto& im = *impl_;
  im.signals.async_wait([&im](const boost::system::error_code& ec, int) {
    if (!ec) asio::co_spawn(im.ioc, im.shutdown(), asio::detached);
  });
  asio::co_spawn(im.ioc, im.accept_loop(), asio::detached);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < im.options.io_threads; ++i) threads.emplace_back([&im] { im.ioc.run(); });
  im.ioc.run();
  for (auto& t : threads) t.join();
}

void Server::stop() {
  asio::co_spawn(impl_->ioc, impl_->shutdown(), asio::detached);
}

}  // namespace medcore::http
