#include "features/accounts/routes.hpp"

#include <boost/json.hpp>
#include <memory>

#include "features/accounts/service.hpp"
#include "platform/app/app.hpp"
#include "platform/core/paging.hpp"
#include "platform/core/crypto.hpp"
#include "platform/core/json_input.hpp"
#include "platform/core/problem.hpp"

namespace medcore::accounts {

namespace {

RequestMeta meta_of(const http::Context& ctx) {
  RequestMeta m;
  if (ctx.principal) m.actor = ctx.principal->user_id;
  m.ip = ctx.request.remote_ip;
  m.user_agent = std::string(ctx.request.header("user-agent").value_or(""));
  m.request_id = ctx.request_id;
  return m;
}

// Passwords presented for checking (not new ones): any string up to the longest we accept.
std::optional<std::string> presented_password(JsonInput& in, std::string_view field) {
  const auto* v = in.raw(field);
  if (!v) {
    in.fail(std::string(field), "is required");
    return std::nullopt;
  }
  if (!v->is_string() || v->get_string().empty()) {
    in.fail(std::string(field), "must be a non-empty string");
    return std::nullopt;
  }
  if (utf8_length(v->get_string()) > 128) {
    in.fail(std::string(field), "must be at most 128 characters");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

// Sign-up answers {user, csrf_token}; login and password change add expires_at (docs/API.md).
http::Response signed_in(int status, const SignedIn& s, bool bearer, const Config& config,
                         bool with_expiry = true) {
  boost::json::object body;
  body["user"] = user_json(s.user, config.currency);
  body["csrf_token"] = crypto::csrf_token_for(s.session.token);
  if (with_expiry) body["expires_at"] = iso8601(s.session.expires_at);
  if (bearer) body["token"] = s.session.token;
  auto res = http::Response::json(status, body);
  if (!bearer) res.header("Set-Cookie", session_set_cookie(config, s.session.token));
  return res;
}

// Optional text query parameter: trimmed, empty means absent, too long is a bad request.
std::optional<std::string> text_param(const http::Request& req, std::string_view key, std::size_t max) {
  auto v = req.query_param(key);
  if (!v) return std::nullopt;
  std::string t(trim(*v));
  if (t.empty()) return std::nullopt;
  if (utf8_length(t) > max) throw problems::bad_request(std::string(key) + " is too long.");
  return t;
}

boost::json::object page_json(const Page<DoctorView>& page, const std::string& currency, bool admin) {
  boost::json::array items;
  for (const auto& d : page.items) items.push_back(admin ? admin_doctor_json(d, currency) : public_doctor_json(d, currency));
  boost::json::object out;
  out["items"] = std::move(items);
  out["next_cursor"] = page.next_cursor ? boost::json::value(*page.next_cursor) : boost::json::value(nullptr);
  return out;
}

// /api/v1/me's body from the serialised user: the same object Response::json would write.
http::Response me_response(const std::string& user_json_text, const std::string& session_token) {
  std::string body;
  const std::string csrf = boost::json::serialize(boost::json::value(crypto::csrf_token_for(session_token)));
  body.reserve(user_json_text.size() + csrf.size() + 32);
  body.append(R"({"user":)").append(user_json_text).append(R"(,"csrf_token":)").append(csrf).append("}");
  return http::Response::text(200, std::move(body), "application/json");
}

struct DirectoryQuery {
  std::optional<std::string> specialty;
  std::optional<std::string> q;
  std::optional<std::string> cursor;
  int limit = 0;
  // The cache key: every input of the answer, separated by a byte no parameter can hold after
  // parsing (text parameters are trimmed and length-checked, not filtered, hence \0).
  std::string key() const {
    std::string k;
    for (const auto* part : {&specialty, &q, &cursor}) {
      k += part->has_value() ? "=" + **part : std::string("-");
      k += '\0';
    }
    return k + std::to_string(limit);
  }
};

DirectoryQuery parse_directory_query(const http::Request& req) {
  DirectoryQuery d;
  d.specialty = text_param(req, "specialty", 60);
  d.q = text_param(req, "q", 100);
  d.limit = paging::parse_limit(req.query_param("limit"));
  d.cursor = req.query_param("cursor");
  return d;
}

SignupInput parse_signup(std::string_view body) {
  auto in = JsonInput::parse(body);
  SignupInput s;
  const auto role_text = in.one_of("role", {to_string(Role::patient), to_string(Role::doctor)}, true);
  const auto role = parse_role(role_text.value_or(""));
  auto name = read_name(in, "name", true);
  auto email = in.email("email", true);
  auto password = read_new_password(in, "password", true);
  auto phone = read_phone(in, true);
  const auto today = utc_today();
  if (role == Role::patient) {
    auto dob = read_date_of_birth(in, true, today);
    auto sex = read_sex(in, true);
    auto zone = in.time_zone("time_zone");
    if (dob && sex) s.patient = PatientProfile{*dob, *sex, zone.value_or("UTC")};
  } else if (role == Role::doctor) {
    DoctorProfile d;
    auto specialty = read_specialty(in, true);
    auto licence = read_licence_number(in, true);
    auto years = read_years_experience(in, true);
    auto bio = read_bio(in);
    auto fee = read_consultation_fee(in, true);
    d.date_of_birth = read_date_of_birth(in, false, today);
    d.sex = read_sex(in, false);
    if (specialty && licence && years && fee) {
      d.specialty = *specialty;
      d.licence_number = *licence;
      d.years_experience = *years;
      d.bio = bio.value_or("");
      d.consultation_fee_cents = *fee;
      s.doctor = std::move(d);
    }
  } else {
    // Without a valid role the role-specific fields cannot be judged; only the role is reported.
    for (auto f : {"date_of_birth", "sex", "specialty", "licence_number", "years_experience", "bio",
                   "consultation_fee_cents"})
      in.raw(f);
  }
  in.finish();
  s.role = *role;
  s.name = *name;
  s.email = *email;
  s.password = *password;
  s.phone = phone;
  return s;
}

}  // namespace

void mount_accounts(http::Router& router, App& app, std::shared_ptr<LiveAccess> live,
                    std::shared_ptr<ReadCache> cache) {
  auto svc = std::make_shared<AccountService>(app, std::move(live), cache);
  if (!cache) cache = std::make_shared<ReadCache>(0);  // disabled: every read goes to the database
  const http::RouteOptions hashing{.pool = http::Pool::auth, .auth_rate_limited = true, .authenticate = false};
  const http::RouteOptions hashing_signed_in{.pool = http::Pool::auth, .auth_rate_limited = true};
  const http::RouteOptions anyone{.authenticate = false};

  router.post(
      "/api/v1/auth/signup",
      [svc](http::Context& ctx) {
        // Creating a second account from inside a session is almost always a mistake (or a
        // confused deputy); the API says sign-up is for anonymous callers.
        if (ctx.principal) throw problems::forbidden("You are signed in; sign out before creating another account.");
        auto input = parse_signup(ctx.request.body);
        auto s = svc->signup(input, meta_of(ctx));
        return signed_in(201, s, false, svc->config(), false);
      },
      hashing_signed_in);

  router.post(
      "/api/v1/auth/login",
      [svc](http::Context& ctx) {
        auto in = JsonInput::parse(ctx.request.body);
        auto email = in.email("email", true);
        auto password = presented_password(in, "password");
        auto bearer = in.boolean("bearer");
        in.finish();
        auto s = svc->login(*email, *password, meta_of(ctx));
        return signed_in(200, s, bearer.value_or(false), svc->config());
      },
      hashing);

  router.post("/api/v1/auth/logout", [svc](http::Context& ctx) {
    const auto& p = ctx.user();
    svc->logout(p.user_id, p.session_id, meta_of(ctx));
    auto res = http::Response::no_content();
    res.header("Set-Cookie", session_clear_cookie(svc->config()));
    return res;
  });

  router.get(
      "/api/v1/me",
      [svc, cache](http::Context& ctx) {
        const auto& p = ctx.user();
        const auto generation = cache->generation();
        std::string user = boost::json::serialize(user_json(svc->me(p.user_id), svc->config().currency));
        auto res = me_response(user, p.session_token);
        cache->put_user_json(p.user_id, std::move(user), generation, now_ms());
        return res;
      },
      http::RouteOptions{.from_memory = [cache](http::Context& ctx) -> std::optional<http::Response> {
        if (!ctx.principal) return std::nullopt;
        auto user = cache->user_json(ctx.principal->user_id, now_ms());
        if (!user) return std::nullopt;
        return me_response(*user, ctx.principal->session_token);
      }});

  router.patch("/api/v1/me", [svc](http::Context& ctx) {
    const auto& p = ctx.user();
    auto in = JsonInput::parse(ctx.request.body);
    store::ProfilePatch patch;
    patch.name = read_name(in, "name", false);
    patch.phone = read_phone(in, false);
    if (p.role == Role::patient) {
      patch.date_of_birth = read_date_of_birth(in, false, utc_today());
      patch.sex = read_sex(in, false);
      patch.time_zone = in.time_zone("time_zone");
    } else if (p.role == Role::doctor) {
      patch.bio = read_bio(in);
      patch.years_experience = read_years_experience(in, false);
      patch.consultation_fee_cents = read_consultation_fee(in, false);
    }
    in.finish();
    boost::json::object body;
    body["user"] = user_json(svc->update_me(p.user_id, patch), svc->config().currency);
    return http::Response::json(200, body);
  });

  router.post(
      "/api/v1/auth/password/forgot",
      [svc](http::Context& ctx) {
        auto in = JsonInput::parse(ctx.request.body);
        auto email = in.email("email", true);
        in.finish();
        svc->forgot_password(*email, meta_of(ctx));
        return http::Response::json(202, boost::json::object{{"status", "accepted"}});
      },
      http::RouteOptions{.auth_rate_limited = true, .authenticate = false});

  router.post(
      "/api/v1/auth/password/reset",
      [svc](http::Context& ctx) {
        auto in = JsonInput::parse(ctx.request.body);
        auto token = in.text("token", {.required = true, .min = 1, .max = 200});
        auto password = read_new_password(in, "password", true);
        in.finish();
        svc->reset_password(*token, *password, meta_of(ctx));
        return http::Response::no_content();
      },
      hashing);

  router.post(
      "/api/v1/auth/password/change",
      [svc](http::Context& ctx) {
        const auto& p = ctx.user();
        auto in = JsonInput::parse(ctx.request.body);
        auto current = presented_password(in, "current_password");
        auto fresh = read_new_password(in, "new_password", true);
        in.finish();
        auto s = svc->change_password(p.user_id, *current, *fresh, meta_of(ctx));
        // Answer in the form the caller authenticated with: cookie clients get a new cookie.
        return signed_in(200, s, !p.via_cookie, svc->config());
      },
      hashing_signed_in);

  router.get(
      "/api/v1/doctors",
      [svc, cache](http::Context& ctx) {
        auto query = parse_directory_query(ctx.request);
        const auto generation = cache->generation();
        auto page = svc->directory(query.specialty, query.q, query.cursor, query.limit);
        auto res = http::Response::json(200, page_json(page, svc->config().currency, false));
        cache->put_directory(query.key(), res.body, generation, now_ms());
        return res;
      },
      http::RouteOptions{.authenticate = false, .from_memory = [cache](http::Context& ctx) -> std::optional<http::Response> {
        auto body = cache->directory(parse_directory_query(ctx.request).key(), now_ms());
        if (!body) return std::nullopt;
        return http::Response::text(200, *body, "application/json");
      }});

  router.get(
      "/api/v1/doctors/{id:int}",
      [svc](http::Context& ctx) {
        auto d = svc->public_doctor(ctx.params.integer("id"));
        return http::Response::json(200, public_doctor_json(d, svc->config().currency));
      },
      anyone);

  router.get("/api/v1/patients/{id:int}", [svc](http::Context& ctx) {
    const auto u = svc->patient_for(ctx, ctx.params.integer("id"));
    return http::Response::json(200, boost::json::object{{"id", u.id},
                                                          {"name", u.name},
                                                          {"date_of_birth", u.patient->date_of_birth},
                                                          {"sex", u.patient->sex}});
  });

  router.get("/api/v1/admin/doctors", [svc](http::Context& ctx) {
    ctx.require_role({Role::admin});
    const auto& req = ctx.request;
    std::optional<DoctorStatus> status;
    if (auto s = req.query_param("status"); s && !s->empty()) {
      status = parse_doctor_status(*s);
      if (!status) throw problems::bad_request("status must be pending, approved, rejected or suspended.");
    }
    const int limit = paging::parse_limit(req.query_param("limit"));
    auto page = svc->admin_doctors(status, req.query_param("cursor"), limit);
    return http::Response::json(200, page_json(page, svc->config().currency, true));
  });

  const std::pair<const char*, DoctorAction> actions[] = {{"approve", DoctorAction::approve},
                                                          {"reject", DoctorAction::reject},
                                                          {"suspend", DoctorAction::suspend},
                                                          {"reinstate", DoctorAction::reinstate}};
  for (const auto& [verb, action] : actions) {
    router.post(std::string("/api/v1/admin/doctors/{id:int}/") + verb, [svc, act = action](http::Context& ctx) {
      ctx.require_role({Role::admin});
      std::optional<std::string> reason;
      const bool needs_reason = requires_reason(act);
      if (!trim(ctx.request.body).empty()) {
        auto in = JsonInput::parse(ctx.request.body);
        if (needs_reason) reason = read_reason(in, true);
        in.finish();
      } else if (needs_reason) {
        throw problems::validation({{"reason", "is required"}});
      }
      auto view = svc->review_doctor(ctx.params.integer("id"), act, reason, meta_of(ctx));
      return http::Response::json(200, admin_doctor_json(view, svc->config().currency));
    });
  }

  router.post(
      "/api/v1/admin/admins",
      [svc](http::Context& ctx) {
        ctx.require_role({Role::admin});
        auto in = JsonInput::parse(ctx.request.body);
        auto name = read_name(in, "name", true);
        auto email = in.email("email", true);
        auto password = read_new_password(in, "password", true);
        in.finish();
        auto user = svc->create_admin(*name, *email, *password, meta_of(ctx));
        return http::Response::json(201, boost::json::object{{"user", user_json(user, svc->config().currency)}});
      },
      hashing_signed_in);
}

}  // namespace medcore::accounts
