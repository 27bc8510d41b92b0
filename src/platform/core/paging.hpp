#pragma once
// List routes page with ?limit= and an opaque ?cursor= (API conventions in docs/API.md).
#include <boost/json/array.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace medcore::paging {

// ?limit= : 1..100, default 20; anything else is 400 bad-request.
int parse_limit(const std::optional<std::string>& text, int default_limit = 20, int max_limit = 100);
// Opaque cursors: base64url of a small JSON array.
std::string encode_cursor(const boost::json::array& key);
// 400 bad-request when the text is not a cursor we made.
boost::json::array decode_cursor(std::string_view text);

}  // namespace medcore::paging
