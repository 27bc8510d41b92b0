#pragma once
// Engine.IO v4 server: sessions over HTTP long-polling and WebSocket, the upgrade between them,
// heartbeat, CORS and the protocol's error answers. Internal to src/realtime: features use
// realtime/server.hpp (Socket.IO) instead.
//
// Threads: requests of one session may arrive on several connections, each a coroutine on its
// own strand, so a session's state is guarded by mutexes, never by a strand:
//   - `mu` guards the outbox and transport state (short critical sections, never held while
//     calling out);
//   - `inbound` (recursive) serializes what arrives for the session: the Socket.IO layer and the
//     features' handlers run under it, one packet at a time, in order.
// Lock order: inbound → (namespace locks) → mu. Close callbacks are posted, so they take
// `inbound` with nothing else held.
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "platform/http/raw_hook.hpp"
#include "platform/realtime/model.hpp"

namespace boost::asio {
class io_context;
}

namespace medcore::realtime {

struct EngineOptions {
  eio::HandshakeSettings handshake;
  // "" = no CORS headers; "*" = any origin; otherwise a comma-separated list of allowed origins.
  std::string cors_origin;
  bool allow_upgrades = true;
  std::chrono::milliseconds upgrade_timeout{10000};
  // A session whose unsent packets exceed this is closed (a client that stopped reading).
  std::size_t max_buffered_bytes = 4 * 1024 * 1024;
};

// What a Socket.IO-side handshake sees of the HTTP request that opened the session.
struct RequestInfo {
  std::map<std::string, std::string> headers;  // lower-case names
  std::map<std::string, std::string> query;
  std::string remote_ip;
  std::string header(const std::string& lower_name) const;
};

class EngineSession;

// The layer above (Socket.IO). on_message runs under the session's `inbound` lock; `data` is a
// message packet's data (without the type character), valid for the call only: a WebSocket
// frame is handed over from the read buffer, without a copy.
class EngineHandler {
 public:
  virtual ~EngineHandler() = default;
  virtual void on_open(const std::shared_ptr<EngineSession>& session) = 0;
  virtual void on_message(const std::shared_ptr<EngineSession>& session, std::string_view data, bool binary) = 0;
  virtual void on_close(const std::shared_ptr<EngineSession>& session, const std::string& reason) = 0;
};

class Engine;
struct Waker;

class EngineSession : public std::enable_shared_from_this<EngineSession> {
 public:
  EngineSession(Engine& engine, std::string sid, eio::Transport transport, RequestInfo request);
  ~EngineSession();

  const std::string& sid() const { return sid_; }
  const RequestInfo& request() const { return request_; }
  // Queues packets for the client; thread-safe; dropped when the session is closed.
  void send(const std::vector<eio::Packet>& packets);
  void send(eio::Packet packet);
  // Closes the session (the client is told when a transport is writable).
  void close(const std::string& reason);
  bool closed() const;

  // For the layer above: its per-session state (the Socket.IO client).
  std::shared_ptr<void> attachment;
  std::recursive_mutex inbound;

 // Engine-internal from here on (engine.cpp's coroutines read these under mu_).
  Engine& engine_;
  const std::string sid_;
  const RequestInfo request_;

  mutable std::mutex mu_;
  std::deque<eio::Packet> outbox_;
  std::size_t outbox_bytes_ = 0;
  eio::Transport transport_;
  bool closed_ = false;
  bool upgrading_ = false;
  bool noop_pending_ = false;  // answer the next poll with a noop (upgrade in progress)
  bool poll_active_ = false;
  bool post_active_ = false;
  bool awaiting_pong_ = false;
  std::weak_ptr<Waker> waiter_;        // the pending poll or the WebSocket writer (owned by its coroutine)
  std::shared_ptr<Waker> heartbeat_;   // the heartbeat coroutine's timer

  void close_impl(const std::string& reason, bool tell_client);
};

class Engine {
 public:
  Engine(EngineOptions options, EngineHandler& handler);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The mount point's handler (see http/raw_hook.hpp).
  boost::asio::awaitable<bool> handle(boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
                                      http::RawRequest&& request);
  // Runs `fn` after `delay` on the server's threads (no lock held). Needs a request seen first.
  void after(std::chrono::milliseconds delay, std::function<void()> fn);
  std::size_t session_count() const;
  // Closes every session (server shutdown): WebSockets get a close frame, held polls an answer.
  void close_all(const std::string& reason);
  const EngineOptions& options() const { return options_; }

  // Internal: a session ended (removes it, tells the handler on a fresh stack).
  void closed_session(const std::shared_ptr<EngineSession>& session, const std::string& reason);
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  EngineOptions options_;
  EngineHandler& handler_;
};

}  // namespace medcore::realtime
