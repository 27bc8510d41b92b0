#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "features/accounts/model.hpp"
#include "platform/core/paging.hpp"
#include "platform/core/problem.hpp"

using namespace medcore;
using namespace medcore::accounts;

namespace {
constexpr EpochMs kMinute = 60 * 1000;
constexpr EpochMs kT0 = 1'790'000'000'000;  // some instant in 2026

date::year_month_day ymd(int y, unsigned m, unsigned d) { return {date::year{y}, date::month{m}, date::day{d}}; }
}  // namespace

// ---- doctor status transitions ---------------------------------------------------------------

TEST(DoctorTransitions, TableMatchesTheContract) {
  const DoctorStatus all[] = {DoctorStatus::pending, DoctorStatus::approved, DoctorStatus::rejected,
                              DoctorStatus::suspended};
  auto allowed = [](DoctorStatus f, DoctorStatus t) {
    return (f == DoctorStatus::pending && (t == DoctorStatus::approved || t == DoctorStatus::rejected)) ||
           (f == DoctorStatus::approved && t == DoctorStatus::suspended) ||
           (f == DoctorStatus::suspended && t == DoctorStatus::approved);
  };
  for (auto f : all)
    for (auto t : all)
      EXPECT_EQ(can_transition(f, t), allowed(f, t)) << to_string(f) << " -> " << to_string(t);
}

TEST(DoctorTransitions, EachActionTakesItsEdge) {
  EXPECT_EQ(transition_for(DoctorAction::approve).from, DoctorStatus::pending);
  EXPECT_EQ(transition_for(DoctorAction::approve).to, DoctorStatus::approved);
  EXPECT_EQ(transition_for(DoctorAction::reject).from, DoctorStatus::pending);
  EXPECT_EQ(transition_for(DoctorAction::reject).to, DoctorStatus::rejected);
  EXPECT_EQ(transition_for(DoctorAction::suspend).from, DoctorStatus::approved);
  EXPECT_EQ(transition_for(DoctorAction::suspend).to, DoctorStatus::suspended);
  EXPECT_EQ(transition_for(DoctorAction::reinstate).from, DoctorStatus::suspended);
  EXPECT_EQ(transition_for(DoctorAction::reinstate).to, DoctorStatus::approved);
  for (auto a : {DoctorAction::approve, DoctorAction::reject, DoctorAction::suspend, DoctorAction::reinstate}) {
    const auto t = transition_for(a);
    EXPECT_TRUE(can_transition(t.from, t.to));
  }
}

TEST(DoctorTransitions, SuspendingOrRejectingEndsOpenConnections) {
  EXPECT_TRUE(revokes_access(DoctorAction::suspend));
  EXPECT_TRUE(revokes_access(DoctorAction::reject));
  EXPECT_FALSE(revokes_access(DoctorAction::approve));
  EXPECT_FALSE(revokes_access(DoctorAction::reinstate));
}

TEST(DoctorTransitions, ReasonsAuditAndMail) {
  EXPECT_FALSE(requires_reason(DoctorAction::approve));
  EXPECT_TRUE(requires_reason(DoctorAction::reject));
  EXPECT_TRUE(requires_reason(DoctorAction::suspend));
  EXPECT_FALSE(requires_reason(DoctorAction::reinstate));
  EXPECT_EQ(audit_action_for(DoctorAction::approve), "admin.doctor_approved");
  EXPECT_EQ(audit_action_for(DoctorAction::reject), "admin.doctor_rejected");
  EXPECT_EQ(audit_action_for(DoctorAction::suspend), "admin.doctor_suspended");
  EXPECT_EQ(audit_action_for(DoctorAction::reinstate), "admin.doctor_reinstated");
  EXPECT_EQ(mail_template_for(DoctorAction::approve), "doctor_approved");
  EXPECT_EQ(mail_template_for(DoctorAction::reject), "doctor_rejected");
}

// ---- login throttle --------------------------------------------------------------------------

