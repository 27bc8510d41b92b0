#include <boost/json.hpp>
#include <charconv>

#include "platform/db/query.hpp"
#include "platform/app/app.hpp"
#include "platform/audit/audit.hpp"
#include "platform/core/paging.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/time.hpp"
#include "platform/http/router.hpp"

namespace medcore::audit {

namespace {

std::optional<long long> id_param(const http::Request& req, std::string_view key) {
  auto v = req.query_param(key);
  if (!v || v->empty()) return std::nullopt;
  long long n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || ptr != v->data() + v->size() || n < 1)
    throw problems::bad_request(std::string(key) + " must be a positive whole number.");
  return n;
}

boost::json::object details_of(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

boost::json::value opt(std::optional<long long> v) { return v ? boost::json::value(*v) : boost::json::value(nullptr); }
boost::json::value opt(std::optional<std::string> v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

}  // namespace

void mount_audit(http::Router& router, App& app) {
  router.get("/api/v1/admin/audit", [&app](http::Context& ctx) {
    ctx.require_role({Role::admin});
    const auto& req = ctx.request;
    const int limit = paging::parse_limit(req.query_param("limit"));
    db::Query q(
        "SELECT id, at, actor_user_id, action, subject_user_id, ip, request_id, details FROM audit_log WHERE 1 = 1");
    if (auto action = req.query_param("action"); action && !action->empty()) {
      if (action->size() > 100) throw problems::bad_request("action is too long.");
      q.sql(" AND action = ").value(*action);
    }
    if (auto actor = id_param(req, "actor_id")) q.sql(" AND actor_user_id = ").value(*actor);
    if (auto subject = id_param(req, "subject_id")) q.sql(" AND subject_user_id = ").value(*subject);
    auto body = db::newest_first_page(*app.db, std::move(q), req.query_param("cursor"), limit,
                                      [](const soci::row& r) {
                                        boost::json::object item;
                                        item["id"] = db::col_int(r, 0);
                                        item["at"] = iso8601(db::col_int(r, 1));
                                        item["actor_id"] = opt(db::col_opt_int(r, 2));
                                        item["action"] = db::col_text(r, 3);
                                        item["subject_id"] = opt(db::col_opt_int(r, 4));
                                        item["ip"] = opt(db::col_opt_text(r, 5));
                                        item["request_id"] = opt(db::col_opt_text(r, 6));
                                        item["details"] = details_of(db::col_text(r, 7));
                                        return item;
                                      });
    return http::Response::json(200, body);
  });
}

}  // namespace medcore::audit
