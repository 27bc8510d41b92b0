#include "features/health/routes.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>

#include "engines/ai/engine.hpp"
#include "engines/ai/offline.hpp"
#include "features/care/relationship.hpp"
#include "features/health/advice.hpp"
#include "features/health/model_csv.hpp"
#include "features/health/store.hpp"
#include "features/health/service.hpp"
#include "platform/app/app.hpp"
#include "platform/audit/audit.hpp"
#include "platform/core/json_input.hpp"
#include "platform/core/paging.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/rate_limiter.hpp"
#include "platform/core/time.hpp"
#include "platform/db/query.hpp"
#include "platform/http/router.hpp"

namespace medcore::health {

namespace json = boost::json;

namespace {

// The one role check of the feature's own routes: patients write and read only their own readings.
std::int64_t own_patient(const http::Context& ctx) { return ctx.require_role({Role::patient}).user_id; }

ListParams list_params(const http::Context& ctx) {
  const auto& q = ctx.request;
  return {q.query_param("kind"), q.query_param("from"), q.query_param("to"), q.query_param("cursor"),
          q.query_param("limit")};
}

SeriesParams series_params(const http::Context& ctx) {
  return {ctx.request.query_param("kind"), ctx.request.query_param("days")};
}

// A doctor's read of a patient's readings: the patient themselves, or an approved treating doctor,
// audited in the same transaction as the read.
void authorise(soci::session& sql, const http::Context& ctx, std::int64_t patient_id, std::string_view what) {
  care::authorise_patient_read(
      sql, ctx, patient_id,
      problems::forbidden("Only the patient and the doctors who treat them (an appointment or a conversation) can see "
                          "these readings."),
      "health.readings_viewed", json::object{{"what", what}});
}

}  // namespace

void mount(http::Router& router, App& app) {
  router.post("/api/v1/health/readings", [&app](http::Context& ctx) {
    const auto patient = own_patient(ctx);
    const EpochMs now = now_ms();
    auto answer = app.db->transaction("health.record",
        [&](soci::session& sql) { return record(sql, patient, ctx.request.body, now); });
    return http::Response::json(201, answer);
  });

  router.get("/api/v1/health/readings", [&app](http::Context& ctx) {
    const auto patient = own_patient(ctx);
    const auto params = list_params(ctx);
    check_list_params(params);
    return http::Response::json(200, app.db->read([&](soci::session& sql) { return list(sql, patient, params); }));
  });

  router.patch("/api/v1/health/readings/{id:int}", [&app](http::Context& ctx) {
    const auto patient = own_patient(ctx);
    const auto id = ctx.params.integer("id");
    const EpochMs now = now_ms();
    auto answer = app.db->transaction("health.edit",
        [&](soci::session& sql) { return edit(sql, patient, id, ctx.request.body, now); });
    return http::Response::json(200, answer);
  });

  router.del("/api/v1/health/readings/{id:int}", [&app](http::Context& ctx) {
    const auto patient = own_patient(ctx);
    const auto id = ctx.params.integer("id");
    const EpochMs now = now_ms();
    app.db->transaction("health.delete",
        [&](soci::session& sql) { remove(sql, patient, id, audit::entry_from(ctx, "health.reading_deleted", patient), now); });
    return http::Response::no_content();
  });

  router.get("/api/v1/health/series", [&app](http::Context& ctx) {
    const auto patient = own_patient(ctx);
    const auto params = series_params(ctx);
    check_series_params(params);
    const EpochMs now = now_ms();
    return http::Response::json(200,
                                app.db->read([&](soci::session& sql) { return series(sql, patient, params, now); }));
  });

  router.get("/api/v1/health/export", [&app](http::Context& ctx) {
    const auto patient = own_patient(ctx);
    auto csv = app.db->read([&](soci::session& sql) { return export_csv(sql, patient); });
    auto res = http::Response::text(200, std::move(csv), "text/csv; charset=utf-8");
    res.header("Content-Disposition", "attachment; filename=\"medcore-health-readings.csv\"");
    return res;
  });

  // Imports: a file of up to 5,000 rows as JSON {csv}, within the usual 1 MiB body.
  router.post("/api/v1/health/imports/preview", [&app](http::Context& ctx) {
    const auto patient = own_patient(ctx);
    const EpochMs now = now_ms();
    return http::Response::json(
        200, app.db->read([&](soci::session& sql) { return preview_import(sql, patient, ctx.request.body, now); }));
  });

  router.post("/api/v1/health/imports", [&app](http::Context& ctx) {
    const auto patient = own_patient(ctx);
    const EpochMs now = now_ms();
    auto answer = app.db->transaction("health.import",
        [&](soci::session& sql) { return commit_import(sql, patient, ctx.request.body, now); });
    return http::Response::json(200, answer);
  });

  // A treating doctor (or the patient) reads a patient's readings and charts; a doctor's read is audited.
  router.get("/api/v1/patients/{id:int}/health/readings", [&app](http::Context& ctx) {
    ctx.user();  // signed in (401) before anything else is looked at
    const auto patient = ctx.params.integer("id");
    const auto params = list_params(ctx);
    check_list_params(params);  // a bad parameter is refused before anything is audited
    auto answer = app.db->transaction("health.doctor_read", [&](soci::session& sql) {
      authorise(sql, ctx, patient, "readings");
      return list(sql, patient, params);
    });
    return http::Response::json(200, answer);
  });

  router.get("/api/v1/patients/{id:int}/health/series", [&app](http::Context& ctx) {
    ctx.user();
    const auto patient = ctx.params.integer("id");
    const auto params = series_params(ctx);
    check_series_params(params);
    const EpochMs now = now_ms();
    auto answer = app.db->transaction("health.doctor_series", [&](soci::session& sql) {
      authorise(sql, ctx, patient, "series");
      return series(sql, patient, params, now);
    });
    return http::Response::json(200, answer);
  });
}

namespace {

// What POST /api/v1/health/advice reads in one go: the window's readings (local days set), the
// facts built from them, and the administrator's switch.
struct AdviceInput {
  std::vector<Reading> readings;
  ai::HealthFacts facts;
  bool provider_enabled = false;
};

AdviceInput read_advice_input(soci::session& sql, std::int64_t patient_id, int days, EpochMs now) {
  const auto patient = store::find_patient(sql, patient_id);
  if (!patient) throw problems::forbidden("Only patients with a profile can ask for advice.");
  const auto& zone = patient->time_zone;
  const date::local_days today = local_day(now, zone);
  const EpochMs from = start_of_local_day(today - date::days(days - 1), zone);
  AdviceInput in;
  for (auto& row : store::range(sql, patient_id, std::nullopt, from, now + clock_skew_ms + 1, kMaxSeriesReadings)) {
    row.reading.local_day = local_day(row.reading.measured_at, zone);
    in.readings.push_back(row.reading);
  }
  std::vector<StoredRisk> risks;
  for (auto& r : store::latest_predictions(sql, patient_id)) risks.push_back({r.model, r.band, r.created_at});
  in.facts = advice_facts(in.readings, days, patient->date_of_birth, patient->sex, risks, date::year_month_day(today), now);
  in.provider_enabled = provider_enabled(sql);
  return in;
}

// No readings and no predictions: nothing to ask a provider about. The offline composer's general
// answer (it says there are no readings yet), given as the offline provider's, not as a fallback.
ai::Answer answer_without_facts(const ai::HealthFacts& facts) {
  ai::Answer a;
  a.advice = ai::compose_offline(facts);
  a.disclaimer = ai::Wording{}.disclaimer;
  a.provider = "offline";
  a.model = ai::default_model(ai::Provider::offline);
  return a;
}

json::object admin_ai_state(const ai::Engine& engine, bool enabled) {
  const auto& o = engine.options();
  return json::object{{"provider", ai::to_string(o.provider)},
                      {"model", o.model},
                      {"network_provider", o.provider != ai::Provider::offline},
                      {"enabled", enabled},
                      {"counters", ai::to_json(engine.counters())}};
}

json::object advice_item_from_row(const soci::row& r) {
  return advice_item(db::col_int(r, 0), db::col_int(r, 1), db::col_text(r, 2));
}

}  // namespace

void mount_advice(http::Router& router, App& app, ai::Engine& engine, int per_minute) {
  auto limiter = std::make_shared<RateLimiter>(per_minute);

  // Runs on a general worker (every database route does): ask() blocks for up to the provider's
  // timeout × attempts, and no database connection is held while it does.
  router.post("/api/v1/health/advice", [&app, &engine, limiter](http::Context& ctx) {
    const auto patient = own_patient(ctx);
    const int days = parse_advice_days(ctx.request.body);
    if (auto wait = limiter->acquire(std::to_string(patient), now_ms())) throw problems::rate_limited(*wait);
    const EpochMs now = now_ms();
    const auto input = app.db->read([&](soci::session& sql) { return read_advice_input(sql, patient, days, now); });
    ai::Answer answer;
    if (input.facts.latest.empty() && input.facts.risks.empty() && !input.facts.bmi) {
      answer = answer_without_facts(input.facts);
    } else {
      answer = engine.ask(ai::Task::health_advice, input.facts,
                          {.caller = std::to_string(patient), .provider_enabled = input.provider_enabled});
    }
    // The reading route's own fixed message, whatever the engine's wording or a provider wrote.
    if (answer.urgent_message) {
      if (auto message = urgent_message_of(input.readings)) answer.urgent_message = std::move(*message);
    }
    const EpochMs stored_at = now_ms();
    auto item = app.db->transaction("health.advise",
                                    [&](soci::session& sql) { return store_advice(sql, patient, answer, stored_at); });
    return http::Response::json(201, item);
  });

  router.get("/api/v1/health/advice", [&app](http::Context& ctx) {
    const auto patient = own_patient(ctx);
    const int limit = paging::parse_limit(ctx.request.query_param("limit"));
    db::Query q("SELECT id, created_at, answer FROM health_advice");
    q.sql(" WHERE patient_id = ").value(static_cast<long long>(patient));
    return http::Response::json(200, db::newest_first_page(*app.db, std::move(q), ctx.request.query_param("cursor"),
                                                           limit, advice_item_from_row));
  });

  router.get("/api/v1/admin/ai", [&app, &engine](http::Context& ctx) {
    ctx.require_role({Role::admin});
    const bool enabled = app.db->read([](soci::session& sql) { return provider_enabled(sql); });
    return http::Response::json(200, admin_ai_state(engine, enabled));
  });

  router.put("/api/v1/admin/ai", [&app, &engine](http::Context& ctx) {
    ctx.require_role({Role::admin});
    auto in = JsonInput::parse(ctx.request.body);
    const auto enabled = in.boolean("enabled", true);
    in.finish();
    const EpochMs now = now_ms();
    app.db->transaction("health.set_ai_provider_enabled", [&](soci::session& sql) {
      set_provider_enabled(sql, *enabled, audit::entry_from(ctx, "ai.settings_changed"), now);
    });
    return http::Response::json(200, admin_ai_state(engine, *enabled));
  });
}

}  // namespace medcore::health
