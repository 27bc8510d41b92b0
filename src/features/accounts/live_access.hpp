#pragma once
// Open connections (the chat's sockets) follow access changes at once, on every instance. The
// accounts use cases call this after their change committed; whatever holds live connections
// implements it (chat::Hub). A later use case that takes rights away from a user (an admin
// suspending any account, ...) calls access_revoked after its commit and needs nothing else.
#include <cstdint>
#include <memory>
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

// What the accounts routes tell: every holder of live connections that installed itself
// (chat::install adds its hub). Filled while the server is installed, before the first request,
// and never changed after, so telling takes no lock.
class LiveAccessListeners final : public LiveAccess {
 public:
  void add(std::shared_ptr<LiveAccess> listener) { listeners_.push_back(std::move(listener)); }
  void access_revoked(std::int64_t user_id) override {
    for (const auto& l : listeners_) l->access_revoked(user_id);
  }
  void sessions_ended(const std::vector<std::int64_t>& session_ids, std::string_view reason) override {
    for (const auto& l : listeners_) l->sessions_ended(session_ids, reason);
  }

 private:
  std::vector<std::shared_ptr<LiveAccess>> listeners_;
};

}  // namespace medcore::accounts
