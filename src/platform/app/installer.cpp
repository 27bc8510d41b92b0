#include "platform/app/installer.hpp"

#include <stdexcept>

#include "platform/core/metrics.hpp"
#include "platform/http/server.hpp"
#include "platform/realtime/adapter.hpp"
#include "platform/realtime/mount.hpp"
#include "platform/realtime/server.hpp"

namespace medcore {

Installer::Installer(App& a, http::Router& r) : app(a), router(r) {}

Installer::Installer(App& a, http::Router& r, Pools pools, http::Server& server, jobs::Runner* jobs,
                     std::shared_ptr<realtime::Adapter> socket_adapter)
    : app(a),
      router(r),
      pools_(std::make_unique<Pools>(pools)),
      server_(&server),
      jobs_(jobs),
      socket_adapter_(std::move(socket_adapter)) {}

Installer::~Installer() { stop(); }

const Pools& Installer::pools() const {
  if (!pools_) throw std::logic_error("Installer::pools: not serving");
  return *pools_;
}

http::Server& Installer::server() const {
  if (!server_) throw std::logic_error("Installer::server: not serving");
  return *server_;
}

void Installer::gauge(std::string name, std::string help, std::function<double()> read) {
  if (serving()) metrics().gauge(std::move(name), std::move(help), std::move(read));
}

void Installer::wrap_socket_adapter(AdapterLayer layer) {
  if (io_) throw std::logic_error("Installer::wrap_socket_adapter: the Socket.IO server is already made");
  adapter_layers_.push_back(std::move(layer));
}

realtime::Server& Installer::socket_io(const realtime::Options& options) {
  if (io_) return *io_;
  auto& http_server = server();
  auto adapter = socket_adapter_;
  for (auto& layer : adapter_layers_) adapter = layer(std::move(adapter));
  io_ = std::make_unique<realtime::Server>(options, std::move(adapter));
  http_server.mount_raw("/socket.io/", realtime::raw_handler(*io_));
  http_server.on_shutdown([io = io_.get()] { io->close_all(); });
  return *io_;
}

void Installer::on_start(std::function<void()> start) { starts_.push_back(std::move(start)); }

void Installer::on_stop(std::function<void()> stop) { stops_.push_back(std::move(stop)); }

void Installer::start() {
  for (auto& s : starts_) s();
}

void Installer::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto it = stops_.rbegin(); it != stops_.rend(); ++it) (*it)();
}

}  // namespace medcore
