#include "platform/realtime/engine.hpp"

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <utility>

#include "platform/core/crypto.hpp"
#include "platform/core/log.hpp"
#include "platform/core/metrics.hpp"
#include "platform/core/spawned.hpp"

namespace medcore::realtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using Response = bhttp::response<bhttp::string_body>;
// Over the socket itself rather than the HTTP connection's beast::tcp_stream: a WebSocket has no
// stream timeout (expires_never; Beast's own idle timer applies), and the tcp_stream's layer
// cost a composed operation with its own work guard and executor copies per read and per write.
using WebSocket = websocket::stream<asio::ip::tcp::socket&>;
}  // namespace

// A wake-up for a parked coroutine, safe from any thread. Waiters always re-check the state they
// wait for, so a spurious wake costs a loop only.
//  - timed (a held poll, the heartbeat): the coroutine waits on a timer with a deadline, and
//    wake() posts a cancel of that timer to the timer's executor;
//  - untimed (the WebSocket writer, once per delivered message): the coroutine's own completion
//    handler is kept, and wake() hands it to the coroutine's executor with asio::defer — from an
//    I/O thread a continuation, queued on that thread without waking the other one. The timer's
//    cancel took two hand-offs, the timer queue and, with two I/O threads, usually a futex wake-up
//    of the other thread per message (see ARCHITECTURE.md, Realtime, "Write path").
// A parked coroutine's completion handler (move-only, so not a std::function).
struct Parked {
  virtual ~Parked() = default;
  virtual void resume() = 0;
};

struct Waker {
  Waker(const asio::any_io_executor& ex, bool timed) : timed(timed), timer(ex) {}
  const bool timed;
  asio::steady_timer timer;
  std::mutex mu;  // the untimed state below
  bool rung = false;
  std::unique_ptr<Parked> parked;
};

namespace {
// Runs the parked coroutine's handler on its executor (the Waker's), as a continuation.
void resume_on(const asio::any_io_executor& ex, std::unique_ptr<Parked> parked) {
  asio::defer(ex, [p = std::move(parked)] { p->resume(); });
}

void wake(const std::shared_ptr<Waker>& w) {
  if (!w) return;
  if (w->timed) {
    asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
    return;
  }
  std::unique_ptr<Parked> resume;
  {
    std::lock_guard lock(w->mu);
    if (w->parked) resume = std::move(w->parked);
    else w->rung = true;
  }
  if (resume) resume_on(w->timer.get_executor(), std::move(resume));
}

asio::awaitable<void> park(Waker& w, std::chrono::steady_clock::duration at_most) {
  w.timer.expires_after(at_most);
  co_await w.timer.async_wait(use_tuple);
}

// Until the next wake() (at once when woken since the last wait). Never completes inline: the
// handler is always deferred to the coroutine's executor.
asio::awaitable<void> park(Waker& w) {
  auto initiate = [&w](auto handler) {
    using Handler = decltype(handler);
    struct Held final : Parked {
      explicit Held(Handler h) : parked_handler(std::move(h)) {}
      Handler parked_handler;
      void resume() override { std::move(parked_handler)(); }
    };
    auto held = std::make_unique<Held>(std::move(handler));
    {
      std::lock_guard lock(w.mu);
      if (!w.rung) {
        w.parked = std::move(held);
        return;
      }
      w.rung = false;
    }
    resume_on(w.timer.get_executor(), std::move(held));
  };
  auto op = asio::async_initiate<const asio::use_awaitable_t<>&, void()>(initiate, asio::use_awaitable);
  co_await std::move(op);
}
}  // namespace

std::string RequestInfo::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

// --- session -----------------------------------------------------------------------------------
EngineSession::EngineSession(Engine& engine, std::string sid, eio::Transport transport, RequestInfo request)
    : engine_(engine), sid_(std::move(sid)), request_(std::move(request)), transport_(transport) {}

EngineSession::~EngineSession() = default;

