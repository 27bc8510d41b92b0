#pragma once
// Chat use cases, one transaction each: start a conversation, list, history, send (idempotent by
// the client's message id, with the email alert for a recipient who is not connected), read
// marks and presence. Used by the REST routes and the Socket.IO namespace alike; both run it on
// the worker pool, never on an I/O thread.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "platform/app/app.hpp"
#include "features/chat/store.hpp"

namespace medcore::chat {

// Who asks: a patient or an approved doctor (callers check the role before).
struct Caller {
  std::int64_t user_id = 0;
  Role role = Role::patient;
  std::string name;
  bool is_doctor() const { return role == Role::doctor; }
};

class Service {
 public:
  explicit Service(App& app) : app_(app) {}

  struct Started {
    store::Conversation conversation;
    bool created = false;
  };
  // A patient with an approved doctor; a doctor with a patient they treat (an appointment or an
  // earlier conversation). Anyone else: 404.
  Started start(const Caller& caller, std::int64_t other_id);

  std::vector<store::Conversation> list(const Caller& caller, std::optional<std::pair<EpochMs, std::int64_t>> after,
                                        int limit);
  // Participants only; 404 otherwise (ids reveal nothing).
  store::Conversation get(const Caller& caller, std::int64_t conversation_id);

  // Newest first below `before` (0 = from the newest), or oldest first above `after`.
  std::vector<store::Message> history_before(const Caller& caller, std::int64_t conversation_id, std::int64_t before,
                                             int limit);
  std::vector<store::Message> history_after(const Caller& caller, std::int64_t conversation_id, std::int64_t after,
                                            int limit);

  struct Sent {
    store::Message message;
    bool duplicate = false;  // the client message id was used before: the stored message
    std::int64_t recipient_id = 0;
    bool alerted = false;    // an email alert was queued
  };
  // `text` must already have passed check_text; `client_message_id` valid_client_message_id.
  Sent send(const Caller& caller, std::int64_t conversation_id, const std::string& text,
            const std::string& client_message_id);

  struct Read {
    std::int64_t last_read_message_id = 0;
    std::int64_t unread_count = 0;
  };
  // Moves the caller's read mark forward to `message_id` (a message of this conversation).
  Read mark_read(const Caller& caller, std::int64_t conversation_id, std::int64_t message_id);

  // A chat connection of `user_id` opened (+1) or closed (-1); the count over every instance.
  int presence_change(std::int64_t user_id, int delta);
  store::Presence presence(std::int64_t user_id);
  void presence_refresh(const std::vector<std::int64_t>& user_ids);

 private:
  App& app_;
};

}  // namespace medcore::chat