TEST(Passwords, CommonPasswordsAreRefusedCaseInsensitively) {
  const PasswordList list("qwertyuiop\r\n1234567890\n\nPassword123\n");
  EXPECT_EQ(list.size(), 3u);
  EXPECT_TRUE(list.contains("qwertyuiop"));
  EXPECT_TRUE(list.contains("QwertyUIOP"));
  EXPECT_TRUE(list.contains("password123"));
  EXPECT_FALSE(list.contains("qwertyuio"));
  EXPECT_FALSE(list.contains("correct horse battery"));
  // The embedded list: 10,000 entries of 10+ characters, the most frequent first in the file.
  EXPECT_EQ(common_passwords().size(), 10000u);
  EXPECT_TRUE(common_passwords().contains("1234567890"));
  EXPECT_TRUE(common_passwords().contains("Password123"));
  EXPECT_FALSE(common_passwords().contains("correct horse battery"));

  JsonInput in(boost::json::object{{"a", "Qwertyuiop"}, {"b", "correct horse battery"}, {"c", "short"}});
  EXPECT_EQ(read_new_password(in, "a", true), std::nullopt);
  EXPECT_EQ(read_new_password(in, "b", true), "correct horse battery");
  EXPECT_EQ(read_new_password(in, "c", true), std::nullopt);
  try {
    in.finish();
    FAIL();
  } catch (const Problem& p) {
    ASSERT_EQ(p.errors().size(), 2u);
    EXPECT_EQ(p.errors()[0].field, "a");
    EXPECT_NE(p.errors()[0].message.find("most common passwords"), std::string::npos);
    EXPECT_EQ(p.errors()[1].message, "must be at least 10 characters");
  }
}

TEST(LoginThrottle, BlocksTheAccountFromOneAddressAfterFiveFailuresUntilTheWindowPasses) {
  LoginThrottle t({.max_failures_account = 5, .max_failures_ip = 20, .window_ms = 15 * kMinute});
  for (int i = 0; i < 4; ++i) t.record_failure("ana@example.org", "10.0.0.9", kT0 + i * kMinute);
  EXPECT_FALSE(t.blocked_for("ana@example.org", "10.0.0.9", kT0 + 4 * kMinute));
  t.record_failure("ana@example.org", "10.0.0.9", kT0 + 4 * kMinute);
  // The oldest failure (kT0) leaves the window at kT0 + 15 min.
  auto wait = t.blocked_for("ana@example.org", "10.0.0.9", kT0 + 5 * kMinute);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 10 * 60);
  EXPECT_EQ(t.blocked_for("ana@example.org", "10.0.0.9", kT0 + 15 * kMinute - 1500), 2);  // rounds up
  EXPECT_FALSE(t.blocked_for("ana@example.org", "10.0.0.9", kT0 + 15 * kMinute));
  // Other accounts are unaffected.
  EXPECT_FALSE(t.blocked_for("bob@example.org", "10.0.0.9", kT0 + 5 * kMinute));
}

