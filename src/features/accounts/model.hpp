#pragma once
// Accounts: plain types and the pure rules (no I/O), so they can be unit-tested in isolation.
#include <array>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <date/date.h>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "platform/core/json_input.hpp"
#include "platform/core/roles.hpp"
#include "platform/core/time.hpp"

namespace medcore::accounts {

// ---- doctor review (Role and DoctorStatus themselves are in platform/core/roles.hpp) ------------

enum class DoctorAction { approve, reject, suspend, reinstate };

struct Transition {
  DoctorStatus from;
  DoctorStatus to;
};
// The one edge each admin action may take.
Transition transition_for(DoctorAction action);
// Whether the review workflow allows moving from `from` to `to` at all.
bool can_transition(DoctorStatus from, DoctorStatus to);
bool requires_reason(DoctorAction action);
std::string_view audit_action_for(DoctorAction action);  // "admin.doctor_approved", ...
std::string_view mail_template_for(DoctorAction action);  // "doctor_approved", ...
// Whether the doctor's open connections must end: any action that leaves them not approved.
bool revokes_access(DoctorAction action);

// ---- records ------------------------------------------------------------------------------

struct PatientProfile {
  std::string date_of_birth;  // YYYY-MM-DD
  std::string sex;
  std::string time_zone = "UTC";  // IANA name: how mails show times to this patient
};

struct DoctorProfile {
  std::string specialty;
  std::string licence_number;
  std::int64_t years_experience = 0;
  std::string bio;
  std::int64_t consultation_fee_cents = 0;
  std::optional<std::string> date_of_birth;
  std::optional<std::string> sex;
  DoctorStatus status = DoctorStatus::pending;
  std::optional<std::string> status_reason;
  std::optional<EpochMs> reviewed_at;
};

struct User {
  std::int64_t id = 0;
  std::string email;
  std::string name;
  Role role = Role::patient;
  std::optional<std::string> phone;
  EpochMs created_at = 0;
  std::optional<PatientProfile> patient;
  std::optional<DoctorProfile> doctor;
};

// A doctor as the directory and the admin review screens see one.
struct DoctorView {
  std::int64_t id = 0;
  std::string name;
  std::string email;
  std::optional<std::string> phone;
  EpochMs created_at = 0;
  DoctorProfile profile;
};

// ---- JSON shapes (docs/API.md "Objects") -----------------------------------------------------

boost::json::object user_json(const User& user, std::string_view currency);
boost::json::object public_doctor_json(const DoctorView& doctor, std::string_view currency);
boost::json::object admin_doctor_json(const DoctorView& doctor, std::string_view currency);

// ---- field rules (docs/API.md "Field rules"), on top of JsonInput -----------------------------

std::optional<std::string> read_name(JsonInput& in, std::string_view field, bool required);
std::optional<std::string> read_phone(JsonInput& in, bool required);
// A past date, age at most 130 years on `today`.
std::optional<std::string> read_date_of_birth(JsonInput& in, bool required, date::year_month_day today);
// What `sex` may hold (patients, doctors): the stored and the API spelling (the CHECK lists of
// migrations/0001_foundation.sql hold exactly these). A value, not a state, so it stays text.
inline constexpr std::array<std::string_view, 4> sexes{"female", "male", "intersex", "unknown"};
std::optional<std::string> read_sex(JsonInput& in, bool required);
std::optional<std::string> read_specialty(JsonInput& in, bool required);
std::optional<std::string> read_licence_number(JsonInput& in, bool required);
std::optional<std::int64_t> read_years_experience(JsonInput& in, bool required);
std::optional<std::string> read_bio(JsonInput& in);
std::optional<std::int64_t> read_consultation_fee(JsonInput& in, bool required);
std::optional<std::string> read_reason(JsonInput& in, bool required);

// A new password (sign-up, change, reset, admin creation): JsonInput's length rule, and not one
// of the most common passwords (ASVS 2.1.7).
std::optional<std::string> read_new_password(JsonInput& in, std::string_view field, bool required);

// A list of passwords, one per line, compared case-insensitively (ASCII).
class PasswordList {
 public:
  explicit PasswordList(std::string_view lines);
  bool contains(std::string_view password) const;
  std::size_t size() const { return sorted_.size(); }

 private:
  std::vector<std::string> sorted_;
};
// The embedded list: the 10,000 most frequent passwords of 10-128 characters in the SecLists
// "10 million passwords" top million (src/features/accounts/common_passwords.txt, scripts/common-passwords.sh).
const PasswordList& common_passwords();

bool valid_phone(std::string_view phone);
bool valid_licence_number(std::string_view licence);

// ---- login throttling -----------------------------------------------------------------------

struct ThrottleLimits {
  int max_failures_account = 5;
  int max_failures_ip = 20;
  EpochMs window_ms = 15 * 60 * 1000;
};

// Counts failed logins per (account email, client IP) pair and per client IP over a sliding
// window. The account limit applies to one address at a time on purpose: an account-wide block
// let anyone who knows a doctor's email lock them out by failing five times; now the guesser's
// own address is slowed down and the owner, elsewhere, is not. Guessing from many addresses is
// bounded by the per-IP limit, the argon2id cost on the small hashing pool, the 10-character
// minimum and the common-password list. In memory on purpose: it only has to slow down guessing
// against one instance, and losing it on restart is harmless. Time is passed in so the rules are
// testable.
class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottleLimits limits);

  // Seconds until another attempt is allowed (>= 1) while blocked; nullopt when allowed.
  std::optional<int> blocked_for(std::string_view email, std::string_view ip, EpochMs now);
  void record_failure(std::string_view email, std::string_view ip, EpochMs now);
  // A success proves the account owner is at this address, so the pair's counter starts over;
  // the IP counter stays, or one valid account would launder guesses against others.
  void record_success(std::string_view email, std::string_view ip, EpochMs now);

  std::size_t tracked_keys() const;

 private:
  using Failures = std::deque<EpochMs>;  // newest last, at most `max` entries
  static std::optional<EpochMs> wait_ms(const Failures& f, int max, EpochMs window, EpochMs now);
  static void add(Failures& f, int max, EpochMs now);
  void sweep(EpochMs now);

  ThrottleLimits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Failures> accounts_;  // key: email, '\n', ip
  std::unordered_map<std::string, Failures> ips_;
  std::size_t writes_since_sweep_ = 0;
};

// ---- sessions ----------------------------------------------------------------------------------

struct SessionPolicy {
  EpochMs idle_ttl_ms = 12LL * 3600 * 1000;
  EpochMs absolute_ms = 30LL * 24 * 3600 * 1000;
  EpochMs touch_interval_ms = 60 * 1000;
};

struct SessionTimes {
  EpochMs created_at = 0;
  EpochMs last_seen_at = 0;
  EpochMs expires_at = 0;
  EpochMs absolute_expires_at = 0;
};

SessionTimes new_session_times(const SessionPolicy& policy, EpochMs now);
bool session_alive(const SessionTimes& times, std::optional<EpochMs> revoked_at, EpochMs now);
// Writing last_seen on every request would turn every read into a write; once a minute is enough.
bool session_needs_touch(const SessionPolicy& policy, const SessionTimes& times, EpochMs now);
// The idle expiry after activity at `now`, never past the absolute lifetime.
EpochMs slid_expiry(const SessionPolicy& policy, const SessionTimes& times, EpochMs now);

// ---- pagination --------------------------------------------------------------------------------

// LIKE pattern for a case-insensitive substring search with '\' as the escape character.
std::string like_contains_pattern(std::string_view needle);
std::string ascii_lower(std::string_view s);

}  // namespace medcore::accounts
