// Chat over a real database (SQLite, or PostgreSQL via MEDCORE_TEST_DATABASE_URL): who may start
// a conversation with whom (one per pair), participants only, idempotent sends (also when racing),
// history paging both ways, read marks that only move forward, unread counts, presence counts,
// the email alert (recipient not connected, once per 15 minutes, preferences, never to a doctor who
// is not approved — neither when queued nor when sent) and the care relationship that predictions
// rely on.
#include <gtest/gtest.h>

#include <soci/soci.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "features/care/relationship.hpp"
#include "features/chat/model.hpp"
#include "features/chat/service.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/time.hpp"
#include "fixture.hpp"
#include "platform/notify/delivery.hpp"
#include "platform/notify/outbox.hpp"

namespace medcore::chat {
namespace {

class ChatTest : public testing::DatabaseFixture {
 protected:
  void SetUp() override {
    DatabaseFixture::SetUp();
    app_ = make_app("chat-test");
    svc_ = std::make_unique<Service>(app_);
  }

  Caller add_user(const std::string& role, const std::string& name, const std::string& status = "approved") {
    const std::string email = name + "@example.test";
    const long long user_id = db_->transaction("test.chat", [&](soci::session& sql) {
      long long id = 0;
      const long long now = now_ms();
      sql << "INSERT INTO users (email, password_hash, role, name, created_at, updated_at, password_changed_at) "
             "VALUES (:e, 'x', :r, :n, :t, :t2, :t3) RETURNING id",
          soci::use(email), soci::use(role), soci::use(name), soci::use(now), soci::use(now), soci::use(now),
          soci::into(id);
      if (role == "patient")
        sql << "INSERT INTO patients (user_id, date_of_birth, sex) VALUES (:u, '1970-05-20', 'female')", soci::use(id);
      if (role == "doctor")
        sql << "INSERT INTO doctors (user_id, specialty, licence_number, years_experience, consultation_fee_cents, "
               "status) VALUES (:u, 'Cardiology', 'MC-1', 10, 5000, :s)",
            soci::use(id), soci::use(status);
      return id;
    });
    return Caller{user_id, *parse_role(role), name};
  }

  void book(long long doctor, long long patient, const std::string& status) {
    db_->transaction("test.chat", [&](soci::session& sql) {
      const long long now = now_ms(), start = now + 86'400'000, end = start + 1'800'000;
      sql << "INSERT INTO appointments (patient_id, doctor_id, start_at, end_at, status, created_at, updated_at) "
             "VALUES (:p, :d, :s, :e, :st, :c, :u)",
          soci::use(patient), soci::use(doctor), soci::use(start), soci::use(end), soci::use(status), soci::use(now),
          soci::use(now);
    });
  }

  long long mails(long long to) {
    return count("SELECT count(*) FROM outbox WHERE template = 'chat_message' AND to_user_id = " + std::to_string(to));
  }

  int status_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const Problem& p) {
      return p.status();
    }
    return 0;
  }

  App app_;
  std::unique_ptr<Service> svc_;
};

TEST_F(ChatTest, WhoMayStartAConversation) {
  const auto patient = add_user("patient", "paula");
  const auto doctor = add_user("doctor", "drana");
  const auto pending = add_user("doctor", "drpending", "pending");
  const auto stranger = add_user("patient", "stan");

  EXPECT_FALSE(db_->read([&](soci::session& sql) { return care::doctor_treats_patient(sql, doctor.user_id, patient.user_id); }));
  auto first = svc_->start(patient, doctor.user_id);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.conversation.patient_id, patient.user_id);
  EXPECT_EQ(first.conversation.doctor_name, "drana");
  auto again = svc_->start(patient, doctor.user_id);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.conversation.id, first.conversation.id);
  EXPECT_EQ(count("SELECT count(*) FROM conversations"), 1);
  // The conversation makes the doctor one who treats the patient (predictions access).
  EXPECT_TRUE(db_->read([&](soci::session& sql) { return care::doctor_treats_patient(sql, doctor.user_id, patient.user_id); }));

  EXPECT_EQ(status_of([&] { svc_->start(patient, pending.user_id); }), 404);
  EXPECT_EQ(status_of([&] { svc_->start(patient, stranger.user_id); }), 404);
  EXPECT_EQ(status_of([&] { svc_->start(patient, 999999); }), 404);
  // A doctor: with the patient who wrote (existing conversation) or one with an appointment.
  EXPECT_FALSE(svc_->start(doctor, patient.user_id).created);
  EXPECT_EQ(status_of([&] { svc_->start(doctor, stranger.user_id); }), 404);
  book(doctor.user_id, stranger.user_id, "cancelled");
  EXPECT_EQ(status_of([&] { svc_->start(doctor, stranger.user_id); }), 404);
  book(doctor.user_id, stranger.user_id, "booked");
  EXPECT_TRUE(svc_->start(doctor, stranger.user_id).created);
  EXPECT_EQ(status_of([&] { svc_->start(doctor, doctor.user_id); }), 404);
}

