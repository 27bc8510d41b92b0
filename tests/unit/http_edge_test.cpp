// The HTTP edge rules without a socket: request framing (RFC 9112) and the origin policy.
#include <gtest/gtest.h>

#include <stdexcept>

#include "platform/http/framing.hpp"
#include "platform/http/origin.hpp"

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

TEST(Origin, NormalisedAsRfc6454Serialises) {
  EXPECT_EQ(normalise_origin("https://App.Test"), "https://app.test");
  EXPECT_EQ(normalise_origin("https://app.test:443"), "https://app.test");
  EXPECT_EQ(normalise_origin("http://app.test:80"), "http://app.test");
  EXPECT_EQ(normalise_origin("http://app.test:8080"), "http://app.test:8080");
  EXPECT_EQ(normalise_origin("http://[::1]:8080"), "http://[::1]:8080");
  EXPECT_EQ(normalise_origin("https://app.test/medcore/", true), "https://app.test");
  for (const char* bad : {"null", "", "app.test", "ftp://app.test", "https://app.test/", "https://user@app.test",
                          "https://app.test:99999", "https://:8080", "https://app test", "https://app.test:x"})
    EXPECT_EQ(normalise_origin(bad), std::nullopt) << bad;
}

TEST(Origin, ThePublicUrlAndTheAllowListNotTheRequestsOwnHost) {
  const OriginPolicy p("https://medcore.example/app", "https://staff.medcore.example, http://localhost:5173", false, false);
  EXPECT_TRUE(p.allows("https://medcore.example", "medcore.example", ""));
  EXPECT_TRUE(p.allows("https://MEDCORE.example:443", "anything", ""));
  EXPECT_TRUE(p.allows("https://staff.medcore.example", "medcore.example", ""));
  EXPECT_TRUE(p.allows("http://localhost:5173", "medcore.example", ""));
  // DNS rebinding: the attacker's name in both Origin and Host.
  EXPECT_FALSE(p.allows("http://evil.example", "evil.example", ""));
  EXPECT_FALSE(p.allows("http://evil.example:8080", "evil.example:8080", ""));
  // The scheme counts.
  EXPECT_FALSE(p.allows("http://medcore.example", "medcore.example", ""));
  EXPECT_FALSE(p.allows("null", "medcore.example", ""));
  EXPECT_FALSE(p.allows("https://medcore.example.evil.example", "medcore.example", ""));
}

TEST(Origin, LoopbackOriginsOnlyForTheHostTheyWereSentToWithItsScheme) {
  const OriginPolicy http_site("http://app.test", "", false, false);
  EXPECT_TRUE(http_site.allows("http://127.0.0.1:8080", "127.0.0.1:8080", ""));
  EXPECT_TRUE(http_site.allows("http://localhost:8080", "localhost:8080", ""));
  EXPECT_TRUE(http_site.allows("http://[::1]:8080", "[::1]:8080", ""));
  EXPECT_TRUE(http_site.allows("http://127.0.0.2", "127.0.0.2:80", ""));
  EXPECT_FALSE(http_site.allows("https://127.0.0.1:8080", "127.0.0.1:8080", "")) << "https origin, http site";
  EXPECT_FALSE(http_site.allows("http://localhost:3000", "localhost:8080", "")) << "another local port";
  EXPECT_FALSE(http_site.allows("http://localhost:8080", "127.0.0.1:8080", ""));
  EXPECT_FALSE(http_site.allows("http://127.0.0.1.evil.example:8080", "127.0.0.1.evil.example:8080", ""));
  EXPECT_FALSE(http_site.allows("http://127.0.0.1:8080", "", ""));
  EXPECT_FALSE(http_site.allows("https://127.0.0.1:8080", "127.0.0.1:8080", "https")) << "X-Forwarded-Proto not trusted, still http";
  const OriginPolicy behind_proxy("http://app.test", "", false, true);
  EXPECT_TRUE(behind_proxy.allows("https://localhost:8443", "localhost:8443", "https"));
  EXPECT_FALSE(behind_proxy.allows("http://localhost:8443", "localhost:8443", "https"));
  const OriginPolicy https_site("https://app.test", "", true, false);
  EXPECT_FALSE(https_site.allows("http://127.0.0.1:8080", "127.0.0.1:8080", ""));
  EXPECT_TRUE(https_site.allows("https://127.0.0.1:8080", "127.0.0.1:8080", ""));
  const OriginPolicy nothing_configured;
  EXPECT_FALSE(nothing_configured.allows("http://app.test", "app.test", ""));
}

TEST(Origin, BadSettingsNameTheVariable) {
  try {
    OriginPolicy("http://app.test", "https://ok.example, https://bad.example/path", false, false);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("MEDCORE_ALLOWED_ORIGINS"), std::string::npos) << e.what();
  }
  EXPECT_THROW(OriginPolicy("app.test", "", false, false), std::invalid_argument);
}
