#include "features/chat/views.hpp"

#include "features/chat/model.hpp"

namespace medcore::chat {

boost::json::object message_json(const store::Message& m) {
  return {{"id", m.id},
          {"conversation_id", m.conversation_id},
          {"sender_id", m.sender_id},
          {"text", m.text},
          {"client_message_id", m.client_message_id},
          {"created_at", iso8601(m.created_at)}};
}

boost::json::array messages_json(const std::vector<store::Message>& list) {
  boost::json::array out;
  out.reserve(list.size());
  for (const auto& m : list) out.push_back(message_json(m));
  return out;
}

boost::json::object conversation_json(const store::Conversation& c, const Caller& viewer) {
  const bool doctor = viewer.is_doctor();
  boost::json::object other{{"id", doctor ? c.patient_id : c.doctor_id},
                            {"name", doctor ? c.patient_name : c.doctor_name},
                            {"role", to_string(doctor ? Role::patient : Role::doctor)}};
  if (!doctor) other["specialty"] = c.doctor_specialty;
  return {{"id", c.id},
          {"patient", {{"id", c.patient_id}, {"name", c.patient_name}}},
          {"doctor", {{"id", c.doctor_id}, {"name", c.doctor_name}, {"specialty", c.doctor_specialty}}},
          {"other", std::move(other)},
          {"created_at", iso8601(c.created_at)},
          {"last_message", c.last_message ? boost::json::value(message_json(*c.last_message)) : boost::json::value(nullptr)},
          {"unread_count", c.unread_count},
          {"last_read_message_id", c.last_read_message_id},
          {"other_last_read_message_id", c.other_last_read_message_id}};
}

boost::json::object presence_json(std::int64_t user_id, const store::Presence& p) {
  return {{"user_id", user_id},
          {"online", presence_online(p.connections, p.last_seen_at, now_ms())},
          {"last_seen_at", p.last_seen_at ? boost::json::value(iso8601(*p.last_seen_at)) : boost::json::value(nullptr)}};
}

}  // namespace medcore::chat
