#include "features/chat/seed.hpp"

#include "platform/app/app.hpp"
#include "features/chat/store.hpp"
#include "platform/db/query.hpp"

namespace medcore::chat {

void seed_demo(App& app, std::ostream& out) {
  app.db->transaction("chat.seed_demo", [&](soci::session& sql) {
    std::int64_t patient = 0, doctor = 0;
    db::Query("SELECT user_id FROM patients ORDER BY user_id LIMIT 1").each(sql, [&](const soci::row& r) {
      patient = db::col_int(r, 0);
    });
    db::Query("SELECT user_id FROM doctors WHERE status = 'approved' ORDER BY user_id LIMIT 1").each(sql, [&](const soci::row& r) {
      doctor = db::col_int(r, 0);
    });
    if (patient == 0 || doctor == 0 || store::find_pair(sql, patient, doctor)) return;
    const EpochMs now = now_ms();
    store::insert_conversation(sql, patient, doctor, now - 3'600'000);
    const auto id = *store::find_pair(sql, patient, doctor);
    const auto asked = store::insert_message(sql, id, patient, "Hello doctor, should I fast before the blood test next week?",
                                             "demo-1", now - 3'000'000);
    store::mark_read(sql, id, doctor, asked->id, now - 2'500'000);
    store::insert_message(sql, id, doctor, "Yes: nothing to eat for 8 hours before; water is fine.", "demo-2", now - 2'400'000);
    out << "Demo conversation started between the first patient and the first approved doctor.\n";
  });
}

}  // namespace medcore::chat
