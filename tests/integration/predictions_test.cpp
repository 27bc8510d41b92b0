// Predictions over a real database (SQLite, or PostgreSQL via MEDCORE_TEST_DATABASE_URL): a
// prediction is validated, explained and stored; bad input stores nothing; the history pages;
// who may read whose predictions (a doctor only with an appointment, audited); parallel
// predictions are all stored. Routes are driven through the real Router and handlers.
#include <gtest/gtest.h>

#include <soci/soci.h>

#include <atomic>
#include <map>
#include <boost/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/problem.hpp"
#include "platform/core/time.hpp"
#include "fixture.hpp"
#include "platform/http/router.hpp"
#include "features/predictions/routes.hpp"
#include "features/predictions/service.hpp"

namespace medcore::predictions {
namespace {

namespace json = boost::json;

// Loaded once for the whole run, like the server does at start-up. Never destroyed: XGBoost's own
// statics may be gone by the time a static of ours would free its boosters at exit.
const std::shared_ptr<const Models>& models() {
  static const auto* m = new std::shared_ptr<const Models>(Models::load(std::string(MEDCORE_SOURCE_DIR) + "/models"));
  return *m;
}

const json::object kDiabetes = {{"pregnancies", 2}, {"glucose", 168}, {"blood_pressure", 72},
                                {"skin_thickness", 35}, {"insulin", 120}, {"bmi", 38.2},
                                {"diabetes_pedigree_function", 0.6}, {"age", 45}};

struct Reply {
  int status = 0;
  json::value body;
  std::string slug;
  std::vector<FieldError> errors;
  json::object extensions;
};

class PredictionsTest : public testing::DatabaseFixture {
 protected:
  void SetUp() override {
    DatabaseFixture::SetUp();
    app_ = make_app("predictions-test");
    mount_predictions(router_, app_, models());
  }

  long long add_user(const std::string& role, const std::string& email) {
    return db_->transaction("test.predictions", [&](soci::session& sql) {
      long long id = 0;
      const long long now = now_ms();
      sql << "INSERT INTO users (email, password_hash, role, name, created_at, updated_at, password_changed_at) "
             "VALUES (:e, 'x', :r, :n, :t, :t2, :t3) RETURNING id",
          soci::use(email), soci::use(role), soci::use(email), soci::use(now), soci::use(now), soci::use(now),
          soci::into(id);
      if (role == "patient")
        sql << "INSERT INTO patients (user_id, date_of_birth, sex) VALUES (:u, '1970-05-20', 'female')", soci::use(id);
      if (role == "doctor")
        sql << "INSERT INTO doctors (user_id, specialty, licence_number, years_experience, consultation_fee_cents, "
               "status) VALUES (:u, 'Cardiology', 'MC-1', 10, 5000, 'approved')",
            soci::use(id);
      return id;
    });
  }

  void book(long long doctor, long long patient, const std::string& status, long long start) {
    db_->transaction("test.predictions", [&](soci::session& sql) {
      const long long now = now_ms(), end = start + 1'800'000;
      sql << "INSERT INTO appointments (patient_id, doctor_id, start_at, end_at, status, created_at, updated_at) "
             "VALUES (:p, :d, :s, :e, :st, :c, :u)",
          soci::use(patient), soci::use(doctor), soci::use(start), soci::use(end), soci::use(status), soci::use(now),
          soci::use(now);
    });
  }

  Reply call(const std::string& method, const std::string& target, std::optional<http::Principal> who,
             const std::string& body = "") {
    http::Request req;
    req.method = method;
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    req.body = body;
    req.remote_ip = "127.0.0.1";
    auto match = router_.match(method, req.path);
    EXPECT_NE(match.route, nullptr) << method << " " << target;
    if (!match.route) return {};
    http::Context ctx{req, std::move(match.params), std::move(who), "req-1", match.route->pattern};
    Reply r;
    try {
      auto res = match.route->handler(ctx);
      r.status = res.status;
      r.body = json::parse(res.body);
    } catch (const Problem& p) {
      r.status = p.status();
      r.slug = p.slug();
      r.errors = p.errors();
      r.extensions = p.extensions();
    }
    return r;
  }