TEST(LoginThrottle, FailuresElsewhereNeverLockTheOwnerOut) {
  // Someone who knows a doctor's email fails five times from each of three addresses...
  LoginThrottle t({.max_failures_account = 5, .max_failures_ip = 20, .window_ms = 15 * kMinute});
  for (const char* ip : {"203.0.113.1", "203.0.113.2", "203.0.113.3"})
    for (int i = 0; i < 5; ++i) t.record_failure("dr.ana@clinic.org", ip, kT0 + i * 1000);
  for (const char* ip : {"203.0.113.1", "203.0.113.2", "203.0.113.3"})
    EXPECT_TRUE(t.blocked_for("dr.ana@clinic.org", ip, kT0 + 10'000)) << ip;
  // ...and the doctor, at the clinic's address, can still sign in.
  EXPECT_FALSE(t.blocked_for("dr.ana@clinic.org", "198.51.100.20", kT0 + 10'000));
}

TEST(LoginThrottle, SlidingWindowKeepsBlockingWhileRecentFailuresRemain) {
  LoginThrottle t({.max_failures_account = 3, .max_failures_ip = 100, .window_ms = 15 * kMinute});
  t.record_failure("a@x.org", "ip", kT0);
  t.record_failure("a@x.org", "ip", kT0 + 10 * kMinute);
  t.record_failure("a@x.org", "ip", kT0 + 11 * kMinute);
  EXPECT_EQ(t.blocked_for("a@x.org", "ip", kT0 + 12 * kMinute), 3 * 60);
  // After the first leaves, two remain: allowed; a new failure blocks until the second leaves.
  EXPECT_FALSE(t.blocked_for("a@x.org", "ip", kT0 + 15 * kMinute));
  t.record_failure("a@x.org", "ip", kT0 + 16 * kMinute);
  EXPECT_EQ(t.blocked_for("a@x.org", "ip", kT0 + 16 * kMinute), 9 * 60);
}

TEST(LoginThrottle, BlocksAnIpAfterTwentyFailuresAcrossAccounts) {
  LoginThrottle t({.max_failures_account = 5, .max_failures_ip = 20, .window_ms = 15 * kMinute});
  for (int i = 0; i < 20; ++i) t.record_failure("user" + std::to_string(i) + "@x.org", "203.0.113.7", kT0 + i * 1000);
  auto wait = t.blocked_for("fresh@x.org", "203.0.113.7", kT0 + 20 * 1000);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 15 * 60 - 20);
  EXPECT_FALSE(t.blocked_for("fresh@x.org", "203.0.113.8", kT0 + 20 * 1000));
}

TEST(LoginThrottle, SuccessResetsTheAccountAtThatAddressButNotTheIp) {
  LoginThrottle t({.max_failures_account = 2, .max_failures_ip = 3, .window_ms = 15 * kMinute});
  t.record_failure("a@x.org", "ip", kT0);
  t.record_failure("a@x.org", "ip", kT0 + 1000);
  t.record_failure("a@x.org", "ip2", kT0 + 1000);
  t.record_failure("a@x.org", "ip2", kT0 + 1000);
  EXPECT_TRUE(t.blocked_for("a@x.org", "ip", kT0 + 2000));
  t.record_success("a@x.org", "ip", kT0 + 3000);
  EXPECT_FALSE(t.blocked_for("a@x.org", "ip", kT0 + 4000));
  EXPECT_TRUE(t.blocked_for("a@x.org", "ip2", kT0 + 4000)) << "a success elsewhere does not clear another address";
  t.record_failure("b@x.org", "ip", kT0 + 5000);
  EXPECT_TRUE(t.blocked_for("a@x.org", "ip", kT0 + 6000));  // the IP's three failures still count
}

TEST(LoginThrottle, ForgetsOldKeys) {
  LoginThrottle t({.max_failures_account = 5, .max_failures_ip = 20, .window_ms = 15 * kMinute});
  for (int i = 0; i < 600; ++i) t.record_failure("u" + std::to_string(i) + "@x.org", "ip" + std::to_string(i), kT0);
  EXPECT_GT(t.tracked_keys(), 1000u);
  for (int i = 0; i < 600; ++i) t.record_failure("v@x.org", "ip", kT0 + 16 * kMinute);
  EXPECT_LE(t.tracked_keys(), 2u + 2u * 88u);
}

// ---- sessions ----------------------------------------------------------------------------------

TEST(SessionRules, NewSessionTimes) {
  SessionPolicy p{.idle_ttl_ms = 12 * 60 * kMinute, .absolute_ms = 30LL * 24 * 60 * kMinute, .touch_interval_ms = kMinute};
  auto s = new_session_times(p, kT0);
  EXPECT_EQ(s.created_at, kT0);
  EXPECT_EQ(s.last_seen_at, kT0);
  EXPECT_EQ(s.expires_at, kT0 + 12 * 60 * kMinute);
  EXPECT_EQ(s.absolute_expires_at, kT0 + 30LL * 24 * 60 * kMinute);
  // An idle TTL longer than the absolute lifetime is capped by it.
  SessionPolicy odd{.idle_ttl_ms = 10 * kMinute, .absolute_ms = 5 * kMinute, .touch_interval_ms = kMinute};
  EXPECT_EQ(new_session_times(odd, kT0).expires_at, kT0 + 5 * kMinute);
}

TEST(SessionRules, AliveUntilIdleOrAbsoluteExpiryOrRevocation) {
  SessionTimes s{kT0, kT0, kT0 + 10 * kMinute, kT0 + 60 * kMinute};
  EXPECT_TRUE(session_alive(s, std::nullopt, kT0 + 10 * kMinute - 1));
  EXPECT_FALSE(session_alive(s, std::nullopt, kT0 + 10 * kMinute));
  EXPECT_FALSE(session_alive(s, kT0 + 1, kT0 + 2));
  s.expires_at = kT0 + 90 * kMinute;  // even a bad row cannot outlive the absolute limit
  EXPECT_FALSE(session_alive(s, std::nullopt, kT0 + 60 * kMinute));
}

TEST(SessionRules, SlidesAtMostOnceAMinuteAndNeverPastTheAbsoluteLimit) {
  SessionPolicy p{.idle_ttl_ms = 10 * kMinute, .absolute_ms = 60 * kMinute, .touch_interval_ms = kMinute};
  auto s = new_session_times(p, kT0);
  EXPECT_FALSE(session_needs_touch(p, s, kT0 + kMinute - 1));
  EXPECT_TRUE(session_needs_touch(p, s, kT0 + kMinute));
  EXPECT_EQ(slid_expiry(p, s, kT0 + 5 * kMinute), kT0 + 15 * kMinute);
  EXPECT_EQ(slid_expiry(p, s, kT0 + 55 * kMinute), kT0 + 60 * kMinute);
}

// ---- JSON shaping --------------------------------------------------------------------------------

namespace {
DoctorProfile sample_doctor() {
  DoctorProfile d;
  d.specialty = "Cardiology";
  d.licence_number = "MC-1234";
  d.years_experience = 12;
  d.bio = "Heart things.";
  d.consultation_fee_cents = 4500;
  d.date_of_birth = "1980-01-01";
  d.status = DoctorStatus::pending;
  return d;
}
}  // namespace

TEST(AccountsJson, PatientUser) {
  User u{7, "ana@example.org", "Ana Lima", Role::patient, "+351 912 345 678", 1'795'428'000'000,
         PatientProfile{"1990-04-01", "female", "Europe/Lisbon"}, std::nullopt};
  auto j = user_json(u, "USD");
  auto expected = boost::json::parse(R"({"id":7,"email":"ana@example.org","name":"Ana Lima","role":"patient",
    "phone":"+351 912 345 678","created_at":"2026-11-23T10:00:00.000Z",
    "patient":{"date_of_birth":"1990-04-01","sex":"female","time_zone":"Europe/Lisbon"},"doctor":null})");
  EXPECT_EQ(boost::json::value(j), expected) << boost::json::serialize(j);
}

TEST(AccountsJson, DoctorUserHidesPrivateProfileFields) {
  User u{8, "d@example.org", "Dr D", Role::doctor, std::nullopt, 1'795'428'000'000, std::nullopt, sample_doctor()};
  auto j = user_json(u, "EUR");
  EXPECT_TRUE(j["patient"].is_null());
  EXPECT_TRUE(j["phone"].is_null());
  auto expected = boost::json::parse(R"({"specialty":"Cardiology","licence_number":"MC-1234","years_experience":12,
    "bio":"Heart things.","consultation_fee_cents":4500,"currency":"EUR","status":"pending","status_reason":null})");
  EXPECT_EQ(j["doctor"], expected) << boost::json::serialize(j);
}

TEST(AccountsJson, AdminUserHasNoProfiles) {
  User u{1, "root@example.org", "Admin", Role::admin, std::nullopt, 0, std::nullopt, std::nullopt};
  auto j = user_json(u, "USD");
  EXPECT_TRUE(j["patient"].is_null());
  EXPECT_TRUE(j["doctor"].is_null());
}

TEST(AccountsJson, PublicAndAdminDoctorViews) {
  DoctorView v{9, "Dr D", "d@example.org", "+1 555 0100", 1'795'428'000'000, sample_doctor()};
  v.profile.status = DoctorStatus::approved;
  v.profile.reviewed_at = 1'795'428'060'000;
  auto pub = public_doctor_json(v, "USD");
  EXPECT_EQ(boost::json::value(pub), boost::json::parse(R"({"id":9,"name":"Dr D","specialty":"Cardiology",
    "years_experience":12,"bio":"Heart things.","consultation_fee_cents":4500,"currency":"USD"})"));
  auto adm = admin_doctor_json(v, "USD");
  EXPECT_EQ(adm.size(), pub.size() + 7);
  EXPECT_EQ(adm["email"], "d@example.org");
  EXPECT_EQ(adm["phone"], "+1 555 0100");
  EXPECT_EQ(adm["licence_number"], "MC-1234");
  EXPECT_EQ(adm["status"], "approved");
  EXPECT_TRUE(adm["status_reason"].is_null());
  EXPECT_EQ(adm["created_at"], "2026-11-23T10:00:00.000Z");
  EXPECT_EQ(adm["reviewed_at"], "2026-11-23T10:01:00.000Z");
}

// ---- field rules -------------------------------------------------------------------------------

TEST(AccountsFields, PhoneAndLicence) {
  EXPECT_TRUE(valid_phone("+351 912 345 678"));
  EXPECT_TRUE(valid_phone("(555) 010-0100"));
  EXPECT_FALSE(valid_phone("12345"));
  EXPECT_FALSE(valid_phone("123456789012345678901"));
  EXPECT_FALSE(valid_phone("555-CALL-NOW"));
  EXPECT_TRUE(valid_licence_number("MC-1234"));
  EXPECT_TRUE(valid_licence_number("ab/12.3"));
  EXPECT_FALSE(valid_licence_number("MC"));
  EXPECT_FALSE(valid_licence_number("MC 1234"));
}

TEST(AccountsFields, DateOfBirthMustBePastAndAtMost130Years) {
  const auto today = ymd(2026, 11, 23);
  auto check = [&](const char* dob) {
    JsonInput in(boost::json::object{{"date_of_birth", dob}});
    auto v = read_date_of_birth(in, true, today);
    return v.has_value() && in.ok();
  };
  EXPECT_TRUE(check("1990-04-01"));
  EXPECT_TRUE(check("2026-11-22"));
  EXPECT_FALSE(check("2026-11-23"));
  EXPECT_FALSE(check("2030-01-01"));
  EXPECT_TRUE(check("1895-11-24"));   // 130, turns 131 tomorrow
  EXPECT_FALSE(check("1895-11-23"));  // 131 today
  EXPECT_FALSE(check("1990-02-30"));
}

TEST(AccountsFields, UnknownFieldsAreRefusedWithEveryError) {
  JsonInput in(boost::json::object{{"name", ""}, {"phone", "abc"}, {"specialty", "x"}});
  read_name(in, "name", true);
  read_phone(in, false);
  try {
    in.finish();
    FAIL() << "expected a validation problem";
  } catch (const Problem& p) {
    EXPECT_EQ(p.status(), 422);
    ASSERT_EQ(p.errors().size(), 3u);
    EXPECT_EQ(p.errors()[2].field, "specialty");
  }
}

// ---- pagination helpers --------------------------------------------------------------------------

TEST(AccountsPaging, Limit) {
  EXPECT_EQ(paging::parse_limit(std::nullopt), 20);
  EXPECT_EQ(paging::parse_limit("1"), 1);
  EXPECT_EQ(paging::parse_limit("100"), 100);
  for (const char* bad : {"0", "101", "-1", "ten", "5x", "", " 5"}) {
    try {
      paging::parse_limit(std::string(bad));
      ADD_FAILURE() << bad;
    } catch (const Problem& p) {
      EXPECT_EQ(p.slug(), "bad-request");
    }
  }
}

TEST(AccountsPaging, CursorRoundTripAndGarbage) {
  boost::json::array key{"Dr. Amara Okafor", 42};
  auto c = paging::encode_cursor(key);
  EXPECT_EQ(paging::decode_cursor(c), key);
  for (const char* bad : {"", "!!!", "e30", "bm90IGpzb24"}) {  // e30 = "{}", the last is "not json"
    EXPECT_THROW(paging::decode_cursor(bad), Problem) << bad;
  }
}

TEST(AccountsPaging, LikePatternEscapesWildcards) {
  EXPECT_EQ(like_contains_pattern("Ana"), "%ana%");
  EXPECT_EQ(like_contains_pattern("50%_\\"), "%50\\%\\_\\\\%");
}
