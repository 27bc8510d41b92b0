#include "skin/routes.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>

#include "app/app.hpp"
#include "audit/audit.hpp"
#include "care/relationship.hpp"
#include "core/crypto.hpp"
#include "core/paging.hpp"
#include "core/problem.hpp"
#include "db/query.hpp"
#include "http/router.hpp"
#include "skin/service.hpp"

namespace medcore::skin {

namespace json = boost::json;

namespace {

const Classifier& loaded(const std::shared_ptr<const Classifier>& c) {
  if (!c) throw Problem(503, "not-ready", "Not ready", "The skin lesion model is not loaded.");
  return *c;
}

void require_image_type(const http::Request& req) {
  auto type = std::string(req.header("content-type").value_or(""));
  type = type.substr(0, type.find(';'));
  for (auto& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type != "image/jpeg" && type != "image/png" && type != "image/webp")
    throw problems::unsupported_media_type("Send the image itself as the body, as image/jpeg, image/png or image/webp.");
}

// Who may read an analysis of `patient_id`: the patient, or an approved doctor who treats them
// (that read is audited, in the same transaction). Everyone else is told `refusal`.
void authorise_read(soci::session& sql, const http::Context& ctx, std::int64_t patient_id, const Problem& refusal,
                    json::object details) {
  const auto& who = ctx.user();
  if (who.role == "patient") {
    if (who.user_id != patient_id) throw refusal;
    return;
  }
  if (who.role != "doctor" || who.doctor_status != "approved" ||
      !care::doctor_treats_patient(sql, who.user_id, patient_id))
    throw refusal;
  details["route"] = ctx.route;
  audit::record(sql, audit::entry_from(ctx, "health.skin_analyses_viewed", patient_id, std::move(details)));
}

}  // namespace

void mount_skin(http::Router& router, App& app, std::shared_ptr<const Classifier> classifier) {
  const http::RouteOptions in_memory{.pool = http::Pool::inline_io, .authenticate = false};
  router.get("/api/v1/skin/model", [classifier](http::Context&) {
    return http::Response::json(200, model_summary(loaded(classifier)));
  }, in_memory);
  router.get("/api/v1/skin/model/card", [classifier](http::Context&) {
    return http::Response::json(200, loaded(classifier).model().card());
  }, in_memory);

  // Decoding and inference run on the inference pool (one worker per core, bounded queue: a
  // burst of uploads gets 503 instead of a queue that grows without end); the insert follows.
  const http::RouteOptions upload{.pool = http::Pool::inference, .body_limit = kMaxUploadBytes, .json_body = false};
  router.post("/api/v1/skin/analyses", [&app, classifier](http::Context& ctx) {
    const auto& p = ctx.require_role({"patient"});
    require_image_type(ctx.request);
    const auto& body = ctx.request.body;
    const auto analysis =
        analyse(loaded(classifier), {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()});
    auto item = app.db->transaction([&](soci::session& sql) { return store(sql, p.user_id, analysis); });
    return http::Response::json(201, item);
  }, upload);

  router.get("/api/v1/skin/analyses", [&app](http::Context& ctx) {
    const auto& p = ctx.require_role({"patient"});
    const int limit = paging::parse_limit(ctx.request.query_param("limit"));
    db::Query q(kColumns);
    q.sql(" WHERE patient_id = ").value(static_cast<long long>(p.user_id));
    return http::Response::json(
        200, db::newest_first_page(*app.db, std::move(q), ctx.request.query_param("cursor"), limit, item_from_row));
  });

  // One analysis, or its thumbnail: unknown and not-yours look the same (404).
  const auto read_one = [&app](http::Context& ctx, bool thumbnail) {
    const long long id = ctx.params.integer("id");
    const auto refusal = problems::not_found("There is no skin analysis " + std::to_string(id) + " you can see.");
    return app.db->transaction([&](soci::session& sql) {
      long long patient_id = 0;
      std::string thumb;
      sql << "SELECT patient_id, thumbnail FROM skin_analyses WHERE id = :id", soci::use(id), soci::into(patient_id),
          soci::into(thumb);
      if (!sql.got_data()) throw refusal;
      authorise_read(sql, ctx, patient_id, refusal,
                     {{"what", thumbnail ? "skin_thumbnail" : "skin_analysis"}, {"analysis_id", id}});
      if (thumbnail) {
        std::string jpeg;
        if (!crypto::base64url_decode(thumb, jpeg)) throw std::runtime_error("stored thumbnail is not base64url");
        return http::Response::text(200, std::move(jpeg), "image/jpeg").header("cache-control", "private, max-age=3600");
      }
      json::object item;
      db::Query q(kColumns);
      q.sql(" WHERE id = ").value(id);
      q.each(sql, [&](const soci::row& r) { item = item_from_row(r); });
      return http::Response::json(200, item);
    });
  };
  router.get("/api/v1/skin/analyses/{id:int}", [read_one](http::Context& ctx) { return read_one(ctx, false); });
  router.get("/api/v1/skin/analyses/{id:int}/thumbnail", [read_one](http::Context& ctx) { return read_one(ctx, true); });

  router.get("/api/v1/patients/{id:int}/skin-analyses", [&app](http::Context& ctx) {
    const std::int64_t patient_id = ctx.params.integer("id");
    const int limit = paging::parse_limit(ctx.request.query_param("limit"));
    const auto cursor = ctx.request.query_param("cursor");
    if (cursor) paging::decode_cursor(*cursor);  // a bad cursor is refused before anything is audited
    app.db->transaction([&](soci::session& sql) {
      authorise_read(sql, ctx, patient_id,
                     problems::forbidden("Only the patient and the doctors who treat them can see these analyses."),
                     {{"what", "skin_analyses"}});
    });
    db::Query q(kColumns);
    q.sql(" WHERE patient_id = ").value(static_cast<long long>(patient_id));
    return http::Response::json(200, db::newest_first_page(*app.db, std::move(q), cursor, limit, item_from_row));
  });
}

}  // namespace medcore::skin
