// The HTTP edge rules without a socket: request framing (RFC 9112).
#include <gtest/gtest.h>

#include "http/framing.hpp"

using namespace medcore::http;

namespace {
std::optional<int> framing_status(unsigned version, std::vector<Header> fields) {
  auto p = check_framing(version, fields);
  return p ? std::optional<int>(p->status()) : std::nullopt;
}
}  // namespace

TEST(Framing, TransferEncodingMustBeOneFinalChunkedAndAlone) {
  const Header host{"host", "app.test"};
  EXPECT_EQ(framing_status(11, {host, {"transfer-encoding", "chunked"}}), std::nullopt);
  EXPECT_EQ(framing_status(11, {host, {"transfer-encoding", "Chunked"}}), std::nullopt) << "codings are case-insensitive";
  EXPECT_EQ(framing_status(11, {host, {"transfer-encoding", " , chunked ,"}}), std::nullopt) << "empty list elements";
  EXPECT_EQ(framing_status(11, {host, {"transfer-encoding", "xchunked"}, {"content-length", "5"}}), 400);
  EXPECT_EQ(framing_status(11, {host, {"content-length", "5"}, {"transfer-encoding", "chunked"}}), 400);
  EXPECT_EQ(framing_status(11, {host, {"transfer-encoding", "xchunked"}}), 400);
  EXPECT_EQ(framing_status(11, {host, {"transfer-encoding", "chunked, gzip"}}), 400);
  EXPECT_EQ(framing_status(11, {host, {"transfer-encoding", "chunked"}, {"transfer-encoding", "chunked"}}), 400);
  EXPECT_EQ(framing_status(11, {host, {"transfer-encoding", ""}}), 400);
  EXPECT_EQ(framing_status(11, {host, {"transfer-encoding", "gzip, chunked"}}), 501);
  EXPECT_EQ(framing_status(11, {host, {"transfer-encoding", "gzip"}, {"transfer-encoding", "chunked"}}), 501);
  EXPECT_EQ(framing_status(10, {{"transfer-encoding", "chunked"}}), 400);
  auto p = check_framing(11, {host, {"transfer-encoding", "br, chunked"}});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->slug(), "unsupported-transfer-coding");
}

TEST(Framing, ExactlyOneValidHostOnHttp11) {
  EXPECT_EQ(framing_status(11, {}), 400);
  EXPECT_EQ(framing_status(10, {}), std::nullopt) << "HTTP/1.0 may omit Host";
  EXPECT_EQ(framing_status(10, {{"host", "a"}, {"host", "a"}}), 400);
  EXPECT_EQ(framing_status(11, {{"host", "a"}, {"host", "b"}}), 400);
  for (const char* ok : {"app.test", "app.test:8080", "127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:8080", "",
                         "xn--bcher-kva.example", "a_b.local"})
    EXPECT_EQ(framing_status(11, {{"host", ok}}), std::nullopt) << ok;
  for (const char* bad : {"a b", "user@app.test", "app.test:http", "app.test:123456", "[::1", "[]", "[::1]x",
                          "app.test/path", "app.test?x", "[zz::1]"})
    EXPECT_EQ(framing_status(11, {{"host", bad}}), 400) << bad;
}

TEST(Framing, FoldedLinesAreSeen) {
  EXPECT_FALSE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\r\n"));
  EXPECT_TRUE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n"));
  EXPECT_TRUE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n"));
  EXPECT_TRUE(has_obs_fold("GET / HTTP/1.1\r\n Host: a\r\n\r\n"));
  EXPECT_FALSE(has_obs_fold("GET / HTTP/1.1\r\nX: a  b\t\r\n\r\n")) << "whitespace inside a value is not a fold";
}
