#pragma once
// Socket.IO v5 server for features (chat, presence, ...). No Beast here: mounting on the HTTP
// server is realtime/mount.hpp's business.
//
//   realtime::Server io(options);
//   io.of("/chat").use([](realtime::Socket s, realtime::AuthDone done) { ... done(std::nullopt); });
//   io.on_connection("/chat", [](realtime::Socket s) {
//     s.on("send", [](realtime::Socket self, realtime::Payload args, realtime::Ack ack) { ... });
//     s.join("conversation:42");
//     s.on_disconnect([](realtime::Socket self, const std::string& reason) { ... });
//   });
//   io.of("/chat").to("conversation:42").emit("message", payload);
//
// Threads: hooks and handlers run on an I/O thread, one packet of a connection at a time, in
// order. They must not block: database work goes to a WorkerPool, and the answer comes back
// through `ack`, `emit` or `done`, which are safe to call from any thread, later.
// Handlers receive their socket as an argument: do not capture the Socket in a handler stored
// on that same socket (that would be a reference cycle).
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/realtime/model.hpp"

namespace medcore {
class WorkerPool;
}

namespace medcore::realtime {

using sio::Payload;
class Adapter;
struct SocketImpl;
struct ServerImpl;

struct Options {
  int ping_interval_ms = 25000;
  int ping_timeout_ms = 20000;
  std::size_t max_payload = 1000000;
  int connect_timeout_ms = 45000;
  // "" = no CORS headers; "*" = any origin; otherwise a comma-separated list of origins.
  std::string cors_origin;
  bool allow_upgrades = true;
  // Unsent data per connection above which it is closed (a client that stopped reading).
  std::size_t max_buffered_bytes = 4 * 1024 * 1024;
};

// What the client sent when it connected to a namespace.
struct Handshake {
  std::map<std::string, std::string> headers;  // lower-case names (cookie, authorization, origin...)
  std::map<std::string, std::string> query;
  std::string remote_ip;
  boost::json::value auth;  // the CONNECT payload; an empty object when none
  std::string header(const std::string& lower_name) const;
};

// Answers one event once; a no-op when the client asked for no acknowledgement.
class Ack {
 public:
  Ack() = default;
  bool requested() const { return static_cast<bool>(state_); }
  void operator()(Payload payload) const;
  struct State;

 private:
  friend struct ServerImpl;
  std::shared_ptr<State> state_;
};

class Socket;
using EventHandler = std::function<void(Socket self, Payload args, Ack ack)>;
using DisconnectHandler = std::function<void(Socket self, const std::string& reason)>;
using AckCallback = std::function<void(Payload args)>;
// nullopt = accept; a message = refuse (CONNECT_ERROR {"message": ...}).
using AuthDone = std::function<void(std::optional<std::string> error)>;
using AuthHook = std::function<void(Socket socket, AuthDone done)>;
using ConnectionHandler = std::function<void(Socket socket)>;

// An emit to a set of rooms of one namespace, on every instance (through the adapter).
class Broadcast {
 public:
  Broadcast& to(std::string room);
  Broadcast& except(std::string room);
  void emit(const std::string& event, Payload payload = {}) const&;
  void emit(const std::string& event, Payload payload = {}) &&;
  // Socket.IO's disconnectSockets(): every selected socket, on every instance, is sent `event`
  // (unless empty) and then leaves the namespace — the client sees "io server disconnect" and does
  // not reconnect by itself. For access that ended (a logout, a suspended account).
  void disconnect_sockets(const std::string& event = {}, Payload payload = {}) const;

 private:
  friend class Socket;
  friend class Namespace;
  Broadcast(ServerImpl* server, std::string nsp) : server_(server), nsp_(std::move(nsp)) {}
  ServerImpl* server_;
  std::string nsp_;
  std::vector<std::string> rooms_;
  std::vector<std::string> except_rooms_;
  std::string except_sid_;
};

// A handle on one client's connection to one namespace; cheap to copy.
class Socket {
 public:
  explicit Socket(std::shared_ptr<SocketImpl> impl) : impl_(std::move(impl)) {}
  const std::string& id() const;
  const std::string& nsp() const;
  const Handshake& handshake() const;
  bool connected() const;

  void on(const std::string& event, EventHandler handler);
  void on_disconnect(DisconnectHandler handler);
  void emit(const std::string& event, Payload payload = {});
  // Emit and receive the client's acknowledgement.
  void emit_with_ack(const std::string& event, Payload payload, AckCallback on_ack);
  void join(const std::string& room);
  void leave(const std::string& room);
  // Everyone in `room` except this socket.
  Broadcast to(std::string room) const;
  // Leaves the namespace (DISCONNECT to the client); `close_connection` ends the whole connection.
  void disconnect(bool close_connection = false);

  // Runs `task` on `pool` after the tasks this socket queued before it (one at a time, in order).
  // False when the pool's queue is full (the task is dropped). Exceptions are logged.
  bool run_serial(WorkerPool& pool, std::function<void()> task);

  // Per-socket state for features (the authenticated user, ...). Set it in the auth hook.
  void set_data(std::shared_ptr<void> data);
  std::shared_ptr<void> data() const;
  template <class T>
  std::shared_ptr<T> data_as() const { return std::static_pointer_cast<T>(data()); }

 private:
  std::shared_ptr<SocketImpl> impl_;
};

class Namespace {
 public:
  // Runs before each connection; may answer later, from any thread.
  Namespace& use(AuthHook hook);
  Namespace& on_connection(ConnectionHandler handler);
  Broadcast to(std::string room) const;
  void emit(const std::string& event, Payload payload = {}) const;
  std::size_t connected_count() const;

 private:
  friend class Server;
  Namespace(ServerImpl* server, std::string name) : server_(server), name_(std::move(name)) {}
  ServerImpl* server_;
  std::string name_;
};

class Server {
 public:
  // The in-process adapter when `adapter` is null.
  explicit Server(Options options, std::shared_ptr<Adapter> adapter = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Declares (or returns) a namespace; declare every namespace before serving. Connections to
  // a namespace never declared are refused with "Invalid namespace".
  Namespace of(const std::string& nsp);
  void on_connection(const std::string& nsp, ConnectionHandler handler) { of(nsp).on_connection(std::move(handler)); }
  Broadcast to(std::string room) { return of("/").to(std::move(room)); }
  std::size_t session_count() const;
  // Ends every connection ("server shutting down"); clients reconnect elsewhere.
  void close_all();

  ServerImpl& impl() { return *impl_; }

 private:
  std::unique_ptr<ServerImpl> impl_;
};

}  // namespace medcore::realtime
