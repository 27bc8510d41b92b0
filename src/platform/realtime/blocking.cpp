#include "platform/realtime/blocking.hpp"

#include <boost/json.hpp>

#include "platform/core/log.hpp"

namespace medcore::realtime {

AuthHook auth_on(WorkerPool& pool, std::function<std::optional<std::string>(Socket& socket)> check) {
  return [&pool, check = std::move(check)](Socket socket, AuthDone done) {
    auto task = [socket, check, done]() mutable {
      std::optional<std::string> verdict;
      try {
        verdict = check(socket);
      } catch (const std::exception& e) {
        log::error("sio_auth_failed", {{"nsp", socket.nsp()}, {"error", e.what()}});
        verdict = "Internal error";
      }
      done(std::move(verdict));
    };
    if (!pool.try_submit(std::move(task))) done(std::string("Server busy"));
  };
}

EventHandler on_pool(WorkerPool& pool, EventHandler handler) {
  return [&pool, handler = std::move(handler)](Socket socket, Payload args, Ack ack) {
    auto task = [handler, socket, args = std::move(args), ack]() mutable { handler(socket, std::move(args), ack); };
    if (!socket.run_serial(pool, std::move(task))) {
      log::warn("sio_pool_full", {{"nsp", socket.nsp()}});
      Payload busy;
      busy.add(boost::json::object{{"error", "overloaded"}});
      ack(std::move(busy));
    }
  };
}

}  // namespace medcore::realtime