void EngineSession::send(const std::vector<eio::Packet>& packets) {
  std::shared_ptr<Waker> w;
  bool overflow = false;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    for (const auto& p : packets) outbox_bytes_ += p.view().size() + 1;
    outbox_.insert(outbox_.end(), packets.begin(), packets.end());
    overflow = outbox_bytes_ > engine_.options().max_buffered_bytes;
    w = std::exchange(waiter_, {}).lock();
  }
  wake(w);
  // A client that does not read (or poll) what it is sent would grow the outbox without bound.
  if (overflow) close_impl("transport error", false);
}

void EngineSession::send(eio::Packet packet) {
  send(std::vector<eio::Packet>{std::move(packet)});
}

bool EngineSession::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void EngineSession::close(const std::string& reason) { close_impl(reason, true); }

void EngineSession::close_impl(const std::string& reason, bool tell_client) {
  std::shared_ptr<Waker> w, hb;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    // Long-polling gets a close packet in its next answer; a WebSocket is closed by its writer.
    if (tell_client && transport_ == eio::Transport::polling) outbox_.push_back(eio::Packet::text(eio::Type::close));
    closed_ = true;
    w = std::exchange(waiter_, {}).lock();
    hb = heartbeat_;
  }
  wake(w);
  wake(hb);
  engine_.closed_session(shared_from_this(), reason);
}

// --- engine ------------------------------------------------------------------------------------
struct Engine::Impl {
  explicit Impl(Engine& e) : engine(e) {}
  Engine& engine;
  mutable std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<EngineSession>> sessions;
  std::atomic<asio::io_context*> ioc{nullptr};

  const EngineOptions& options() const { return engine.options_; }

  std::shared_ptr<EngineSession> find(const std::string& sid) const {
    std::lock_guard lock(mu);
    auto it = sessions.find(sid);
    return it == sessions.end() ? nullptr : it->second;
  }

  // A new session, registered, its heartbeat started and the layer above told; `first` (the
  // WebSocket's open packet) is queued before anything else.
  std::shared_ptr<EngineSession> create(eio::Transport transport, RequestInfo info,
                                        std::optional<eio::Packet> first = std::nullopt, std::string sid = {});
  asio::awaitable<void> heartbeat(std::shared_ptr<EngineSession> s, std::shared_ptr<Waker> w);
  // One packet from the client: its type and data (without the type character).
  void incoming(const std::shared_ptr<EngineSession>& s, eio::Type type, bool binary, std::string_view data, bool& ok);

  void add_cors(Response& res, const http::RawRequest& req) const;
  Response make(bhttp::status status, std::string body, std::string_view type, const http::RawRequest& req) const;
  Response error(eio::Error e, const http::RawRequest& req) const {
    return make(bhttp::status::bad_request, eio::error_body(e), "application/json", req);
  }
  static asio::awaitable<bool> send(beast::tcp_stream& stream, Response& res);

  std::optional<Response> claim(EngineSession& s, bool EngineSession::*active, const http::RawRequest& req) const;
  asio::awaitable<bool> poll(std::shared_ptr<EngineSession> s, beast::tcp_stream& stream,
                             const http::RawRequest& req);
  asio::awaitable<bool> post(std::shared_ptr<EngineSession> s, beast::tcp_stream& stream,
                             const http::RawRequest& req);
  asio::awaitable<bool> open_websocket(beast::tcp_stream& stream, const http::RawRequest& req, RequestInfo info);
  asio::awaitable<bool> upgrade(std::shared_ptr<EngineSession> s, beast::tcp_stream& stream,
                                const http::RawRequest& req);
  asio::awaitable<void> run_websocket(std::shared_ptr<EngineSession> s, WebSocket& ws);
  asio::awaitable<void> ws_writer(std::shared_ptr<EngineSession> s, WebSocket& ws, Waker& w,
                                  std::weak_ptr<Waker> handle, std::shared_ptr<Waker> done,
                                  std::shared_ptr<bool> finished);
  void configure(WebSocket& ws, std::chrono::steady_clock::duration idle) const;
};

Engine::Engine(EngineOptions options, EngineHandler& handler)
    : impl_(std::make_unique<Impl>(*this)), options_(std::move(options)), handler_(handler) {}

