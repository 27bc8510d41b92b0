#pragma once
// `medcore dev ...`: development servers. `dev socketio-echo` is the Socket.IO conformance
// server the protocol's public test suite expects of a reference server (and the benchmark's
// target): pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1,000,000, connectTimeout
// 1,000 ms, CORS *; namespaces "/" and "/custom" emit `auth` with the handshake auth on
// connection, echo `message` as `message-back` and answer `message-with-ack` through the ack;
// "/bench" joins rooms and relays to the other members.
#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace medcore::realtime {

struct DevCli;
std::shared_ptr<DevCli> add_dev_commands(CLI::App* dev);
// The exit status of the selected dev command, or nullopt when none was selected.
std::optional<int> run_dev_command(const DevCli& cli);

}  // namespace medcore::realtime
