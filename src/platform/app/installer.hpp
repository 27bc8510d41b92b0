#pragma once
// How a feature — and a platform part with routes — installs itself into the process
// (docs/ARCHITECTURE.md, "How a feature installs itself"). Each has one `install(Installer&)`
// (features/<f>/install.hpp, platform/<part>/install.hpp) that mounts its routes and, while the
// server is being set up, registers what else it runs: job handlers, gauges, Socket.IO namespaces,
// background threads and how they stop. `serve()` and `medcore routes` call the installs in one
// order (main.cpp), so a new feature adds one line there and nothing else.
//
// Installs run on the main thread before the server accepts anything; nothing here is locked.
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace medcore {

struct App;
class WorkerPool;
namespace http {
class Router;
class Server;
}  // namespace http
namespace jobs {
class Runner;
}
namespace realtime {
class Adapter;
class Server;
struct Options;
}  // namespace realtime

// The worker pools of `medcore serve` (docs/ARCHITECTURE.md, "Threads and blocking").
struct Pools {
  WorkerPool& general;    // database work, Socket.IO events
  WorkerPool& hashing;    // password hashing
  WorkerPool& inference;  // skin image analyses
};

class Installer {
 public:
  using AdapterLayer = std::function<std::shared_ptr<realtime::Adapter>(std::shared_ptr<realtime::Adapter>)>;

  // `medcore routes`: routes only — no database, pools, server, models or threads. An install
  // mounts its routes and returns when serving() is false.
  Installer(App& app, http::Router& router);
  // `medcore serve`. `jobs` is null when this instance runs no background work
  // (MEDCORE_BACKGROUND=0); `socket_adapter` is what Socket.IO broadcasts go through (null: this
  // instance only).
  Installer(App& app, http::Router& router, Pools pools, http::Server& server, jobs::Runner* jobs,
            std::shared_ptr<realtime::Adapter> socket_adapter);
  // Stops what on_stop() registered if stop() was not called, then destroys the Socket.IO server.
  ~Installer();
  Installer(const Installer&) = delete;
  Installer& operator=(const Installer&) = delete;

  App& app;
  http::Router& router;

  bool serving() const { return server_ != nullptr; }
  // Serving only (std::logic_error otherwise).
  const Pools& pools() const;
  http::Server& server() const;
  // The job handler registry: null unless this instance runs background work. Handlers are
  // registered here; the runner starts after every install.
  jobs::Runner* jobs() const { return jobs_; }
  // True when this instance runs background threads (mail delivery, jobs): serving, with
  // MEDCORE_BACKGROUND on.
  bool runs_background_work() const { return serving() && jobs_ != nullptr; }

  // A gauge on /metrics, read when it is scraped (from any thread). Nothing when not serving.
  void gauge(std::string name, std::string help, std::function<double()> read);

  // Socket.IO at /socket.io/ on the HTTP server, made on the first call with these options (later
  // callers get the same server and their options are not applied). Layers added before that wrap
  // the adapter in order (the last added sees broadcasts first). Serving only.
  void wrap_socket_adapter(AdapterLayer layer);
  realtime::Server& socket_io(const realtime::Options& options);

  // After the listener is bound, in the order registered (background threads start here, so a
  // start that cannot bind its port has started none).
  void on_start(std::function<void()> start);
  // After the server stopped accepting and finished its requests, before the worker pools stop:
  // in reverse order of registration, like destructors.
  void on_stop(std::function<void()> stop);
  void start();
  void stop();

 private:
  std::unique_ptr<Pools> pools_;
  http::Server* server_ = nullptr;
  jobs::Runner* jobs_ = nullptr;
  std::shared_ptr<realtime::Adapter> socket_adapter_;
  std::vector<AdapterLayer> adapter_layers_;
  // Declared before the stops: those (a namespace's heartbeat) go first.
  std::unique_ptr<realtime::Server> io_;
  std::vector<std::function<void()>> starts_;
  std::vector<std::function<void()>> stops_;
  bool stopped_ = false;
};

}  // namespace medcore
