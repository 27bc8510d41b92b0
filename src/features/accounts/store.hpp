#pragma once
// All SQL of the accounts feature. Portable between SQLite and PostgreSQL: instants are
// BIGINT epoch milliseconds bound as long long, NULLs go through soci::indicator.
#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "features/accounts/model.hpp"

namespace medcore::accounts::store {

// ---- users -----------------------------------------------------------------------------------

struct Credentials {
  std::int64_t user_id = 0;
  std::string email;
  std::string name;
  Role role = Role::patient;
  std::string password_hash;
};

struct NewUser {
  std::string email;  // already trimmed and lower-cased
  std::string password_hash;
  Role role = Role::patient;
  std::string name;
  std::optional<std::string> phone;
};

std::optional<User> find_user(soci::session& sql, std::int64_t user_id);
std::optional<Credentials> find_credentials_by_email(soci::session& sql, const std::string& email);
std::optional<Credentials> find_credentials_by_id(soci::session& sql, std::int64_t user_id);
long long count_users(soci::session& sql);

// Throws the backend's unique-violation error on a taken email (see db::is_unique_violation).
std::int64_t insert_user(soci::session& sql, const NewUser& user, EpochMs now);
void insert_patient(soci::session& sql, std::int64_t user_id, const PatientProfile& profile);
void insert_doctor(soci::session& sql, std::int64_t user_id, const DoctorProfile& profile);
void insert_admin(soci::session& sql, std::int64_t user_id, std::optional<std::int64_t> created_by);

struct ProfilePatch {
  std::optional<std::string> name;
  std::optional<std::string> phone;
  std::optional<std::string> date_of_birth;  // patients
  std::optional<std::string> sex;            // patients
  std::optional<std::string> time_zone;      // patients (IANA name)
  std::optional<std::string> bio;            // doctors
  std::optional<std::int64_t> years_experience;
  std::optional<std::int64_t> consultation_fee_cents;
};
void update_profile(soci::session& sql, std::int64_t user_id, const ProfilePatch& patch, EpochMs now);

// Conditional on the hash the caller verified against, so a concurrent change is not overwritten.
bool update_password(soci::session& sql, std::int64_t user_id, const std::string& new_hash,
                     const std::optional<std::string>& expected_old_hash, EpochMs now);

// ---- sessions --------------------------------------------------------------------------------

struct NewSession {
  std::string token_hash;
  std::int64_t user_id = 0;
  SessionTimes times;
  std::string ip;
  std::string user_agent;
};
std::int64_t insert_session(soci::session& sql, const NewSession& session);

struct SessionLookup {
  std::int64_t session_id = 0;
  std::int64_t user_id = 0;
  SessionTimes times;
  std::optional<EpochMs> revoked_at;
  Role role = Role::patient;
  std::string email;
  std::string name;
  std::optional<DoctorStatus> doctor_status;
};
std::optional<SessionLookup> find_session(soci::session& sql, const std::string& token_hash);
// By id, for re-checking open connections in bulk; ids not found are left out.
std::vector<SessionLookup> find_sessions(soci::session& sql, const std::vector<std::int64_t>& session_ids);
// Slides the expiry unless another request already did within the touch interval.
bool touch_session(soci::session& sql, std::int64_t session_id, EpochMs now, EpochMs new_expires_at,
                   EpochMs touched_before);
bool revoke_session(soci::session& sql, std::int64_t session_id, EpochMs now);
// The ids of the sessions it revoked (their open connections are closed after the commit).
std::vector<std::int64_t> revoke_user_sessions(soci::session& sql, std::int64_t user_id, EpochMs now);

// ---- password reset tokens --------------------------------------------------------------------

void insert_reset_token(soci::session& sql, const std::string& token_hash, std::int64_t user_id, EpochMs now,
                        EpochMs expires_at);
// The owner of an unused, unexpired token (a read; consuming is consume_reset_token).
std::optional<std::int64_t> find_usable_reset_token(soci::session& sql, const std::string& token_hash, EpochMs now);
// Marks the token used if it still is usable; the owner when this call was the one that used it.
std::optional<std::int64_t> consume_reset_token(soci::session& sql, const std::string& token_hash, EpochMs now);
// Voids every outstanding reset token of the user (after any password change or reset).
void retire_reset_tokens(soci::session& sql, std::int64_t user_id, EpochMs now);
// Reset tokens issued to the user since `since` (one per reset mail), counted after taking the
// user's row lock on PostgreSQL, so concurrent requests for one account count one after another.
long long count_reset_tokens_since(soci::session& sql, std::int64_t user_id, EpochMs since);

// ---- doctors ---------------------------------------------------------------------------------

struct DirectoryFilter {
  std::optional<std::string> specialty;  // compared case-insensitively
  std::optional<std::string> name_contains;
  std::optional<std::pair<std::string, std::int64_t>> after;  // keyset (name, id)
  int limit = 20;
};
// Approved doctors by name then id; returns up to limit + 1 rows so the caller knows if more exist.
std::vector<DoctorView> list_directory(soci::session& sql, const DirectoryFilter& filter);

struct AdminDoctorFilter {
  std::optional<DoctorStatus> status;
  std::optional<std::int64_t> after_id;
  int limit = 20;
};
// By id (oldest sign-up first: the review queue order); up to limit + 1 rows.
std::vector<DoctorView> list_doctors(soci::session& sql, const AdminDoctorFilter& filter);
std::optional<DoctorView> find_doctor(soci::session& sql, std::int64_t user_id);
std::optional<DoctorStatus> doctor_status(soci::session& sql, std::int64_t user_id);

// One conditional UPDATE: true only if the doctor was in `from` and is now in `to`.
bool transition_doctor(soci::session& sql, std::int64_t user_id, DoctorStatus from, DoctorStatus to,
                       const std::optional<std::string>& reason, std::int64_t reviewed_by, EpochMs now);

}  // namespace medcore::accounts::store
