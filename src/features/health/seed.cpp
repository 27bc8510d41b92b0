#include "features/health/seed.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "features/health/model_csv.hpp"
#include "features/health/store.hpp"
#include "platform/app/app.hpp"
#include "platform/core/time.hpp"
#include "platform/db/query.hpp"

namespace medcore::health {

namespace {

// A small deterministic generator: the same demo on every machine.
class Noise {
 public:
  explicit Noise(std::uint64_t seed) : state_(seed) {}
  // Roughly normal (sum of uniforms), mean 0, standard deviation `sd`.
  double normal(double sd) {
    double sum = 0;
    for (int i = 0; i < 12; ++i) sum += uniform();
    return (sum - 6.0) * sd;
  }
  double uniform() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) / 9007199254740992.0;
  }

 private:
  std::uint64_t state_;
};

double round1(double v) { return std::round(v * 10) / 10; }

constexpr int kDays = 120;

}  // namespace

void seed_demo(App& app, std::ostream& out) {
  const EpochMs now = now_ms();
  int total = 0, patients_seeded = 0;
  app.db->transaction("health.seed", [&](soci::session& sql) {
    std::vector<std::int64_t> patients;
    db::Query("SELECT p.user_id FROM patients p WHERE NOT EXISTS (SELECT 1 FROM health_readings h WHERE h.patient_id = "
              "p.user_id) ORDER BY p.user_id")
        .each(sql, [&](const soci::row& r) { patients.push_back(db::col_int(r, 0)); });
    for (std::size_t n = 0; n < patients.size(); ++n) {
      const auto patient = store::find_patient(sql, patients[n]);
      if (!patient) continue;
      Noise noise(0x5eed0000ULL + n);
      const bool rising = n == 0;    // stage 1 drifting into stage 2 over the four months
      const bool glucose = n == 1;   // fasting glucose in the prediabetes range
      const double base_sys = rising ? 128 : 114 + 4.0 * static_cast<double>(n % 3);
      const double base_dia = rising ? 82 : 72 + 2.0 * static_cast<double>(n % 3);
      const double base_weight = 62 + 9.0 * static_cast<double>(n % 4);
      const date::local_days today = local_day(now, patient->time_zone);
      auto insert = [&](const Entry& e) {
        if (e.measured_at > now) return;
        if (!validate(e, Limits{.now = now, .date_of_birth = patient->date_of_birth}).empty()) return;
        store::insert(sql, patient->id, canonical(e), std::nullopt, Source::manual, now);
        ++total;
      };
      auto entry = [](Kind kind, Unit unit, EpochMs at) {
        Entry e;
        e.kind = kind;
        e.unit = unit;
        e.measured_at = at;
        return e;
      };
      for (int d = kDays; d >= 0; --d) {
        const EpochMs midnight = start_of_local_day(today - date::days(d), patient->time_zone);
        const double progress = static_cast<double>(kDays - d) / kDays;  // 0 → 1 over the window
        const double drift = rising ? 16.0 * progress : 0.0;
        for (const int minute : {7 * 60 + 10, 21 * 60 + 5}) {
          if (noise.uniform() < 0.06) continue;  // a missed measurement now and then
          const EpochMs at = midnight + (minute + static_cast<int>(noise.uniform() * 25)) * 60'000LL;
          const double sys = std::round(base_sys + drift + noise.normal(6));
          const double dia = std::round(std::min(sys - 25, base_dia + drift * 0.5 + noise.normal(4)));
          Entry bp = entry(Kind::blood_pressure, Unit::mmhg, at);
          bp.systolic = sys;
          bp.diastolic = dia;
          bp.pulse = std::round(68 + noise.normal(5));
          insert(bp);
        }
        if (d % 3 == 0) {
          Entry w = entry(Kind::body_weight, Unit::kg, midnight + (7 * 60 + 2) * 60'000LL);
          w.value = round1(base_weight + (rising ? 1.5 * progress : 0) + noise.normal(0.4));
          insert(w);
        }
        if (d % 2 == 0) {
          Entry hr = entry(Kind::heart_rate, Unit::per_min, midnight + (12 * 60 + 30) * 60'000LL);
          hr.value = std::round(66 + noise.normal(6));
          insert(hr);
        }
        if (glucose) {
          Entry g = entry(Kind::blood_glucose, Unit::mg_dl, midnight + (6 * 60 + 50) * 60'000LL);
          g.value = std::round(104 + noise.normal(8));
          g.context = GlucoseContext::fasting;
          insert(g);
        }
      }
      ++patients_seeded;
    }
  });
  out << "Demo health readings: " << total << " for " << patients_seeded << " patients.\n";
}

}  // namespace medcore::health
