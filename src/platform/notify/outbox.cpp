#include "platform/notify/outbox.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>
#include <atomic>

#include "platform/core/crypto.hpp"
#include "platform/core/time.hpp"

namespace medcore::notify {

namespace {
std::atomic<HealthDataGate> health_data_gate{nullptr};
}  // namespace

void set_health_data_gate(HealthDataGate gate) { health_data_gate.store(gate); }

bool may_receive_health_data(soci::session& sql, std::int64_t user_id) {
  const HealthDataGate gate = health_data_gate.load();
  return gate != nullptr && gate(sql, user_id);
}

Preferences preferences(soci::session& sql, std::int64_t user_id) {
  Preferences p;
  int reminders = 1, chat = 1;
  const long long uid = user_id;
  sql << "SELECT reminders, chat FROM notification_preferences WHERE user_id = :u", soci::use(uid),
      soci::into(reminders), soci::into(chat);
  if (sql.got_data()) {
    p.reminders = reminders != 0;
    p.chat = chat != 0;
  }
  return p;
}

std::int64_t enqueue(soci::session& sql, const Mail& mail) {
  if (mail.to_user_id && is_optional_category(mail.category)) {
    if (!wanted(mail.category, preferences(sql, *mail.to_user_id))) return 0;
  }
  if (mail.to_user_id && carries_health_data(mail.category) && !may_receive_health_data(sql, *mail.to_user_id))
    return 0;
  const long long now = now_ms();
  // A globally unique Message-ID, fixed at enqueue time so retries are recognisable as one mail.
  const std::string message_id = "<" + crypto::random_token(18) + "@medcore>";
  const std::string data = boost::json::serialize(mail.data);
  long long to_user = mail.to_user_id.value_or(0);
  soci::indicator to_user_ind = mail.to_user_id ? soci::i_ok : soci::i_null;
  long long id = 0;
  sql << "INSERT INTO outbox (created_at, category, template, to_user_id, to_email, data, message_id, status, "
         "attempts, next_attempt_at) VALUES (:created_at, :category, :template, :to_user_id, :to_email, :data, "
         ":message_id, 'pending', 0, :next_attempt_at) RETURNING id",
      soci::use(now), soci::use(mail.category), soci::use(mail.template_name), soci::use(to_user, to_user_ind),
      soci::use(mail.to_email), soci::use(data), soci::use(message_id), soci::use(now), soci::into(id);
  return id;
}

}  // namespace medcore::notify
