#pragma once
// Request and response as feature code sees them: plain values, no Beast types, so route
// files compile fast and can be unit-tested without a socket.
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace medcore::http {

// application/x-www-form-urlencoded decoding: '+' is a space, %XX a byte; a broken escape is kept as is.
std::string form_decode(std::string_view s);

struct Header {
  std::string name;  // lower-case
  std::string value;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path + query
  std::string path;    // percent-decoded path, no query
  std::string query;   // raw query string (after '?')
  std::vector<Header> headers;
  std::string body;
  std::string remote_ip;
  bool secure = false;  // arrived over TLS (or a trusted proxy said so)

  // First header with that (lower-case) name.
  std::optional<std::string_view> header(std::string_view lower_name) const;
  // The Content-Type's media type, lower-case, without parameters ("" when absent).
  std::string media_type() const;
  // Percent-decoded query parameter; nullopt when absent.
  std::optional<std::string> query_param(std::string_view key) const;
  // Value of one cookie from the Cookie header.
  std::optional<std::string> cookie(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;

  static Response json(int status, const boost::json::value& body);
  static Response no_content();
  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  Response& header(std::string name, std::string value);
  std::optional<std::string_view> find_header(std::string_view lower_name) const;
};

// Set-Cookie values for the session cookie.
struct CookieOptions {
  bool secure = false;
  std::optional<long> max_age_seconds = 0;  // 0 deletes the cookie; nullopt: until the browser closes
};
std::string session_cookie(std::string_view name, std::string_view value, const CookieOptions& options);

}  // namespace medcore::http