Engine::~Engine() = default;

std::size_t Engine::session_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->sessions.size();
}

void Engine::close_all(const std::string& reason) {
  std::vector<std::shared_ptr<EngineSession>> all;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& [sid, s] : impl_->sessions) all.push_back(s);
  }
  for (auto& s : all) s->close(reason);
}

void Engine::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto* ioc = impl_->ioc.load();
  if (!ioc) return;
  auto timer = std::make_shared<asio::steady_timer>(*ioc, delay);
  timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code&) { fn(); });
}

void Engine::closed_session(const std::shared_ptr<EngineSession>& s, const std::string& reason) {
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->sessions.find(s->sid());
    if (it != impl_->sessions.end() && it->second == s) impl_->sessions.erase(it);
  }
  log::debug("eio_session_closed", {{"sid", s->sid()}, {"reason", reason}});
  // Posted: the layer above takes the session's inbound lock with no other lock held.
  auto* ioc = impl_->ioc.load();
  auto notify = [this, s, reason] {
    std::lock_guard lock(s->inbound);
    handler_.on_close(s, reason);
  };
  if (ioc) asio::post(*ioc, std::move(notify));
  else notify();
}

std::shared_ptr<EngineSession> Engine::Impl::create(eio::Transport transport, RequestInfo info,
                                                    std::optional<eio::Packet> first, std::string sid) {
  if (sid.empty()) sid = crypto::random_token(15);
  auto s = std::make_shared<EngineSession>(engine, std::move(sid), transport, std::move(info));
  if (first) s->outbox_.push_back(std::move(*first));
  {
    std::lock_guard lock(mu);
    sessions.emplace(s->sid(), s);
  }
  auto hb = std::make_shared<Waker>(asio::make_strand(*ioc.load()), true);
  {
    std::lock_guard lock(s->mu_);
    s->heartbeat_ = hb;
  }
  asio::co_spawn(hb->timer.get_executor(), heartbeat(s, hb), ReportFailure{"realtime.heartbeat"});
  {
    std::lock_guard lock(s->inbound);
    engine.handler_.on_open(s);
  }
  return s;
}

// Server-initiated heartbeat: a ping every pingInterval; no pong within pingTimeout closes.
asio::awaitable<void> Engine::Impl::heartbeat(std::shared_ptr<EngineSession> s, std::shared_ptr<Waker> w) {
  const auto interval = std::chrono::milliseconds(options().handshake.ping_interval_ms);
  const auto timeout = std::chrono::milliseconds(options().handshake.ping_timeout_ms);
  for (;;) {
    const auto next_ping = std::chrono::steady_clock::now() + interval;
    while (std::chrono::steady_clock::now() < next_ping) {
      w->timer.expires_at(next_ping);
      co_await w->timer.async_wait(use_tuple);
      if (s->closed()) co_return;
    }
    std::shared_ptr<Waker> out;
    {
      std::lock_guard lock(s->mu_);
      if (s->closed_) co_return;
      s->awaiting_pong_ = true;
      s->outbox_.push_back(eio::Packet::text(eio::Type::ping));
      out = std::exchange(s->waiter_, {}).lock();
    }
    wake(out);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      w->timer.expires_at(deadline);
      co_await w->timer.async_wait(use_tuple);
      bool closed = false, waiting = false;
      {
        std::lock_guard lock(s->mu_);
        closed = s->closed_;
        waiting = s->awaiting_pong_;
      }
      if (closed) co_return;
      if (!waiting) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        s->close("ping timeout");
        co_return;
      }
    }
  }
}

