#include "features/accounts/store.hpp"

#include "platform/db/query.hpp"

namespace medcore::accounts::store {

using db::col_enum;
using db::col_int;
using db::col_opt_enum;
using db::col_opt_int;
using db::col_opt_text;
using db::col_text;
using db::Query;

namespace {

constexpr const char* kUserColumns =
    "SELECT u.id, u.email, u.name, u.role, u.phone, u.created_at, "
    "p.date_of_birth, p.sex, "
    "d.specialty, d.licence_number, d.years_experience, d.bio, d.consultation_fee_cents, d.date_of_birth, d.sex, "
    "d.status, d.status_reason, d.reviewed_at, p.time_zone "
    "FROM users u LEFT JOIN patients p ON p.user_id = u.id LEFT JOIN doctors d ON d.user_id = u.id ";

DoctorProfile doctor_from(const soci::row& r, std::size_t i) {
  DoctorProfile d;
  d.specialty = col_text(r, i);
  d.licence_number = col_text(r, i + 1);
  d.years_experience = col_int(r, i + 2);
  d.bio = col_text(r, i + 3);
  d.consultation_fee_cents = col_int(r, i + 4);
  d.date_of_birth = col_opt_text(r, i + 5);
  d.sex = col_opt_text(r, i + 6);
  d.status = col_enum(r, i + 7, parse_doctor_status);
  d.status_reason = col_opt_text(r, i + 8);
  d.reviewed_at = col_opt_int(r, i + 9);
  return d;
}

User user_from(const soci::row& r) {
  User u;
  u.id = col_int(r, 0);
  u.email = col_text(r, 1);
  u.name = col_text(r, 2);
  u.role = col_enum(r, 3, parse_role);
  u.phone = col_opt_text(r, 4);
  u.created_at = col_int(r, 5);
  if (r.get_indicator(6) != soci::i_null) u.patient = PatientProfile{col_text(r, 6), col_text(r, 7), col_text(r, 18)};
  if (r.get_indicator(8) != soci::i_null) u.doctor = doctor_from(r, 8);
  return u;
}

constexpr const char* kDoctorColumns =
    "SELECT u.id, u.name, u.email, u.phone, u.created_at, "
    "d.specialty, d.licence_number, d.years_experience, d.bio, d.consultation_fee_cents, d.date_of_birth, d.sex, "
    "d.status, d.status_reason, d.reviewed_at "
    "FROM doctors d JOIN users u ON u.id = d.user_id ";

DoctorView doctor_view_from(const soci::row& r) {
  DoctorView v;
  v.id = col_int(r, 0);
  v.name = col_text(r, 1);
  v.email = col_text(r, 2);
  v.phone = col_opt_text(r, 3);
  v.created_at = col_int(r, 4);
  v.profile = doctor_from(r, 5);
  return v;
}

std::optional<Credentials> credentials(soci::session& sql, Query q) {
  std::optional<Credentials> found;
  q.each(sql, [&](const soci::row& r) {
    found = Credentials{col_int(r, 0), col_text(r, 1), col_text(r, 2), col_enum(r, 3, parse_role), col_text(r, 4)};
  });
  return found;
}

soci::indicator ind(bool present) { return present ? soci::i_ok : soci::i_null; }

}  // namespace

// ---- users -----------------------------------------------------------------------------------

std::optional<User> find_user(soci::session& sql, std::int64_t user_id) {
  std::optional<User> found;
  Query(kUserColumns).sql("WHERE u.id = ").value(static_cast<long long>(user_id)).each(sql, [&](const soci::row& r) {
    found = user_from(r);
  });
  return found;
}

std::optional<Credentials> find_credentials_by_email(soci::session& sql, const std::string& email) {
  return credentials(sql, std::move(Query("SELECT id, email, name, role, password_hash FROM users WHERE email = ").value(email)));
}

std::optional<Credentials> find_credentials_by_id(soci::session& sql, std::int64_t user_id) {
  return credentials(
      sql, std::move(Query("SELECT id, email, name, role, password_hash FROM users WHERE id = ").value(static_cast<long long>(user_id))));
}

long long count_users(soci::session& sql) {
  long long n = 0;
  Query("SELECT COUNT(*) FROM users").each(sql, [&](const soci::row& r) { n = col_int(r, 0); });
  return n;
}

std::int64_t insert_user(soci::session& sql, const NewUser& user, EpochMs now) {
  const long long at = now;
  std::string phone = user.phone.value_or("");
  soci::indicator phone_ind = ind(user.phone.has_value());
  const std::string role(to_string(user.role));
  long long id = 0;
  sql << "INSERT INTO users (email, password_hash, role, name, phone, created_at, updated_at, password_changed_at) "
         "VALUES (:email, :hash, :role, :name, :phone, :created, :updated, :changed) RETURNING id",
      soci::use(user.email), soci::use(user.password_hash), soci::use(role), soci::use(user.name),
      soci::use(phone, phone_ind), soci::use(at), soci::use(at), soci::use(at), soci::into(id);
  return id;
}

void insert_patient(soci::session& sql, std::int64_t user_id, const PatientProfile& profile) {
  const long long id = user_id;
  sql << "INSERT INTO patients (user_id, date_of_birth, sex, time_zone) VALUES (:id, :dob, :sex, :tz)", soci::use(id),
      soci::use(profile.date_of_birth), soci::use(profile.sex), soci::use(profile.time_zone);
}

void insert_doctor(soci::session& sql, std::int64_t user_id, const DoctorProfile& profile) {
  const long long id = user_id;
  const long long years = profile.years_experience;
  const long long fee = profile.consultation_fee_cents;
  std::string dob = profile.date_of_birth.value_or("");
  std::string sex = profile.sex.value_or("");
  soci::indicator dob_ind = ind(profile.date_of_birth.has_value());
  soci::indicator sex_ind = ind(profile.sex.has_value());
  std::string reason = profile.status_reason.value_or("");
  soci::indicator reason_ind = ind(profile.status_reason.has_value());
  long long reviewed_at = profile.reviewed_at.value_or(0);
  soci::indicator reviewed_ind = ind(profile.reviewed_at.has_value());
  const std::string status(to_string(profile.status));
  sql << "INSERT INTO doctors (user_id, specialty, licence_number, years_experience, bio, consultation_fee_cents, "
         "date_of_birth, sex, status, status_reason, reviewed_at) VALUES (:id, :specialty, :licence, :years, :bio, "
         ":fee, :dob, :sex, :status, :reason, :reviewed_at)",
      soci::use(id), soci::use(profile.specialty), soci::use(profile.licence_number), soci::use(years),
      soci::use(profile.bio), soci::use(fee), soci::use(dob, dob_ind), soci::use(sex, sex_ind),
      soci::use(status), soci::use(reason, reason_ind), soci::use(reviewed_at, reviewed_ind);
}

void insert_admin(soci::session& sql, std::int64_t user_id, std::optional<std::int64_t> created_by) {
  const long long id = user_id;
  long long by = created_by.value_or(0);
  soci::indicator by_ind = ind(created_by.has_value());
  sql << "INSERT INTO admins (user_id, created_by) VALUES (:id, :by)", soci::use(id), soci::use(by, by_ind);
}

void update_profile(soci::session& sql, std::int64_t user_id, const ProfilePatch& patch, EpochMs now) {
  const long long id = user_id;
  const long long at = now;
  // COALESCE keeps what the patch leaves out, in one statement per table (no read-modify-write).
  {
    std::string name = patch.name.value_or("");
    std::string phone = patch.phone.value_or("");
    soci::indicator name_ind = ind(patch.name.has_value());
    soci::indicator phone_ind = ind(patch.phone.has_value());
    sql << "UPDATE users SET name = COALESCE(:name, name), phone = COALESCE(:phone, phone), updated_at = :at "
           "WHERE id = :id",
        soci::use(name, name_ind), soci::use(phone, phone_ind), soci::use(at), soci::use(id);
  }
  if (patch.date_of_birth || patch.sex || patch.time_zone) {
    std::string dob = patch.date_of_birth.value_or("");
    std::string sex = patch.sex.value_or("");
    std::string zone = patch.time_zone.value_or("");
    soci::indicator dob_ind = ind(patch.date_of_birth.has_value());
    soci::indicator sex_ind = ind(patch.sex.has_value());
    soci::indicator zone_ind = ind(patch.time_zone.has_value());
    sql << "UPDATE patients SET date_of_birth = COALESCE(:dob, date_of_birth), sex = COALESCE(:sex, sex), "
           "time_zone = COALESCE(:tz, time_zone) WHERE user_id = :id",
        soci::use(dob, dob_ind), soci::use(sex, sex_ind), soci::use(zone, zone_ind), soci::use(id);
  }
  if (patch.bio || patch.years_experience || patch.consultation_fee_cents) {
    std::string bio = patch.bio.value_or("");
    long long years = patch.years_experience.value_or(0);
    long long fee = patch.consultation_fee_cents.value_or(0);
    soci::indicator bio_ind = ind(patch.bio.has_value());
    soci::indicator years_ind = ind(patch.years_experience.has_value());
    soci::indicator fee_ind = ind(patch.consultation_fee_cents.has_value());
    sql << "UPDATE doctors SET bio = COALESCE(:bio, bio), years_experience = COALESCE(:years, years_experience), "
           "consultation_fee_cents = COALESCE(:fee, consultation_fee_cents) WHERE user_id = :id",
        soci::use(bio, bio_ind), soci::use(years, years_ind), soci::use(fee, fee_ind), soci::use(id);
  }
}

bool update_password(soci::session& sql, std::int64_t user_id, const std::string& new_hash,
                     const std::optional<std::string>& expected_old_hash, EpochMs now) {
  const long long id = user_id;
  const long long at = now;
  if (expected_old_hash) {
    soci::statement st = (sql.prepare << "UPDATE users SET password_hash = :hash, password_changed_at = :changed, "
                                         "updated_at = :updated WHERE id = :id AND password_hash = :old",
                          soci::use(new_hash), soci::use(at), soci::use(at), soci::use(id),
                          soci::use(*expected_old_hash));
    st.execute(true);
    return st.get_affected_rows() == 1;
  }
  soci::statement st = (sql.prepare << "UPDATE users SET password_hash = :hash, password_changed_at = :changed, "
                                       "updated_at = :updated WHERE id = :id",
                        soci::use(new_hash), soci::use(at), soci::use(at), soci::use(id));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

// ---- sessions --------------------------------------------------------------------------------

std::int64_t insert_session(soci::session& sql, const NewSession& s) {
  const long long user = s.user_id;
  const long long created = s.times.created_at;
  const long long seen = s.times.last_seen_at;
  const long long expires = s.times.expires_at;
  const long long absolute = s.times.absolute_expires_at;
  std::string ip = s.ip;
  // User agents are attacker-chosen bytes: keep printable ASCII only (anything else could be
  // invalid UTF-8, which PostgreSQL refuses) and only as much as "where am I signed in" needs.
  std::string agent;
  for (char c : s.user_agent) {
    if (agent.size() >= 512) break;
    agent.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  }
  soci::indicator ip_ind = ind(!ip.empty());
  soci::indicator agent_ind = ind(!agent.empty());
  long long id = 0;
  sql << "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, ip, "
         "user_agent) VALUES (:hash, :user, :created, :seen, :expires, :absolute, :ip, :agent) RETURNING id",
      soci::use(s.token_hash), soci::use(user), soci::use(created), soci::use(seen), soci::use(expires),
      soci::use(absolute), soci::use(ip, ip_ind), soci::use(agent, agent_ind), soci::into(id);
  return id;
}

namespace {

constexpr const char* kSessionLookup =
    "SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.absolute_expires_at, s.revoked_at, "
    "u.role, u.email, u.name, d.status FROM sessions s JOIN users u ON u.id = s.user_id "
    "LEFT JOIN doctors d ON d.user_id = u.id WHERE ";

SessionLookup session_lookup(const soci::row& r) {
  SessionLookup l;
  l.session_id = col_int(r, 0);
  l.user_id = col_int(r, 1);
  l.times = {col_int(r, 2), col_int(r, 3), col_int(r, 4), col_int(r, 5)};
  l.revoked_at = col_opt_int(r, 6);
  l.role = col_enum(r, 7, parse_role);
  l.email = col_text(r, 8);
  l.name = col_text(r, 9);
  l.doctor_status = col_opt_enum(r, 10, parse_doctor_status);
  return l;
}

}  // namespace

std::optional<SessionLookup> find_session(soci::session& sql, const std::string& token_hash) {
  std::optional<SessionLookup> found;
  Query(std::string(kSessionLookup) + "s.token_hash = ")
      .value(token_hash)
      .each(sql, [&](const soci::row& r) { found = session_lookup(r); });
  return found;
}

std::vector<SessionLookup> find_sessions(soci::session& sql, const std::vector<std::int64_t>& session_ids) {
  std::vector<SessionLookup> found;
  if (session_ids.empty()) return found;
  Query q(std::string(kSessionLookup) + "s.id IN (");
  for (std::size_t i = 0; i < session_ids.size(); ++i) {
    if (i) q.sql(", ");
    q.value(static_cast<long long>(session_ids[i]));
  }
  q.sql(")").each(sql, [&](const soci::row& r) { found.push_back(session_lookup(r)); });
  return found;
}

bool touch_session(soci::session& sql, std::int64_t session_id, EpochMs now, EpochMs new_expires_at,
                   EpochMs touched_before) {
  const long long id = session_id;
  const long long at = now;
  const long long expires = new_expires_at;
  const long long before = touched_before;
  soci::statement st = (sql.prepare << "UPDATE sessions SET last_seen_at = :at, expires_at = :expires "
                                       "WHERE id = :id AND revoked_at IS NULL AND last_seen_at <= :before "
                                       "AND expires_at > :now",
                        soci::use(at), soci::use(expires), soci::use(id), soci::use(before), soci::use(at));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

bool revoke_session(soci::session& sql, std::int64_t session_id, EpochMs now) {
  const long long id = session_id;
  const long long at = now;
  soci::statement st = (sql.prepare << "UPDATE sessions SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL",
                        soci::use(at), soci::use(id));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

std::vector<std::int64_t> revoke_user_sessions(soci::session& sql, std::int64_t user_id, EpochMs now) {
  const long long id = user_id;
  const long long at = now;
  std::vector<std::int64_t> revoked;
  soci::rowset<soci::row> rows =
      (sql.prepare << "UPDATE sessions SET revoked_at = :at WHERE user_id = :id AND revoked_at IS NULL RETURNING id",
       soci::use(at), soci::use(id));
  for (const auto& r : rows) revoked.push_back(col_int(r, 0));
  return revoked;
}

// ---- password reset tokens --------------------------------------------------------------------

void insert_reset_token(soci::session& sql, const std::string& token_hash, std::int64_t user_id, EpochMs now,
                        EpochMs expires_at) {
  const long long user = user_id;
  const long long created = now;
  const long long expires = expires_at;
  sql << "INSERT INTO password_tokens (token_hash, user_id, purpose, created_at, expires_at) "
         "VALUES (:hash, :user, 'reset', :created, :expires)",
      soci::use(token_hash), soci::use(user), soci::use(created), soci::use(expires);
}

std::optional<std::int64_t> find_usable_reset_token(soci::session& sql, const std::string& token_hash, EpochMs now) {
  std::optional<std::int64_t> user;
  Query("SELECT user_id FROM password_tokens WHERE purpose = 'reset' AND used_at IS NULL AND token_hash = ")
      .value(token_hash)
      .sql(" AND expires_at > ")
      .value(static_cast<long long>(now))
      .each(sql, [&](const soci::row& r) { user = col_int(r, 0); });
  return user;
}

std::optional<std::int64_t> consume_reset_token(soci::session& sql, const std::string& token_hash, EpochMs now) {
  const long long at = now;
  soci::statement st = (sql.prepare << "UPDATE password_tokens SET used_at = :at WHERE token_hash = :hash "
                                       "AND purpose = 'reset' AND used_at IS NULL AND expires_at > :now",
                        soci::use(at), soci::use(token_hash), soci::use(at));
  st.execute(true);
  if (st.get_affected_rows() != 1) return std::nullopt;
  std::optional<std::int64_t> user;
  Query("SELECT user_id FROM password_tokens WHERE token_hash = ").value(token_hash).each(sql, [&](const soci::row& r) {
    user = col_int(r, 0);
  });
  return user;
}

void retire_reset_tokens(soci::session& sql, std::int64_t user_id, EpochMs now) {
  const long long user = user_id;
  const long long at = now;
  sql << "UPDATE password_tokens SET used_at = :at WHERE user_id = :user AND used_at IS NULL", soci::use(at),
      soci::use(user);
}

long long count_reset_tokens_since(soci::session& sql, std::int64_t user_id, EpochMs since) {
  const long long user = user_id;
  if (sql.get_backend_name() == "postgresql") {
    // SQLite's BEGIN IMMEDIATE already makes writers take turns.
    long long locked = 0;
    sql << "SELECT id FROM users WHERE id = :u FOR UPDATE", soci::use(user), soci::into(locked);
  }
  const long long from = since;
  long long n = 0;
  sql << "SELECT COUNT(*) FROM password_tokens WHERE user_id = :u AND purpose = 'reset' AND created_at >= :since",
      soci::use(user), soci::use(from), soci::into(n);
  return n;
}

// ---- doctors ---------------------------------------------------------------------------------

std::vector<DoctorView> list_directory(soci::session& sql, const DirectoryFilter& filter) {
  Query q(kDoctorColumns);
  q.sql("WHERE d.status = 'approved'");
  // LOWER on both sides, so each database folds case the same way for the column and the value
  // (SQLite: ASCII only; PostgreSQL: full Unicode).
  if (filter.specialty) q.sql(" AND LOWER(d.specialty) = LOWER(").value(*filter.specialty).sql(")");
  if (filter.name_contains)
    q.sql(" AND LOWER(u.name) LIKE LOWER(").value(like_contains_pattern(*filter.name_contains)).sql(") ESCAPE '\\'");
  if (filter.after) {
    q.sql(" AND (u.name > ").value(filter.after->first).sql(" OR (u.name = ").value(filter.after->first);
    q.sql(" AND u.id > ").value(static_cast<long long>(filter.after->second)).sql("))");
  }
  q.sql(" ORDER BY u.name, u.id LIMIT ").value(static_cast<long long>(filter.limit) + 1);
  std::vector<DoctorView> out;
  q.each(sql, [&](const soci::row& r) { out.push_back(doctor_view_from(r)); });
  return out;
}

std::vector<DoctorView> list_doctors(soci::session& sql, const AdminDoctorFilter& filter) {
  Query q(kDoctorColumns);
  q.sql("WHERE 1 = 1");
  if (filter.status) q.sql(" AND d.status = ").value(std::string(to_string(*filter.status)));
  if (filter.after_id) q.sql(" AND u.id > ").value(static_cast<long long>(*filter.after_id));
  q.sql(" ORDER BY u.id LIMIT ").value(static_cast<long long>(filter.limit) + 1);
  std::vector<DoctorView> out;
  q.each(sql, [&](const soci::row& r) { out.push_back(doctor_view_from(r)); });
  return out;
}

std::optional<DoctorView> find_doctor(soci::session& sql, std::int64_t user_id) {
  std::optional<DoctorView> found;
  Query(kDoctorColumns).sql("WHERE d.user_id = ")
      .value(static_cast<long long>(user_id))
      .each(sql, [&](const soci::row& r) { found = doctor_view_from(r); });
  return found;
}

std::optional<DoctorStatus> doctor_status(soci::session& sql, std::int64_t user_id) {
  std::optional<DoctorStatus> status;
  Query("SELECT status FROM doctors WHERE user_id = ")
      .value(static_cast<long long>(user_id))
      .each(sql, [&](const soci::row& r) { status = col_enum(r, 0, parse_doctor_status); });
  return status;
}

bool transition_doctor(soci::session& sql, std::int64_t user_id, DoctorStatus from, DoctorStatus to,
                       const std::optional<std::string>& reason, std::int64_t reviewed_by, EpochMs now) {
  const long long id = user_id;
  const long long by = reviewed_by;
  const long long at = now;
  const std::string from_text(to_string(from));
  const std::string to_text(to_string(to));
  std::string reason_text = reason.value_or("");
  soci::indicator reason_ind = ind(reason.has_value());
  soci::statement st = (sql.prepare << "UPDATE doctors SET status = :to, status_reason = :reason, reviewed_by = :by, "
                                       "reviewed_at = :at WHERE user_id = :id AND status = :from",
                        soci::use(to_text), soci::use(reason_text, reason_ind), soci::use(by), soci::use(at),
                        soci::use(id), soci::use(from_text));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

}  // namespace medcore::accounts::store
