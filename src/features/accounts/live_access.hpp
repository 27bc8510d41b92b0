#pragma once
// Open connections (the chat's sockets) follow access changes at once, on every instance. The
// accounts use cases call this after their change committed; whatever holds live connections
// implements it (chat::Hub). A later use case that takes rights away from a user (an admin
// suspending any account, ...) calls access_revoked after its commit and needs nothing else.
#include <cstdint>
#include <string_view>
#include <vector>

namespace medcore::accounts {

// Why a client's connection ended, as it is told ("session_ended" in docs/API.md).
inline constexpr std::string_view kLoggedOut = "logged_out";
inline constexpr std::string_view kPasswordChanged = "password_changed";
inline constexpr std::string_view kPasswordReset = "password_reset";
inline constexpr std::string_view kAccessRevoked = "access_revoked";

class LiveAccess {
 public:
  virtual ~LiveAccess() = default;
  // The user lost rights their open connections rely on (a doctor suspended or rejected): every
  // connection of theirs ends, whichever session opened it.
  virtual void access_revoked(std::int64_t user_id) = 0;
  // These sessions ended (logout, password change or reset): the connections opened with them
  // end; the user's other sessions keep theirs.
  virtual void sessions_ended(const std::vector<std::int64_t>& session_ids, std::string_view reason) = 0;
};

}  // namespace medcore::accounts
