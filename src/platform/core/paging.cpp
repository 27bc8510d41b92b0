#include "platform/core/paging.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "platform/core/crypto.hpp"
#include "platform/core/problem.hpp"

namespace medcore::paging {

int parse_limit(const std::optional<std::string>& text, int default_limit, int max_limit) {
  if (!text) return default_limit;
  int n = 0;
  const auto* b = text->data();
  const auto* e = b + text->size();
  auto [ptr, ec] = std::from_chars(b, e, n);
  if (text->empty() || ec != std::errc{} || ptr != e || n < 1 || n > max_limit)
    throw problems::bad_request("limit must be a whole number from 1 to " + std::to_string(max_limit) + ".");
  return n;
}

std::string encode_cursor(const boost::json::array& key) { return crypto::base64url(boost::json::serialize(key)); }

boost::json::array decode_cursor(std::string_view text) {
  std::string raw;
  if (text.empty() || text.size() > 1024 || !crypto::base64url_decode(text, raw))
    throw problems::bad_request("cursor is not valid.");
  boost::system::error_code ec;
  auto v = boost::json::parse(raw, ec);
  if (ec || !v.is_array()) throw problems::bad_request("cursor is not valid.");
  return std::move(v.as_array());
}

}  // namespace medcore::paging
