#include "platform/http/server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <array>
#include <chrono>
#include <limits>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <sys/resource.h>

#include "platform/core/crypto.hpp"
#include "platform/core/json_input.hpp"
#include "platform/core/log.hpp"
#include "platform/core/metrics.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/rate_limiter.hpp"
#include "platform/core/spawned.hpp"
#include "platform/core/time.hpp"
#include "platform/http/framing.hpp"
#include "platform/http/static_files.hpp"

namespace medcore::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kDefaultBodyLimit = 1 << 20;
// Lingering close after an answer sent before the request was read to its end (413, 431, 400):
// how long and how much of what the client is still sending is read and dropped.
constexpr auto kLingerTime = 2s;
constexpr std::size_t kLingerBytes = 32u << 20;

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
  // Health data must never sit in a shared or browser cache, where it outlives a logout or a lost
  // right to see it: no API answer may choose otherwise, so a route's own Cache-Control is replaced.
  if (path.starts_with("/api/") || path == "/metrics" || path == "/readyz" || path == "/healthz") {
    std::erase_if(r.headers, [](const Header& h) { return beast::iequals(h.name, "cache-control"); });
    r.headers.push_back({"cache-control", "no-store"});
  }
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

// http::async_read_header, except that the head's raw bytes are seen before the parser folds
// them: `folded` tells whether a field line started with whitespace (obs-fold), which Beast
// would silently join to the previous value. parser.put() consumes a head in at most two pieces,
// each ending at a line end: the request line (possibly while the fields are incomplete), then
// all the fields at once.
struct HeadRead {
  boost::system::error_code ec;
  bool folded = false;
};
asio::awaitable<HeadRead> read_head(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                    bhttp::request_parser<bhttp::string_body>& parser) {
  HeadRead result;
  bool after_request_line = false;
  for (;;) {
    if (buffer.size() > 0) {
      const auto data = buffer.data();
      const std::size_t used = parser.put(data, result.ec);
      const std::string_view piece{static_cast<const char*>(data.data()), used};
      // A piece after the request line starts a field line: whitespace there is a fold too.
      if (has_obs_fold(piece) || (after_request_line && !piece.empty() && (piece[0] == ' ' || piece[0] == '\t')))
        result.folded = true;
      after_request_line = after_request_line || used > 0;
      buffer.consume(used);
      if (result.ec != bhttp::error::need_more) co_return result;  // the head is complete, or broken
      result.ec = {};
    }
    const auto space = buffer.prepare(beast::read_size(buffer, 65536));
    auto read_op = stream.async_read_some(space, use_tuple);
    auto [ec, n] = co_await std::move(read_op);
    if (ec == asio::error::eof) {
      // As Beast's reader: a clean close between requests, or a request cut short.
      result.ec = parser.got_some() || buffer.size() > 0 ? bhttp::error::partial_message : bhttp::error::end_of_stream;
      co_return result;
    }
    if (ec) {
      result.ec = ec;
      co_return result;
    }
    buffer.commit(n);
  }
}

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
        management_acceptor(ioc),
        signals(ioc, SIGINT, SIGTERM),
        statics(options.web_root),
        auth_limiter(options.auth_rate_per_minute) {}

  ServerOptions options;
  const Router& router;
  WorkerPool& general;
  WorkerPool& auth;
  WorkerPool& inference;
  Authenticator authenticator;
  MemoryAuthenticator memory_authenticator;
  std::vector<std::pair<std::string, RawHandler>> raw_handlers;
  std::vector<std::function<void()>> shutdown_hooks;
  // Declared before ioc: sessions still suspended when it is destroyed give their Slot back here.
  std::mutex connections_mu;
  std::map<asio::ip::address, std::size_t> open_per_client;
  std::size_t open_total = 0;
  std::uint64_t refusals_unlogged = 0;
  std::chrono::steady_clock::time_point refusal_logged_at{};
  // One io_context per I/O thread, each run by its thread alone; a connection lives on one of
  // them (round robin at accept), so its handlers are serialised without a strand, and no I/O
  // thread takes another's scheduler lock or wakes it. With one io_context shared by every I/O
  // thread, a cached read cost ~40 µs of server CPU; with one per thread ~25 µs (two
  // processes of one thread each measured the same): the difference was lock hand-offs between
  // the threads. `ioc` (the first) also runs the acceptors, signals and the shutdown.
  asio::io_context ioc{1};
  std::vector<std::unique_ptr<asio::io_context>> more_contexts;  // I/O threads 2..n
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::atomic<std::size_t> next_context{0};
  asio::io_context& context_for_next_connection() {
    const std::size_t i = next_context.fetch_add(1, std::memory_order_relaxed) % (more_contexts.size() + 1);
    return i == 0 ? ioc : *more_contexts[i - 1];
  }
  tcp::acceptor acceptor;
  tcp::acceptor management_acceptor;  // open when options.management_listen is set
  asio::signal_set signals;
  StaticFiles statics;
  RateLimiter auth_limiter;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::uint16_t bound_port = 0;
  std::uint16_t management_bound_port = 0;
  bool management_on_api = false;  // set by bind()

  // Open connections per client and in all, for the caps. A Slot is one admitted connection;
  // it gives its place back when the session (WebSocket and held polls included) ends.
  class Slot {
   public:
    Slot(Impl& impl, asio::ip::address client) : impl_(&impl), client_(std::move(client)) {}
    Slot(Slot&& other) noexcept : impl_(std::exchange(other.impl_, nullptr)), client_(std::move(other.client_)) {}
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (impl_) impl_->release(client_);
    }

   private:
    Impl* impl_;
    asio::ip::address client_;
  };
  std::optional<Slot> admit(const tcp::endpoint& peer, bool management);
  void release(const asio::ip::address& client);

  asio::awaitable<void> accept_loop(tcp::acceptor& from, bool management);
  asio::awaitable<void> session(tcp::socket socket, [[maybe_unused]] Slot slot, bool management);
  asio::awaitable<Response> handle(Request& req, RouteMatch& match, bool management, const std::string& request_id,
                                   std::int64_t& user_id);
  asio::awaitable<Response> run_on(WorkerPool& pool, std::function<Response()> work);
  asio::awaitable<void> shutdown();
  Response dispatch_on_worker(Request& req, const Route& route, PathParams params, const std::string& request_id,
                              std::int64_t& user_id);
  std::optional<Response> answer_from_memory(Request& req, const Route& route, const PathParams& params,
                                             const std::string& request_id, std::int64_t& user_id);
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

