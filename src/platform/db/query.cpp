#include "platform/db/query.hpp"

#include <boost/json.hpp>

#include "platform/core/paging.hpp"
#include "platform/core/problem.hpp"
#include "platform/db/database.hpp"

#include <stdexcept>

namespace medcore::db {

Query& Query::sql(std::string_view fragment) {
  sql_ += fragment;
  return *this;
}

Query& Query::value(long long v) {
  sql_ += ":p" + std::to_string(order_.size());
  order_.emplace_back(true, ints_.size());
  ints_.push_back(v);
  return *this;
}

Query& Query::value(std::string v) {
  sql_ += ":p" + std::to_string(order_.size());
  order_.emplace_back(false, texts_.size());
  texts_.push_back(std::move(v));
  return *this;
}

void Query::each(soci::session& session, const std::function<void(const soci::row&)>& on_row) const {
  auto prep = (session.prepare << sql_);
  for (const auto& [is_int, index] : order_) {
    if (is_int) {
      prep, soci::use(ints_[index]);
    } else {
      prep, soci::use(texts_[index]);
    }
  }
  soci::rowset<soci::row> rows(prep);
  for (const auto& row : rows) on_row(row);
}

long long col_int(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) throw std::runtime_error("unexpected NULL in column " + std::to_string(i));
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_integer: return row.get<int>(i);
    case soci::dt_long_long: return row.get<long long>(i);
    case soci::dt_unsigned_long_long: return static_cast<long long>(row.get<unsigned long long>(i));
    case soci::dt_double: return static_cast<long long>(row.get<double>(i));
    case soci::dt_string: return std::stoll(row.get<std::string>(i));
    default: throw std::runtime_error("column " + std::to_string(i) + " is not a number");
  }
}

std::optional<long long> col_opt_int(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return std::nullopt;
  return col_int(row, i);
}

std::string col_text(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) throw std::runtime_error("unexpected NULL in column " + std::to_string(i));
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_string: return row.get<std::string>(i);
    case soci::dt_integer: return std::to_string(row.get<int>(i));
    case soci::dt_long_long: return std::to_string(row.get<long long>(i));
    default: throw std::runtime_error("column " + std::to_string(i) + " is not text");
  }
}

std::optional<std::string> col_opt_text(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return std::nullopt;
  return col_text(row, i);
}

void throw_unexpected_stored(std::string_view text) {
  throw std::runtime_error("unexpected stored value '" + std::string(text) + "' (not one of its enum's names)");
}

boost::json::object newest_first_page(Database& db, Query q, const std::optional<std::string>& cursor, int limit,
                                      const std::function<boost::json::object(const soci::row&)>& to_item) {
  if (cursor) {
    auto key = paging::decode_cursor(*cursor);
    if (key.size() != 1 || !key[0].is_int64()) throw problems::bad_request("cursor is not valid.");
    q.sql(" AND id < ").value(static_cast<long long>(key[0].get_int64()));
  }
  // One row more than asked tells whether another page exists without a COUNT.
  q.sql(" ORDER BY id DESC LIMIT ").value(static_cast<long long>(limit) + 1);

  boost::json::array items;
  std::optional<long long> last_id;
  int n = 0;
  db.read([&](soci::session& sql) {
    q.each(sql, [&](const soci::row& r) {
      if (++n > limit) return;
      auto item = to_item(r);
      last_id = item.at("id").to_number<long long>();
      items.push_back(std::move(item));
    });
  });
  boost::json::object body;
  body["items"] = std::move(items);
  body["next_cursor"] =
      n > limit && last_id ? boost::json::value(paging::encode_cursor({*last_id})) : boost::json::value(nullptr);
  return body;
}

}  // namespace medcore::db
