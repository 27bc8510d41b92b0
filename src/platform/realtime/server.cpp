#include "platform/realtime/server.hpp"

#include <boost/container/small_vector.hpp>
#include <boost/json.hpp>
#include <deque>

#include "platform/core/crypto.hpp"
#include "platform/core/log.hpp"
#include "platform/core/worker_pool.hpp"
#include "platform/realtime/adapter.hpp"
#include "platform/realtime/engine.hpp"
#include "platform/realtime/mount.hpp"

namespace medcore::realtime {

namespace json = boost::json;

struct NamespaceImpl {
  explicit NamespaceImpl(std::string n) : name(std::move(n)) {}
  const std::string name;
  AuthHook auth;                  // set before serving
  ConnectionHandler on_connection;
  mutable std::mutex mu;          // rooms and sockets
  RoomIndex rooms;
  std::unordered_map<std::string, std::weak_ptr<SocketImpl>> sockets;
};

enum class SocketState { connecting, connected, closed };

struct SocketImpl {
  std::string id;
  NamespaceImpl* ns = nullptr;
  ServerImpl* server = nullptr;
  std::weak_ptr<EngineSession> session;
  Handshake handshake;

  std::mutex mu;  // the fields below
  SocketState state = SocketState::connecting;
  std::map<std::string, EventHandler> handlers;
  std::vector<DisconnectHandler> disconnect_handlers;
  std::map<std::int64_t, AckCallback> acks;
  std::int64_t next_ack = 0;
  std::shared_ptr<void> data;

  // Socket::run_serial: work queued for a worker pool, drained by one task at a time.
  std::mutex serial_mu;
  std::deque<std::function<void()>> serial;
  bool draining = false;

  SocketState current() {
    std::lock_guard lock(mu);
    return state;
  }
  void send(const sio::Packet& p) {
    if (auto s = session.lock()) s->send(sio::encode(p));
  }
};

// One Engine.IO session's Socket.IO state; touched only under the session's inbound lock.
struct Client {
  sio::Decoder decoder;
  std::map<std::string, std::shared_ptr<SocketImpl>> sockets;  // by namespace
};

struct Ack::State {
  std::weak_ptr<SocketImpl> socket;
  std::int64_t id = 0;
  std::atomic<bool> used{false};
};

std::string Handshake::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

struct ServerImpl final : EngineHandler {
  ServerImpl(Options o, std::shared_ptr<Adapter> a)
      : options(std::move(o)),
        adapter(a ? std::move(a) : std::make_shared<InProcessAdapter>()),
        engine(EngineOptions{.handshake = {.ping_interval_ms = options.ping_interval_ms,
                                           .ping_timeout_ms = options.ping_timeout_ms,
                                           .max_payload = options.max_payload},
                             .cors_origin = options.cors_origin,
                             .allow_upgrades = options.allow_upgrades,
                             .max_buffered_bytes = options.max_buffered_bytes},
               *this) {
    adapter->start([this](const BroadcastPacket& b) { deliver_local(b); });
  }
  ~ServerImpl() override { adapter->stop(); }

  Options options;
  std::shared_ptr<Adapter> adapter;
  Engine engine;
  mutable std::mutex ns_mu;
  std::map<std::string, std::unique_ptr<NamespaceImpl>> namespaces;

  NamespaceImpl* find_ns(const std::string& name) const {
    std::lock_guard lock(ns_mu);
    auto it = namespaces.find(name);
    return it == namespaces.end() ? nullptr : it->second.get();
  }

  NamespaceImpl& declare(const std::string& name) {
    std::lock_guard lock(ns_mu);
    auto& slot = namespaces[name];
    if (!slot) slot = std::make_unique<NamespaceImpl>(name);
    return *slot;
  }

  static std::shared_ptr<Client> client_of(const std::shared_ptr<EngineSession>& s) {
    return std::static_pointer_cast<Client>(s->attachment);
  }

  // --- EngineHandler ---
  void on_open(const std::shared_ptr<EngineSession>& s) override {
    s->attachment = std::make_shared<Client>();
    std::weak_ptr<EngineSession> weak = s;
    // A connection that joins no namespace in time is closed (the protocol's connect timeout).
    engine.after(std::chrono::milliseconds(options.connect_timeout_ms), [weak] {
      auto session = weak.lock();
      if (!session) return;
      std::lock_guard lock(session->inbound);
      auto client = client_of(session);
      if (client && client->sockets.empty()) session->close("connect timeout");
    });
  }