TEST_F(ChatTest, ParticipantsOnly) {
  const auto patient = add_user("patient", "paula");
  const auto doctor = add_user("doctor", "drana");
  const auto other_patient = add_user("patient", "olga");
  const auto other_doctor = add_user("doctor", "drbob");
  const auto conv = svc_->start(patient, doctor.user_id).conversation;
  svc_->send(patient, conv.id, "private", "c1");
  for (const auto& outsider : {other_patient, other_doctor}) {
    EXPECT_EQ(status_of([&] { svc_->get(outsider, conv.id); }), 404);
    EXPECT_EQ(status_of([&] { svc_->history_before(outsider, conv.id, 0, 10); }), 404);
    EXPECT_EQ(status_of([&] { svc_->history_after(outsider, conv.id, 0, 10); }), 404);
    EXPECT_EQ(status_of([&] { svc_->send(outsider, conv.id, "x", "o1"); }), 404);
    EXPECT_EQ(status_of([&] { svc_->mark_read(outsider, conv.id, 1); }), 404);
  }
  // A patient id used as if it were a doctor's does not open the conversation either.
  EXPECT_EQ(status_of([&] { svc_->get(Caller{patient.user_id, Role::doctor, ""}, conv.id); }), 404);
  EXPECT_EQ(count("SELECT count(*) FROM messages"), 1);
}

TEST_F(ChatTest, SendIsIdempotentAndHistoryPages) {
  const auto patient = add_user("patient", "paula");
  const auto doctor = add_user("doctor", "drana");
  const auto conv = svc_->start(patient, doctor.user_id).conversation;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(svc_->send(patient, conv.id, "m" + std::to_string(i), "c" + std::to_string(i)).message.id);
  const auto dup = svc_->send(patient, conv.id, "other text", "c2");
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.message.id, ids[2]);
  EXPECT_EQ(dup.message.text, "m2");
  // The same client id from the other participant is a different message.
  EXPECT_FALSE(svc_->send(doctor, conv.id, "reply", "c2").duplicate);
  // Reusing an id in another conversation is refused.
  const auto doctor2 = add_user("doctor", "drbob");
  const auto conv2 = svc_->start(patient, doctor2.user_id).conversation;
  EXPECT_EQ(status_of([&] { svc_->send(patient, conv2.id, "x", "c1"); }), 409);

  const auto newest = svc_->history_before(patient, conv.id, 0, 3);
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(newest[0].text, "reply");
  EXPECT_EQ(newest[1].text, "m4");
  const auto older = svc_->history_before(patient, conv.id, newest.back().id, 10);
  ASSERT_EQ(older.size(), 3u);
  EXPECT_EQ(older.back().text, "m0");
  const auto after = svc_->history_after(doctor, conv.id, ids[1], 2);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].id, ids[2]);
  EXPECT_EQ(after[1].id, ids[3]);

  const auto listed = svc_->list(doctor, std::nullopt, 10);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].unread_count, 5);
  ASSERT_TRUE(listed[0].last_message);
  EXPECT_EQ(listed[0].last_message->text, "reply");
}

TEST_F(ChatTest, ConcurrentResendsStoreOneMessage) {
  const auto patient = add_user("patient", "paula");
  const auto doctor = add_user("doctor", "drana");
  const auto conv = svc_->start(patient, doctor.user_id).conversation;
  std::atomic<int> fresh{0}, dups{0};
  std::mutex failures_mu;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      Service svc(app_);
      for (int i = 0; i < 10; ++i) {
        try {
          auto s = svc.send(patient, conv.id, "hello " + std::to_string(i), "race-" + std::to_string(i));
          (s.duplicate ? dups : fresh)++;
        } catch (const std::exception& e) {
          const std::lock_guard lock(failures_mu);
          failures.emplace_back(e.what());
        }
      }
    });
  for (auto& t : threads) t.join();
  // A resend that loses the race is answered with the stored message, never an error: a client
  // that retries after a lost answer must not see its message fail.
  EXPECT_TRUE(failures.empty()) << failures.size() << " resends failed, first: " << (failures.empty() ? "" : failures.front());
  EXPECT_EQ(count("SELECT count(*) FROM messages"), 10);
  EXPECT_EQ(fresh.load(), 10);
  EXPECT_EQ(dups.load(), 30);
}

