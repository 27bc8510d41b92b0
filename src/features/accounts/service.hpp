#pragma once
// Accounts use cases. Each write is one transaction that also holds its audit rows and mails.
// Password hashing happens before the transaction so no connection is held while it runs.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "features/accounts/live_access.hpp"
#include "features/accounts/model.hpp"
#include "features/accounts/read_cache.hpp"
#include "features/accounts/sessions.hpp"
#include "features/accounts/store.hpp"

namespace medcore::http {
struct Context;
}

namespace medcore {
struct App;
}

namespace medcore::accounts {

// Where a request came from, for sessions and audit rows.
struct RequestMeta {
  std::optional<std::int64_t> actor;  // the signed-in user, if any
  std::string ip;
  std::string user_agent;
  std::string request_id;
};

struct SignupInput {
  Role role = Role::patient;
  std::string name;
  std::string email;
  std::string password;
  std::optional<std::string> phone;
  std::optional<PatientProfile> patient;
  std::optional<DoctorProfile> doctor;
};

struct SignedIn {
  User user;
  IssuedSession session;
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;
};

class AccountService {
 public:
  // `live` hears about sessions and rights that ended (after the commit); null: nobody listens.
  // `cache` (may be null) forgets, after each commit, what the change made stale on this instance.
  explicit AccountService(App& app, std::shared_ptr<LiveAccess> live = nullptr, std::shared_ptr<ReadCache> cache = nullptr);

  SignedIn signup(const SignupInput& input, const RequestMeta& meta);
  // 429 when throttled, 401 invalid-credentials for an unknown email or a wrong password.
  SignedIn login(const std::string& email, const std::string& password, const RequestMeta& meta);
  void logout(std::int64_t user_id, std::int64_t session_id, const RequestMeta& meta);
  // Quietly does nothing for an unknown email: the answer must not reveal who has an account.
  void forgot_password(const std::string& email, const RequestMeta& meta);
  void reset_password(const std::string& token, const std::string& new_password, const RequestMeta& meta);
  SignedIn change_password(std::int64_t user_id, const std::string& current_password,
                           const std::string& new_password, const RequestMeta& meta);

  User me(std::int64_t user_id);
  // A patient as their doctors see them (name, date of birth, sex), so a doctor's screens name the
  // patient from the database, never from a link. Read under care::authorise_patient_read (the
  // patient; approved treating doctors, audited `patients.viewed`); 403 otherwise, also for an id
  // that is not a patient.
  User patient_for(const http::Context& ctx, std::int64_t patient_id);
  User update_me(std::int64_t user_id, const store::ProfilePatch& patch);

  Page<DoctorView> directory(std::optional<std::string> specialty, std::optional<std::string> q,
                             const std::optional<std::string>& cursor, int limit);
  DoctorView public_doctor(std::int64_t id);
  Page<DoctorView> admin_doctors(std::optional<DoctorStatus> status, const std::optional<std::string>& cursor,
                                 int limit);
  DoctorView review_doctor(std::int64_t doctor_id, DoctorAction action, const std::optional<std::string>& reason,
                           const RequestMeta& meta);
  // 409 email-taken when the address is registered.
  User create_admin(const std::string& name, const std::string& email, const std::string& password,
                    const RequestMeta& meta);

  const Config& config() const;

 private:
  const std::string& dummy_hash();

  App& app_;
  std::shared_ptr<LiveAccess> live_;
  std::shared_ptr<ReadCache> cache_;
  LoginThrottle throttle_;
};

}  // namespace medcore::accounts