  void on_message(const std::shared_ptr<EngineSession>& s, std::string_view data, bool binary) override {
    auto* client = static_cast<Client*>(s->attachment.get());  // kept alive by the session
    if (!client) return;
    auto result = binary ? client->decoder.feed_binary(std::string(data)) : client->decoder.feed_text(data);
    if (result.status == sio::Decoder::Status::need_more) return;
    if (result.status == sio::Decoder::Status::error) {
      log::debug("sio_parse_error", {{"sid", s->sid()}, {"error", result.error}});
      s->close("parse error");
      return;
    }
    try {
      dispatch(s, *client, std::move(result.packet));
    } catch (const std::exception& e) {
      // A feature's handler failed: log it, keep serving the connection.
      log::error("sio_handler_failed", {{"sid", s->sid()}, {"error", e.what()}});
    }
  }

  void on_close(const std::shared_ptr<EngineSession>& s, const std::string& reason) override {
    auto client = client_of(s);
    if (!client) return;
    auto sockets = std::move(client->sockets);
    client->sockets.clear();
    for (auto& [nsp, socket] : sockets) socket_closed(socket, reason);
  }

  // --- packets from a client ---
  void dispatch(const std::shared_ptr<EngineSession>& s, Client& client, sio::Packet p) {
    if (p.type == sio::Type::connect) {
      connect(s, client, std::move(p));
      return;
    }
    auto it = client.sockets.find(p.nsp);
    if (it == client.sockets.end()) return;  // not connected to that namespace: ignored
    auto socket = it->second;
    switch (p.type) {
      case sio::Type::event:
      case sio::Type::binary_event:
        if (socket->current() == SocketState::connected) event(socket, std::move(p));
        break;
      case sio::Type::ack:
      case sio::Type::binary_ack: {
        AckCallback cb;
        {
          std::lock_guard lock(socket->mu);
          auto a = socket->acks.find(*p.id);
          if (a != socket->acks.end()) {
            cb = std::move(a->second);
            socket->acks.erase(a);
          }
        }
        if (cb) cb(Payload{std::move(p.data->as_array()), std::move(p.attachments)});
        break;
      }
      case sio::Type::disconnect:
        client.sockets.erase(it);
        socket_closed(socket, "client namespace disconnect");
        break;
      default:  // CONNECT_ERROR from a client: ignored
        break;
    }
  }

  void connect(const std::shared_ptr<EngineSession>& s, Client& client, sio::Packet p) {
    if (client.sockets.count(p.nsp)) return;  // already connected (or connecting)
    NamespaceImpl* ns = find_ns(p.nsp);
    if (!ns) {
      sio::Packet refuse{sio::Type::connect_error, p.nsp, std::nullopt, json::object{{"message", "Invalid namespace"}},
                         {}};
      s->send(sio::encode(refuse));
      return;
    }
    auto socket = std::make_shared<SocketImpl>();
    socket->id = crypto::random_token(15);
    socket->ns = ns;
    socket->server = this;
    socket->session = s;
    const auto& request = s->request();
    socket->handshake.headers = request.headers;
    socket->handshake.query = request.query;
    socket->handshake.remote_ip = request.remote_ip;
    socket->handshake.auth = sio::connect_auth(p);
    client.sockets[p.nsp] = socket;
    if (!ns->auth) {
      finish_connect(socket, std::nullopt);
      return;
    }
    std::weak_ptr<SocketImpl> weak = socket;
    AuthDone done = [this, weak](std::optional<std::string> error) {
      if (auto sock = weak.lock()) finish_connect(sock, std::move(error));
    };
    ns->auth(Socket(socket), std::move(done));
  }

