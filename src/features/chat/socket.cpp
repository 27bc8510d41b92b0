#include "features/chat/socket.hpp"

#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "features/accounts/sessions.hpp"
#include "platform/app/app.hpp"
#include "features/chat/model.hpp"
#include "features/chat/service.hpp"
#include "features/chat/views.hpp"
#include "platform/core/log.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/worker_pool.hpp"
#include "platform/http/message.hpp"
#include "platform/realtime/adapter.hpp"
#include "platform/http/origin.hpp"
#include "platform/realtime/server.hpp"

namespace medcore::chat {

using realtime::Ack;
using realtime::Payload;
using realtime::Socket;

namespace {

// What a connection to "/chat" keeps between events.
struct State {
  Caller caller;
  std::mutex mu;
  std::set<std::int64_t> joined;
  std::map<std::int64_t, EpochMs> typing_sent;  // conversation → last "typing: true" forwarded
  SocketBudget budget{10.0, 30.0};              // events per second, burst
  bool counted = false;                         // presence +1 done
  bool gone = false;                            // disconnected
  http::Request credentials;                    // what the handshake presented (re-checked per database event)
  std::int64_t session_id = 0;
};

Payload one(boost::json::value v) {
  Payload p;
  p.add(std::move(v));
  return p;
}

boost::json::object error_json(int status, std::string_view slug, std::string_view detail) {
  return {{"error", {{"status", status}, {"type", "urn:medcore:problem:" + std::string(slug)}, {"detail", detail}}}};
}

boost::json::object problem_json(const Problem& p) {
  auto e = error_json(p.status(), p.slug(), p.detail());
  if (!p.errors().empty()) {
    boost::json::array errors;
    for (const auto& f : p.errors()) errors.push_back({{"field", f.field}, {"message", f.message}});
    e["error"].as_object()["errors"] = std::move(errors);
  }
  return e;
}

// The first argument as an object (every chat event takes one).
const boost::json::object* args_object(const Payload& args) {
  if (args.args.empty() || !args.args[0].is_object()) return nullptr;
  return &args.args[0].as_object();
}

std::optional<std::int64_t> positive_id(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64() && v->as_int64() > 0) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() > 0 && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->as_uint64());
  return std::nullopt;
}

struct Context {
  App& app;
  WorkerPool& pool;
  std::shared_ptr<Service> svc;
  realtime::Namespace nsp;
  std::shared_ptr<accounts::SessionAuthenticator> authenticator;
  std::mutex users_mu;
  std::map<std::int64_t, int> local_users;     // user → open /chat sockets on this instance (for the heartbeat)
  std::map<std::int64_t, int> local_sessions;  // session → open /chat sockets on this instance (re-checked)
};

// Expired, or revoked while this instance missed the notice.
constexpr std::string_view kSessionExpired = "session_expired";

// Why a socket must end now, from a fresh look at its session: nullopt while it may stay open.
std::optional<std::string_view> ended(const std::optional<http::Principal>& p) {
  if (!p) return kSessionExpired;
  if (!may_chat(p->role, p->doctor_status)) return accounts::kAccessRevoked;
  return std::nullopt;
}

// What every socket whose access ended gets: the reason, then DISCONNECT.
boost::json::object session_ended_json(std::string_view reason) { return {{"reason", reason}}; }
void end_socket(Socket& self, std::string_view reason) {
  self.emit("session_ended", one(session_ended_json(reason)));
  self.disconnect();
}

void count_local(Context& ctx, const State& st, int delta) {
  std::lock_guard lock(ctx.users_mu);
  for (auto [map, key] : {std::pair{&ctx.local_users, st.caller.user_id}, std::pair{&ctx.local_sessions, st.session_id}}) {
    auto& n = (*map)[key];
    n += delta;
    if (n <= 0) map->erase(key);
  }
}

// Closes, on every instance, the sockets opened with these sessions.
void end_sessions(const realtime::Namespace& nsp, const std::vector<std::int64_t>& session_ids, std::string_view reason) {
  if (session_ids.empty()) return;  // no rooms would mean every socket
  auto rooms = nsp.to(session_room(session_ids.front()));
  for (std::size_t i = 1; i < session_ids.size(); ++i) rooms.to(session_room(session_ids[i]));
  rooms.disconnect_sockets("session_ended", one(session_ended_json(reason)));
}

