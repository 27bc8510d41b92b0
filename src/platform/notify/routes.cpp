#include "platform/notify/routes.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>

#include "platform/db/query.hpp"
#include "platform/app/app.hpp"
#include "platform/audit/audit.hpp"
#include "platform/core/paging.hpp"
#include "platform/core/json_input.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/time.hpp"
#include "platform/http/router.hpp"
#include "platform/notify/model.hpp"
#include "platform/notify/outbox.hpp"

namespace medcore::notify {

namespace {

constexpr const char* kOutboxColumns =
    "SELECT id, created_at, category, template, to_email, status, attempts, next_attempt_at, last_error, "
    "message_id, sent_at FROM outbox";

boost::json::value opt_time(std::optional<long long> t) {
  return t ? boost::json::value(iso8601(*t)) : boost::json::value(nullptr);
}

boost::json::object outbox_json(const soci::row& r) {
  boost::json::object o;
  o["id"] = db::col_int(r, 0);
  o["created_at"] = iso8601(db::col_int(r, 1));
  o["category"] = db::col_text(r, 2);
  o["template"] = db::col_text(r, 3);
  o["to_email"] = db::col_text(r, 4);
  o["status"] = to_string(db::col_enum(r, 5, parse_mail_status));
  o["attempts"] = db::col_int(r, 6);
  o["next_attempt_at"] = iso8601(db::col_int(r, 7));
  auto err = db::col_opt_text(r, 8);
  o["last_error"] = err ? boost::json::value(*err) : boost::json::value(nullptr);
  o["message_id"] = db::col_text(r, 9);
  o["sent_at"] = opt_time(db::col_opt_int(r, 10));
  return o;
}

boost::json::object preferences_json(const Preferences& p) { return {{"reminders", p.reminders}, {"chat", p.chat}}; }

std::optional<boost::json::object> find_outbox(soci::session& sql, long long id) {
  std::optional<boost::json::object> found;
  db::Query q(kOutboxColumns);
  q.sql(" WHERE id = ").value(id);
  q.each(sql, [&](const soci::row& r) { found = outbox_json(r); });
  return found;
}

}  // namespace

void mount_notify(http::Router& router, App& app) {
  router.get("/api/v1/me/notifications", [&app](http::Context& ctx) {
    const auto& p = ctx.user();
    auto prefs = app.db->read([&](soci::session& sql) { return preferences(sql, p.user_id); });
    return http::Response::json(200, preferences_json(prefs));
  });

  router.patch("/api/v1/me/notifications", [&app](http::Context& ctx) {
    const auto& p = ctx.user();
    auto in = JsonInput::parse(ctx.request.body);
    auto reminders = in.boolean("reminders");
    auto chat = in.boolean("chat");
    in.finish();
    auto prefs = app.db->transaction("notify.update_preferences", [&](soci::session& sql) {
      const long long uid = p.user_id;
      const long long now = now_ms();
      int r = reminders.value_or(true) ? 1 : 0;
      int c = chat.value_or(true) ? 1 : 0;
      // Only the fields sent change; the others keep their stored (or default) value.
      std::string sets = "updated_at = excluded.updated_at";
      if (reminders) sets += ", reminders = excluded.reminders";
      if (chat) sets += ", chat = excluded.chat";
      sql << "INSERT INTO notification_preferences (user_id, reminders, chat, updated_at) "
             "VALUES (:u, :r, :c, :t) ON CONFLICT (user_id) DO UPDATE SET " + sets,
          soci::use(uid), soci::use(r), soci::use(c), soci::use(now);
      return preferences(sql, p.user_id);
    });
    return http::Response::json(200, preferences_json(prefs));
  });

  router.get("/api/v1/admin/outbox", [&app](http::Context& ctx) {
    ctx.require_role({Role::admin});
    const auto& req = ctx.request;
    const int limit = paging::parse_limit(req.query_param("limit"));
    db::Query q(kOutboxColumns);
    q.sql(" WHERE 1 = 1");
    if (auto text = req.query_param("status"); text && !text->empty()) {
      const auto status = parse_mail_status(*text);
      if (!status) throw problems::bad_request("status must be pending, sending, sent or dead.");
      q.sql(" AND status = ").value(std::string(to_string(*status)));
    }
    auto body = db::newest_first_page(*app.db, std::move(q), req.query_param("cursor"), limit, outbox_json);
    return http::Response::json(200, body);
  });

  router.post("/api/v1/admin/outbox/{id:int}/retry", [&app](http::Context& ctx) {
    ctx.require_role({Role::admin});
    if (!trim(ctx.request.body).empty()) JsonInput::parse(ctx.request.body).finish();
    const long long id = ctx.params.integer("id");
    auto item = app.db->transaction("notify.retry_mail", [&](soci::session& sql) {
      const long long now = now_ms();
      std::string template_name, data;
      sql << "SELECT template, data FROM outbox WHERE id = :id AND status = 'dead'", soci::use(id),
          soci::into(template_name), soci::into(data);
      if (sql.got_data()) {
        boost::system::error_code ec;
        auto parsed = boost::json::parse(data, ec);
        if (!ec && parsed.is_object() && secrets_removed(template_name, parsed.as_object()))
          throw problems::conflict("mail-redacted",
                                   "This mail carried a one-time link, removed when the mail failed for good; "
                                   "sending it again would send a broken link. The user can ask for a new one.");
      }
      // Only a dead mail goes back to the queue, with a fresh attempt budget and the same Message-ID.
      soci::statement st = (sql.prepare << "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = :now, "
                                           "locked_by = NULL, locked_until = NULL WHERE id = :id AND status = 'dead'",
                            soci::use(now), soci::use(id));
      st.execute(true);
      const bool changed = st.get_affected_rows() == 1;
      auto found = find_outbox(sql, id);
      if (!found) throw problems::not_found("No such mail.");
      if (!changed)
        throw problems::conflict("invalid-transition", "The mail is " + std::string((*found)["status"].as_string()) +
                                                           "; only a dead mail can be retried.");
      long long to_user = 0;
      soci::indicator ind = soci::i_null;
      sql << "SELECT to_user_id FROM outbox WHERE id = :id", soci::use(id), soci::into(to_user, ind);
      std::optional<std::int64_t> subject;
      if (ind == soci::i_ok) subject = to_user;
      audit::record(sql, audit::entry_from(ctx, "admin.mail_retried", subject,
                                           {{"outbox_id", id}, {"template", (*found)["template"]}}));
      return *found;
    });
    return http::Response::json(200, item);
  });
}

}  // namespace medcore::notify