// The hand-off-free path: most of a hot read's cost was the trip to a worker and back (futex
// wake-ups, scheduler switches), not the read (docs/ARCHITECTURE.md, "Threads and blocking").
std::optional<Response> Server::Impl::answer_from_memory(Request& req, const Route& route, const PathParams& params,
                                                         const std::string& request_id, std::int64_t& user_id) {
  if (!route.options.from_memory || (req.method != "GET" && req.method != "HEAD")) return std::nullopt;
  std::optional<Principal> principal;
  if (route.options.authenticate && authenticator) {
    if (!memory_authenticator) return std::nullopt;
    auto known = memory_authenticator(req);
    if (!known.known) return std::nullopt;
    principal = std::move(known.principal);
  }
  Context ctx{req, params, std::move(principal), request_id, route.pattern};
  try {
    auto answer = route.options.from_memory(ctx);
    if (answer && ctx.principal) user_id = ctx.principal->user_id;
    return answer;
  } catch (const std::exception&) {
    return std::nullopt;  // the worker path gives the same request its proper answer (400, ...)
  }
}

asio::awaitable<Response> Server::Impl::handle(Request& req, RouteMatch& match, bool management,
                                               const std::string& request_id, std::int64_t& user_id) {
  try {
    // Each listener serves its own routes only; the management one has no static files either.
    if (management ? !match.route || match.route->options.listener == Listener::api
                   : match.route && match.route->options.listener == Listener::management && !management_on_api)
      co_return problem_response(problems::not_found("No such resource: " + req.path), req.path, request_id);
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
        if (!options.origins.allows(*origin, req.header("host").value_or(""), req.header("x-forwarded-proto").value_or("")))
          co_return problem_response(csrf_problem("Requests from another site are refused."), req.path, request_id);
      }
    }
    if (route.options.json_body && !req.body.empty()) {
      if (req.media_type() != "application/json")
        co_return problem_response(problems::unsupported_media_type("Send the body as application/json."), req.path,
                                   request_id);
    }
    if (auto answer = answer_from_memory(req, route, match.params, request_id, user_id)) co_return std::move(*answer);
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
  } catch (...) {
    // Escaped a handler's own catch (a raw handler, static files, something not derived from
    // std::exception on an inline route). Nothing is written yet, so the client still gets an
    // answer instead of a closed connection; reported as the session's failure.
    report_coroutine_failure("http.session", std::current_exception(),
                             {{"request_id", request_id}, {"path", req.path}, {"answered", 500}});
    co_return problem_response(internal_error(), req.path, request_id);
  }
}