// The safety net under the notices (NOTIFY between instances is at most once): the sessions of
// this instance's sockets are looked at again every kPresenceHeartbeat, and the sockets of those
// that ended or whose user may no longer chat are closed.
void recheck_sessions(const std::shared_ptr<Context>& ctx, const std::vector<std::int64_t>& session_ids) {
  std::map<std::int64_t, http::Principal> alive;
  for (auto& p : ctx->authenticator->alive(session_ids)) alive.emplace(p.session_id, std::move(p));
  std::vector<std::int64_t> expired, revoked;
  for (const auto id : session_ids) {
    const auto it = alive.find(id);
    const auto why = ended(it == alive.end() ? std::nullopt : std::optional<http::Principal>(it->second));
    if (why == accounts::kAccessRevoked) revoked.push_back(id);
    else if (why) expired.push_back(id);
  }
  end_sessions(ctx->nsp, expired, kSessionExpired);
  end_sessions(ctx->nsp, revoked, accounts::kAccessRevoked);
}

// Runs `f` on the worker pool; its result (or the error) answers the ack. The session and the
// right to chat are checked again first (which also slides the session's expiry): after a logout,
// a revocation or a suspension the event is refused and the socket closed, even if the notice
// that closes it at once never reached this instance.
template <class F>
void on_worker(const std::shared_ptr<Context>& ctx, Socket self, std::shared_ptr<State> st, Ack ack, F f) {
  const bool queued = ctx->pool.try_submit([ctx, self, st, ack, f = std::move(f)]() mutable {
    try {
      const auto principal = ctx->authenticator->authenticate(st->credentials);
      if (const auto why = ended(principal)) {
        ack(one(principal ? error_json(403, "doctor-not-approved", "Your account may not chat now (not approved).")
                          : error_json(401, "unauthenticated", "The session has ended; sign in again.")));
        end_socket(self, *why);
        return;
      }
      ack(one(f()));
    } catch (const Problem& p) {
      ack(one(problem_json(p)));
    } catch (const Unavailable&) {
      // The database is away (it logs that once): 503 not-ready, as over HTTP.
      ack(one(problem_json(problems::not_ready())));
    } catch (const std::exception& e) {
      log::error("chat_event_failed", {{"error", e.what()}});
      ack(one(error_json(500, "internal", "Something went wrong.")));
    }
  });
  if (!queued) ack(one(error_json(503, "overloaded", "The server is busy; try again shortly.")));
}

// Checks shared by every event; answers the ack and returns null when the event is refused.
std::shared_ptr<State> admit(const Socket& self, const Payload& args, const Ack& ack, const boost::json::object*& body) {
  auto state = self.data_as<State>();
  if (!state) return nullptr;
  {
    std::lock_guard lock(state->mu);
    if (!state->budget.take(now_ms())) {
      ack(one(error_json(429, "rate-limited", "Too many events; slow down.")));
      return nullptr;
    }
  }
  body = args_object(args);
  if (!body) {
    ack(one(error_json(400, "bad-request", "The event takes one object argument.")));
    return nullptr;
  }
  return state;
}

// What every chat event starts with: the shared checks and its conversation_id.
struct Event {
  std::shared_ptr<State> st;
  const boost::json::object* body = nullptr;
  std::int64_t conversation_id = 0;
};
std::optional<Event> begin_event(const Socket& self, const Payload& args, const Ack& ack) {
  Event e;
  e.st = admit(self, args, ack, e.body);
  if (!e.st) return std::nullopt;
  const auto id = positive_id(*e.body, "conversation_id");
  if (!id) {
    ack(one(error_json(422, "validation", "conversation_id must be a positive integer.")));
    return std::nullopt;
  }
  e.conversation_id = *id;
  return e;
}

// Relays (typing, delivered) are for sockets in the conversation's room only.
bool joined(const Event& e, const Ack& ack) {
  std::lock_guard lock(e.st->mu);
  if (e.st->joined.contains(e.conversation_id)) return true;
  ack(one(error_json(403, "forbidden", "Join the conversation first.")));
  return false;
}

boost::json::object read_json(std::int64_t conversation_id, std::int64_t user_id, std::int64_t last_read) {
  return {{"conversation_id", conversation_id}, {"user_id", user_id}, {"last_read_message_id", last_read}};
}

void presence_broadcast(const realtime::Namespace& nsp, std::int64_t user_id, const store::Presence& p) {
  nsp.to(presence_room(user_id)).emit("presence", one(presence_json(user_id, p)));
}

