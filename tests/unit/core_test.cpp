#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/crypto.hpp"
#include "core/json_input.hpp"
#include "core/metrics.hpp"
#include "core/problem.hpp"
#include "core/rate_limiter.hpp"
#include "core/time.hpp"

using namespace medcore;

namespace {
std::vector<FieldError> errors_of(JsonInput& in) {
  try {
    in.finish();
  } catch (const Problem& p) {
    EXPECT_EQ(p.status(), 422);
    return p.errors();
  }
  return {};
}
}  // namespace

TEST(JsonInput, RejectsAnythingButAnObject) {
  for (const char* body : {"", "[]", "\"x\"", "12", "{", "{\"a\":1,}", "null"}) {
    try {
      JsonInput::parse(body);
      FAIL() << body;
    } catch (const Problem& p) {
      EXPECT_EQ(p.status(), 400) << body;
      EXPECT_EQ(p.slug(), "malformed-json");
    }
  }
}

TEST(JsonInput, RejectsInvalidUtf8) {
  const std::string body = "{\"name\": \"\xC3\x28\"}";
  EXPECT_THROW(JsonInput::parse(body), Problem);
}

TEST(JsonInput, CollectsEveryFieldErrorAndUnknownFields) {
  auto in = JsonInput::parse(R"({"name": 5, "age": "x", "extra": true, "email": "nope"})");
  in.text("name", {.required = true});
  in.integer("age", {.required = true, .min = 0, .max = 130});
  in.email("email", true);
  in.text("missing", {.required = true});
  auto errors = errors_of(in);
  std::set<std::string> fields;
  for (auto& e : errors) fields.insert(e.field);
  EXPECT_EQ(fields, (std::set<std::string>{"name", "age", "email", "missing", "extra"}));
}

TEST(JsonInput, TextIsTrimmedAndMeasuredInCharacters) {
  auto in = JsonInput::parse(R"({"name": "  Zoë Ŝ  ", "bio": "line1\nline2", "title": "a\u0000b"})");
  EXPECT_EQ(in.text("name", {.required = true, .min = 1, .max = 5}), "Zoë Ŝ");
  EXPECT_EQ(in.text("bio", {.max = 100, .multiline = true}), "line1\nline2");
  EXPECT_EQ(in.text("title", {}), std::nullopt) << "control characters are refused";
  EXPECT_EQ(errors_of(in).size(), 1u);
}

TEST(JsonInput, EmailIsLowerCasedAndShapeChecked) {
  auto in = JsonInput::parse(R"({"a": " Ana.Lima@Example.ORG ", "b": "a@b", "c": "x@@y.z", "d": "x y@z.org"})");
  EXPECT_EQ(in.email("a"), "ana.lima@example.org");
  EXPECT_EQ(in.email("b"), std::nullopt);
  EXPECT_EQ(in.email("c"), std::nullopt);
  EXPECT_EQ(in.email("d"), std::nullopt);
}

TEST(JsonInput, IntegersAndBooleansAreTyped) {
  auto in = JsonInput::parse(R"({"a": 12, "b": 12.5, "c": "12", "d": 1e2, "e": true, "f": 1, "g": 99})");
  EXPECT_EQ(in.integer("a", {}), 12);
  EXPECT_EQ(in.integer("b", {}), std::nullopt);
  EXPECT_EQ(in.integer("c", {}), std::nullopt);
  EXPECT_EQ(in.integer("d", {}), 100);
  EXPECT_EQ(in.boolean("e"), true);
  EXPECT_EQ(in.boolean("f"), std::nullopt);
  EXPECT_EQ(in.integer("g", {.min = 0, .max = 70}), std::nullopt);
}

TEST(JsonInput, DatesMustBeRealCalendarDates) {
  auto in = JsonInput::parse(R"({"a": "2024-02-29", "b": "2023-02-29", "c": "2024-2-1", "d": "yesterday"})");
  EXPECT_TRUE(in.calendar_date("a").has_value());
  EXPECT_FALSE(in.calendar_date("b").has_value());
  EXPECT_FALSE(in.calendar_date("c").has_value());
  EXPECT_FALSE(in.calendar_date("d").has_value());
}

TEST(JsonInput, PasswordLengthIsBoundedAndNotTrimmed) {
  auto in = JsonInput::parse(R"({"short": "123456789", "ok": " 1234567890 ", "long": ")" + std::string(129, 'x') +
                             R"("})");
  EXPECT_EQ(in.password("short"), std::nullopt);
  EXPECT_EQ(in.password("ok"), " 1234567890 ");
  EXPECT_EQ(in.password("long"), std::nullopt);
}

TEST(JsonInput, OneOfListsTheChoices) {
  auto in = JsonInput::parse(R"({"sex": "other"})");
  EXPECT_EQ(in.one_of("sex", {"female", "male"}), std::nullopt);
  auto errors = errors_of(in);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("female, male"), std::string::npos);
}

