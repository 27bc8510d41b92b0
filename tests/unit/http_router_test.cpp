#include <gtest/gtest.h>

#include "platform/core/problem.hpp"
#include "platform/http/router.hpp"

using namespace medcore::http;
using medcore::DoctorStatus;
using medcore::Role;

namespace {
Handler named(std::string name) {
  return [name](Context&) { return Response::text(200, name); };
}
}  // namespace

TEST(Router, MatchesLiteralAndTypedParameters) {
  Router r;
  r.get("/api/v1/doctors", named("list"));
  r.get("/api/v1/doctors/{id:int}", named("one"));
  auto m = r.match("GET", "/api/v1/doctors/42");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/doctors/{id:int}");
  EXPECT_EQ(m.params.integer("id"), 42);
  EXPECT_NE(r.match("GET", "/api/v1/doctors").route, nullptr);
  EXPECT_NE(r.match("GET", "/api/v1/doctors/").route, nullptr) << "a trailing slash names the same resource";
}

TEST(Router, IntegerParametersRefuseEverythingElse) {
  Router r;
  r.get("/d/{id:int}", named("one"));
  for (const char* bad : {"/d/abc", "/d/-1", "/d/0", "/d/007", "/d/1e3", "/d/99999999999999999999", "/d/4%20"}) {
    auto m = r.match("GET", bad);
    EXPECT_EQ(m.route, nullptr) << bad;
    EXPECT_TRUE(m.allowed.empty()) << bad << " must be a 404, not a 405";
  }
}

TEST(Router, WrongMethodListsAllowedMethods) {
  Router r;
  r.get("/me", named("get"));
  r.patch("/me", named("patch"));
  auto m = r.match("DELETE", "/me");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "PATCH"}));
}

TEST(Router, HeadFallsBackToGet) {
  Router r;
  r.get("/healthz", named("h"));
  EXPECT_NE(r.match("HEAD", "/healthz").route, nullptr);
}

TEST(Router, LiteralSegmentsBeatParameters) {
  Router r;
  r.get("/a/{name}", named("param"));
  r.get("/a/special", named("literal"));
  EXPECT_EQ(r.match("GET", "/a/special").route->pattern, "/a/special");
  EXPECT_EQ(r.match("GET", "/a/other").route->pattern, "/a/{name}");
}

TEST(Router, ParameterWithSuffix) {
  Router r;
  r.get("/appointments/{id:int}.ics", named("ics"));
  r.get("/appointments/{id:int}", named("json"));
  auto m = r.match("GET", "/appointments/12.ics");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/appointments/{id:int}.ics");
  EXPECT_EQ(m.params.integer("id"), 12);
  EXPECT_EQ(r.match("GET", "/appointments/12").route->pattern, "/appointments/{id:int}");
  EXPECT_EQ(r.match("GET", "/appointments/.ics").route, nullptr);
}

TEST(Router, DuplicateRegistrationIsAProgrammingError) {
  Router r;
  r.get("/x", named("1"));
  EXPECT_THROW(r.get("/x", named("2")), std::invalid_argument);
}

TEST(Request, QueryParametersAreFormDecoded) {
  Request q;
  q.query = "q=Ana+Lima&specialty=Cardiology%20%26%20Vascular&empty=&flag&bad=%zz";
  EXPECT_EQ(q.query_param("q"), "Ana Lima");
  EXPECT_EQ(q.query_param("specialty"), "Cardiology & Vascular");
  EXPECT_EQ(q.query_param("empty"), "");
  EXPECT_EQ(q.query_param("flag"), "");
  EXPECT_EQ(q.query_param("bad"), "%zz");
  EXPECT_EQ(q.query_param("missing"), std::nullopt);
}

TEST(Request, CookiesAndHeaders) {
  Request q;
  q.headers.push_back({"cookie", "theme=dark; medcore_session=abc123 ; other=1"});
  EXPECT_EQ(q.cookie("medcore_session"), "abc123");
  EXPECT_EQ(q.cookie("theme"), "dark");
  EXPECT_EQ(q.cookie("missing"), std::nullopt);
  EXPECT_EQ(q.header("cookie")->substr(0, 5), "theme");
}

TEST(Context, RoleChecksAnswer401Then403) {
  Request q;
  Context anonymous{q, {}, std::nullopt, "rid", "/x"};
  try {
    anonymous.require_role({Role::admin});
    FAIL();
  } catch (const medcore::Problem& p) {
    EXPECT_EQ(p.status(), 401);
  }
  Principal patient;
  patient.role = Role::patient;
  Context signed_in{q, {}, patient, "rid", "/x"};
  try {
    signed_in.require_role({Role::admin});
    FAIL();
  } catch (const medcore::Problem& p) {
    EXPECT_EQ(p.status(), 403);
  }
  Principal doctor;
  doctor.role = Role::doctor;
  doctor.doctor_status = DoctorStatus::pending;
  Context pending{q, {}, doctor, "rid", "/x"};
  try {
    pending.require_approved_doctor();
    FAIL();
  } catch (const medcore::Problem& p) {
    EXPECT_EQ(p.slug(), "doctor-not-approved");
  }
}

// Every route that admits doctors checks approval, not only the ones that remember to.
TEST(Context, ARouteForPatientsAndDoctorsRefusesDoctorsNotApproved) {
  Request q;
  for (const DoctorStatus status : {DoctorStatus::pending, DoctorStatus::rejected, DoctorStatus::suspended}) {
    Principal doctor;
    doctor.role = Role::doctor;
    doctor.doctor_status = status;
    Context ctx{q, {}, doctor, "rid", "/x"};
    try {
      ctx.require_role({Role::patient, Role::doctor});
      ADD_FAILURE() << to_string(status) << " doctor admitted";
    } catch (const medcore::Problem& p) {
      EXPECT_EQ(p.status(), 403) << to_string(status);
      EXPECT_EQ(p.slug(), "doctor-not-approved") << to_string(status);
    }
    // A route that does not admit doctors answers as to anyone of the wrong role.
    try {
      ctx.require_role({Role::patient});
      ADD_FAILURE() << to_string(status) << " doctor admitted as a patient";
    } catch (const medcore::Problem& p) {
      EXPECT_EQ(p.slug(), "forbidden") << to_string(status);
    }
  }
  Principal approved;
  approved.role = Role::doctor;
  approved.doctor_status = DoctorStatus::approved;
  Context ok{q, {}, approved, "rid", "/x"};
  EXPECT_EQ(&ok.require_role({Role::patient, Role::doctor}), &*ok.principal);
  EXPECT_EQ(&ok.require_approved_doctor(), &*ok.principal);
}

TEST(SessionCookie, IsHttpOnlyLaxAndSecureWhenAsked) {
  auto c = session_cookie("medcore_session", "tok", {.secure = true, .max_age_seconds = 60});
  EXPECT_NE(c.find("HttpOnly"), std::string::npos);
  EXPECT_NE(c.find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(c.find("Secure"), std::string::npos);
  EXPECT_NE(c.find("Max-Age=60"), std::string::npos);
  EXPECT_EQ(session_cookie("s", "", {}).find("Secure"), std::string::npos);
}