  static http::Principal as(long long id, const std::string& role, const std::string& status = "") {
    http::Principal p;
    p.user_id = id;
    p.role = *parse_role(role);  // the fixtures' rows spell roles and statuses as stored
    if (!status.empty()) p.doctor_status = *parse_doctor_status(status);
    return p;
  }

  App app_;
  http::Router router_;
};

TEST_F(PredictionsTest, APredictionIsExplainedStoredAndListed) {
  const auto patient = add_user("patient", "ana@example.org");
  const auto r = call("POST", "/api/v1/predictions/diabetes", as(patient, "patient"), json::serialize(kDiabetes));
  ASSERT_EQ(r.status, 201) << r.slug;
  const auto& item = r.body.as_object();
  const double p = item.at("probability").as_double();
  EXPECT_GT(p, 0.0);
  EXPECT_LT(p, 1.0);
  // The band follows the card's thresholds.
  const auto& t = item.at("thresholds").as_object();
  const std::string band = std::string(item.at("band").as_string());
  const double lo = t.at("low_moderate").as_double(), hi = t.at("moderate_high").as_double();
  EXPECT_EQ(band, p >= hi ? "high" : p >= lo ? "moderate" : "low");
  // A glucose of 168 mg/dL is the strongest reason up in this model.
  const auto& up = item.at("factors_up").as_array();
  ASSERT_FALSE(up.empty());
  EXPECT_EQ(up[0].at("feature").as_string(), "glucose");
  EXPECT_EQ(up[0].at("text").as_string(), "glucose 168 mg/dL raised the estimate the most");
  EXPECT_EQ(item.at("model").as_string(), "diabetes");
  EXPECT_EQ(item.at("model_version").as_string(), models()->find("diabetes")->version());
  EXPECT_EQ(item.at("card_url").as_string(), "/api/v1/prediction-models/diabetes");
  EXPECT_NE(std::string(item.at("disclaimer").as_string()).find("not a diagnosis"), std::string::npos);
  EXPECT_EQ(item.at("confidence").at("level").as_string(), "moderate");
  EXPECT_EQ(item.at("inputs").at("glucose").as_int64(), 168);

  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions"), 1);
  const auto history = call("GET", "/api/v1/predictions", as(patient, "patient"));
  ASSERT_EQ(history.status, 200);
  const auto& items = history.body.at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  // What the history shows is what the patient was told.
  EXPECT_EQ(items[0].as_object(), item);
}

TEST_F(PredictionsTest, OutOfRangeValuesAre422WithFieldAndRangeAndStoreNothing) {
  const auto patient = add_user("patient", "ana@example.org");
  auto body = kDiabetes;
  body["glucose"] = 900;
  body["bmi"] = "fat";
  body["cholesterol"] = 200;
  const auto r = call("POST", "/api/v1/predictions/diabetes", as(patient, "patient"), json::serialize(body));
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.slug, "validation");
  std::map<std::string, std::string> by_field;
  for (const auto& e : r.errors) by_field[e.field] = e.message;
  EXPECT_EQ(by_field["glucose"], "must be within 40–400 mg/dL");
  EXPECT_EQ(by_field["bmi"], "must be a number (12–80 kg/m²)");
  EXPECT_TRUE(by_field.count("cholesterol"));
  EXPECT_EQ(r.extensions.at("allowed").at("glucose").at("min").as_double(), 40.0);
  EXPECT_EQ(r.extensions.at("allowed").at("glucose").at("max").as_double(), 400.0);
  EXPECT_EQ(r.extensions.at("allowed").at("glucose").at("unit").as_string(), "mg/dL");
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions"), 0);