TEST(Problem, DocumentFollowsRfc9457) {
  auto p = problems::validation({{"email", "is required"}});
  auto doc = p.to_json("/api/v1/auth/signup", "req-1");
  EXPECT_EQ(doc.at("type").as_string(), "urn:medcore:problem:validation");
  EXPECT_EQ(doc.at("status").as_int64(), 422);
  EXPECT_EQ(doc.at("instance").as_string(), "/api/v1/auth/signup");
  EXPECT_EQ(doc.at("request_id").as_string(), "req-1");
  EXPECT_EQ(doc.at("errors").as_array().at(0).at("field").as_string(), "email");
  auto r = problems::rate_limited(7);
  EXPECT_EQ(r.retry_after(), 7);
  EXPECT_FALSE(r.to_json("/", "x").contains("errors"));
}

TEST(Crypto, TokensAreRandomUrlSafeAndHashStable) {
  crypto::init();
  auto a = crypto::random_token();
  auto b = crypto::random_token();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_of("+/="), std::string::npos);
  EXPECT_EQ(crypto::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(crypto::csrf_token_for(a), crypto::csrf_token_for(a));
  EXPECT_NE(crypto::csrf_token_for(a), crypto::csrf_token_for(b));
  std::string decoded;
  EXPECT_TRUE(crypto::base64url_decode(crypto::base64url("hello"), decoded));
  EXPECT_EQ(decoded, "hello");
  EXPECT_FALSE(crypto::base64url_decode("***", decoded));
}

TEST(Crypto, PasswordsAreArgon2idAndVerify) {
  crypto::init();
  // The cheapest cost libsodium allows keeps the unit test fast; production uses INTERACTIVE.
  crypto::PasswordCost cheap{1, 8192};
  auto h = crypto::hash_password("correct horse battery", cheap);
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(crypto::verify_password(h, "correct horse battery"));
  EXPECT_FALSE(crypto::verify_password(h, "correct horse batterz"));
  EXPECT_NE(h, crypto::hash_password("correct horse battery", cheap)) << "salted";
}

TEST(Time, Iso8601RoundTrips) {
  EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(parse_iso8601("2023-11-14T22:13:20.123Z"), 1'700'000'000'123);
  EXPECT_EQ(parse_iso8601("2023-11-14T23:13:20+01:00"), 1'700'000'000'000);
  EXPECT_EQ(parse_iso8601("2023-11-14 22:13:20"), std::nullopt);
  EXPECT_EQ(parse_iso8601("garbage"), std::nullopt);
}

TEST(RateLimiter, RefillsEvenlyAndSaysHowLongToWait) {
  RateLimiter limiter(6);  // one token every 10 s
  EpochMs t = 1'000'000;
  for (int i = 0; i < 6; ++i) EXPECT_EQ(limiter.acquire("1.2.3.4", t), std::nullopt);
  auto wait = limiter.acquire("1.2.3.4", t);
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, 10);
  EXPECT_EQ(limiter.acquire("5.6.7.8", t), std::nullopt) << "buckets are per key";
  EXPECT_EQ(limiter.acquire("1.2.3.4", t + 10'000), std::nullopt);
  EXPECT_TRUE(limiter.acquire("1.2.3.4", t + 10'001).has_value());
}

TEST(Metrics, RendersPrometheusText) {
  Metrics m;
  m.observe_request("/api/v1/doctors/{id:int}", "GET", 200, 0.003);
  m.observe_request("/api/v1/doctors/{id:int}", "GET", 404, 0.0002);
  m.gauge("medcore_test_gauge", "A test gauge.", [] { return 3.0; });
  auto text = m.render();
  EXPECT_NE(text.find(R"(medcore_http_requests_total{route="/api/v1/doctors/{id:int}",method="GET",status="200"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(medcore_http_request_duration_seconds_bucket{route="/api/v1/doctors/{id:int}",le="0.005"} 2)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(medcore_http_request_duration_seconds_bucket{route="/api/v1/doctors/{id:int}",le="0.0025"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find("medcore_test_gauge 3"), std::string::npos);
  EXPECT_EQ(prometheus_label("a\"b\\c"), "a\\\"b\\\\c");
}

TEST(Metrics, UnknownMethodsShareOneSeries) {
  Metrics m;
  m.observe_request("(405)", "PATCH", 405, 0.001);
  m.observe_request("(405)", std::string(12 * 1024, 'X'), 405, 0.001);
  m.observe_request("(405)", "BREW", 405, 0.001);
  m.observe_request("(405)", "get", 405, 0.001);
  const auto text = m.render();
  EXPECT_NE(text.find(R"m(medcore_http_requests_total{route="(405)",method="PATCH",status="405"} 1)m"), std::string::npos);
  EXPECT_NE(text.find(R"m(medcore_http_requests_total{route="(405)",method="other",status="405"} 3)m"), std::string::npos);
  EXPECT_EQ(text.find("XXXX"), std::string::npos);
  EXPECT_EQ(text.find("BREW"), std::string::npos);
  EXPECT_EQ(method_label("OPTIONS"), "OPTIONS");
  EXPECT_EQ(method_label(""), "other");
}
