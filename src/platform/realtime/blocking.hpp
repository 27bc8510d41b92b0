#pragma once
// Blocking work (database, hashing) for realtime features, off the I/O threads: an auth hook
// and event handlers that run on a WorkerPool, one event of a socket at a time, in arrival
// order (Socket::run_serial). When the pool's queue is full the connection is refused with
// "Server busy", and an event that asked for an ack gets [{"error":"overloaded"}].
#include <functional>
#include <optional>
#include <string>

#include "platform/core/worker_pool.hpp"
#include "platform/realtime/server.hpp"

namespace medcore::realtime {

// `check` runs on `pool`: nullopt accepts, a message refuses (CONNECT_ERROR with that message).
// It may call socket.set_data(...) to keep what it learnt (the user). `pool` must outlive `io`.
AuthHook auth_on(WorkerPool& pool, std::function<std::optional<std::string>(Socket& socket)> check);

// `handler` runs on `pool`, serialized per socket.
EventHandler on_pool(WorkerPool& pool, EventHandler handler);

}  // namespace medcore::realtime