  EXPECT_EQ(call("POST", "/api/v1/predictions/diabetes", as(patient, "patient"), "[1,2]").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/predictions/kidney", as(patient, "patient"), json::serialize(kDiabetes)).status, 404);
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions"), 0);
}

TEST_F(PredictionsTest, OnlyPatientsPredictAndEachSeesOnlyTheirOwnHistory) {
  const auto ana = add_user("patient", "ana@example.org");
  const auto bo = add_user("patient", "bo@example.org");
  const auto doctor = add_user("doctor", "dr@example.org");
  const auto admin = add_user("admin", "admin@example.org");
  ASSERT_EQ(call("POST", "/api/v1/predictions/diabetes", as(ana, "patient"), json::serialize(kDiabetes)).status, 201);
  EXPECT_EQ(call("POST", "/api/v1/predictions/diabetes", as(doctor, "doctor", "approved"), json::serialize(kDiabetes))
                .status,
            403);
  EXPECT_EQ(call("POST", "/api/v1/predictions/diabetes", std::nullopt, json::serialize(kDiabetes)).status, 401);

  EXPECT_EQ(call("GET", "/api/v1/predictions", as(bo, "patient")).body.at("items").as_array().size(), 0u);
  EXPECT_EQ(call("GET", "/api/v1/predictions", as(ana, "patient")).body.at("items").as_array().size(), 1u);
  EXPECT_EQ(call("GET", "/api/v1/patients/" + std::to_string(ana) + "/predictions", as(bo, "patient")).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/patients/" + std::to_string(ana) + "/predictions", as(ana, "patient")).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/patients/" + std::to_string(ana) + "/predictions", as(admin, "admin")).status, 403);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), 0);
}

TEST_F(PredictionsTest, ADoctorReadsOnlyPatientsWithAnAppointmentAndEveryReadIsAudited) {
  const auto ana = add_user("patient", "ana@example.org");
  const auto doctor = add_user("doctor", "dr@example.org");
  const auto stranger = add_user("doctor", "dr2@example.org");
  ASSERT_EQ(call("POST", "/api/v1/predictions/diabetes", as(ana, "patient"), json::serialize(kDiabetes)).status, 201);
  const std::string path = "/api/v1/patients/" + std::to_string(ana) + "/predictions";

  // No appointment, or only a cancelled one: refused, nothing audited.
  EXPECT_EQ(call("GET", path, as(doctor, "doctor", "approved")).status, 403);
  book(doctor, ana, "cancelled", now_ms() + 86'400'000);
  EXPECT_EQ(call("GET", path, as(doctor, "doctor", "approved")).status, 403);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), 0);

  // A booked appointment: allowed, and the read is in the audit log with actor and subject.
  book(doctor, ana, "booked", now_ms() + 2 * 86'400'000);
  const auto r = call("GET", path, as(doctor, "doctor", "approved"));
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(r.body.at("items").at(0).at("patient_id").as_int64(), ana);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'health.predictions_viewed' AND actor_user_id = " +
                  std::to_string(doctor) + " AND subject_user_id = " + std::to_string(ana)),
            1);

  // Another doctor still cannot; a suspended doctor with the appointment cannot either.
  EXPECT_EQ(call("GET", path, as(stranger, "doctor", "approved")).status, 403);
  EXPECT_EQ(call("GET", path, as(doctor, "doctor", "suspended")).status, 403);
  // A patient id that does not exist looks the same as one the doctor does not treat.
  EXPECT_EQ(call("GET", "/api/v1/patients/999999/predictions", as(doctor, "doctor", "approved")).status, 403);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), 1);
}