void Engine::Impl::incoming(const std::shared_ptr<EngineSession>& s, eio::Type type, bool binary,
                            std::string_view data, bool& ok) {
  switch (type) {
    case eio::Type::pong: {
      std::shared_ptr<Waker> hb;
      {
        std::lock_guard lock(s->mu_);
        if (s->awaiting_pong_) hb = s->heartbeat_;
        s->awaiting_pong_ = false;
      }
      wake(hb);
      return;
    }
    case eio::Type::ping:
      s->send(eio::Packet::text(eio::Type::pong, data));
      return;
    case eio::Type::message: {
      std::lock_guard lock(s->inbound);
      if (s->closed()) return;
      engine.handler_.on_message(s, data, binary);
      return;
    }
    case eio::Type::close:
      s->close_impl("transport close", false);
      return;
    case eio::Type::noop:
      return;
    default:  // open, upgrade: never valid from a client here
      ok = false;
  }
}

void Engine::Impl::add_cors(Response& res, const http::RawRequest& req) const {
  const auto& allowed = options().cors_origin;
  if (allowed.empty()) return;
  if (allowed == "*") {
    res.set(bhttp::field::access_control_allow_origin, "*");
    return;
  }
  const std::string origin(req[bhttp::field::origin]);
  if (origin.empty()) return;
  std::string_view rest = allowed;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == origin) {
      res.set(bhttp::field::access_control_allow_origin, origin);
      res.set(bhttp::field::access_control_allow_credentials, "true");
      res.set(bhttp::field::vary, "Origin");
      return;
    }
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
}

Response Engine::Impl::make(bhttp::status status, std::string body, std::string_view type,
                            const http::RawRequest& req) const {
  Response res{status, req.version()};
  if (!type.empty()) res.set(bhttp::field::content_type, type);
  res.set(bhttp::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  add_cors(res, req);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

asio::awaitable<bool> Engine::Impl::send(beast::tcp_stream& stream, Response& res) {
  stream.expires_after(30s);
  auto [ec, n] = co_await bhttp::async_write(stream, res, use_tuple);
  (void)n;
  co_return !ec && res.keep_alive();
}

asio::awaitable<bool> Engine::handle(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                     http::RawRequest&& request) {
  (void)buffer;
  http::RawRequest req = std::move(request);
  if (!impl_->ioc.load()) {
    auto& ctx = asio::query(stream.get_executor(), asio::execution::context);
    impl_->ioc.store(&static_cast<asio::io_context&>(ctx));
  }
  const std::string target(req.target());
  const std::string path = target.substr(0, target.find('?'));
  if (path != "/socket.io/" && path != "/socket.io") {
    Response res = impl_->make(bhttp::status::not_found, "Not found", "text/plain", req);
    co_return co_await Impl::send(stream, res);
  }
  if (req.method() == bhttp::verb::options) {
    Response res = impl_->make(bhttp::status::no_content, "", "", req);
    if (!options_.cors_origin.empty()) {
      res.set(bhttp::field::access_control_allow_methods, "GET,HEAD,PUT,PATCH,POST,DELETE");
      if (auto h = req[bhttp::field::access_control_request_headers]; !h.empty())
        res.set(bhttp::field::access_control_allow_headers, h);
    }
    co_return co_await Impl::send(stream, res);
  }
  const eio::Query query = eio::parse_query(target);
  const bool is_upgrade = websocket::is_upgrade(req);
  const auto check = eio::check_request(req.method_string(), query, is_upgrade);
  if (check.error) {
    Response res = impl_->error(*check.error, req);
    co_return co_await Impl::send(stream, res);
  }
  RequestInfo info;
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    info.headers[name] = std::string(field.value());
  }
  info.query = query.params;
  {
    boost::system::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) info.remote_ip = ep.address().to_string();
  }

  if (check.transport == eio::Transport::websocket) {
    if (check.sid.empty()) {
      // By-value arguments go into a named awaitable first (GCC 12 and temporaries in co_await).
      auto op = impl_->open_websocket(stream, req, std::move(info));
      co_return co_await std::move(op);
    }
    auto s = impl_->find(check.sid);
    if (!s) {
      Response res = impl_->error(eio::Error::session_unknown, req);
      co_return co_await Impl::send(stream, res);
    }
    auto op = impl_->upgrade(std::move(s), stream, req);
    co_return co_await std::move(op);
  }

  if (check.sid.empty()) {
    auto s = impl_->create(eio::Transport::polling, std::move(info));
    std::string body = "0" + eio::open_payload(s->sid(), options_.allow_upgrades, options_.handshake);
    Response res = impl_->make(bhttp::status::ok, std::move(body), "text/plain; charset=UTF-8", req);
    co_return co_await Impl::send(stream, res);
  }
  auto s = impl_->find(check.sid);
  bool wrong_transport = false;
  if (s) {
    std::lock_guard lock(s->mu_);
    wrong_transport = s->transport_ != eio::Transport::polling;
  }
  if (!s || wrong_transport) {
    Response res = impl_->error(s ? eio::Error::bad_request : eio::Error::session_unknown, req);
    co_return co_await Impl::send(stream, res);
  }
  if (req.method() == bhttp::verb::get) {
    auto op = impl_->poll(std::move(s), stream, req);
    co_return co_await std::move(op);
  }
  auto op = impl_->post(std::move(s), stream, req);
  co_return co_await std::move(op);
}