// The key a client's connections are counted under: its IPv4 address (also when it arrives
// v4-mapped on a dual-stack socket), or the /64 of an IPv6 address — one IPv6 client usually has
// a whole /64 to pick source addresses from.
asio::ip::address client_key(const asio::ip::address& a) {
  if (a.is_v6()) {
    const auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6);
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return asio::ip::address_v6(bytes);
  }
  return a;
}

// The management listener is exempt from the descriptor budget (not from the per-client cap): a
// flood on the public port must not make the orchestrator's probes fail and restart the instance.
std::optional<Server::Impl::Slot> Server::Impl::admit(const tcp::endpoint& peer, bool management) {
  const auto client = client_key(peer.address());
  std::lock_guard lock(connections_mu);
  std::string_view refused;
  auto& mine = open_per_client[client];
  if (!management && options.max_connections > 0 && open_total >= options.max_connections) refused = "descriptor_budget";
  else if (options.max_connections_per_ip > 0 && mine >= options.max_connections_per_ip) refused = "per_client";
  if (refused.empty()) {
    ++mine;
    ++open_total;
    return Slot(*this, client);
  }
  if (mine == 0) open_per_client.erase(client);
  metrics().connections_refused.fetch_add(1);
  // One line per 10 s at most: a flood of refusals must not become a flood of log lines.
  ++refusals_unlogged;
  const auto now = std::chrono::steady_clock::now();
  if (now - refusal_logged_at >= 10s) {
    log::warn("connections_refused", {{"reason", refused},
                                      {"ip", peer.address().to_string()},
                                      {"refused", refusals_unlogged},
                                      {"open", open_total},
                                      {"max_connections", options.max_connections},
                                      {"max_connections_per_ip", options.max_connections_per_ip}});
    refusals_unlogged = 0;
    refusal_logged_at = now;
  }
  return std::nullopt;
}

void Server::Impl::release(const asio::ip::address& client) {
  std::lock_guard lock(connections_mu);
  --open_total;
  if (auto it = open_per_client.find(client); it != open_per_client.end() && --it->second == 0) open_per_client.erase(it);
}