void connection_closed(const std::shared_ptr<Context>& ctx, std::int64_t user_id) {
  ctx->pool.try_submit([ctx, user_id] {
    try {
      if (ctx->svc->presence_change(user_id, -1) == 0)
        presence_broadcast(ctx->nsp, user_id, ctx->svc->presence(user_id));
    } catch (const std::exception& e) {
      log::error("chat_presence_failed", {{"error", e.what()}});
    }
  });
}

void on_connection(const std::shared_ptr<Context>& ctx, Socket socket) {
  auto state = socket.data_as<State>();
  if (!state) return socket.disconnect();
  const auto uid = state->caller.user_id;
  socket.join(user_room(uid));
  socket.join(session_room(state->session_id));
  count_local(*ctx, *state, +1);

  // Presence: +1 now, -1 on disconnect, in that order even when the pool runs them on two threads.
  ctx->pool.try_submit([ctx, state, uid, socket]() mutable {
    try {
      // The handshake looked before this socket was in its rooms: a logout or suspension that
      // committed in between closed the rooms without it. Looking again now, after joining, leaves
      // no gap: a later one finds the socket in its rooms.
      if (const auto why = ended(ctx->authenticator->authenticate(state->credentials))) return end_socket(socket, *why);
      const int n = ctx->svc->presence_change(uid, +1);
      bool undo = false;
      {
        std::lock_guard lock(state->mu);
        state->counted = true;
        undo = state->gone;
      }
      if (undo) return connection_closed(ctx, uid);
      if (n == 1) presence_broadcast(ctx->nsp, uid, ctx->svc->presence(uid));
    } catch (const std::exception& e) {
      log::error("chat_presence_failed", {{"error", e.what()}});
    }
  });
  socket.on_disconnect([ctx](Socket self, const std::string&) {
    auto st = self.data_as<State>();
    if (!st) return;
    bool counted = false;
    {
      std::lock_guard lock(st->mu);
      st->gone = true;
      counted = st->counted;
    }
    count_local(*ctx, *st, -1);
    if (counted) connection_closed(ctx, st->caller.user_id);
  });

  // join {conversation_id, after?} → {conversation, messages (after `after`, oldest first), has_more, presence}
  socket.on("join", [ctx](Socket self, Payload args, Ack ack) {
    auto ev = begin_event(self, args, ack);
    if (!ev) return;
    const auto* body = ev->body;
    auto st = ev->st;
    const auto id = ev->conversation_id;
    std::optional<std::int64_t> after;
    if (body->contains("after")) {
      const auto* a = body->if_contains("after");
      if (a->is_int64() && a->as_int64() == 0) after = 0;
      else if (!(after = positive_id(*body, "after"))) return ack(one(error_json(422, "validation", "after must be a message id.")));
    }
    on_worker(ctx, self, st, ack, [ctx, self, st, id, after]() mutable -> boost::json::value {
      const auto conv = ctx->svc->get(st->caller, id);
      const std::int64_t other = st->caller.is_doctor() ? conv.patient_id : conv.doctor_id;
      self.join(conversation_room(id));
      self.join(presence_room(other));
      {
        std::lock_guard lock(st->mu);
        st->joined.insert(id);
      }
      boost::json::object out{{"conversation", conversation_json(conv, st->caller)},
                              {"presence", presence_json(other, ctx->svc->presence(other))}};
      if (after) {
        auto missed = ctx->svc->history_after(st->caller, id, *after, kMaxPageSize + 1);
        const bool more = missed.size() > static_cast<std::size_t>(kMaxPageSize);
        if (more) missed.pop_back();
        out["messages"] = messages_json(missed);
        out["has_more"] = more;
      }
      return out;
    });
  });

  socket.on("leave", [](Socket self, Payload args, Ack ack) {
    auto ev = begin_event(self, args, ack);
    if (!ev) return;
    {
      std::lock_guard lock(ev->st->mu);
      ev->st->joined.erase(ev->conversation_id);
    }
    self.leave(conversation_room(ev->conversation_id));
    ack(one(boost::json::object{{"ok", true}}));
  });

  // send {conversation_id, text, client_message_id} → {message, duplicate}; "message" to the room.
  socket.on("send", [ctx](Socket self, Payload args, Ack ack) {
    const boost::json::object* body = nullptr;
    auto st = admit(self, args, ack, body);
    if (!st) return;
    std::vector<FieldError> errors;
    const auto id = positive_id(*body, "conversation_id");
    if (!id) errors.push_back({"conversation_id", "must be a positive integer"});
    std::string text, cid;
    if (const auto* t = body->if_contains("text"); t && t->is_string()) {
      auto checked = check_text(t->get_string());
      if (checked.text) text = std::move(*checked.text);
      else errors.push_back({"text", checked.error});
    } else {
      errors.push_back({"text", "is required"});
    }
    if (const auto* c = body->if_contains("client_message_id"); c && c->is_string() && valid_client_message_id(c->get_string())) {
      cid = std::string(c->get_string());
    } else {
      errors.push_back({"client_message_id", "is required: 1 to 64 characters of A-Z a-z 0-9 _ - . :"});
    }
    if (!errors.empty()) return ack(one(problem_json(problems::validation(std::move(errors)))));
    on_worker(ctx, self, st, ack, [ctx, self, st, id = *id, text = std::move(text), cid = std::move(cid)]() mutable -> boost::json::value {
      const auto sent = ctx->svc->send(st->caller, id, text, cid);
      auto msg = message_json(sent.message);
      if (!sent.duplicate) {
        const std::int64_t me = st->caller.user_id;
        auto b = self.to(conversation_room(id));
        b.to(user_room(me)).to(user_room(sent.recipient_id));
        b.emit("message", one(msg));
      }
      return boost::json::object{{"message", std::move(msg)}, {"duplicate", sent.duplicate}};
    });
  });

  // typing {conversation_id, typing} → "typing" {conversation_id, user_id, typing} to the others.
  socket.on("typing", [](Socket self, Payload args, Ack ack) {
    auto ev = begin_event(self, args, ack);
    if (!ev) return;
    const auto* flag = ev->body->if_contains("typing");
    if (!flag || !flag->is_bool()) return ack(one(error_json(422, "validation", "typing (true or false) is required.")));
    if (!joined(*ev, ack)) return;
    const bool typing = flag->as_bool();
    const auto id = ev->conversation_id;
    auto& st = ev->st;
    {
      std::lock_guard lock(st->mu);
      const EpochMs now = now_ms();
      auto it = st->typing_sent.find(id);
      if (typing) {
        if (it != st->typing_sent.end() && now - it->second < kTypingThrottle) return ack(one(boost::json::object{{"ok", true}, {"throttled", true}}));
        st->typing_sent[id] = now;
      } else {
        if (it == st->typing_sent.end()) return ack(one(boost::json::object{{"ok", true}, {"throttled", true}}));
        st->typing_sent.erase(it);
      }
    }
    self.to(conversation_room(id))
        .emit("typing", one(boost::json::object{{"conversation_id", id}, {"user_id", st->caller.user_id}, {"typing", typing}}));
    ack(one(boost::json::object{{"ok", true}}));
  });

  // read {conversation_id, message_id} → {last_read_message_id, unread_count}; "read" to the room.
  socket.on("read", [ctx](Socket self, Payload args, Ack ack) {
    auto ev = begin_event(self, args, ack);
    if (!ev) return;
    const auto mid = positive_id(*ev->body, "message_id");
    if (!mid) return ack(one(error_json(422, "validation", "message_id must be a positive integer.")));
    on_worker(ctx, self, ev->st, ack, [ctx, self, st = ev->st, id = ev->conversation_id, mid = *mid]() mutable -> boost::json::value {
      const auto conv = ctx->svc->get(st->caller, id);
      const auto r = ctx->svc->mark_read(st->caller, id, mid);
      auto b = self.to(conversation_room(id));
      b.to(user_room(conv.patient_id)).to(user_room(conv.doctor_id));
      b.emit("read", one(read_json(id, st->caller.user_id, r.last_read_message_id)));
      return boost::json::object{{"last_read_message_id", r.last_read_message_id}, {"unread_count", r.unread_count}};
    });
  });

  // delivered {conversation_id, message_id}: the client shows a received message; not stored.
  socket.on("delivered", [](Socket self, Payload args, Ack ack) {
    auto ev = begin_event(self, args, ack);
    if (!ev) return;
    const auto mid = positive_id(*ev->body, "message_id");
    if (!mid) return ack(one(error_json(422, "validation", "message_id must be a positive integer.")));
    if (!joined(*ev, ack)) return;
    const auto id = ev->conversation_id;
    self.to(conversation_room(id))
        .emit("delivered", one(boost::json::object{{"conversation_id", id}, {"user_id", ev->st->caller.user_id}, {"message_id", *mid}}));
    ack(one(boost::json::object{{"ok", true}}));
  });

  // history {conversation_id, before? | after?, limit?} → {messages, has_more}
  socket.on("history", [ctx](Socket self, Payload args, Ack ack) {
    auto ev = begin_event(self, args, ack);
    if (!ev) return;
    const auto* body = ev->body;
    auto st = ev->st;
    const auto id = ev->conversation_id;
    const auto before = positive_id(*body, "before");
    const auto after = body->contains("after") ? std::optional<std::int64_t>(positive_id(*body, "after").value_or(0)) : std::nullopt;
    int limit = 50;
    if (const auto l = positive_id(*body, "limit")) limit = static_cast<int>(std::min<std::int64_t>(*l, kMaxPageSize));
    on_worker(ctx, self, st, ack, [ctx, st, id, before, after, limit]() -> boost::json::value {
      auto list = after ? ctx->svc->history_after(st->caller, id, *after, limit + 1)
                        : ctx->svc->history_before(st->caller, id, before.value_or(0), limit + 1);
      const bool more = list.size() > static_cast<std::size_t>(limit);
      if (more) list.pop_back();
      return boost::json::object{{"messages", messages_json(list)}, {"has_more", more}};
    });
  });
}