TEST_F(ChatTest, ReadMarksMoveForwardOnly) {
  const auto patient = add_user("patient", "paula");
  const auto doctor = add_user("doctor", "drana");
  const auto conv = svc_->start(patient, doctor.user_id).conversation;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(svc_->send(patient, conv.id, "m", "c" + std::to_string(i)).message.id);
  auto r = svc_->mark_read(doctor, conv.id, ids[2]);
  EXPECT_EQ(r.last_read_message_id, ids[2]);
  EXPECT_EQ(r.unread_count, 1);
  r = svc_->mark_read(doctor, conv.id, ids[0]);
  EXPECT_EQ(r.last_read_message_id, ids[2]);
  EXPECT_EQ(status_of([&] { svc_->mark_read(doctor, conv.id, ids[3] + 1000); }), 422);
  const auto seen_by_patient = svc_->get(patient, conv.id);
  EXPECT_EQ(seen_by_patient.other_last_read_message_id, ids[2]);
  EXPECT_EQ(seen_by_patient.unread_count, 0);  // own messages are never unread
}

TEST_F(ChatTest, EmailAlertWhenNotConnectedOncePerInterval) {
  const auto patient = add_user("patient", "paula");
  const auto doctor = add_user("doctor", "drana");
  const auto conv = svc_->start(patient, doctor.user_id).conversation;
  EXPECT_TRUE(svc_->send(patient, conv.id, "first", "a1").alerted);
  EXPECT_FALSE(svc_->send(patient, conv.id, "second", "a2").alerted);
  EXPECT_EQ(mails(doctor.user_id), 1);
  // The patient gets their own alert for the doctor's answer.
  EXPECT_TRUE(svc_->send(doctor, conv.id, "answer", "a3").alerted);
  EXPECT_EQ(mails(patient.user_id), 1);

  db_->transaction("test.chat", [&](soci::session& sql) {
    sql << "UPDATE conversations SET doctor_alerted_at = doctor_alerted_at - :i", soci::use(static_cast<long long>(kAlertInterval));
  });
  // Connected (on any instance): no mail.
  EXPECT_EQ(svc_->presence_change(doctor.user_id, +1), 1);
  EXPECT_EQ(svc_->presence_change(doctor.user_id, +1), 2);
  EXPECT_FALSE(svc_->send(patient, conv.id, "third", "a4").alerted);
  EXPECT_EQ(svc_->presence_change(doctor.user_id, -1), 1);
  EXPECT_EQ(svc_->presence_change(doctor.user_id, -1), 0);
  EXPECT_EQ(svc_->presence_change(doctor.user_id, -1), 0);  // never below zero
  EXPECT_TRUE(svc_->presence(doctor.user_id).last_seen_at.has_value());
  EXPECT_TRUE(svc_->send(patient, conv.id, "fourth", "a5").alerted);
  // An instance that died with the doctor connected leaves a count that is no longer refreshed:
  // after kPresenceStale the doctor counts as offline again.
  db_->transaction("test.chat", [&](soci::session& sql) {
    sql << "UPDATE conversations SET doctor_alerted_at = doctor_alerted_at - :i", soci::use(static_cast<long long>(kAlertInterval));
  });
  EXPECT_EQ(svc_->presence_change(doctor.user_id, +1), 1);
  svc_->presence_refresh({doctor.user_id});
  EXPECT_FALSE(svc_->send(patient, conv.id, "still connected", "a5b").alerted);
  db_->transaction("test.chat", [&](soci::session& sql) {
    sql << "UPDATE chat_presence SET last_seen_at = last_seen_at - :s", soci::use(static_cast<long long>(kPresenceStale));
  });
  EXPECT_TRUE(svc_->send(patient, conv.id, "stale count", "a5c").alerted);
  EXPECT_EQ(mails(doctor.user_id), 3);

  // Preferences: switched off, nothing is queued.
  db_->transaction("test.chat", [&](soci::session& sql) {
    sql << "UPDATE conversations SET doctor_alerted_at = doctor_alerted_at - :i", soci::use(static_cast<long long>(kAlertInterval));
    long long uid = doctor.user_id, now = now_ms();
    sql << "INSERT INTO notification_preferences (user_id, reminders, chat, updated_at) VALUES (:u, 1, 0, :t)",
        soci::use(uid), soci::use(now);
  });
  EXPECT_FALSE(svc_->send(patient, conv.id, "fifth", "a6").alerted);
  EXPECT_EQ(mails(doctor.user_id), 3);
}

