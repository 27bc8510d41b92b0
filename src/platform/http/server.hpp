#pragma once
// The HTTP server: Beast + Asio with C++20 coroutines, keep-alive, limits and timeouts,
// middleware (request id, access log, security headers, auth rate limit, session, CSRF),
// dispatch of blocking handlers to worker pools, static files and graceful shutdown.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "platform/core/worker_pool.hpp"
#include "platform/http/context.hpp"
#include "platform/http/origin.hpp"
#include "platform/http/raw_hook.hpp"
#include "platform/http/router.hpp"

namespace medcore::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  std::size_t io_threads = 1;
  int read_timeout_seconds = 30;
  int idle_timeout_seconds = 60;
  int shutdown_grace_seconds = 10;
  std::size_t header_limit = 16 * 1024;
  std::string web_root;
  bool trust_proxy = false;
  bool tls_terminated_upstream = false;  // the site is served over HTTPS (MEDCORE_COOKIE_SECURE): HSTS on every answer
  int auth_rate_per_minute = 30;
  OriginPolicy origins;  // who may send unsafe requests with an Origin header
  // Caps on open connections (WebSockets and held polls included), 0 = none. Over a cap a new
  // connection is closed at accept. Per client: an IPv4 address or an IPv6 /64.
  std::size_t max_connections_per_ip = 0;
  std::size_t max_connections = 0;  // all clients: the descriptors left after the process's own needs
  // A second listener for Listener::management and ::both routes (/metrics, the probes): host, port.
  // Without one, the API listener serves Listener::management routes only while it is loopback.
  std::optional<std::pair<std::string, std::uint16_t>> management_listen;
};

// Resolves the caller from the request (session cookie or bearer token). Runs on a worker.
using Authenticator = std::function<std::optional<Principal>(const Request&)>;
// The same from memory only, on an I/O thread (never blocks); `known` false sends the request to
// the worker pool and the full authenticator.
using MemoryAuthenticator = std::function<MemoryAuth(const Request&)>;

class Server {
 public:
  // `inference` serves Pool::inference routes; without it they run on `general`.
  Server(ServerOptions options, const Router& router, WorkerPool& general, WorkerPool& auth,
         WorkerPool* inference = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void set_authenticator(Authenticator authenticator, MemoryAuthenticator from_memory = {});
  // Every request whose path starts with `path_prefix` goes to `handler` with the raw stream.
  void mount_raw(std::string path_prefix, RawHandler handler);
  // Called once when a graceful shutdown starts (the acceptor is closed, in-flight requests are
  // still being served): long-lived connections (WebSockets, held polls) end themselves here.
  void on_shutdown(std::function<void()> hook);

  // Binds the listening socket (throws on failure); port() is known afterwards.
  void bind();
  std::uint16_t port() const;
  std::uint16_t management_port() const;  // 0 without a management listener
  // Serves until SIGINT/SIGTERM or stop(); returns after a graceful shutdown.
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Raises this process's soft RLIMIT_NOFILE to its hard limit; returns the soft limit now in force.
std::size_t raise_open_file_limit();

// "host:port" → (host, port); throws std::invalid_argument.
std::pair<std::string, std::uint16_t> parse_listen_address(const std::string& listen);

}  // namespace medcore::http
