#include "features/predictions/routes.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>

#include "platform/app/app.hpp"
#include "features/care/relationship.hpp"
#include "platform/core/json_input.hpp"
#include "platform/core/paging.hpp"
#include "platform/core/problem.hpp"
#include "platform/db/query.hpp"
#include "platform/http/router.hpp"
#include "features/predictions/service.hpp"

namespace medcore::predictions {

namespace json = boost::json;

namespace {

const Models& loaded(const std::shared_ptr<const Models>& models) {
  if (!models) throw Problem(503, "not-ready", "Not ready", "The prediction models are not loaded.");
  return *models;
}

const ml::Predictor& model_named(const std::shared_ptr<const Models>& models, const std::string& name) {
  const auto* m = loaded(models).find(name);
  if (!m) throw problems::not_found("There is no prediction model called '" + name + "' (heart, diabetes, stroke).");
  return *m;
}

json::object parse_object(const std::string& body) { return parse_json_object(body, 8); }

// ?model= (optional) narrows a history to one model.
void filter_by_model(db::Query& q, const http::Context& ctx, const std::shared_ptr<const Models>& models) {
  if (auto model = ctx.request.query_param("model"); model && !model->empty()) {
    if (!loaded(models).find(*model)) throw problems::bad_request("model must be heart, diabetes or stroke.");
    q.sql(" AND model = ").value(std::string(*model));
  }
}

}  // namespace

void mount_predictions(http::Router& router, App& app, std::shared_ptr<const Models> models) {
  // Model cards and form metadata: public, from memory.
  const http::RouteOptions in_memory{.pool = http::Pool::inline_io, .authenticate = false};

  router.get("/api/v1/prediction-models", [models](http::Context&) {
    json::array items;
    for (const auto& m : loaded(models).all()) items.push_back(model_summary(*m));
    return http::Response::json(200, json::object{{"items", std::move(items)}});
  }, in_memory);

  router.get("/api/v1/prediction-models/{name}", [models](http::Context& ctx) {
    return http::Response::json(200, model_card(model_named(models, ctx.params.text("name"))));
  }, in_memory);

  router.get("/api/v1/predictions/{model}/prefill", [&app, models](http::Context& ctx) {
    const auto& p = ctx.require_role({Role::patient});
    const auto& m = model_named(models, ctx.params.text("model"));
    const long long uid = p.user_id;
    auto [dob, sex] = app.db->read([&](soci::session& sql) {
      std::string d, s;
      sql << "SELECT date_of_birth, sex FROM patients WHERE user_id = :u", soci::use(uid), soci::into(d), soci::into(s);
      if (!sql.got_data()) throw problems::forbidden("Only patients have a profile to pre-fill from.");
      return std::pair{d, s};
    });
    return http::Response::json(200, prefill(m, dob, sex));
  });

  // Prediction itself runs here, on the general worker pool (the route default), next to its insert.
  router.post("/api/v1/predictions/{model}", [&app, models](http::Context& ctx) {
    const auto& p = ctx.require_role({Role::patient});
    const auto& m = model_named(models, ctx.params.text("model"));
    const auto input = parse_object(ctx.request.body);
    auto item = app.db->transaction("predictions.predict",
        [&](soci::session& sql) { return predict_and_store(sql, m, p.user_id, input); });
    return http::Response::json(201, item);
  });

  router.get("/api/v1/predictions", [&app, models](http::Context& ctx) {
    const auto& p = ctx.require_role({Role::patient});
    const int limit = paging::parse_limit(ctx.request.query_param("limit"));
    db::Query q(kColumns);
    q.sql(" WHERE patient_id = ").value(static_cast<long long>(p.user_id));
    filter_by_model(q, ctx, models);
    return http::Response::json(
        200, db::newest_first_page(*app.db, std::move(q), ctx.request.query_param("cursor"), limit, item_from_row));
  });

  // A doctor reads the history of a patient they treat (an appointment or a conversation); every
  // such read is in the audit log. A patient may read their own here too; nobody else.
  router.get("/api/v1/patients/{id:int}/predictions", [&app, models](http::Context& ctx) {
    ctx.user();  // signed in (401) before anything else is looked at
    const std::int64_t patient_id = ctx.params.integer("id");
    const int limit = paging::parse_limit(ctx.request.query_param("limit"));
    db::Query q(kColumns);
    q.sql(" WHERE patient_id = ").value(static_cast<long long>(patient_id));
    filter_by_model(q, ctx, models);
    const auto cursor = ctx.request.query_param("cursor");
    if (cursor) paging::decode_cursor(*cursor);  // a bad cursor is refused before anything is audited
    // Admins do not read health data; nor does a doctor who is not (or no longer) approved.
    json::object details{{"what", "predictions"}};
    if (auto model = ctx.request.query_param("model"); model && !model->empty()) details["model"] = *model;
    app.db->transaction("predictions.list_for_patient", [&](soci::session& sql) {
      care::authorise_patient_read(
          sql, ctx, patient_id,
          problems::forbidden("Only the patient and the doctors who treat them (an appointment or a conversation) can "
                              "see these predictions."),
          "health.predictions_viewed", std::move(details));
    });
    return http::Response::json(200, db::newest_first_page(*app.db, std::move(q), cursor, limit, item_from_row));
  });
}

}  // namespace medcore::predictions