TEST_F(PredictionsTest, HistoryPagesNewestFirstAndFiltersByModel) {
  const auto ana = add_user("patient", "ana@example.org");
  const json::object heart = {{"age", 63}, {"sex", 1}, {"cp", 4}, {"trestbps", 145}, {"chol", 233},
                              {"fbs", 1}, {"restecg", 2}, {"thalach", 150}, {"exang", 0},
                              {"oldpeak", 2.3}, {"slope", 3}};
  for (int i = 0; i < 3; ++i) {
    auto b = kDiabetes;
    b["glucose"] = 100 + 20 * i;
    ASSERT_EQ(call("POST", "/api/v1/predictions/diabetes", as(ana, "patient"), json::serialize(b)).status, 201);
  }
  const auto h = call("POST", "/api/v1/predictions/heart", as(ana, "patient"), json::serialize(heart));
  ASSERT_EQ(h.status, 201);
  // ca and thal left out: two fewer inputs, said in the confidence.
  EXPECT_EQ(h.body.at("confidence").at("missing_features").as_int64(), 2);

  auto page = call("GET", "/api/v1/predictions?limit=2", as(ana, "patient"));
  ASSERT_EQ(page.status, 200);
  auto items = page.body.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("model").as_string(), "heart");
  EXPECT_EQ(items[1].at("inputs").at("glucose").as_int64(), 140);
  const std::string cursor(page.body.at("next_cursor").as_string());
  page = call("GET", "/api/v1/predictions?limit=2&cursor=" + cursor, as(ana, "patient"));
  items = page.body.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].at("inputs").at("glucose").as_int64(), 100);
  EXPECT_TRUE(page.body.at("next_cursor").is_null());

  const auto only_diabetes = call("GET", "/api/v1/predictions?model=diabetes&limit=100", as(ana, "patient"));
  EXPECT_EQ(only_diabetes.body.at("items").as_array().size(), 3u);
  EXPECT_EQ(call("GET", "/api/v1/predictions?model=kidney", as(ana, "patient")).status, 400);
  EXPECT_EQ(call("GET", "/api/v1/predictions?cursor=bogus", as(ana, "patient")).status, 400);
}

TEST_F(PredictionsTest, PrefillGivesAgeFromTheDateOfBirthAndSaysWhatItCannotFill) {
  const auto ana = add_user("patient", "ana@example.org");  // born 1970-05-20, female
  const auto r = call("GET", "/api/v1/predictions/heart/prefill", as(ana, "patient"));
  ASSERT_EQ(r.status, 200);
  const auto today = utc_today();
  int age = static_cast<int>(today.year()) - 1970;
  if (today.month() < date::May || (today.month() == date::May && today.day() < date::day(20))) --age;
  EXPECT_EQ(r.body.at("values").at("age").as_int64(), age);
  EXPECT_EQ(r.body.at("values").at("sex").as_string(), "0");
  EXPECT_EQ(r.body.at("sources").at("age").as_string(), "date of birth");
  EXPECT_FALSE(r.body.at("notes").as_array().empty());
  const auto d = call("GET", "/api/v1/predictions/diabetes/prefill", as(ana, "patient"));
  EXPECT_FALSE(d.body.at("values").as_object().contains("sex"));
  EXPECT_EQ(call("GET", "/api/v1/predictions/heart/prefill", as(add_user("doctor", "d@x.org"), "doctor", "approved"))
                .status,
            403);
}

TEST_F(PredictionsTest, ParallelPredictionsAreAllStored) {
  const auto ana = add_user("patient", "ana@example.org");
  const auto bo = add_user("patient", "bo@example.org");
  constexpr int kThreads = 6, kEach = 10;
  std::atomic<int> created{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto b = kDiabetes;
        b["glucose"] = 80 + i;  // every thread sends the same ten inputs
        const auto who = t % 2 ? ana : bo;
        const auto r = call("POST", "/api/v1/predictions/diabetes", as(who, "patient"), json::serialize(b));
        (r.status == 201 ? created : failed).fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), kThreads * kEach);
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions"), kThreads * kEach);
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions WHERE patient_id = " + std::to_string(ana)), kThreads * kEach / 2);
  // Same input, same answer: the shared read-only model gives every thread identical numbers.
  EXPECT_EQ(count("SELECT COUNT(*) FROM predictions WHERE inputs LIKE '%\"glucose\":80,%'"), kThreads);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT probability) FROM predictions WHERE inputs LIKE '%\"glucose\":80,%'"), 1);
}

}  // namespace
}  // namespace medcore::predictions
