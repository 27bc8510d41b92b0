#pragma once
// All SQL of the chat feature, portable between SQLite and PostgreSQL.
#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/core/roles.hpp"
#include "platform/core/time.hpp"

namespace medcore::chat::store {

struct Message {
  std::int64_t id = 0, conversation_id = 0, sender_id = 0;
  std::string text, client_message_id;
  EpochMs created_at = 0;
};

struct Conversation {
  std::int64_t id = 0, patient_id = 0, doctor_id = 0;
  EpochMs created_at = 0;
  std::string patient_name, doctor_name, doctor_specialty;
  std::optional<Message> last_message;
  // For the user the list/lookup was made for:
  std::int64_t last_read_message_id = 0;        // theirs
  std::int64_t other_last_read_message_id = 0;  // the other participant's
  std::int64_t unread_count = 0;
  EpochMs activity_at = 0;  // the last message's time, or the creation time: the list's order
};

struct UserContact {
  std::int64_t id = 0;
  std::string name, email;
  Role role = Role::patient;
};
std::optional<UserContact> find_user(soci::session& sql, std::int64_t user_id);
// nullopt when the user is no doctor.
std::optional<DoctorStatus> doctor_status(soci::session& sql, std::int64_t user_id);
bool is_patient(soci::session& sql, std::int64_t user_id);

// Creates the pair's conversation unless it exists (ON CONFLICT DO NOTHING); true when created.
bool insert_conversation(soci::session& sql, std::int64_t patient_id, std::int64_t doctor_id, EpochMs now);
std::optional<std::int64_t> find_pair(soci::session& sql, std::int64_t patient_id, std::int64_t doctor_id);
// The conversation as `viewer` sees it (read state, unread count); nullopt when it does not exist.
std::optional<Conversation> find_conversation(soci::session& sql, std::int64_t id, std::int64_t viewer);

// The viewer's conversations, most recent activity first; `after` is the (sort key, id) of the
// last item of the previous page.
std::vector<Conversation> list_conversations(soci::session& sql, std::int64_t viewer, bool viewer_is_doctor,
                                             std::optional<std::pair<EpochMs, std::int64_t>> after, int limit);

std::optional<Message> find_by_client_id(soci::session& sql, std::int64_t sender_id, const std::string& client_message_id);
// Inserts unless the sender already used this client message id; nullopt then.
std::optional<Message> insert_message(soci::session& sql, std::int64_t conversation_id, std::int64_t sender_id,
                                      const std::string& text, const std::string& client_message_id, EpochMs now);
std::optional<Message> find_message(soci::session& sql, std::int64_t conversation_id, std::int64_t message_id);
// Newest first, ids below `before` (0: from the newest).
std::vector<Message> messages_before(soci::session& sql, std::int64_t conversation_id, std::int64_t before, int limit);
// Oldest first, ids above `after`.
std::vector<Message> messages_after(soci::session& sql, std::int64_t conversation_id, std::int64_t after, int limit);

// Moves the user's read mark forward to `message_id` (never back); returns the mark now.
std::int64_t mark_read(soci::session& sql, std::int64_t conversation_id, std::int64_t user_id, std::int64_t message_id,
                       EpochMs now);
std::int64_t unread_count(soci::session& sql, std::int64_t conversation_id, std::int64_t user_id);

// The alert throttle: stamps the recipient's last alert time when none was sent in the last
// `interval`; true when this call stamped it (one conditional UPDATE, so concurrent sends and
// instances send one mail).
bool claim_alert(soci::session& sql, std::int64_t conversation_id, bool recipient_is_doctor, EpochMs now,
                 EpochMs interval);

struct Presence {
  int connections = 0;
  std::optional<EpochMs> last_seen_at;
};
Presence presence(soci::session& sql, std::int64_t user_id);
// Counts a chat connection opening (+1) or closing (-1, never below 0); returns the count now.
int presence_change(soci::session& sql, std::int64_t user_id, int delta, EpochMs now);
// The heartbeat: these users still have connections on this instance.
void presence_refresh(soci::session& sql, const std::vector<std::int64_t>& user_ids, EpochMs now);

}  // namespace medcore::chat::store