// Marks a poll (GET) or a push (POST) as in progress; the answer to send instead when the
// session is gone or one is already in progress — two at once is a client error that ends the
// session (a held poll then gets the close packet).
std::optional<Response> Engine::Impl::claim(EngineSession& s, bool EngineSession::*active,
                                            const http::RawRequest& req) const {
  bool gone = false, duplicate = false;
  {
    std::lock_guard lock(s.mu_);
    gone = s.closed_;
    duplicate = !gone && s.*active;
    if (!gone && !duplicate) s.*active = true;
  }
  if (!gone && !duplicate) return std::nullopt;
  if (duplicate) s.close("transport error");
  return error(duplicate ? eio::Error::bad_request : eio::Error::session_unknown, req);
}

asio::awaitable<bool> Engine::Impl::poll(std::shared_ptr<EngineSession> s, beast::tcp_stream& stream,
                                         const http::RawRequest& req) {
  auto w = std::make_shared<Waker>(co_await asio::this_coro::executor, true);
  if (auto refused = claim(*s, &EngineSession::poll_active_, req)) co_return co_await send(stream, *refused);
  const auto most = std::chrono::milliseconds(options().handshake.ping_interval_ms +
                                              options().handshake.ping_timeout_ms);
  std::vector<eio::Packet> out;
  for (;;) {
    {
      std::lock_guard lock(s->mu_);
      if (s->noop_pending_ || s->transport_ != eio::Transport::polling) {
        s->noop_pending_ = false;
        out.push_back(eio::Packet::text(eio::Type::noop));
      } else if (!s->outbox_.empty()) {
        out.assign(std::make_move_iterator(s->outbox_.begin()), std::make_move_iterator(s->outbox_.end()));
        s->outbox_.clear();
        s->outbox_bytes_ = 0;
      } else if (s->closed_) {
        out.push_back(eio::Packet::text(eio::Type::noop));
      } else {
        s->waiter_ = w;
      }
      if (!out.empty()) {
        s->poll_active_ = false;
        if (s->waiter_.lock() == w) s->waiter_.reset();
      }
    }
    if (!out.empty()) break;
    co_await park(*w, most);
  }
  Response res = make(bhttp::status::ok, eio::encode_payload(out), "text/plain; charset=UTF-8", req);
  co_return co_await send(stream, res);
}

asio::awaitable<bool> Engine::Impl::post(std::shared_ptr<EngineSession> s, beast::tcp_stream& stream,
                                         const http::RawRequest& req) {
  if (auto refused = claim(*s, &EngineSession::post_active_, req)) co_return co_await send(stream, *refused);
  const auto& body = req.body();
  if (body.size() > options().handshake.max_payload) {
    s->close("transport error");
    Response res = make(bhttp::status::payload_too_large, "", "", req);
    res.keep_alive(false);
    co_return co_await send(stream, res);
  }
  auto packets = eio::decode_payload(body);
  bool ok = packets.has_value();
  if (ok) {
    for (const auto& p : *packets) {
      incoming(s, p.type, p.binary, p.view(), ok);
      if (!ok) break;
    }
  }
  {
    std::lock_guard lock(s->mu_);
    s->post_active_ = false;
  }
  if (!ok) {
    s->close("parse error");
    Response res = error(eio::Error::bad_request, req);
    co_return co_await send(stream, res);
  }
  Response res = make(bhttp::status::ok, "ok", "text/html", req);
  co_return co_await send(stream, res);
}

