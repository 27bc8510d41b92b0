#pragma once
// The one validation style: read a JSON object field by field, collect every problem,
// then finish() throws a single 422 listing all of them (and any field nobody asked for).
#include <boost/json/object.hpp>
#include <cstdint>
#include <date/date.h>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/problem.hpp"

namespace medcore {

// Every text field is NFC-normalised, trimmed and refused when it holds control, invisible or
// text-direction characters (core/text.hpp has the exact rule).
struct TextRule {
  bool required = false;
  std::size_t min = 0;       // in characters (code points), after normalising and trimming
  std::size_t max = 200;
  bool multiline = false;    // allow \n, \r and \t (and the joiners emoji sequences need)
};

struct IntRule {
  bool required = false;
  std::int64_t min = 0;
  std::int64_t max = INT64_MAX;
};

// A request body that must be one JSON object: anything else, invalid UTF-8, nesting deeper than
// max_depth, or a key repeated within one object is 400 malformed-json.
boost::json::object parse_json_object(std::string_view body, std::size_t max_depth);

class JsonInput {
 public:
  // Parses a request body that must be one JSON object; anything else is 400 malformed-json.
  static JsonInput parse(std::string_view body);
  explicit JsonInput(boost::json::object object) : object_(std::move(object)) {}

  std::optional<std::string> text(std::string_view field, TextRule rule);
  std::optional<std::int64_t> integer(std::string_view field, IntRule rule);
  std::optional<bool> boolean(std::string_view field, bool required = false);
  std::optional<std::string> one_of(std::string_view field, std::initializer_list<std::string_view> allowed,
                                    bool required = false);
  // Trimmed and lower-cased; checked for a plausible address shape and, when it is not ASCII, for
  // look-alike scripts (UTS #39, see text::email_spoofing_problem).
  std::optional<std::string> email(std::string_view field, bool required = false);
  // YYYY-MM-DD, a real calendar date.
  std::optional<date::year_month_day> calendar_date(std::string_view field, bool required = false);
  // An IANA time zone name the tz database knows, e.g. "Europe/Lisbon".
  std::optional<std::string> time_zone(std::string_view field, bool required = false);
  // Password: 10-128 characters, kept exactly as given (no trimming).
  std::optional<std::string> password(std::string_view field, bool required = false);
  // A free-form JSON value nobody validates here (caller does); null and absent are both nullptr.
  // The typed readers above refuse an explicit null (422), optional or not.
  const boost::json::value* raw(std::string_view field);

  bool present(std::string_view field) const;  // present and not null
  void fail(std::string field, std::string message);
  bool ok() const { return errors_.empty(); }
  // Throws problems::validation if anything failed or an unknown field was sent.
  void finish();

 private:
  const boost::json::value* lookup(std::string_view field, bool required);
  boost::json::object object_;
  std::set<std::string, std::less<>> seen_;
  std::vector<FieldError> errors_;
};

// Character count of valid UTF-8 (the JSON parser has already rejected invalid UTF-8).
std::size_t utf8_length(std::string_view s);
// Trims ASCII whitespace at both ends.
std::string_view trim(std::string_view s);

}  // namespace medcore