  // Completes a CONNECT once the auth hook answered (on any thread, possibly later).
  void finish_connect(const std::shared_ptr<SocketImpl>& socket, std::optional<std::string> error) {
    auto s = socket->session.lock();
    if (!s) return;
    std::lock_guard inbound(s->inbound);
    auto client = client_of(s);
    if (!client || s->closed()) return;
    {
      std::lock_guard lock(socket->mu);
      if (socket->state != SocketState::connecting) return;
      socket->state = error ? SocketState::closed : SocketState::connected;
    }
    NamespaceImpl& ns = *socket->ns;
    if (error) {
      if (auto it = client->sockets.find(ns.name); it != client->sockets.end() && it->second == socket)
        client->sockets.erase(it);
      sio::Packet refuse{sio::Type::connect_error, ns.name, std::nullopt, json::object{{"message", *error}}, {}};
      s->send(sio::encode(refuse));
      return;
    }
    {
      std::lock_guard lock(ns.mu);
      ns.sockets[socket->id] = socket;
      ns.rooms.join(socket->id, socket->id);  // every socket is in the room of its own id
    }
    sio::Packet ok{sio::Type::connect, ns.name, std::nullopt, json::object{{"sid", socket->id}}, {}};
    s->send(sio::encode(ok));
    if (ns.on_connection) ns.on_connection(Socket(socket));
  }

  void event(const std::shared_ptr<SocketImpl>& socket, sio::Packet p) {
    auto& args = p.data->as_array();
    const json::value& first = args.front();
    std::string name = first.is_string() ? std::string(first.get_string()) : json::serialize(first);
    args.erase(args.begin());
    EventHandler handler;
    {
      std::lock_guard lock(socket->mu);
      auto it = socket->handlers.find(name);
      if (it != socket->handlers.end()) handler = it->second;
    }
    Ack ack;
    if (p.id) {
      auto state = std::make_shared<Ack::State>();
      state->socket = socket;
      state->id = *p.id;
      ack.state_ = std::move(state);
    }
    if (handler) handler(Socket(socket), Payload{std::move(args), std::move(p.attachments)}, std::move(ack));
  }

  void socket_closed(const std::shared_ptr<SocketImpl>& socket, const std::string& reason) {
    std::vector<DisconnectHandler> hooks;
    {
      std::lock_guard lock(socket->mu);
      const bool was_connected = socket->state == SocketState::connected;
      if (socket->state == SocketState::closed) return;
      socket->state = SocketState::closed;
      if (was_connected) hooks = std::move(socket->disconnect_handlers);
      // Handlers may hold resources (and sockets): let them go now.
      socket->disconnect_handlers.clear();
      socket->handlers.clear();
      socket->acks.clear();
    }
    {
      std::lock_guard lock(socket->ns->mu);
      socket->ns->rooms.leave_all(socket->id);
      socket->ns->sockets.erase(socket->id);
    }
    for (auto& hook : hooks) {
      try {
        hook(Socket(socket), reason);
      } catch (const std::exception& e) {
        log::error("sio_disconnect_handler_failed", {{"error", e.what()}});
      }
    }
  }

  void deliver_local(const BroadcastPacket& b) {
    NamespaceImpl* ns = find_ns(b.nsp);
    if (!ns) return;
    if (b.disconnect) return disconnect_local(*ns, b);
    // Inline room for a conversation's few recipients: no allocation per broadcast.
    boost::container::small_vector<std::shared_ptr<EngineSession>, 4> targets;
    {
      std::lock_guard lock(ns->mu);
      ns->rooms.for_each_selected(b.rooms, b.except_rooms, b.except_sid, [&](const std::string& sid) {
        auto it = ns->sockets.find(sid);
        if (it == ns->sockets.end()) return;
        if (auto socket = it->second.lock())
          if (auto session = socket->session.lock()) targets.push_back(std::move(session));
      });
    }
    for (auto& session : targets) session->send(b.frames);
  }

  // The sockets leave their rooms at once, so no broadcast after this reaches them; the DISCONNECT
  // itself is posted, because closing takes the session's inbound lock and the caller may hold
  // another session's (an inline handler).
  void disconnect_local(NamespaceImpl& ns, const BroadcastPacket& b) {
    std::vector<std::shared_ptr<SocketImpl>> chosen;
    {
      std::lock_guard lock(ns.mu);
      for (const auto& sid : ns.rooms.select(b.rooms, b.except_rooms, b.except_sid)) {
        auto it = ns.sockets.find(sid);
        if (it == ns.sockets.end()) continue;
        if (auto socket = it->second.lock()) chosen.push_back(std::move(socket));
      }
      for (const auto& socket : chosen) ns.rooms.leave_all(socket->id);
    }
    for (auto& socket : chosen) {
      if (auto session = socket->session.lock(); session && !b.frames.empty()) session->send(b.frames);
      std::weak_ptr<SocketImpl> weak = socket;
      engine.after(std::chrono::milliseconds(0), [weak] {
        if (auto s = weak.lock()) Socket(s).disconnect();
      });
    }
  }

