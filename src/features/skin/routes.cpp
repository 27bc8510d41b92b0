#include "features/skin/routes.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>
#include <optional>

#include "platform/app/app.hpp"
#include "features/care/relationship.hpp"
#include "platform/core/crypto.hpp"
#include "platform/core/paging.hpp"
#include "platform/core/problem.hpp"
#include "platform/db/query.hpp"
#include "platform/http/router.hpp"
#include "features/skin/service.hpp"

namespace medcore::skin {

namespace json = boost::json;

namespace {

const Classifier& loaded(const std::shared_ptr<const Classifier>& c) {
  if (!c) throw Problem(503, "not-ready", "Not ready", "The skin lesion model is not loaded.");
  return *c;
}

void require_image_type(const http::Request& req) {
  const auto type = req.media_type();
  if (type != "image/jpeg" && type != "image/png" && type != "image/webp")
    throw problems::unsupported_media_type("Send the image itself as the body, as image/jpeg, image/png or image/webp.");
}

// The patient, or an approved doctor who treats them (audited); everyone else is told `refusal`.
void authorise_read(soci::session& sql, const http::Context& ctx, std::int64_t patient_id, const Problem& refusal,
                    json::object details) {
  care::authorise_patient_read(sql, ctx, patient_id, refusal, "health.skin_analyses_viewed", std::move(details));
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
    const auto& p = ctx.require_role({Role::patient});
    require_image_type(ctx.request);
    const auto& body = ctx.request.body;
    const auto analysis =
        analyse(loaded(classifier), {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()});
    auto item = app.db->transaction("skin.store_analysis",
                                    [&](soci::session& sql) { return store(sql, p.user_id, analysis); });
    return http::Response::json(201, item);
  }, upload);

  router.get("/api/v1/skin/analyses", [&app](http::Context& ctx) {
    const auto& p = ctx.require_role({Role::patient});
    const int limit = paging::parse_limit(ctx.request.query_param("limit"));
    db::Query q(kColumns);
    q.sql(" WHERE patient_id = ").value(static_cast<long long>(p.user_id));
    return http::Response::json(
        200, db::newest_first_page(*app.db, std::move(q), ctx.request.query_param("cursor"), limit, item_from_row));
  });

  // One analysis, or its thumbnail: unknown and not-yours look the same (404). One query each: the
  // JSON read never loads the thumbnail, the thumbnail read never parses the stored result.
  const auto not_found = [](long long id) {
    return problems::not_found("There is no skin analysis " + std::to_string(id) + " you can see.");
  };
  router.get("/api/v1/skin/analyses/{id:int}", [&app, not_found](http::Context& ctx) {
    const long long id = ctx.params.integer("id");
    return app.db->transaction("skin.view_analysis", [&](soci::session& sql) {
      std::optional<json::object> item;
      db::Query q(kColumns);
      q.sql(" WHERE id = ").value(id);
      q.each(sql, [&](const soci::row& r) { item = item_from_row(r); });
      if (!item) throw not_found(id);
      authorise_read(sql, ctx, item->at("patient_id").as_int64(), not_found(id), {{"what", "skin_analysis"}, {"analysis_id", id}});
      return http::Response::json(200, *item);
    });
  });
  router.get("/api/v1/skin/analyses/{id:int}/thumbnail", [&app, not_found](http::Context& ctx) {
    const long long id = ctx.params.integer("id");
    return app.db->transaction("skin.view_thumbnail", [&](soci::session& sql) {
      long long patient_id = 0;
      std::string thumb;
      sql << "SELECT patient_id, thumbnail FROM skin_analyses WHERE id = :id", soci::use(id), soci::into(patient_id),
          soci::into(thumb);
      if (!sql.got_data()) throw not_found(id);
      authorise_read(sql, ctx, patient_id, not_found(id), {{"what", "skin_thumbnail"}, {"analysis_id", id}});
      std::string jpeg;
      if (!crypto::base64url_decode(thumb, jpeg)) throw std::runtime_error("stored thumbnail is not base64url");
      // No cache-control of its own: the server's no-store for /api/ keeps a lesion photo out of
      // the browser cache, where it would outlive a logout or a lost right to see it.
      return http::Response::text(200, std::move(jpeg), "image/jpeg");
    });
  });

  router.get("/api/v1/patients/{id:int}/skin-analyses", [&app](http::Context& ctx) {
    const std::int64_t patient_id = ctx.params.integer("id");
    const int limit = paging::parse_limit(ctx.request.query_param("limit"));
    const auto cursor = ctx.request.query_param("cursor");
    if (cursor) paging::decode_cursor(*cursor);  // a bad cursor is refused before anything is audited
    app.db->transaction("skin.list_for_patient", [&](soci::session& sql) {
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
