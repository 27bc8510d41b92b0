#include "features/accounts/service.hpp"

#include <boost/json.hpp>

#include "platform/app/app.hpp"
#include "platform/audit/audit.hpp"
#include "features/care/relationship.hpp"
#include "platform/core/paging.hpp"
#include "platform/core/crypto.hpp"
#include "platform/core/log.hpp"
#include "platform/core/problem.hpp"
#include "platform/notify/outbox.hpp"

namespace medcore::accounts {

namespace {

constexpr EpochMs kResetTokenLifetimeMs = 30 * 60 * 1000;
constexpr EpochMs kResetMailWindowMs = 60 * 60 * 1000;  // MEDCORE_RESET_MAILS_PER_HOUR

Problem invalid_credentials() {
  return {401, "invalid-credentials", "Invalid credentials", "The email or password is not correct."};
}

Problem invalid_token() {
  return {400, "invalid-token", "Invalid token", "This password reset link is unknown, already used or expired."};
}

Problem email_taken() { return problems::conflict("email-taken", "An account with this email already exists."); }

// The unique index on users.email is what stops duplicates (a pre-check would race); here its
// violation becomes the API's answer.
template <class F>
auto translating_email_taken(F&& f) {
  try {
    return f();
  } catch (const Problem&) {
    throw;
  } catch (const std::exception& e) {
    if (db::is_unique_violation(e)) throw email_taken();
    throw;
  }
}

audit::Entry entry(const RequestMeta& meta, std::string action, std::optional<std::int64_t> subject,
                   boost::json::object details = {}) {
  return {meta.actor, std::move(action), subject, meta.ip, meta.request_id, std::move(details)};
}

User must_find_user(soci::session& sql, std::int64_t id) {
  auto u = store::find_user(sql, id);
  if (!u) throw problems::not_found("No such user.");
  return *u;
}

boost::json::value opt_json(const std::optional<std::string>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

}  // namespace

AccountService::AccountService(App& app, std::shared_ptr<LiveAccess> live, std::shared_ptr<ReadCache> cache)
    : app_(app),
      live_(std::move(live)),
      cache_(std::move(cache)),
      throttle_(ThrottleLimits{app.config.login_max_failures_account, app.config.login_max_failures_ip,
                               15 * 60 * 1000}) {}

const Config& AccountService::config() const { return app_.config; }

const std::string& AccountService::dummy_hash() {
  // Verifying an unknown email against a real argon2id hash costs what a wrong password costs,
  // so response time does not tell which emails have accounts.
  static const std::string hash = crypto::hash_password(crypto::random_token(24));
  return hash;
}

SignedIn AccountService::signup(const SignupInput& input, const RequestMeta& meta) {
  const std::string hash = crypto::hash_password(input.password);
  const EpochMs now = now_ms();
  return translating_email_taken([&] {
    return app_.db->transaction("accounts.signup", [&](soci::session& sql) {
      const auto id = store::insert_user(
          sql, {input.email, hash, input.role, input.name, input.phone}, now);
      if (input.role == Role::patient && input.patient) store::insert_patient(sql, id, *input.patient);
      if (input.role == Role::doctor && input.doctor) {
        DoctorProfile d = *input.doctor;
        d.status = DoctorStatus::pending;  // only an admin moves a doctor out of pending
        d.status_reason.reset();
        d.reviewed_at.reset();
        store::insert_doctor(sql, id, d);
      }
      SignedIn out;
      out.session = start_session(sql, app_.config, id, meta.ip, meta.user_agent, now);
      RequestMeta as_new = meta;
      as_new.actor = id;
      audit::record(sql, entry(as_new, "auth.signup", id, {{"role", to_string(input.role)}}));
      notify::enqueue(sql, {"account", "welcome", id, input.email,
                            {{"name", input.name},
                             {"role", to_string(input.role)},
                             {"login_url", app_.config.public_url + "/login"}}});
      out.user = must_find_user(sql, id);
      return out;
    });
  });
}

SignedIn AccountService::login(const std::string& email, const std::string& password, const RequestMeta& meta) {
  // Checked before the password so a blocked guesser learns nothing, not even by timing.
  if (auto wait = throttle_.blocked_for(email, meta.ip, now_ms())) throw problems::rate_limited(*wait);

  auto cred = app_.db->read([&](soci::session& sql) { return store::find_credentials_by_email(sql, email); });
  bool ok = false;
  if (cred) {
    ok = crypto::verify_password(cred->password_hash, password);
  } else {
    (void)crypto::verify_password(dummy_hash(), password);
  }

  if (!ok) {
    throttle_.record_failure(email, meta.ip, now_ms());
    std::optional<std::int64_t> subject;
    if (cred) subject = cred->user_id;
    app_.db->transaction("accounts.login_failed", [&](soci::session& sql) {
      RequestMeta anonymous = meta;
      anonymous.actor.reset();
      audit::record(sql, entry(anonymous, "auth.login_failed", subject, {{"email", email}}));
    });
    throw invalid_credentials();
  }

  throttle_.record_success(email, meta.ip, now_ms());
  const EpochMs now = now_ms();
  return app_.db->transaction("accounts.login", [&](soci::session& sql) {
    SignedIn out;
    out.session = start_session(sql, app_.config, cred->user_id, meta.ip, meta.user_agent, now);
    RequestMeta as_user = meta;
    as_user.actor = cred->user_id;
    audit::record(sql, entry(as_user, "auth.login", cred->user_id));
    out.user = must_find_user(sql, cred->user_id);
    return out;
  });
}

void AccountService::logout(std::int64_t user_id, std::int64_t session_id, const RequestMeta& meta) {
  app_.db->transaction("accounts.logout", [&](soci::session& sql) {
    store::revoke_session(sql, session_id, now_ms());
    audit::record(sql, entry(meta, "auth.logout", user_id));
  });
  if (cache_) cache_->forget_sessions({session_id});  // refused here from the very next request
  if (live_) live_->sessions_ended({session_id}, kLoggedOut);
}

void AccountService::forgot_password(const std::string& email, const RequestMeta& meta) {
  auto cred = app_.db->read([&](soci::session& sql) { return store::find_credentials_by_email(sql, email); });
  if (!cred) return;
  const std::string token = crypto::random_token(32);
  const EpochMs now = now_ms();
  app_.db->transaction("accounts.forgot_password", [&](soci::session& sql) {
    // Per account, in the database, so it holds across instances and addresses: the per-IP limit
    // alone let anyone fill one person's mailbox. The caller still answers 202, as for an unknown
    // email, so the limit tells nothing about the account.
    const long long sent = store::count_reset_tokens_since(sql, cred->user_id, now - kResetMailWindowMs);
    if (sent >= app_.config.reset_mails_per_hour) {
      log::warn("password_reset_throttled", {{"user_id", cred->user_id}, {"mails_in_window", sent}});
      return;
    }
    store::insert_reset_token(sql, crypto::sha256_hex(token), cred->user_id, now, now + kResetTokenLifetimeMs);
    notify::enqueue(sql, {"security", "password_reset", cred->user_id, cred->email,
                          {{"name", cred->name},
                           {"reset_url", app_.config.public_url + "/reset-password?token=" + token},
                           {"expires_minutes", 30}}});
    audit::record(sql, entry(meta, "auth.password_reset_requested", cred->user_id));
  });
}

void AccountService::reset_password(const std::string& token, const std::string& new_password,
                                    const RequestMeta& meta) {
  const std::string token_hash = crypto::sha256_hex(token);
  // A cheap look first so junk tokens do not cost an argon2 hash; the conditional UPDATE
  // below is what actually makes a token single-use.
  const bool usable = app_.db->read([&](soci::session& sql) {
    return store::find_usable_reset_token(sql, token_hash, now_ms()).has_value();
  });
  if (!usable) throw invalid_token();
  const std::string hash = crypto::hash_password(new_password);
  std::vector<std::int64_t> revoked;
  app_.db->transaction("accounts.reset_password", [&](soci::session& sql) {
    const EpochMs now = now_ms();
    auto user_id = store::consume_reset_token(sql, token_hash, now);
    if (!user_id) throw invalid_token();
    store::update_password(sql, *user_id, hash, std::nullopt, now);
    revoked = store::revoke_user_sessions(sql, *user_id, now);
    store::retire_reset_tokens(sql, *user_id, now);
    audit::record(sql, entry(meta, "auth.password_reset", *user_id, {{"sessions_revoked", revoked.size()}}));
  });
  if (cache_) cache_->forget_sessions(revoked);
  if (live_) live_->sessions_ended(revoked, kPasswordReset);
}

SignedIn AccountService::change_password(std::int64_t user_id, const std::string& current_password,
                                         const std::string& new_password, const RequestMeta& meta) {
  auto cred = app_.db->read([&](soci::session& sql) { return store::find_credentials_by_id(sql, user_id); });
  if (!cred) throw problems::unauthenticated();
  auto wrong_current = [] {
    return problems::validation({{"current_password", "is not your current password"}});
  };
  if (!crypto::verify_password(cred->password_hash, current_password)) throw wrong_current();
  const std::string hash = crypto::hash_password(new_password);
  std::vector<std::int64_t> revoked;
  auto changed = app_.db->transaction("accounts.change_password", [&](soci::session& sql) {
    const EpochMs now = now_ms();
    // Conditional on the hash just verified: a concurrent change wins, this one is refused.
    if (!store::update_password(sql, user_id, hash, cred->password_hash, now)) throw wrong_current();
    revoked = store::revoke_user_sessions(sql, user_id, now);
    // A reset link mailed before the change (perhaps to an attacker who then lost the race, or
    // read from a mailbox the owner is locking down) must not undo it.
    store::retire_reset_tokens(sql, user_id, now);
    SignedIn out;
    out.session = start_session(sql, app_.config, user_id, meta.ip, meta.user_agent, now);
    audit::record(sql, entry(meta, "auth.password_changed", user_id, {{"sessions_revoked", revoked.size()}}));
    out.user = must_find_user(sql, user_id);
    return out;
  });
  if (cache_) cache_->forget_sessions(revoked);
  if (live_) live_->sessions_ended(revoked, kPasswordChanged);
  return changed;
}

User AccountService::me(std::int64_t user_id) {
  return app_.db->read([&](soci::session& sql) {
    auto u = store::find_user(sql, user_id);
    if (!u) throw problems::unauthenticated();
    return *u;
  });
}

User AccountService::patient_for(const http::Context& ctx, std::int64_t patient_id) {
  const auto refusal =
      problems::forbidden("Only the patient and the doctors who treat them (an appointment or a conversation) can see this.");
  return app_.db->transaction("accounts.view_patient", [&](soci::session& sql) {
    care::authorise_patient_read(sql, ctx, patient_id, refusal, "patients.viewed");
    auto u = store::find_user(sql, patient_id);
    if (!u || !u->patient) throw refusal;  // rolls the audit row back too
    return *u;
  });
}

User AccountService::update_me(std::int64_t user_id, const store::ProfilePatch& patch) {
  auto updated = app_.db->transaction("accounts.update_me", [&](soci::session& sql) {
    store::update_profile(sql, user_id, patch, now_ms());
    return must_find_user(sql, user_id);
  });
  if (cache_) cache_->forget_user(user_id);  // their /me, their name in sessions, a doctor's listing
  return updated;
}

Page<DoctorView> AccountService::directory(std::optional<std::string> specialty, std::optional<std::string> q,
                                           const std::optional<std::string>& cursor, int limit) {
  store::DirectoryFilter f;
  f.specialty = std::move(specialty);
  f.name_contains = std::move(q);
  f.limit = limit;
  if (cursor) {
    auto key = paging::decode_cursor(*cursor);
    if (key.size() != 2 || !key[0].is_string() || !key[1].is_int64())
      throw problems::bad_request("cursor is not valid.");
    f.after = std::pair{std::string(key[0].get_string()), key[1].get_int64()};
  }
  auto rows = app_.db->read([&](soci::session& sql) { return store::list_directory(sql, f); });
  Page<DoctorView> page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(static_cast<std::size_t>(limit));
    page.next_cursor = paging::encode_cursor({rows.back().name, rows.back().id});
  }
  page.items = std::move(rows);
  return page;
}

DoctorView AccountService::public_doctor(std::int64_t id) {
  auto d = app_.db->read([&](soci::session& sql) { return store::find_doctor(sql, id); });
  if (!d || d->profile.status != DoctorStatus::approved) throw problems::not_found("No such doctor.");
  return *d;
}

Page<DoctorView> AccountService::admin_doctors(std::optional<DoctorStatus> status,
                                               const std::optional<std::string>& cursor, int limit) {
  store::AdminDoctorFilter f;
  f.status = status;
  f.limit = limit;
  if (cursor) {
    auto key = paging::decode_cursor(*cursor);
    if (key.size() != 1 || !key[0].is_int64()) throw problems::bad_request("cursor is not valid.");
    f.after_id = key[0].get_int64();
  }
  auto rows = app_.db->read([&](soci::session& sql) { return store::list_doctors(sql, f); });
  Page<DoctorView> page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(static_cast<std::size_t>(limit));
    page.next_cursor = paging::encode_cursor({rows.back().id});
  }
  page.items = std::move(rows);
  return page;
}

