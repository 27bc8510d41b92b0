#include "features/health/routes.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>

#include "features/care/relationship.hpp"
#include "features/health/service.hpp"
#include "platform/app/app.hpp"
#include "platform/audit/audit.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/time.hpp"
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

}  // namespace medcore::health
