#include "features/appointments/seed.hpp"

#include <array>
#include <string>
#include <vector>

#include "platform/app/app.hpp"
#include "features/appointments/store.hpp"
#include "platform/db/query.hpp"

namespace medcore::appointments {

void seed_demo(App& app, std::ostream& out) {
  constexpr std::array<const char*, 4> zones{"America/New_York", "Europe/Lisbon", "Europe/Berlin", "America/Chicago"};
  std::vector<WeeklyInterval> weekdays;
  for (int day = 1; day <= 5; ++day) {
    weekdays.push_back({day, 9 * 60, 12 * 60});
    weekdays.push_back({day, 13 * 60, 17 * 60});
  }
  const EpochMs now = now_ms();
  app.db->transaction("appointments.seed_demo", [&](soci::session& sql) {
    std::vector<std::int64_t> doctors;
    db::Query("SELECT d.user_id FROM doctors d WHERE d.status = 'approved' AND NOT EXISTS "
              "(SELECT 1 FROM doctor_schedules s WHERE s.doctor_id = d.user_id) ORDER BY d.user_id")
        .each(sql, [&](const soci::row& r) { doctors.push_back(db::col_int(r, 0)); });
    for (std::size_t i = 0; i < doctors.size(); ++i)
      store::save_weekly(sql, doctors[i], 30, zones[i % zones.size()], weekdays, now);
    std::int64_t patient = 0;
    db::Query("SELECT user_id FROM patients ORDER BY user_id LIMIT 1").each(sql, [&](const soci::row& r) {
      patient = db::col_int(r, 0);
    });
    int booked = 0;
    if (patient != 0 && !doctors.empty()) {
      // The first free slots three and ten days from now with the first two doctors.
      for (std::size_t i = 0; i < doctors.size() && booked < 2; ++i) {
        const EpochMs from = now + (booked == 0 ? 3 : 10) * 86'400'000LL;
        auto schedule = store::load_schedule(sql, doctors[i], "0000-01-01", "9999-12-31");
        if (!schedule) continue;
        auto slots = slots_between(*schedule, from, from + 7 * 86'400'000LL);
        if (slots.empty()) continue;
        const Slot& s = slots[slots.size() / 3];
        store::insert(sql, patient, doctors[i], s, booked == 0 ? "Annual check-up" : "Follow-up on test results", now);
        ++booked;
      }
    }
    out << "Demo hours published for " << doctors.size() << " doctors; " << booked << " demo appointments booked.\n";
  });
}

}  // namespace medcore::appointments
