#pragma once
// The one way to send mail: write it to the outbox inside the transaction of the change that
// causes it, so a rolled-back change never mails anyone and a committed one always does.
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace soci {
class session;
}

namespace medcore::notify {

struct Mail {
  std::string category;  // "account", "security", "appointments", "chat", ... (user mail preferences)
  std::string template_name;
  std::optional<std::int64_t> to_user_id;
  std::string to_email;
  boost::json::object data;  // the template's variables
};

// Inserts a pending mail, due now; returns its outbox id. Call inside the caller's transaction.
std::int64_t enqueue(soci::session& sql, const Mail& mail);

}  // namespace medcore::notify
