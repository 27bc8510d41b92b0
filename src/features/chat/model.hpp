#pragma once
// Chat rules without I/O: limits, validation of what a client sends, room names, the email-alert
// throttle and the per-socket rate limit. Tested in tests/unit/chat_model_test.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/core/roles.hpp"
#include "platform/core/time.hpp"

namespace medcore::chat {

inline constexpr std::size_t kMaxMessageChars = 4000;      // code points, after trimming
inline constexpr std::size_t kMaxClientMessageId = 64;     // bytes, [A-Za-z0-9_-:.]
inline constexpr EpochMs kAlertInterval = 15 * 60'000;     // at most one email per conversation and recipient
inline constexpr EpochMs kTypingThrottle = 2'000;          // a "typing: true" per socket and conversation
inline constexpr std::size_t kMaxSocketPayload = 64 * 1024;  // Engine.IO maxPayload on `medcore serve`
inline constexpr std::size_t kPreviewChars = 140;          // of the text in the email alert
inline constexpr int kMaxPageSize = 100;

// The message text as stored: surrounding white space trimmed; nullopt + reason when empty, too
// long, not UTF-8 or holding control characters other than \n and \t.
struct TextCheck {
  std::optional<std::string> text;
  std::string error;
};
TextCheck check_text(std::string_view raw);

// A client message id: 1..64 characters of [A-Za-z0-9_.:-].
bool valid_client_message_id(std::string_view id);

// The first `max` code points of `text` (with "…" when cut), for mail previews.
std::string preview(std::string_view text, std::size_t max = kPreviewChars);

// Whether a recipient who is not connected gets an email now, given the last alert sent.
constexpr bool alert_due(std::optional<EpochMs> last_alert, EpochMs now) {
  return !last_alert || now - *last_alert >= kAlertInterval;
}

// Presence: a user is online while some instance counts an open connection of theirs and has
// refreshed it recently (every instance refreshes its users every kPresenceHeartbeat). An instance
// that dies without closing its sockets stops refreshing, so its users fall offline after
// kPresenceStale instead of staying "online" forever.
inline constexpr EpochMs kPresenceHeartbeat = 30'000;
inline constexpr EpochMs kPresenceStale = 3 * kPresenceHeartbeat;
constexpr bool presence_online(int connections, std::optional<EpochMs> refreshed_at, EpochMs now) {
  return connections > 0 && refreshed_at && now - *refreshed_at < kPresenceStale;
}

// Who may chat: patients, and doctors while an admin's approval stands.
constexpr bool may_chat(Role role, std::optional<DoctorStatus> doctor_status) {
  return role == Role::patient || (role == Role::doctor && doctor_status == DoctorStatus::approved);
}

// Room names.
std::string conversation_room(std::int64_t conversation_id);
std::string user_room(std::int64_t user_id);
std::string presence_room(std::int64_t user_id);
std::string session_room(std::int64_t session_id);  // the sockets opened with one sign-in session

// A token bucket for one socket: `per_second` events on average, bursts up to `burst`.
class SocketBudget {
 public:
  SocketBudget(double per_second, double burst) : rate_(per_second / 1000.0), burst_(burst), tokens_(burst) {}
  bool take(EpochMs now);

 private:
  double rate_, burst_, tokens_;
  EpochMs updated_ = 0;
};

}  // namespace medcore::chat
