#include "platform/core/json_input.hpp"

#include "platform/core/text.hpp"
#include "platform/core/time.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <charconv>

namespace medcore {

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string_view trim(std::string_view s) {
  const auto ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

namespace {

// A boost::json::basic_parser handler that builds nothing and only remembers the keys of each
// open object, to find a key sent twice: boost::json::parse keeps the last one silently, so
// {"role":"patient","role":"doctor"} would mean whatever the last parser in a chain decided.
struct DuplicateKeyFinder {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::vector<std::set<std::string, std::less<>>> open;  // one per open object or array
  std::string key;
  std::optional<std::string> duplicate;

  using ec_t = boost::system::error_code;
  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_object_begin(ec_t&) { open.emplace_back(); return true; }
  bool on_object_end(std::size_t, ec_t&) { open.pop_back(); return true; }
  bool on_array_begin(ec_t&) { open.emplace_back(); return true; }
  bool on_array_end(std::size_t, ec_t&) { open.pop_back(); return true; }
  bool on_key_part(boost::json::string_view s, std::size_t, ec_t&) { key.append(s.data(), s.size()); return true; }
  bool on_key(boost::json::string_view s, std::size_t, ec_t& ec) {
    key.append(s.data(), s.size());
    auto& keys = open.back();
    if (keys.contains(key)) {
      duplicate = std::move(key);
      ec = boost::json::error::syntax;  // stops the parser; the caller reads `duplicate`
      return false;
    }
    keys.insert(std::move(key));
    key.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_string(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_number_part(boost::json::string_view, ec_t&) { return true; }
  bool on_int64(std::int64_t, boost::json::string_view, ec_t&) { return true; }
  bool on_uint64(std::uint64_t, boost::json::string_view, ec_t&) { return true; }
  bool on_double(double, boost::json::string_view, ec_t&) { return true; }
  bool on_bool(bool, ec_t&) { return true; }
  bool on_null(ec_t&) { return true; }
  bool on_comment_part(boost::json::string_view, ec_t&) { return true; }
  bool on_comment(boost::json::string_view, ec_t&) { return true; }
};

std::optional<std::string> duplicate_key(std::string_view body, const boost::json::parse_options& opts) {
  boost::json::basic_parser<DuplicateKeyFinder> p(opts);
  boost::system::error_code ec;
  p.write_some(false, body.data(), body.size(), ec);
  return p.handler().duplicate;
}

}  // namespace

boost::json::object parse_json_object(std::string_view body, std::size_t max_depth) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = max_depth;
  boost::json::value v = boost::json::parse(body, ec, {}, opts);
  if (ec) throw problems::malformed_json("The body is not valid JSON: " + ec.message() + ".");
  if (!v.is_object()) throw problems::malformed_json("The body must be a JSON object.");
  // A second, cheap pass over text already known to be valid: the DOM parser cannot report this.
  if (auto key = duplicate_key(body, opts)) {
    std::string shown = key->size() > 64 ? key->substr(0, 64) + "..." : *key;
    auto cleaned = text::clean(shown, text::Lines::single);
    throw problems::malformed_json("The key \"" + cleaned.text.value_or("?") + "\" appears more than once in one object.");
  }
  return std::move(v.as_object());
}

JsonInput JsonInput::parse(std::string_view body) { return JsonInput(parse_json_object(body, 32)); }

bool JsonInput::present(std::string_view field) const {
  auto it = object_.find(field);
  return it != object_.end() && !it->value().is_null();
}

void JsonInput::fail(std::string field, std::string message) {
  errors_.push_back({std::move(field), std::move(message)});
}

const boost::json::value* JsonInput::lookup(std::string_view field, bool required) {
  seen_.emplace(field);
  auto it = object_.find(field);
  if (it == object_.end()) {
    if (required) fail(std::string(field), "is required");
    return nullptr;
  }
  if (it->value().is_null()) {
    // A null is refused, not read as "left out": on a PATCH a client sending null to clear a
    // field would otherwise get 200 with the field unchanged.
    fail(std::string(field), required ? "is required" : "must not be null: leave the field out instead");
    return nullptr;
  }
  return &it->value();
}

const boost::json::value* JsonInput::raw(std::string_view field) {
  // The caller judges the value, null included (some fields document null).
  seen_.emplace(field);
  auto it = object_.find(field);
  if (it == object_.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

std::optional<std::string> JsonInput::text(std::string_view field, TextRule rule) {
  const auto* v = lookup(field, rule.required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(std::string(field), "must be a string");
    return std::nullopt;
  }
  auto cleaned = text::clean(v->get_string(), rule.multiline ? text::Lines::multi : text::Lines::single);
  if (!cleaned.text) {
    fail(std::string(field), std::move(cleaned.problem));
    return std::nullopt;
  }
  const std::size_t len = utf8_length(*cleaned.text);
  if (len < rule.min || (rule.required && len == 0)) {
    fail(std::string(field), rule.min <= 1 ? "must not be empty"
                                           : "must be at least " + std::to_string(rule.min) + " characters");
    return std::nullopt;
  }
  if (len > rule.max) {
    fail(std::string(field), "must be at most " + std::to_string(rule.max) + " characters");
    return std::nullopt;
  }
  return std::move(*cleaned.text);
}

std::optional<std::int64_t> JsonInput::integer(std::string_view field, IntRule rule) {
  const auto* v = lookup(field, rule.required);
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    n = static_cast<std::int64_t>(v->get_uint64());
  } else if (v->is_double() && v->get_double() == static_cast<double>(static_cast<std::int64_t>(v->get_double())) &&
             v->get_double() > -9e15 && v->get_double() < 9e15) {
    n = static_cast<std::int64_t>(v->get_double());
  } else {
    fail(std::string(field), "must be a whole number");
    return std::nullopt;
  }
  if (n < rule.min || n > rule.max) {
    fail(std::string(field), "must be between " + std::to_string(rule.min) + " and " + std::to_string(rule.max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> JsonInput::boolean(std::string_view field, bool required) {
  const auto* v = lookup(field, required);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    fail(std::string(field), "must be true or false");
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::string> JsonInput::one_of(std::string_view field, std::initializer_list<std::string_view> allowed,
                                             bool required) {
  const auto* v = lookup(field, required);
  if (!v) return std::nullopt;
  if (v->is_string()) {
    for (auto a : allowed)
      if (v->get_string() == a) return std::string(a);
  }
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  fail(std::string(field), "must be one of: " + list);
  return std::nullopt;
}

std::optional<std::string> JsonInput::email(std::string_view field, bool required) {
  auto s = text(field, {.required = required, .min = 3, .max = 254});
  if (!s) return std::nullopt;
  std::string e;
  e.reserve(s->size());
  for (char c : *s) e.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  const auto at = e.find('@');
  const bool shape_ok = at != std::string::npos && at > 0 && e.find('@', at + 1) == std::string::npos &&
                        e.find('.', at + 2) != std::string::npos && e.back() != '.' &&
                        e.find_first_of(" \t\"(),:;<>[\\]") == std::string::npos && at <= 64;
  if (!shape_ok) {
    fail(std::string(field), "must be an email address");
    return std::nullopt;
  }
  if (auto problem = text::email_spoofing_problem(e)) {
    fail(std::string(field), std::move(*problem));
    return std::nullopt;
  }
  return e;
}

std::optional<std::string> JsonInput::time_zone(std::string_view field, bool required) {
  auto zone = text(field, TextRule{.required = required, .min = 1, .max = 64});
  if (zone && !is_time_zone(*zone)) {
    fail(std::string(field), "must be an IANA time zone name, e.g. Europe/Lisbon");
    return std::nullopt;
  }
  return zone;
}

std::optional<date::year_month_day> JsonInput::calendar_date(std::string_view field, bool required) {
  const auto* v = lookup(field, required);
  if (!v) return std::nullopt;
  if (v->is_string()) {
    std::string_view s = v->get_string();
    int y = 0;
    unsigned m = 0, d = 0;
    if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
      auto r1 = std::from_chars(s.data(), s.data() + 4, y);
      auto r2 = std::from_chars(s.data() + 5, s.data() + 7, m);
      auto r3 = std::from_chars(s.data() + 8, s.data() + 10, d);
      if (r1.ec == std::errc{} && r2.ec == std::errc{} && r3.ec == std::errc{} && r1.ptr == s.data() + 4 &&
          r2.ptr == s.data() + 7 && r3.ptr == s.data() + 10) {
        date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
        if (ymd.ok()) return ymd;
      }
    }
  }
  fail(std::string(field), "must be a date as YYYY-MM-DD");
  return std::nullopt;
}

std::optional<std::string> JsonInput::password(std::string_view field, bool required) {
  const auto* v = lookup(field, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(std::string(field), "must be a string");
    return std::nullopt;
  }
  std::string_view s = v->get_string();
  const auto len = utf8_length(s);
  if (len < 10) {
    fail(std::string(field), "must be at least 10 characters");
    return std::nullopt;
  }
  if (len > 128) {
    fail(std::string(field), "must be at most 128 characters");
    return std::nullopt;
  }
  return std::string(s);
}

void JsonInput::finish() {
  for (const auto& kv : object_) {
    if (!seen_.contains(kv.key())) fail(std::string(kv.key()), "is not a known field");
  }
  if (!errors_.empty()) throw problems::validation(std::move(errors_));
}

}  // namespace medcore