  // The event name goes in front of the arguments' own array: an event handed on (as a relay
  // does) still has the room its name took on arrival, so no new array is allocated.
  static sio::Packet event_packet(const std::string& nsp, const std::string& event, Payload payload) {
    json::array data = std::move(payload.args);
    data.insert(data.begin(), json::value(json::string_view(event), data.storage()));
    return sio::Packet{sio::Type::event, nsp, std::nullopt, json::value(std::move(data)),
                       std::move(payload.binaries)};
  }
};

// --- Ack -----------------------------------------------------------------------------------------
void Ack::operator()(Payload payload) const {
  if (!state_ || state_->used.exchange(true)) return;
  auto socket = state_->socket.lock();
  if (!socket || socket->current() != SocketState::connected) return;
  socket->send(sio::Packet{sio::Type::ack, socket->ns->name, state_->id, json::value(std::move(payload.args)),
                           std::move(payload.binaries)});
}

// --- Broadcast -----------------------------------------------------------------------------------
Broadcast& Broadcast::to(std::string room) {
  rooms_.push_back(std::move(room));
  return *this;
}

Broadcast& Broadcast::except(std::string room) {
  except_rooms_.push_back(std::move(room));
  return *this;
}

void Broadcast::emit(const std::string& event, Payload payload) const& {
  Broadcast copy = *this;
  std::move(copy).emit(event, std::move(payload));
}

// `socket.to(room).emit(...)`: the temporary's rooms and sender id move into the packet.
void Broadcast::emit(const std::string& event, Payload payload) && {
  BroadcastPacket b;
  b.frames = sio::encode(ServerImpl::event_packet(nsp_, event, std::move(payload)));
  b.nsp = std::move(nsp_);
  b.rooms = std::move(rooms_);
  b.except_rooms = std::move(except_rooms_);
  b.except_sid = std::move(except_sid_);
  server_->adapter->publish(b);
}

void Broadcast::disconnect_sockets(const std::string& event, Payload payload) const {
  BroadcastPacket b;
  b.nsp = nsp_;
  b.rooms = rooms_;
  b.except_rooms = except_rooms_;
  b.except_sid = except_sid_;
  if (!event.empty()) b.frames = sio::encode(ServerImpl::event_packet(nsp_, event, std::move(payload)));
  b.disconnect = true;
  server_->adapter->publish(b);
}

// --- Socket --------------------------------------------------------------------------------------
const std::string& Socket::id() const { return impl_->id; }
const std::string& Socket::nsp() const { return impl_->ns->name; }
const Handshake& Socket::handshake() const { return impl_->handshake; }
bool Socket::connected() const { return impl_->current() == SocketState::connected; }

void Socket::on(const std::string& event, EventHandler handler) {
  std::lock_guard lock(impl_->mu);
  if (impl_->state != SocketState::closed) impl_->handlers[event] = std::move(handler);
}

void Socket::on_disconnect(DisconnectHandler handler) {
  std::lock_guard lock(impl_->mu);
  if (impl_->state != SocketState::closed) impl_->disconnect_handlers.push_back(std::move(handler));
}

void Socket::emit(const std::string& event, Payload payload) {
  if (!connected()) return;
  impl_->send(ServerImpl::event_packet(impl_->ns->name, event, std::move(payload)));
}

void Socket::emit_with_ack(const std::string& event, Payload payload, AckCallback on_ack) {
  auto packet = ServerImpl::event_packet(impl_->ns->name, event, std::move(payload));
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->state != SocketState::connected) return;
    packet.id = impl_->next_ack++;
    impl_->acks[*packet.id] = std::move(on_ack);
  }
  impl_->send(packet);
}

void Socket::join(const std::string& room) {
  if (!connected()) return;
  std::lock_guard lock(impl_->ns->mu);
  impl_->ns->rooms.join(impl_->id, room);
}

