#include "features/chat/routes.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "platform/app/app.hpp"
#include "features/chat/model.hpp"
#include "features/chat/service.hpp"
#include "features/chat/socket.hpp"
#include "features/chat/views.hpp"
#include "platform/core/json_input.hpp"
#include "platform/core/paging.hpp"
#include "platform/core/problem.hpp"

namespace medcore::chat {

namespace {

// Patients and approved doctors.
Caller caller_of(const http::Context& ctx) {
  const auto& p = ctx.require_role({Role::patient, Role::doctor});
  return Caller{p.user_id, p.role, p.name};
}

std::optional<std::int64_t> id_param(const http::Request& req, std::string_view key) {
  auto v = req.query_param(key);
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  const auto* b = v->data();
  const auto* e = b + v->size();
  auto [ptr, ec] = std::from_chars(b, e, n);
  if (v->empty() || ec != std::errc{} || ptr != e || n < 0)
    throw problems::bad_request(std::string(key) + " must be a message id (a whole number, 0 or more).");
  return n;
}

}  // namespace

void mount_chat(http::Router& router, App& app, std::shared_ptr<Hub> hub) {
  auto svc = std::make_shared<Service>(app);

  // The caller's conversations, most recent activity first, with the last message and unread count.
  router.get("/api/v1/conversations", [svc](http::Context& ctx) {
    const auto caller = caller_of(ctx);
    const int limit = paging::parse_limit(ctx.request.query_param("limit"), 20, kMaxPageSize);
    std::optional<std::pair<EpochMs, std::int64_t>> after;
    if (auto c = ctx.request.query_param("cursor"); c && !c->empty()) {
      auto key = paging::decode_cursor(*c);
      if (key.size() != 2 || !key[0].is_int64() || !key[1].is_int64()) throw problems::bad_request("cursor is not valid.");
      after = std::make_pair(key[0].as_int64(), key[1].as_int64());
    }
    auto rows = svc->list(caller, after, limit + 1);
    boost::json::value next = nullptr;
    if (rows.size() > static_cast<std::size_t>(limit)) {
      rows.pop_back();
      next = paging::encode_cursor(boost::json::array{rows.back().activity_at, rows.back().id});
    }
    boost::json::array items;
    for (const auto& c : rows) items.push_back(conversation_json(c, caller));
    return http::Response::json(200, boost::json::object{{"items", std::move(items)}, {"next_cursor", next}});
  });

  // Start (or find) the conversation with a doctor (patients) or a patient of yours (doctors).
  router.post("/api/v1/conversations", [svc](http::Context& ctx) {
    const auto caller = caller_of(ctx);
    auto in = JsonInput::parse(ctx.request.body);
    const char* field = caller.is_doctor() ? "patient_id" : "doctor_id";
    auto other = in.integer(field, IntRule{.required = true, .min = 1});
    in.finish();
    auto started = svc->start(caller, *other);
    return http::Response::json(started.created ? 201 : 200, conversation_json(started.conversation, caller));
  });

  router.get("/api/v1/conversations/{id:int}", [svc](http::Context& ctx) {
    const auto caller = caller_of(ctx);
    return http::Response::json(200, conversation_json(svc->get(caller, ctx.params.integer("id")), caller));
  });

  // History: newest first, paged with ?cursor=; or ?after=ID: what came after a message, oldest
  // first (the catch-up after a reconnect), paged with next_cursor as well.
  router.get("/api/v1/conversations/{id:int}/messages", [svc](http::Context& ctx) {
    const auto caller = caller_of(ctx);
    const auto id = ctx.params.integer("id");
    const int limit = paging::parse_limit(ctx.request.query_param("limit"), 50, kMaxPageSize);
    // Where to read from: a cursor (["before"|"after", id]) wins over ?after=.
    bool ascending = false;
    std::int64_t from = 0;
    if (auto after = id_param(ctx.request, "after")) {
      ascending = true;
      from = *after;
    }
    if (auto c = ctx.request.query_param("cursor"); c && !c->empty()) {
      auto key = paging::decode_cursor(*c);
      if (key.size() != 2 || !key[0].is_string() || !key[1].is_int64() || key[1].as_int64() < 0 ||
          (key[0].get_string() != "before" && key[0].get_string() != "after"))
        throw problems::bad_request("cursor is not valid.");
      ascending = key[0].get_string() == "after";
      from = key[1].as_int64();
    }
    auto rows = ascending ? svc->history_after(caller, id, from, limit + 1) : svc->history_before(caller, id, from, limit + 1);
    boost::json::value next = nullptr;
    if (rows.size() > static_cast<std::size_t>(limit)) {
      rows.pop_back();
      next = paging::encode_cursor(boost::json::array{ascending ? "after" : "before", rows.back().id});
    }
    return http::Response::json(200, boost::json::object{{"items", messages_json(rows)}, {"next_cursor", next}});
  });

  // Send over REST (the socket's "send" is the usual way); idempotent by client_message_id.
  router.post("/api/v1/conversations/{id:int}/messages", [svc, hub](http::Context& ctx) {
    const auto caller = caller_of(ctx);
    const auto id = ctx.params.integer("id");
    auto in = JsonInput::parse(ctx.request.body);
    std::optional<std::string> text;
    if (const auto* t = in.raw("text"); t && t->is_string()) {
      auto checked = check_text(t->get_string());
      if (checked.text) text = std::move(checked.text);
      else in.fail("text", checked.error);
    } else {
      in.fail("text", "is required");
    }
    std::optional<std::string> cid;
    if (const auto* c = in.raw("client_message_id"); c && c->is_string() && valid_client_message_id(c->get_string()))
      cid = std::string(c->get_string());
    else
      in.fail("client_message_id", "is required: 1 to 64 characters of A-Z a-z 0-9 _ - . :");
    in.finish();
    const auto sent = svc->send(caller, id, *text, *cid);
    if (!sent.duplicate && hub) {
      const auto patient = caller.is_doctor() ? sent.recipient_id : caller.user_id;
      const auto doctor = caller.is_doctor() ? caller.user_id : sent.recipient_id;
      hub->message(patient, doctor, sent.message);
    }
    return http::Response::json(sent.duplicate ? 200 : 201, message_json(sent.message));
  });

  // Mark read up to a message (never moves back).
  router.post("/api/v1/conversations/{id:int}/read", [svc, hub](http::Context& ctx) {
    const auto caller = caller_of(ctx);
    const auto id = ctx.params.integer("id");
    auto in = JsonInput::parse(ctx.request.body);
    auto mid = in.integer("message_id", IntRule{.required = true, .min = 1});
    in.finish();
    const auto conv = svc->get(caller, id);
    const auto r = svc->mark_read(caller, id, *mid);
    if (hub) hub->read(conv.patient_id, conv.doctor_id, id, caller.user_id, r.last_read_message_id);
    return http::Response::json(200, boost::json::object{{"last_read_message_id", r.last_read_message_id},
                                                         {"unread_count", r.unread_count}});
  });
}

}  // namespace medcore::chat
