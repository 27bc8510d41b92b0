#pragma once
// SELECTs whose WHERE clause depends on the request (filters, cursors): the SQL and its bound
// values are built together so placeholders and values cannot drift apart. Rows are read
// through the col_* helpers, which accept whichever integer/text type each backend reports.
#include <soci/soci.h>

#include <boost/json/object.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace medcore::db {

class Query {
 public:
  explicit Query(std::string_view sql) : sql_(sql) {}
  Query& sql(std::string_view fragment);
  // Appends a placeholder to the SQL and binds the value to it.
  Query& value(long long v);
  Query& value(std::string v);
  const std::string& text() const { return sql_; }
  void each(soci::session& session, const std::function<void(const soci::row&)>& on_row) const;

 private:
  std::string sql_;
  // deques: bound values must not move once soci holds references to them
  mutable std::deque<long long> ints_;
  mutable std::deque<std::string> texts_;
  std::vector<std::pair<bool, std::size_t>> order_;  // (is_int, index)
};

long long col_int(const soci::row& row, std::size_t i);
std::optional<long long> col_opt_int(const soci::row& row, std::size_t i);
std::string col_text(const soci::row& row, std::size_t i);
std::optional<std::string> col_opt_text(const soci::row& row, std::size_t i);

// A stored state or role read back into its enum, once, here at the store boundary; the code
// above compares enums. `parse` is the enum's one parser (e.g. parse_role). The migrations' CHECK
// lists admit only the enum's names, so text it refuses means a hand-edited database: that is
// an error (a 500 and a log line), never a guess.
[[noreturn]] void throw_unexpected_stored(std::string_view text);
template <typename E>
E parse_stored(std::optional<E> (*parse)(std::string_view), std::string_view text) {
  if (auto value = parse(text)) return *value;
  throw_unexpected_stored(text);
}
template <typename E>
E col_enum(const soci::row& row, std::size_t i, std::optional<E> (*parse)(std::string_view)) {
  return parse_stored(parse, col_text(row, i));
}
template <typename E>
std::optional<E> col_opt_enum(const soci::row& row, std::size_t i, std::optional<E> (*parse)(std::string_view)) {
  if (row.get_indicator(i) == soci::i_null) return std::nullopt;
  return col_enum(row, i, parse);
}

class Database;

// One page of a list read newest first by id (audit log, outbox). `q` ends inside a WHERE clause;
// this appends the cursor condition, ORDER BY id DESC and LIMIT limit + 1, reads it, and answers
// {items, next_cursor}. `to_item` shapes a row and must put the row's id under "id".
boost::json::object newest_first_page(Database& db, Query q, const std::optional<std::string>& cursor, int limit,
                                      const std::function<boost::json::object(const soci::row&)>& to_item);

}  // namespace medcore::db
