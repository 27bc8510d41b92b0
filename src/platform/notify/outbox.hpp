#pragma once
// The one way to send mail: write it to the outbox inside the transaction of the change that
// causes it, so a rolled-back change never mails anyone and a committed one always does.
// Delivery (file, SMTP or SendGrid) is the DeliveryWorker's job (notify/delivery.hpp).
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/notify/model.hpp"

namespace soci {
class session;
}

namespace medcore::notify {

// Mail categories. Users may switch off the optional ones (GET/PATCH /api/v1/me/notifications);
// the others are always sent.
inline constexpr std::string_view kCategoryAccount = "account";            // welcome, doctor review
inline constexpr std::string_view kCategorySecurity = "security";          // password reset: never optional
inline constexpr std::string_view kCategoryAppointments = "appointments";  // confirmed / cancelled
inline constexpr std::string_view kCategoryReminder = "appointments.reminder";  // optional ("reminders")
inline constexpr std::string_view kCategoryChat = "chat";                  // optional ("chat")
inline constexpr std::string_view kCategoryHealth = "health";              // an urgent reading, to treating doctors
inline constexpr std::string_view kCategoryOrders = "orders";
inline constexpr std::string_view kCategoryDiagnostics = "diagnostics";

// True for the categories a user may switch off.
constexpr bool is_optional_category(std::string_view category) {
  return category == kCategoryReminder || category == kCategoryChat;
}

// Mail that quotes a patient's health data (a chat message, an appointment and its reason): it
// goes only to a recipient who may see health data (may_receive_health_data), checked when it is
// queued and again just before it is sent — a doctor suspended in between gets nothing.
constexpr bool carries_health_data(std::string_view category) {
  return category == kCategoryChat || category == kCategoryAppointments || category == kCategoryReminder ||
         category == kCategoryHealth;
}

// Whether a mail of `category` goes to a user with these preferences.
constexpr bool wanted(std::string_view category, const Preferences& p) {
  if (category == kCategoryReminder) return p.reminders;
  if (category == kCategoryChat) return p.chat;
  return true;  // everything else (account, security, ...) cannot be switched off
}

// Whether a user may see health data now. Who may is a medical rule, so notify does not decide it:
// the care feature installs it (care::install gives care::may_see_health_data) before the server
// serves or any background thread starts, and it is never changed while mail flows.
using HealthDataGate = bool (*)(soci::session& sql, std::int64_t user_id);
void set_health_data_gate(HealthDataGate gate);

// The installed gate's answer. Without a gate nobody may: such mail is not queued, and a queued
// one is withdrawn before it is sent. A process that cannot tell who may see health data must not
// mail it; a missing install then shows as mail that never comes (and tests that expect it fail)
// rather than as a patient's health data sent to a suspended doctor. Code that builds the pieces
// by hand (tests/integration) installs the same gate it would get from care::install.
bool may_receive_health_data(soci::session& sql, std::int64_t user_id);

struct Mail {
  std::string category;  // one of the kCategory* constants
  std::string template_name;
  std::optional<std::int64_t> to_user_id;
  std::string to_email;
  boost::json::object data;  // the template's variables (see notify/model_templates.cpp)
};

// Inserts a pending mail, due now, with its Message-ID fixed for every retry; returns its outbox
// id. Call inside the caller's transaction. When the category is optional and the recipient
// (to_user_id) switched it off, or it carries health data the recipient may not see, nothing is
// written and 0 is returned.
std::int64_t enqueue(soci::session& sql, const Mail& mail);

// The recipient's switches (notification_preferences; no row = everything on).
Preferences preferences(soci::session& sql, std::int64_t user_id);

}  // namespace medcore::notify