// Who may receive health data is care's rule, given to notify by care::install. A process that
// never installed it mails no health data at all — chat alerts are not queued, one queued earlier
// is withdrawn when it would be sent — while mail without health data still goes.
TEST_F(ChatTest, WithoutTheHealthDataGateNoChatAlertIsQueuedOrSent) {
  const auto patient = add_user("patient", "nogate");
  const auto doctor = add_user("doctor", "drnogate");
  const auto conv = svc_->start(patient, doctor.user_id).conversation;
  EXPECT_TRUE(svc_->send(patient, conv.id, "queued while the gate is there", "n1").alerted);
  EXPECT_EQ(mails(doctor.user_id), 1);

  notify::set_health_data_gate(nullptr);
  (void)svc_->send(doctor, conv.id, "no gate, no alert", "n2");
  EXPECT_EQ(mails(patient.user_id), 0);
  const auto account_mail = db_->transaction("test.chat", [&](soci::session& sql) {
    return notify::enqueue(sql, {.category = std::string(notify::kCategoryAccount),
                                 .template_name = "welcome",
                                 .to_user_id = patient.user_id,
                                 .to_email = "nogate@example.test",
                                 .data = {{"name", "No Gate"}, {"role", "patient"}, {"login_url", "http://x/login"}}});
  });
  EXPECT_GT(account_mail, 0) << "mail without health data does not need the gate";

  const auto var = std::filesystem::temp_directory_path() / ("medcore_it_nogate_" + std::to_string(now_ms()));
  app_.config.var_dir = var.string();
  app_.config.mail_transport = "file";
  notify::DeliveryWorker worker(app_);
  EXPECT_EQ(worker.run_once(), 2u);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE to_user_id = " + std::to_string(doctor.user_id) +
                  " AND status = 'dead' AND last_error LIKE 'withdrawn:%'"),
            1)
      << "the doctor's alert, queued with the gate, is withdrawn without it";
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE template = 'welcome' AND status = 'sent'"), 1);
  std::error_code ignored;
  std::filesystem::remove_all(var, ignored);
  notify::set_health_data_gate(&care::may_see_health_data);
}

// A doctor suspended after an alert was queued for them and before it went out gets nothing: the
// delivery worker looks again and withdraws it, while the patient's alert goes. Once suspended,
// nothing more is queued for them.
TEST_F(ChatTest, AlertsGoOnlyToDoctorsWhoAreStillApproved) {
  const auto patient = add_user("patient", "pia");
  const auto doctor = add_user("doctor", "drsus");
  const auto conv = svc_->start(patient, doctor.user_id).conversation;
  EXPECT_TRUE(svc_->send(patient, conv.id, "my results are in", "w1").alerted);
  EXPECT_TRUE(svc_->send(doctor, conv.id, "I will look", "w2").alerted);
  db_->transaction("test.chat", [&](soci::session& sql) {
    long long id = doctor.user_id;
    sql << "UPDATE doctors SET status = 'suspended' WHERE user_id = :u", soci::use(id);
  });

  const auto var = std::filesystem::temp_directory_path() / ("medcore_it_mail_" + std::to_string(now_ms()));
  app_.config.var_dir = var.string();
  app_.config.mail_transport = "file";
  notify::DeliveryWorker worker(app_);
  EXPECT_EQ(worker.run_once(), 2u);
  const std::string to_doctor = "FROM outbox WHERE to_user_id = " + std::to_string(doctor.user_id);
  EXPECT_EQ(count("SELECT count(*) " + to_doctor + " AND status = 'dead' AND last_error LIKE 'withdrawn:%'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE to_user_id = " + std::to_string(patient.user_id) +
                  " AND status = 'sent'"),
            1);
  std::size_t files = 0;
  for (const auto& f : std::filesystem::directory_iterator(var / "mail"))
    if (f.path().extension() == ".eml") ++files;
  EXPECT_EQ(files, 1u) << "only the patient's alert is written";

  db_->transaction("test.chat", [&](soci::session& sql) {
    sql << "UPDATE conversations SET doctor_alerted_at = doctor_alerted_at - :i", soci::use(static_cast<long long>(kAlertInterval));
  });
  EXPECT_FALSE(svc_->send(patient, conv.id, "anyone there?", "w3").alerted);
  EXPECT_EQ(mails(doctor.user_id), 1);
  std::error_code ignored;
  std::filesystem::remove_all(var, ignored);
}

}  // namespace
}  // namespace medcore::chat
