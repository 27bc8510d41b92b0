#include "notify/outbox.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>

#include "core/crypto.hpp"
#include "core/time.hpp"

namespace medcore::notify {

std::int64_t enqueue(soci::session& sql, const Mail& mail) {
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
