#pragma once
// Hands the realtime server to the HTTP server's raw mount point:
//   http_server.mount_raw("/socket.io/", realtime::raw_handler(io));
// The realtime::Server must outlive the HTTP server's run().
#include "platform/http/raw_hook.hpp"
#include "platform/realtime/server.hpp"

namespace medcore::realtime {

http::RawHandler raw_handler(Server& server);

}  // namespace medcore::realtime
