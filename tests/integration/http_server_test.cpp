// The HTTP server answers a request whose handling throws past every handler's own catch (here an
// exception not derived from std::exception) with a 500 problem and a coroutine_failed log line,
// where it used to close the connection without an answer or a trace. No database involved.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "platform/core/worker_pool.hpp"
#include "platform/http/server.hpp"

namespace medcore::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

struct ThrownByHandler {};  // not a std::exception: dispatch's own catch does not see it

TEST(HttpServer, AnExceptionEscapingTheHandlersIsAnswered500AndReported) {
  Router router;
  RouteOptions anonymous;
  anonymous.authenticate = false;
  router.get("/api/v1/test/throws", [](Context&) -> Response { throw ThrownByHandler{}; }, anonymous);
  router.get("/api/v1/test/fine", [](Context&) { return Response::text(200, "fine"); }, anonymous);
  WorkerPool general("general", 1, 16);
  WorkerPool auth("auth", 1, 16);
  ServerOptions options;
  options.port = 0;
  Server server(options, router, general, auth);
  server.bind();
  std::thread serving([&] { server.run(); });

  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  auto get = [&stream](const std::string& target) {
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    return res;
  };

  testing::internal::CaptureStdout();
  const auto failed = get("/api/v1/test/throws");
  // The same connection serves on.
  const auto fine = get("/api/v1/test/fine");
  server.stop();
  serving.join();
  const std::string log = testing::internal::GetCapturedStdout();

  EXPECT_EQ(failed.result_int(), 500);
  EXPECT_EQ(failed[bhttp::field::content_type], "application/problem+json");
  const auto problem = boost::json::parse(failed.body()).as_object();
  EXPECT_EQ(problem.at("type"), "urn:medcore:problem:internal");
  EXPECT_EQ(problem.at("instance"), "/api/v1/test/throws");
  EXPECT_EQ(fine.result_int(), 200);
  EXPECT_EQ(fine.body(), "fine");

  int reported = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    const auto entry = boost::json::parse(line).as_object();
    if (entry.at("event") != "coroutine_failed") continue;
    ++reported;
    EXPECT_EQ(entry.at("coroutine"), "http.session");
    EXPECT_EQ(entry.at("path"), "/api/v1/test/throws");
    EXPECT_EQ(entry.at("answered"), 500);
    EXPECT_EQ(entry.at("request_id"), problem.at("request_id"));
  }
  EXPECT_EQ(reported, 1) << log;
}

}  // namespace
}  // namespace medcore::http
