#pragma once
// The chat over Socket.IO: the "/chat" namespace on the realtime server of `medcore serve`.
//
// Handshake: the session cookie (same origin only) or `auth: {token}` (the bearer session token);
// patients and approved doctors only, anything else is CONNECT_ERROR. Events and payloads are
// documented in docs/API.md ("Chat"). Every database call runs on the worker pool; the answer
// comes back through the ack or a broadcast.
//
// Access that ends reaches open sockets at once, on every instance: a logout or a password change
// closes the sockets of the sessions it ended (room session:<id>), a suspension every socket of
// the user (room user:<id>) — the client gets "session_ended" {reason}, then DISCONNECT. Behind
// that, every database event and each socket's first moments re-check the session and the
// user's right to chat, so a notice that never arrived (NOTIFY is at most once) still ends the
// socket at its next database event.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "features/accounts/live_access.hpp"
#include "features/chat/model.hpp"
#include "features/chat/store.hpp"

namespace medcore {
struct App;
class WorkerPool;
namespace accounts {
class SessionAuthenticator;
}
namespace realtime {
class Server;
class Adapter;
}
}  // namespace medcore

namespace medcore::chat {

inline constexpr const char* kNamespace = "/chat";

// Broadcasts for changes made over REST (a message sent or a read mark moved), and the end of
// sockets whose access ended (accounts::LiveAccess). Without an attached realtime server
// (`medcore routes`, tests) it does nothing.
class Hub final : public accounts::LiveAccess {
 public:
  void attach(realtime::Server* io) { io_.store(io); }
  void message(std::int64_t patient_id, std::int64_t doctor_id, const store::Message& m) const;
  void read(std::int64_t patient_id, std::int64_t doctor_id, std::int64_t conversation_id, std::int64_t user_id,
            std::int64_t last_read_message_id) const;
  void access_revoked(std::int64_t user_id) override;
  void sessions_ended(const std::vector<std::int64_t>& session_ids, std::string_view reason) override;

 private:
  std::atomic<realtime::Server*> io_{nullptr};
};

// The running namespace: owns the presence heartbeat (a timer thread that hands this instance's
// connected users to the worker pool every kPresenceHeartbeat). Destroy it (or stop()) before the
// worker pool stops.
class SocketService {
 public:
  virtual ~SocketService() = default;
  virtual void stop() = 0;
};

// `inner` (null: the in-process adapter), with every "sessions ended" / "access revoked" broadcast
// it delivers — from this instance or, through PostgreSQL, from another — also told to `also`
// (the accounts read cache, which forgets those sessions and users): one signal for both.
std::shared_ptr<realtime::Adapter> relay_access_changes(std::shared_ptr<realtime::Adapter> inner,
                                                        std::shared_ptr<accounts::LiveAccess> also);

// Declares "/chat" on `io` and attaches the hub to it.
std::unique_ptr<SocketService> mount_socket(realtime::Server& io, App& app, WorkerPool& pool,
                                            std::shared_ptr<accounts::SessionAuthenticator> authenticator,
                                            std::shared_ptr<Hub> hub);

}  // namespace medcore::chat