// `slot` holds this connection's place under the caps until the session ends.
asio::awaitable<void> Server::Impl::session(tcp::socket socket, [[maybe_unused]] Slot slot, bool management) {
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
    auto head_op = read_head(stream, buffer, parser);
    const HeadRead head = co_await std::move(head_op);
    const auto& read_ec = head.ec;
    const std::string request_id = [&] {
      if (parser.is_header_done()) {
        auto incoming = parser.get()["X-Request-Id"];
        if (sane_request_id(incoming)) return std::string(incoming);
      }
      return crypto::stream_token12();  // a getrandom() call per request was ~3 % of a cached read
    }();
    auto reply_and_close = [&](const Problem& p, std::string_view instance = "/") -> asio::awaitable<void> {
      Response r = problem_response(p, instance, request_id);
      add_standard_headers(r, "", options.tls_terminated_upstream);
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), 11};
      for (const auto& h : r.headers) res.insert(h.name, h.value);
      res.set("X-Request-Id", request_id);
      res.keep_alive(false);
      res.body() = std::move(r.body);
      res.prepare_payload();
      stream.expires_after(std::chrono::seconds(options.read_timeout_seconds));
      auto [write_ec, written] = co_await bhttp::async_write(stream, res, use_tuple);
      (void)written;
      metrics().observe_request("(unmatched)", "-", r.status, 0);
      if (write_ec) co_return;
      // Closing now, with the rest of the request unread, would send a TCP reset, which can reach
      // the client before it has read this answer: it would see a broken pipe instead of the 413.
      // So stop sending (FIN after the answer) and drop what still arrives until the client closes,
      // for a bounded time and size — nginx's lingering close.
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream.expires_after(kLingerTime);
      std::array<char, 16 * 1024> sink;
      for (std::size_t drained = 0; drained < kLingerBytes;) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
        if (ec) break;
        drained += n;
      }
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
    std::vector<Header> fields;
    for (const auto& field : parser.get()) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      fields.push_back({std::move(name), std::string(field.value())});
    }
    // Before anything reads a body, for /socket.io/ too: a request whose end this server could
    // see elsewhere than a proxy in front of it is refused, and the connection closed.
    {
      std::optional<Problem> refused = check_framing(parser.get().version(), fields);
      if (!refused && head.folded)
        refused = problems::bad_request("Header fields folded over several lines (obs-fold) are refused.");
      if (refused) {
        co_await reply_and_close(*refused);
        break;
      }
    }

    const RawHandler* raw = nullptr;
    for (auto& [prefix, handler] : raw_handlers)
      if (!management && target.starts_with(prefix)) raw = &handler;
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
      req.headers = std::move(fields);
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
      Response r = co_await handle(req, match, management, request_id, user_id);
      // HSTS only when the operator declared the site HTTPS (MEDCORE_COOKIE_SECURE): it binds the
      // browser to HTTPS for a year, so an X-Forwarded-Proto from one proxy hop must not decide it.
      add_standard_headers(r, req.path, options.tls_terminated_upstream);

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

asio::awaitable<void> Server::Impl::accept_loop(tcp::acceptor& from, bool management) {
  bool accept_failing = false;
  for (;;) {
    auto [ec, socket] = co_await from.async_accept(context_for_next_connection(), use_tuple);
    if (ec) {
      if (stopping.load() || ec == asio::error::operation_aborted) co_return;
      // Out of file descriptors and the like: back off instead of spinning, and say so once.
      if (!std::exchange(accept_failing, true)) log::warn("accept_failed", {{"error", ec.message()}});
      asio::steady_timer pause(ioc, 50ms);
      co_await pause.async_wait(use_tuple);
      continue;
    }
    if (std::exchange(accept_failing, false)) log::info("accept_recovered", {});
    boost::system::error_code ignored;
    // Over a cap: closed before a byte is read. A 503 would need the request read first (closing
    // with unread input resets the connection and loses the answer) and costs a buffer and a
    // coroutine per refused socket, which is what the cap exists to save.
    const auto peer = socket.remote_endpoint(ignored);
    auto slot = ignored ? std::nullopt : admit(peer, management);  // an error here: the client is already gone
    if (!slot) {
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ignored);
    auto executor = socket.get_executor();
    // What escapes a session (after its answer began, or outside a request) is logged and counted;
    // the connection closes with the frame.
    asio::co_spawn(executor, session(std::move(socket), std::move(*slot), management), ReportFailure{"http.session"});
  }
}