void Engine::Impl::configure(WebSocket& ws, std::chrono::steady_clock::duration idle) const {
  websocket::stream_base::timeout t{};
  t.handshake_timeout = 10s;
  t.idle_timeout = idle;
  t.keep_alive_pings = false;
  ws.set_option(t);
  ws.read_message_max(options().handshake.max_payload);
  ws.auto_fragment(false);
}

asio::awaitable<bool> Engine::Impl::open_websocket(beast::tcp_stream& stream, const http::RawRequest& req,
                                                   RequestInfo info) {
  stream.expires_never();
  WebSocket ws(stream.socket());
  configure(ws, websocket::stream_base::none());
  auto [ec] = co_await ws.async_accept(req, use_tuple);
  if (ec) co_return false;
  // The sid is in the open packet, which must go first: made here, queued by create().
  const std::string sid = crypto::random_token(15);
  auto s = create(eio::Transport::websocket, std::move(info),
                  eio::Packet::text(eio::Type::open, eio::open_payload(sid, false, options().handshake)), sid);
  auto op = run_websocket(s, ws);
  co_await std::move(op);
  co_return false;
}

asio::awaitable<bool> Engine::Impl::upgrade(std::shared_ptr<EngineSession> s, beast::tcp_stream& stream,
                                            const http::RawRequest& req) {
  bool refused = false;
  {
    std::lock_guard lock(s->mu_);
    refused = s->closed_ || !options().allow_upgrades || s->transport_ != eio::Transport::polling || s->upgrading_;
    if (!refused) s->upgrading_ = true;
  }
  if (refused) {
    Response res = error(eio::Error::bad_request, req);
    co_return co_await send(stream, res);
  }
  stream.expires_never();
  WebSocket ws(stream.socket());
  // The probe must finish within the upgrade timeout.
  configure(ws, options().upgrade_timeout);
  auto abandon = [&s] {
    std::lock_guard lock(s->mu_);
    s->upgrading_ = false;
  };
  auto [ec] = co_await ws.async_accept(req, use_tuple);
  if (ec) {
    abandon();
    co_return false;
  }
  bool probed = false;
  for (;;) {
    beast::flat_buffer frame;
    auto [rec, n] = co_await ws.async_read(frame, use_tuple);
    (void)n;
    if (rec || !ws.got_text()) {
      abandon();
      co_return false;
    }
    const std::string text = beast::buffers_to_string(frame.data());
    if (text == "2probe" && !probed) {
      probed = true;
      const std::string answer = "3probe";
      auto reply = asio::buffer(answer);
      auto [wec, wn] = co_await ws.async_write(reply, use_tuple);
      (void)wn;
      if (wec) {
        abandon();
        co_return false;
      }
      // The pending (or next) poll answers with a noop, so the client can pause polling.
      std::shared_ptr<Waker> w;
      {
        std::lock_guard lock(s->mu_);
        s->noop_pending_ = true;
        w = std::exchange(s->waiter_, {}).lock();
      }
      wake(w);
    } else if (text == "5" && probed) {
      std::shared_ptr<Waker> w;
      bool closed = false;
      {
        std::lock_guard lock(s->mu_);
        closed = s->closed_;
        s->transport_ = eio::Transport::websocket;
        s->upgrading_ = false;
        w = std::exchange(s->waiter_, {}).lock();
      }
      wake(w);
      if (closed) co_return false;
      break;
    } else {
      abandon();
      const websocket::close_reason why(websocket::close_code::protocol_error);
      co_await ws.async_close(why, use_tuple);
      co_return false;
    }
  }
  configure(ws, websocket::stream_base::none());
  auto op = run_websocket(s, ws);
  co_await std::move(op);
  co_return false;
}

