#include "features/chat/service.hpp"

#include "features/care/relationship.hpp"
#include "features/chat/model.hpp"
#include "platform/core/problem.hpp"
#include "platform/db/database.hpp"
#include "platform/notify/outbox.hpp"

namespace medcore::chat {

namespace {

bool participant(const Caller& c, const store::Conversation& conv) {
  return c.is_doctor() ? conv.doctor_id == c.user_id : conv.patient_id == c.user_id;
}

store::Conversation must_find(soci::session& sql, const Caller& c, std::int64_t id) {
  auto conv = store::find_conversation(sql, id, c.user_id);
  if (!conv || !participant(c, *conv)) throw problems::not_found("No such conversation.");
  return *conv;
}

}  // namespace

Service::Started Service::start(const Caller& caller, std::int64_t other_id) {
  return app_.db->transaction("chat.start", [&](soci::session& sql) {
    std::int64_t patient = 0, doctor = 0;
    if (caller.is_doctor()) {
      if (!store::is_patient(sql, other_id) || !care::doctor_treats_patient(sql, caller.user_id, other_id))
        throw problems::not_found("No patient of yours with this id.");
      patient = other_id;
      doctor = caller.user_id;
    } else {
      if (store::doctor_status(sql, other_id) != DoctorStatus::approved)
        throw problems::not_found("No approved doctor with this id.");
      patient = caller.user_id;
      doctor = other_id;
    }
    Started out;
    out.created = store::insert_conversation(sql, patient, doctor, now_ms());
    const auto id = store::find_pair(sql, patient, doctor);
    out.conversation = *store::find_conversation(sql, *id, caller.user_id);
    return out;
  });
}

std::vector<store::Conversation> Service::list(const Caller& caller,
                                               std::optional<std::pair<EpochMs, std::int64_t>> after, int limit) {
  return app_.db->read([&](soci::session& sql) {
    return store::list_conversations(sql, caller.user_id, caller.is_doctor(), after, limit);
  });
}

store::Conversation Service::get(const Caller& caller, std::int64_t conversation_id) {
  return app_.db->read([&](soci::session& sql) { return must_find(sql, caller, conversation_id); });
}

std::vector<store::Message> Service::history_before(const Caller& caller, std::int64_t conversation_id,
                                                    std::int64_t before, int limit) {
  return app_.db->read([&](soci::session& sql) {
    must_find(sql, caller, conversation_id);
    return store::messages_before(sql, conversation_id, before, limit);
  });
}

std::vector<store::Message> Service::history_after(const Caller& caller, std::int64_t conversation_id,
                                                   std::int64_t after, int limit) {
  return app_.db->read([&](soci::session& sql) {
    must_find(sql, caller, conversation_id);
    return store::messages_after(sql, conversation_id, after, limit);
  });
}

Service::Sent Service::send(const Caller& caller, std::int64_t conversation_id, const std::string& text,
                            const std::string& client_message_id) {
  return app_.db->transaction("chat.send", [&](soci::session& sql) {
    const auto conv = must_find(sql, caller, conversation_id);
    Sent out;
    out.recipient_id = caller.is_doctor() ? conv.patient_id : conv.doctor_id;
    auto stored = store::find_by_client_id(sql, caller.user_id, client_message_id);
    if (!stored) {
      const EpochMs now = now_ms();
      stored = store::insert_message(sql, conversation_id, caller.user_id, text, client_message_id, now);
      if (stored) {
        // The email alert: only for a recipient with no chat connection anywhere, at most one
        // per conversation and recipient in kAlertInterval; preferences are honoured by enqueue.
        const auto seen = store::presence(sql, out.recipient_id);
        if (!presence_online(seen.connections, seen.last_seen_at, now) &&
            store::claim_alert(sql, conversation_id, !caller.is_doctor(), now, kAlertInterval)) {
          if (auto to = store::find_user(sql, out.recipient_id)) {
            boost::json::object data{{"name", to->name},
                                     {"sender_name", caller.is_doctor() ? conv.doctor_name : conv.patient_name},
                                     {"preview", preview(text)},
                                     {"conversation_id", conversation_id}};
            out.alerted = notify::enqueue(sql, notify::Mail{std::string(notify::kCategoryChat), "chat_message",
                                                            to->id, to->email, std::move(data)}) != 0;
          }
        }
        out.message = *stored;
        return out;
      }
      // Another send with this id committed first (ON CONFLICT DO NOTHING): read it.
      stored = store::find_by_client_id(sql, caller.user_id, client_message_id);
      if (!stored) throw problems::conflict("chat-send-race", "Please send the message again.");
    }
    if (stored->conversation_id != conversation_id)
      throw problems::conflict("client-message-id-reused",
                               "This client_message_id was already used for a message in another conversation.");
    out.message = *stored;
    out.duplicate = true;
    return out;
  });
}

Service::Read Service::mark_read(const Caller& caller, std::int64_t conversation_id, std::int64_t message_id) {
  return app_.db->transaction("chat.mark_read", [&](soci::session& sql) {
    must_find(sql, caller, conversation_id);
    if (!store::find_message(sql, conversation_id, message_id))
      throw problems::validation({{"message_id", "is not a message of this conversation"}});
    Read out;
    out.last_read_message_id = store::mark_read(sql, conversation_id, caller.user_id, message_id, now_ms());
    out.unread_count = store::unread_count(sql, conversation_id, caller.user_id);
    return out;
  });
}

int Service::presence_change(std::int64_t user_id, int delta) {
  return app_.db->transaction("chat.presence_change",
                              [&](soci::session& sql) { return store::presence_change(sql, user_id, delta, now_ms()); });
}

void Service::presence_refresh(const std::vector<std::int64_t>& user_ids) {
  if (user_ids.empty()) return;
  app_.db->transaction("chat.presence_refresh",
                       [&](soci::session& sql) { store::presence_refresh(sql, user_ids, now_ms()); });
}

store::Presence Service::presence(std::int64_t user_id) {
  return app_.db->read([&](soci::session& sql) { return store::presence(sql, user_id); });
}

}  // namespace medcore::chat
