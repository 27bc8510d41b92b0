#include "platform/realtime/dev.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "platform/core/crypto.hpp"
#include "platform/core/log.hpp"
#include "platform/core/worker_pool.hpp"
#include "platform/http/server.hpp"
#include "platform/realtime/blocking.hpp"
#include "platform/realtime/mount.hpp"
#include "platform/realtime/pg_adapter.hpp"
#include "platform/realtime/server.hpp"

namespace medcore::realtime {

struct DevCli {
  CLI::App* echo = nullptr;
  std::string host = "127.0.0.1";
  int port = 3000;
  std::size_t io_threads = 1;
  std::string log_level = "warn";
  int ping_interval_ms = 300;
  int ping_timeout_ms = 200;
  int connect_timeout_ms = 1000;
  std::string adapter_url;
};

std::shared_ptr<DevCli> add_dev_commands(CLI::App* dev) {
  auto cli = std::make_shared<DevCli>();
  cli->echo = dev->add_subcommand("socketio-echo", "Socket.IO conformance/echo server (protocol test suite settings)");
  cli->echo->add_option("--host", cli->host, "Address to listen on");
  cli->echo->add_option("--port", cli->port, "Port to listen on (0 = any free port)")->check(CLI::Range(0, 65535));
  cli->echo->add_option("--io-threads", cli->io_threads, "Network threads")->check(CLI::Range(1, 64));
  cli->echo->add_option("--log-level", cli->log_level, "trace|debug|info|warn|error");
  cli->echo->add_option("--adapter", cli->adapter_url,
                         "postgresql:// URL: fan out broadcasts to every instance on that database (LISTEN/NOTIFY)");
  // The conformance values are the defaults; the benchmark uses Socket.IO's defaults (25 s / 20 s).
  cli->echo->add_option("--ping-interval-ms", cli->ping_interval_ms, "Heartbeat interval")->check(CLI::Range(50, 600000));
  cli->echo->add_option("--ping-timeout-ms", cli->ping_timeout_ms, "Heartbeat timeout")->check(CLI::Range(50, 600000));
  cli->echo->add_option("--connect-timeout-ms", cli->connect_timeout_ms,
                         "Time a connection has to join a namespace")->check(CLI::Range(50, 600000));
  return cli;
}

namespace {

// The conformance behaviour, shared by "/" and "/custom".
void echo_namespace(Server& io, const std::string& nsp) {
  io.on_connection(nsp, [](Socket socket) {
    Payload auth;
    auth.add(socket.handshake().auth);
    socket.emit("auth", std::move(auth));
    socket.on("message", [](Socket self, Payload args, Ack) { self.emit("message-back", std::move(args)); });
    socket.on("message-with-ack", [](Socket, Payload args, Ack ack) { ack(std::move(args)); });
  });
}

// The benchmark's workload: rooms of two; "relay" goes to the other members of the room.
void bench_namespace(Server& io) {
  io.on_connection("/bench", [](Socket socket) {
    socket.on("join", [](Socket self, Payload args, Ack ack) {
      if (!args.args.empty() && args.args[0].is_string()) self.join(std::string(args.args[0].get_string()));
      ack(Payload{});
    });
    socket.on("relay", [](Socket self, Payload args, Ack) {
      if (args.args.empty() || !args.args[0].is_string()) return;
      const std::string room(args.args[0].get_string());
      self.to(room).emit("relay", std::move(args));
    });
  });
}

// Blocking work the way features do it: an auth hook and a handler on a worker pool. Not part of
// the conformance settings; tests/api/realtime-client.test.mjs uses it.
void pool_namespace(Server& io, WorkerPool& pool) {
  io.of("/pool").use(auth_on(pool, [](Socket& socket) -> std::optional<std::string> {
    const auto* auth = socket.handshake().auth.if_object();
    const auto* token = auth ? auth->if_contains("token") : nullptr;
    if (!token || !token->is_string() || token->get_string() != "let-me-in") return std::string("Not authorized");
    socket.set_data(std::make_shared<std::string>("demo-user"));
    return std::nullopt;
  }));
  io.on_connection("/pool", [&pool](Socket socket) {
    Payload user;
    user.add(boost::json::string(*socket.data_as<std::string>()));
    socket.emit("user", std::move(user));
    // "work" (ms): sleeps on a worker (a stand-in for a query), then acks the same number.
    socket.on("work", on_pool(pool, [](Socket, Payload args, Ack ack) {
      const auto* ms = args.args.empty() ? nullptr : args.args[0].if_int64();
      const std::int64_t wait = ms ? std::clamp<std::int64_t>(*ms, 0, 2000) : 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
      Payload done;
      done.add(wait);
      ack(std::move(done));
    }));
  });
}

int run_echo(const DevCli& cli) {
  log::setup(cli.log_level);
  crypto::init();
  Options options;
  options.ping_interval_ms = cli.ping_interval_ms;
  options.ping_timeout_ms = cli.ping_timeout_ms;
  options.max_payload = 1000000;
  options.connect_timeout_ms = cli.connect_timeout_ms;
  options.cors_origin = "*";
  http::Router router;  // nothing but /socket.io/ (everything else is a 404)
  WorkerPool general("general", 1, 64);
  WorkerPool auth("auth", 1, 64);
  http::ServerOptions http_options;
  http_options.host = cli.host;
  http_options.port = static_cast<std::uint16_t>(cli.port);
  http_options.io_threads = cli.io_threads;
  http::Server server(http_options, router, general, auth);
  WorkerPool blocking("realtime", 2, 256);  // outlives io
  // Declared after the HTTP server: its sessions (and their timers) go before the io_context.
  std::shared_ptr<Adapter> adapter;
  if (!cli.adapter_url.empty()) adapter = std::make_shared<PostgresAdapter>(cli.adapter_url);
  Server io(options, adapter);
  echo_namespace(io, "/");
  echo_namespace(io, "/custom");
  bench_namespace(io);
  pool_namespace(io, blocking);
  server.mount_raw("/socket.io/", raw_handler(io));
  server.on_shutdown([&io] { io.close_all(); });
  server.bind();
  std::cout << "socketio-echo listening on " << cli.host << ":" << server.port() << std::endl;
  server.run();
  general.stop();
  auth.stop();
  blocking.stop();
  return 0;
}

}  // namespace

std::optional<int> run_dev_command(const DevCli& cli) {
  if (cli.echo && *cli.echo) return run_echo(cli);
  return std::nullopt;
}

}  // namespace medcore::realtime