// The handshake: the session cookie (same-origin requests only) or auth.token.
void authenticate(const std::shared_ptr<Context>& ctx, std::shared_ptr<accounts::SessionAuthenticator> authenticator,
                  Socket socket, realtime::AuthDone done) {
  const auto& hs = socket.handshake();
  http::Request req;
  req.method = "GET";
  req.path = "/socket.io/";
  req.remote_ip = hs.remote_ip;
  bool bearer = false;
  if (hs.auth.is_object()) {
    if (const auto* t = hs.auth.as_object().if_contains("token"); t && t->is_string() && !t->get_string().empty()) {
      req.headers.push_back({"authorization", "Bearer " + std::string(t->get_string())});
      bearer = true;
    }
  }
  if (!bearer) {
    const std::string cookie = hs.header("cookie");
    if (cookie.empty()) return done(std::string("unauthorized"));
    // Ambient credentials: a page on another site must not open a chat in the user's name.
    const std::string origin = hs.header("origin");
    if (!origin.empty() && !http::OriginPolicy::from_config(ctx->app.config)
                                .allows(origin, hs.header("host"), hs.header("x-forwarded-proto")))
      return done(std::string("forbidden origin"));
    req.headers.push_back({"cookie", cookie});
  }
  const bool queued = ctx->pool.try_submit([authenticator, req = std::move(req), socket, done]() mutable {
    try {
      auto principal = authenticator->authenticate(req);
      if (!principal) return done(std::string("unauthorized"));
      if (!may_chat(principal->role, principal->doctor_status))
        return done(std::string("forbidden: chat is for patients and approved doctors"));
      auto state = std::make_shared<State>();
      state->caller = Caller{principal->user_id, principal->role, principal->name};
      state->credentials = req;
      state->session_id = principal->session_id;
      socket.set_data(state);
      done(std::nullopt);
    } catch (const Unavailable&) {
      done(std::string("server unavailable"));  // logged once by the database
    } catch (const std::exception& e) {
      log::error("chat_auth_failed", {{"error", e.what()}});
      done(std::string("server error"));
    }
  });
  if (!queued) done(std::string("server busy"));
}

}  // namespace

