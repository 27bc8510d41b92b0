#include "features/chat/store.hpp"

#include "platform/db/query.hpp"

namespace medcore::chat::store {

using db::col_int;
using db::col_opt_int;
using db::col_opt_text;
using db::col_text;
using db::Query;

namespace {

constexpr const char* kMessageColumns = "SELECT id, conversation_id, sender_id, body, client_message_id, created_at FROM messages ";

Message message_from(const soci::row& r, std::size_t i = 0) {
  Message m;
  m.id = col_int(r, i);
  m.conversation_id = col_int(r, i + 1);
  m.sender_id = col_int(r, i + 2);
  m.text = col_text(r, i + 3);
  m.client_message_id = col_text(r, i + 4);
  m.created_at = col_int(r, i + 5);
  return m;
}

std::vector<Message> messages(soci::session& sql, Query q) {
  std::vector<Message> out;
  q.each(sql, [&](const soci::row& r) { out.push_back(message_from(r)); });
  return out;
}

// Conversations with what the viewer needs: names, last message, both read marks, unread count.
// The viewer's id is bound three times (reads, other's reads, unread count).
Query conversation_query(std::int64_t viewer) {
  Query q(
      "SELECT c.id, c.patient_id, c.doctor_id, c.created_at, pu.name, du.name, d.specialty, "
      "m.id, m.conversation_id, m.sender_id, m.body, m.client_message_id, m.created_at, "
      "COALESCE(r.last_read_message_id, 0), COALESCE(o.last_read_message_id, 0), "
      "(SELECT COUNT(*) FROM messages x WHERE x.conversation_id = c.id AND x.sender_id <> ");
  q.value(viewer);
  q.sql(" AND x.id > COALESCE(r.last_read_message_id, 0)), COALESCE(c.last_message_at, c.created_at) "
        "FROM conversations c "
        "JOIN users pu ON pu.id = c.patient_id JOIN users du ON du.id = c.doctor_id "
        "JOIN doctors d ON d.user_id = c.doctor_id "
        "LEFT JOIN messages m ON m.id = c.last_message_id "
        "LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.user_id = ");
  q.value(viewer);
  q.sql(" LEFT JOIN conversation_reads o ON o.conversation_id = c.id AND o.user_id <> ");
  q.value(viewer);
  q.sql(" WHERE ");
  return q;
}

Conversation conversation_from(const soci::row& r) {
  Conversation c;
  c.id = col_int(r, 0);
  c.patient_id = col_int(r, 1);
  c.doctor_id = col_int(r, 2);
  c.created_at = col_int(r, 3);
  c.patient_name = col_text(r, 4);
  c.doctor_name = col_text(r, 5);
  c.doctor_specialty = col_text(r, 6);
  if (col_opt_int(r, 7)) c.last_message = message_from(r, 7);
  c.last_read_message_id = col_int(r, 13);
  c.other_last_read_message_id = col_int(r, 14);
  c.unread_count = col_int(r, 15);
  c.activity_at = col_int(r, 16);
  return c;
}

}  // namespace

std::optional<UserContact> find_user(soci::session& sql, std::int64_t user_id) {
  std::optional<UserContact> out;
  Query q("SELECT id, name, email, role FROM users WHERE id = ");
  q.value(static_cast<long long>(user_id));
  q.each(sql, [&](const soci::row& r) { out = UserContact{col_int(r, 0), col_text(r, 1), col_text(r, 2), db::col_enum(r, 3, parse_role)}; });
  return out;
}

std::optional<DoctorStatus> doctor_status(soci::session& sql, std::int64_t user_id) {
  std::optional<DoctorStatus> out;
  Query q("SELECT status FROM doctors WHERE user_id = ");
  q.value(static_cast<long long>(user_id));
  q.each(sql, [&](const soci::row& r) { out = db::col_enum(r, 0, parse_doctor_status); });
  return out;
}

bool is_patient(soci::session& sql, std::int64_t user_id) {
  bool found = false;
  Query q("SELECT 1 FROM patients WHERE user_id = ");
  q.value(static_cast<long long>(user_id));
  q.each(sql, [&](const soci::row&) { found = true; });
  return found;
}

bool insert_conversation(soci::session& sql, std::int64_t patient_id, std::int64_t doctor_id, EpochMs now) {
  long long p = patient_id, d = doctor_id, t = now;
  soci::statement st = (sql.prepare << "INSERT INTO conversations (patient_id, doctor_id, created_at) VALUES (:p, :d, :t) "
                                       "ON CONFLICT (patient_id, doctor_id) DO NOTHING",
                        soci::use(p), soci::use(d), soci::use(t));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

std::optional<std::int64_t> find_pair(soci::session& sql, std::int64_t patient_id, std::int64_t doctor_id) {
  std::optional<std::int64_t> out;
  Query q("SELECT id FROM conversations WHERE patient_id = ");
  q.value(static_cast<long long>(patient_id)).sql(" AND doctor_id = ").value(static_cast<long long>(doctor_id));
  q.each(sql, [&](const soci::row& r) { out = col_int(r, 0); });
  return out;
}

std::optional<Conversation> find_conversation(soci::session& sql, std::int64_t id, std::int64_t viewer) {
  std::optional<Conversation> out;
  Query q = conversation_query(viewer);
  q.sql("c.id = ").value(static_cast<long long>(id));
  q.each(sql, [&](const soci::row& r) { out = conversation_from(r); });
  return out;
}

std::vector<Conversation> list_conversations(soci::session& sql, std::int64_t viewer, bool viewer_is_doctor,
                                             std::optional<std::pair<EpochMs, std::int64_t>> after, int limit) {
  std::vector<Conversation> out;
  Query q = conversation_query(viewer);
  q.sql(viewer_is_doctor ? "c.doctor_id = " : "c.patient_id = ").value(static_cast<long long>(viewer));
  if (after) {
    q.sql(" AND (COALESCE(c.last_message_at, c.created_at) < ").value(static_cast<long long>(after->first));
    q.sql(" OR (COALESCE(c.last_message_at, c.created_at) = ").value(static_cast<long long>(after->first));
    q.sql(" AND c.id < ").value(static_cast<long long>(after->second)).sql("))");
  }
  q.sql(" ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC LIMIT ").value(static_cast<long long>(limit));
  q.each(sql, [&](const soci::row& r) { out.push_back(conversation_from(r)); });
  return out;
}

std::optional<Message> find_by_client_id(soci::session& sql, std::int64_t sender_id, const std::string& client_message_id) {
  Query q(std::string(kMessageColumns) + "WHERE sender_id = ");
  q.value(static_cast<long long>(sender_id)).sql(" AND client_message_id = ").value(client_message_id);
  auto found = messages(sql, std::move(q));
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::optional<Message> insert_message(soci::session& sql, std::int64_t conversation_id, std::int64_t sender_id,
                                      const std::string& text, const std::string& client_message_id, EpochMs now) {
  long long c = conversation_id, s = sender_id, t = now, id = 0;
  std::string body = text, cid = client_message_id;
  soci::indicator ind = soci::i_null;
  sql << "INSERT INTO messages (conversation_id, sender_id, body, client_message_id, created_at) "
         "VALUES (:c, :s, :b, :k, :t) ON CONFLICT (sender_id, client_message_id) DO NOTHING RETURNING id",
      soci::use(c), soci::use(s), soci::use(body), soci::use(cid), soci::use(t), soci::into(id, ind);
  if (!sql.got_data() || ind != soci::i_ok) return std::nullopt;
  sql << "UPDATE conversations SET last_message_id = :m, last_message_at = :t WHERE id = :c "
         "AND (last_message_id IS NULL OR last_message_id < :m2)",
      soci::use(id), soci::use(t), soci::use(c), soci::use(id);
  return Message{id, conversation_id, sender_id, text, client_message_id, now};
}

std::optional<Message> find_message(soci::session& sql, std::int64_t conversation_id, std::int64_t message_id) {
  Query q(std::string(kMessageColumns) + "WHERE conversation_id = ");
  q.value(static_cast<long long>(conversation_id)).sql(" AND id = ").value(static_cast<long long>(message_id));
  auto found = messages(sql, std::move(q));
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<Message> messages_before(soci::session& sql, std::int64_t conversation_id, std::int64_t before, int limit) {
  Query q(std::string(kMessageColumns) + "WHERE conversation_id = ");
  q.value(static_cast<long long>(conversation_id));
  if (before > 0) q.sql(" AND id < ").value(static_cast<long long>(before));
  q.sql(" ORDER BY id DESC LIMIT ").value(static_cast<long long>(limit));
  return messages(sql, std::move(q));
}

std::vector<Message> messages_after(soci::session& sql, std::int64_t conversation_id, std::int64_t after, int limit) {
  Query q(std::string(kMessageColumns) + "WHERE conversation_id = ");
  q.value(static_cast<long long>(conversation_id)).sql(" AND id > ").value(static_cast<long long>(after));
  q.sql(" ORDER BY id ASC LIMIT ").value(static_cast<long long>(limit));
  return messages(sql, std::move(q));
}

std::int64_t mark_read(soci::session& sql, std::int64_t conversation_id, std::int64_t user_id, std::int64_t message_id,
                       EpochMs now) {
  long long c = conversation_id, u = user_id, m = message_id, t = now;
  sql << "INSERT INTO conversation_reads (conversation_id, user_id, last_read_message_id, updated_at) "
         "VALUES (:c, :u, :m, :t) ON CONFLICT (conversation_id, user_id) DO UPDATE SET "
         "last_read_message_id = excluded.last_read_message_id, updated_at = excluded.updated_at "
         "WHERE conversation_reads.last_read_message_id < excluded.last_read_message_id",
      soci::use(c), soci::use(u), soci::use(m), soci::use(t);
  std::int64_t mark = 0;
  Query q("SELECT last_read_message_id FROM conversation_reads WHERE conversation_id = ");
  q.value(c).sql(" AND user_id = ").value(u);
  q.each(sql, [&](const soci::row& r) { mark = col_int(r, 0); });
  return mark;
}

std::int64_t unread_count(soci::session& sql, std::int64_t conversation_id, std::int64_t user_id) {
  std::int64_t n = 0;
  Query q("SELECT COUNT(*) FROM messages x WHERE x.conversation_id = ");
  q.value(static_cast<long long>(conversation_id)).sql(" AND x.sender_id <> ").value(static_cast<long long>(user_id));
  q.sql(" AND x.id > COALESCE((SELECT last_read_message_id FROM conversation_reads WHERE conversation_id = x.conversation_id "
        "AND user_id = ")
      .value(static_cast<long long>(user_id))
      .sql("), 0)");
  q.each(sql, [&](const soci::row& r) { n = col_int(r, 0); });
  return n;
}

bool claim_alert(soci::session& sql, std::int64_t conversation_id, bool recipient_is_doctor, EpochMs now,
                 EpochMs interval) {
  long long c = conversation_id, t = now, since = now - interval;
  const std::string column = recipient_is_doctor ? "doctor_alerted_at" : "patient_alerted_at";
  soci::statement st = (sql.prepare << "UPDATE conversations SET " + column + " = :t WHERE id = :c AND (" + column +
                                           " IS NULL OR " + column + " <= :since)",
                        soci::use(t), soci::use(c), soci::use(since));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

Presence presence(soci::session& sql, std::int64_t user_id) {
  Presence p;
  Query q("SELECT connections, last_seen_at FROM chat_presence WHERE user_id = ");
  q.value(static_cast<long long>(user_id));
  q.each(sql, [&](const soci::row& r) {
    p.connections = static_cast<int>(col_int(r, 0));
    p.last_seen_at = col_int(r, 1);
  });
  return p;
}

int presence_change(soci::session& sql, std::int64_t user_id, int delta, EpochMs now) {
  long long u = user_id, t = now;
  int d = delta, start = delta > 0 ? delta : 0;
  sql << "INSERT INTO chat_presence (user_id, connections, last_seen_at) VALUES (:u, :s, :t) "
         "ON CONFLICT (user_id) DO UPDATE SET connections = CASE WHEN chat_presence.connections + :d < 0 THEN 0 "
         "ELSE chat_presence.connections + :d2 END, last_seen_at = excluded.last_seen_at",
      soci::use(u), soci::use(start), soci::use(t), soci::use(d), soci::use(d);
  return presence(sql, user_id).connections;
}

void presence_refresh(soci::session& sql, const std::vector<std::int64_t>& user_ids, EpochMs now) {
  long long t = now, u = 0;
  soci::statement st = (sql.prepare << "UPDATE chat_presence SET last_seen_at = :t WHERE user_id = :u AND connections > 0",
                        soci::use(t), soci::use(u));
  for (const auto id : user_ids) {
    u = id;
    st.execute(true);
  }
}

}  // namespace medcore::chat::store