asio::awaitable<void> Server::Impl::shutdown() {
  if (stopping.exchange(true)) co_return;
  log::info("shutdown_started", {{"in_flight", in_flight.load()}});
  boost::system::error_code ignored;
  acceptor.close(ignored);
  management_acceptor.close(ignored);
  for (auto& hook : shutdown_hooks) hook();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.shutdown_grace_seconds);
  asio::steady_timer tick(ioc);
  while (in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    tick.expires_after(10ms);
    co_await tick.async_wait(use_tuple);
  }
  log::info("shutdown_finished", {{"abandoned", in_flight.load()}});
  keep_running.clear();
  for (auto& context : more_contexts) context->stop();
  ioc.stop();
}

std::size_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  rlim_t wanted = limit.rlim_max;
  if (wanted == RLIM_INFINITY) {
    // Linux refuses a soft limit above fs.nr_open.
    wanted = 1 << 20;
    std::ifstream nr_open("/proc/sys/fs/nr_open");
    if (unsigned long n = 0; nr_open >> n) wanted = n;
  }
  if (limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur = wanted;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

Server::Server(ServerOptions options, const Router& router, WorkerPool& general, WorkerPool& auth,
               WorkerPool* inference)
    : impl_(std::make_unique<Impl>(std::move(options), router, general, auth, inference)) {}

Server::~Server() = default;

void Server::set_authenticator(Authenticator authenticator, MemoryAuthenticator from_memory) {
  impl_->authenticator = std::move(authenticator);
  impl_->memory_authenticator = std::move(from_memory);
}

void Server::mount_raw(std::string path_prefix, RawHandler handler) {
  impl_->raw_handlers.emplace_back(std::move(path_prefix), std::move(handler));
}

void Server::on_shutdown(std::function<void()> hook) { impl_->shutdown_hooks.push_back(std::move(hook)); }

namespace {
std::uint16_t listen_on(tcp::acceptor& a, const std::string& host, std::uint16_t port) {
  tcp::endpoint endpoint{asio::ip::make_address(host), port};
  a.open(endpoint.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  a.bind(endpoint);
  a.listen(asio::socket_base::max_listen_connections);
  return a.local_endpoint().port();
}
}  // namespace

void Server::bind() {
  auto& im = *impl_;
  im.bound_port = listen_on(im.acceptor, im.options.host, im.options.port);
  if (const auto& m = im.options.management_listen) {
    im.management_bound_port = listen_on(im.management_acceptor, m->first, m->second);
  } else {
    // Only this machine reaches a loopback API listener (a proxy in front blocks /metrics: see
    // deploy/nginx.conf); any other address may be the world.
    im.management_on_api = im.acceptor.local_endpoint().address().is_loopback();
    if (!im.management_on_api)
      log::warn("metrics_not_served", {{"reason", "the API listener is not loopback and MEDCORE_METRICS_LISTEN is not set"}});
  }
}

std::uint16_t Server::port() const { return impl_->bound_port; }
std::uint16_t Server::management_port() const { return impl_->management_bound_port; }

void Server::run() {
  auto& im = *impl_;
  im.signals.async_wait([&im](const boost::system::error_code& ec, int) {
    if (!ec) asio::co_spawn(im.ioc, im.shutdown(), ReportFailure{"http.shutdown"});
  });
  asio::co_spawn(im.ioc, im.accept_loop(im.acceptor, false), ReportFailure{"http.accept"});
  if (im.options.management_listen)
    asio::co_spawn(im.ioc, im.accept_loop(im.management_acceptor, true), ReportFailure{"http.accept"});
  for (std::size_t i = 1; i < im.options.io_threads; ++i) {
    im.more_contexts.push_back(std::make_unique<asio::io_context>(1));
    im.keep_running.push_back(asio::make_work_guard(*im.more_contexts.back()));
  }
  std::vector<std::thread> threads;
  for (auto& context : im.more_contexts) threads.emplace_back([c = context.get()] { c->run(); });
  im.ioc.run();
  for (auto& t : threads) t.join();
}

void Server::stop() {
  asio::co_spawn(impl_->ioc, impl_->shutdown(), ReportFailure{"http.shutdown"});
}

}  // namespace medcore::http