void Hub::message(std::int64_t patient_id, std::int64_t doctor_id, const store::Message& m) const {
  auto* io = io_.load();
  if (!io) return;
  io->of(kNamespace).to(conversation_room(m.conversation_id)).to(user_room(patient_id)).to(user_room(doctor_id))
      .emit("message", one(message_json(m)));
}

void Hub::read(std::int64_t patient_id, std::int64_t doctor_id, std::int64_t conversation_id, std::int64_t user_id,
               std::int64_t last_read_message_id) const {
  auto* io = io_.load();
  if (!io) return;
  io->of(kNamespace).to(conversation_room(conversation_id)).to(user_room(patient_id)).to(user_room(doctor_id))
      .emit("read", one(read_json(conversation_id, user_id, last_read_message_id)));
}

namespace {

class AccessRelay final : public realtime::Adapter {
 public:
  AccessRelay(std::shared_ptr<realtime::Adapter> inner, std::shared_ptr<accounts::LiveAccess> also)
      : inner_(std::move(inner)), also_(std::move(also)) {}
  void start(Deliver deliver) override {
    inner_->start([also = also_, deliver = std::move(deliver)](const realtime::BroadcastPacket& b) {
      if (b.disconnect && b.nsp == kNamespace) tell(*also, b.rooms);
      deliver(b);
    });
  }
  void publish(const realtime::BroadcastPacket& packet) override { inner_->publish(packet); }
  void stop() override { inner_->stop(); }