asio::awaitable<void> Engine::Impl::run_websocket(std::shared_ptr<EngineSession> s, WebSocket& ws) {
  auto ex = co_await asio::this_coro::executor;
  auto writer_wake = std::make_shared<Waker>(ex, false);
  auto done = std::make_shared<Waker>(ex, true);
  auto finished = std::make_shared<bool>(false);
  // A writer that fails is reported, and the reader is released: it waits for `finished`, and with
  // nothing left to send the session is over (closing the socket ends the reader's read).
  auto writer_failed = [s, &ws, done, finished](std::exception_ptr error) {
    if (!error) return;
    report_coroutine_failure("realtime.ws_writer", error, {{"sid", s->sid()}});
    s->close_impl("server error", false);
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws).close(ignored);
    *finished = true;
    wake(done);
  };
  asio::co_spawn(ex, ws_writer(s, ws, *writer_wake, writer_wake, done, finished), std::move(writer_failed));
  metrics().open_websockets.fetch_add(1);
  std::string reason = "transport close";
  beast::flat_buffer frame;
  for (;;) {
    frame.consume(frame.size());
    auto [ec, n] = co_await ws.async_read(frame, use_tuple);
    (void)n;
    if (ec) {
      if (ec != websocket::error::closed) reason = "transport error";
      break;
    }
    if (s->closed()) continue;  // the writer is closing the WebSocket; drain until it is
    // Handed on from the read buffer itself: no copy of each frame into a packet of its own.
    const std::string_view data(static_cast<const char*>(frame.data().data()), frame.size());
    bool ok = true;
    if (!ws.got_text()) {
      incoming(s, eio::Type::message, true, data, ok);
    } else if (eio::valid_text(data)) {
      incoming(s, static_cast<eio::Type>(data[0]), false, data.substr(1), ok);
    } else {
      ok = false;
    }
    if (!ok) s->close("parse error");
  }
  s->close_impl(reason, false);
  wake(writer_wake);
  while (!*finished) co_await park(*done, 1s);
  metrics().open_websockets.fetch_sub(1);
}

// `w` belongs to run_websocket, which outlives the writer; neither the writer nor the session owns
// it (the session's waiter_ is weak). A parked writer is owned by its Waker alone, so when the
// io_context goes away with the reader's pending read, the Waker, the parked writer and the
// session go with it — no ownership cycle outlives them.
asio::awaitable<void> Engine::Impl::ws_writer(std::shared_ptr<EngineSession> s, WebSocket& ws, Waker& w,
                                              std::weak_ptr<Waker> handle, std::shared_ptr<Waker> done,
                                              std::shared_ptr<bool> finished) {
  bool failed = false;
  std::vector<eio::Packet> out;  // reused: no allocation per wake-up
  while (!failed) {
    out.clear();
    bool closed = false;
    {
      std::lock_guard lock(s->mu_);
      closed = s->closed_;
      if (!s->outbox_.empty()) {
        out.assign(std::make_move_iterator(s->outbox_.begin()), std::make_move_iterator(s->outbox_.end()));
        s->outbox_.clear();
        s->outbox_bytes_ = 0;
      } else if (!closed) {
        s->waiter_ = handle;
      }
    }
    if (out.empty()) {
      if (closed) break;
      co_await park(w);
      continue;
    }
    for (const auto& p : out) {
      ws.text(!p.binary);
      // The shared bytes themselves: a broadcast is not copied per recipient.
      const auto frame = p.frame();
      asio::const_buffer buffer(frame.data(), frame.size());
      auto [ec, n] = co_await ws.async_write(buffer, use_tuple);
      (void)n;
      if (ec) {
        failed = true;
        break;
      }
    }
  }
  if (failed) s->close_impl("transport error", false);
  if (ws.is_open()) {
    const websocket::close_reason why(websocket::close_code::normal);
    auto [ec] = co_await ws.async_close(why, use_tuple);
    (void)ec;
  }
  *finished = true;
  wake(done);
}

}  // namespace medcore::realtime