void Socket::leave(const std::string& room) {
  std::lock_guard lock(impl_->ns->mu);
  impl_->ns->rooms.leave(impl_->id, room);
}

Broadcast Socket::to(std::string room) const {
  Broadcast b(impl_->server, impl_->ns->name);
  b.to(std::move(room));
  b.except_sid_ = impl_->id;
  return b;
}

void Socket::disconnect(bool close_connection) {
  auto s = impl_->session.lock();
  if (!s) return;
  std::lock_guard inbound(s->inbound);
  if (impl_->current() == SocketState::connected) {
    impl_->send(sio::Packet{sio::Type::disconnect, impl_->ns->name, std::nullopt, std::nullopt, {}});
    if (auto client = ServerImpl::client_of(s)) {
      auto it = client->sockets.find(impl_->ns->name);
      if (it != client->sockets.end() && it->second == impl_) client->sockets.erase(it);
    }
    impl_->server->socket_closed(impl_, "server namespace disconnect");
  }
  if (close_connection) s->close("forced server close");
}

namespace {
void drain_serial(const std::shared_ptr<SocketImpl>& impl) {
  for (;;) {
    std::function<void()> task;
    {
      std::lock_guard lock(impl->serial_mu);
      if (impl->serial.empty()) {
        impl->draining = false;
        return;
      }
      task = std::move(impl->serial.front());
      impl->serial.pop_front();
    }
    try {
      task();
    } catch (const std::exception& e) {
      log::error("sio_handler_failed", {{"nsp", impl->ns->name}, {"error", e.what()}});
    }
  }
}
}  // namespace

bool Socket::run_serial(WorkerPool& pool, std::function<void()> task) {
  std::lock_guard lock(impl_->serial_mu);
  impl_->serial.push_back(std::move(task));
  if (impl_->draining) return true;
  auto impl = impl_;
  if (!pool.try_submit([impl] { drain_serial(impl); })) {
    impl_->serial.pop_back();
    return false;
  }
  impl_->draining = true;
  return true;
}

void Socket::set_data(std::shared_ptr<void> data) {
  std::lock_guard lock(impl_->mu);
  impl_->data = std::move(data);
}

std::shared_ptr<void> Socket::data() const {
  std::lock_guard lock(impl_->mu);
  return impl_->data;
}

// --- Namespace -----------------------------------------------------------------------------------
Namespace& Namespace::use(AuthHook hook) {
  auto& ns = server_->declare(name_);
  std::lock_guard lock(server_->ns_mu);
  ns.auth = std::move(hook);
  return *this;
}

Namespace& Namespace::on_connection(ConnectionHandler handler) {
  auto& ns = server_->declare(name_);
  std::lock_guard lock(server_->ns_mu);
  ns.on_connection = std::move(handler);
  return *this;
}

Broadcast Namespace::to(std::string room) const {
  Broadcast b(server_, name_);
  b.to(std::move(room));
  return b;
}

void Namespace::emit(const std::string& event, Payload payload) const {
  Broadcast(server_, name_).emit(event, std::move(payload));
}

std::size_t Namespace::connected_count() const {
  NamespaceImpl* ns = server_->find_ns(name_);
  if (!ns) return 0;
  std::lock_guard lock(ns->mu);
  return ns->sockets.size();
}

// --- Server --------------------------------------------------------------------------------------
Server::Server(Options options, std::shared_ptr<Adapter> adapter)
    : impl_(std::make_unique<ServerImpl>(std::move(options), std::move(adapter))) {}

Server::~Server() = default;

Namespace Server::of(const std::string& nsp) {
  const std::string name = nsp.empty() || nsp[0] != '/' ? "/" + nsp : nsp;
  impl_->declare(name);
  return Namespace(impl_.get(), name);
}

std::size_t Server::session_count() const { return impl_->engine.session_count(); }

void Server::close_all() { impl_->engine.close_all("server shutting down"); }

http::RawHandler raw_handler(Server& server) {
  Engine* engine = &server.impl().engine;
  return [engine](boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer, http::RawRequest&& request) {
    return engine->handle(stream, buffer, std::move(request));
  };
}

}  // namespace medcore::realtime