 private:
  // Hub::access_revoked addresses user:<id>, end_sessions session:<id> (chat/model.cpp).
  static void tell(accounts::LiveAccess& also, const std::vector<std::string>& rooms) {
    std::vector<std::int64_t> sessions;
    for (const auto& room : rooms) {
      const auto colon = room.find(':');
      if (colon == std::string::npos) continue;
      std::int64_t id = 0;
      const char* first = room.data() + colon + 1;
      const char* last = room.data() + room.size();
      if (std::from_chars(first, last, id).ptr != last || id <= 0) continue;
      const std::string_view kind(room.data(), colon);
      if (kind == "user") also.access_revoked(id);
      else if (kind == "session") sessions.push_back(id);
    }
    if (!sessions.empty()) also.sessions_ended(sessions, {});
  }

  std::shared_ptr<realtime::Adapter> inner_;
  std::shared_ptr<accounts::LiveAccess> also_;
};

}  // namespace

std::shared_ptr<realtime::Adapter> relay_access_changes(std::shared_ptr<realtime::Adapter> inner,
                                                        std::shared_ptr<accounts::LiveAccess> also) {
  if (!inner) inner = std::make_shared<realtime::InProcessAdapter>();
  return std::make_shared<AccessRelay>(std::move(inner), std::move(also));
}

void Hub::access_revoked(std::int64_t user_id) {
  auto* io = io_.load();
  if (!io) return;
  io->of(kNamespace).to(user_room(user_id)).disconnect_sockets("session_ended", one(session_ended_json(accounts::kAccessRevoked)));
}

void Hub::sessions_ended(const std::vector<std::int64_t>& session_ids, std::string_view reason) {
  if (auto* io = io_.load()) end_sessions(io->of(kNamespace), session_ids, reason);
}

namespace {

class Heartbeat final : public SocketService {
 public:
  explicit Heartbeat(std::shared_ptr<Context> ctx) : ctx_(std::move(ctx)), thread_([this] { run(); }) {}
  ~Heartbeat() override { stop(); }
  void stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(kPresenceHeartbeat), [this] { return stopping_; })) {
      std::vector<std::int64_t> users, sessions;
      {
        std::lock_guard users_lock(ctx_->users_mu);
        for (const auto& [id, n] : ctx_->local_users) users.push_back(id);
        for (const auto& [id, n] : ctx_->local_sessions) sessions.push_back(id);
      }
      if (users.empty()) continue;
      auto ctx = ctx_;
      ctx_->pool.try_submit([ctx, users = std::move(users), sessions = std::move(sessions)] {
        try {
          ctx->svc->presence_refresh(users);
        } catch (const Unavailable&) {
          // Logged once by the database; the next beat (30 s) refreshes again, well within the
          // 90 s after which a user would count as offline.
        } catch (const std::exception& e) {
          log::error("chat_presence_failed", {{"error", e.what()}});
        }
        try {
          recheck_sessions(ctx, sessions);
        } catch (const std::exception& e) {
          log::error("chat_session_recheck_failed", {{"error", e.what()}});
        }
      });
    }
  }

  std::shared_ptr<Context> ctx_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<SocketService> mount_socket(realtime::Server& io, App& app, WorkerPool& pool,
                                            std::shared_ptr<accounts::SessionAuthenticator> authenticator,
                                            std::shared_ptr<Hub> hub) {
  auto ctx = std::make_shared<Context>(app, pool, std::make_shared<Service>(app), io.of(kNamespace), authenticator);
  io.of(kNamespace).use([ctx, authenticator](Socket socket, realtime::AuthDone done) {
    authenticate(ctx, authenticator, std::move(socket), std::move(done));
  });
  io.on_connection(kNamespace, [ctx](Socket socket) { on_connection(ctx, std::move(socket)); });
  if (hub) hub->attach(&io);
  return std::make_unique<Heartbeat>(ctx);
}

}  // namespace medcore::chat