DoctorView AccountService::review_doctor(std::int64_t doctor_id, DoctorAction action,
                                         const std::optional<std::string>& reason, const RequestMeta& meta) {
  const auto t = transition_for(action);
  const auto admin_id = meta.actor.value_or(0);
  auto reviewed = app_.db->transaction("accounts.review_doctor", [&](soci::session& sql) {
    const EpochMs now = now_ms();
    if (!store::transition_doctor(sql, doctor_id, t.from, t.to, reason, admin_id, now)) {
      auto current = store::doctor_status(sql, doctor_id);
      if (!current) throw problems::not_found("No such doctor.");
      throw problems::conflict("invalid-transition", "The doctor is " + std::string(to_string(*current)) + "; this action needs a doctor who is " +
                                                         std::string(to_string(t.from)) + ".");
    }
    auto view = store::find_doctor(sql, doctor_id);
    if (!view) throw problems::not_found("No such doctor.");
    boost::json::object details{{"from", to_string(t.from)}, {"to", to_string(t.to)}};
    if (reason) details["reason"] = *reason;
    audit::record(sql, entry(meta, std::string(audit_action_for(action)), doctor_id, std::move(details)));
    notify::enqueue(sql, {"account", std::string(mail_template_for(action)), doctor_id, view->email,
                          {{"name", view->name},
                           {"reason", opt_json(reason)},
                           {"login_url", app_.config.public_url + "/login"}}});
    return *view;
  });
  if (cache_) cache_->forget_user(doctor_id);  // any transition changes the directory or the doctor's rights
  if (live_ && revokes_access(action)) live_->access_revoked(doctor_id);
  return reviewed;
}

User AccountService::create_admin(const std::string& name, const std::string& email, const std::string& password,
                                  const RequestMeta& meta) {
  const std::string hash = crypto::hash_password(password);
  return translating_email_taken([&] {
    return app_.db->transaction("accounts.create_admin", [&](soci::session& sql) {
      const auto id = store::insert_user(sql, {email, hash, Role::admin, name, std::nullopt}, now_ms());
      store::insert_admin(sql, id, meta.actor);
      audit::record(sql, entry(meta, "admin.admin_created", id, {{"email", email}}));
      return must_find_user(sql, id);
    });
  });
}

}  // namespace medcore::accounts
