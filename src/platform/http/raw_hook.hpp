#pragma once
// The one place Beast types cross the http/ boundary: a handler that takes over requests under
// a path prefix with the raw stream, for protocols that need it (Socket.IO's long-polling and
// WebSocket upgrade at /socket.io/). Only the realtime module includes this.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>

namespace medcore::http {

using RawRequest = boost::beast::http::request<boost::beast::http::string_body>;
// Returns true when the connection stays with the server for the next request (keep-alive);
// false when the handler took the stream over (WebSocket) or closed it.
using RawHandler =
    std::function<boost::asio::awaitable<bool>(boost::beast::tcp_stream&, boost::beast::flat_buffer&, RawRequest&&)>;

}  // namespace medcore::http
