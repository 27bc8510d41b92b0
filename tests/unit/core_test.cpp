#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "platform/core/crypto.hpp"
#include "platform/core/json_input.hpp"
#include "platform/core/metrics.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/rate_limiter.hpp"
#include "platform/core/text.hpp"
#include "platform/core/time.hpp"

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

TEST(JsonInput, NullIsRefusedEvenForOptionalFields) {
  auto in = JsonInput::parse(R"({"bio": null, "age": null, "flag": null, "name": null, "start": null})");
  EXPECT_EQ(in.text("bio", {}), std::nullopt);
  EXPECT_EQ(in.integer("age", {}), std::nullopt);
  EXPECT_EQ(in.boolean("flag"), std::nullopt);
  EXPECT_EQ(in.text("name", {.required = true}), std::nullopt);
  EXPECT_EQ(in.raw("start"), nullptr) << "raw() leaves null to the caller";
  std::map<std::string, std::string> by_field;
  for (auto& e : errors_of(in)) by_field[e.field] = e.message;
  EXPECT_EQ(by_field, (std::map<std::string, std::string>{
                          {"bio", "must not be null: leave the field out instead"},
                          {"age", "must not be null: leave the field out instead"},
                          {"flag", "must not be null: leave the field out instead"},
                          {"name", "is required"},
                      }));
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

// The field's one error message, or "" when the text was accepted.
std::string text_error(const std::string& json_string, TextRule rule = {.max = 100}) {
  auto in = JsonInput::parse(R"({"f": )" + json_string + "}");
  in.text("f", rule);
  const auto errors = errors_of(in);
  return errors.empty() ? "" : errors.front().message;
}

TEST(JsonInput, DuplicateKeysAreMalformed) {
  for (const char* body : {R"({"role": "patient", "role": "doctor"})", R"({"a": {"x": 1, "x": 2}})",
                           R"({"a": [{"k": 1}, {"k": 2, "k": 3}]})", R"({"r\u006fle": 1, "role": 2})"}) {
    try {
      JsonInput::parse(body);
      FAIL() << body;
    } catch (const Problem& p) {
      EXPECT_EQ(p.status(), 400) << body;
      EXPECT_EQ(p.slug(), "malformed-json") << body;
      EXPECT_NE(p.detail().find("appears more than once"), std::string::npos) << p.detail();
    }
  }
  // The same key in sibling objects, and keys that differ only in case, are fine.
  EXPECT_NO_THROW(JsonInput::parse(R"({"a": [{"k": 1}, {"k": 2}], "b": {"k": 3}, "K": 4, "k": 5})"));
  EXPECT_THROW(parse_json_object(R"({"glucose": 90, "glucose": 400})", 8), Problem);
}

TEST(Text, NormalisesToNfc) {
  // "e" + COMBINING ACUTE ACCENT is stored as the one precomposed "é".
  auto in = JsonInput::parse(R"({"name": "Jose\u0301 Ramos"})");
  EXPECT_EQ(in.text("name", {.max = 100}), "Jos\xC3\xA9 Ramos");
  EXPECT_EQ(text::clean("Jose\xCC\x81", text::Lines::single).text, "Jos\xC3\xA9");
  // Length is counted after normalising: "José" is four characters, not five.
  EXPECT_EQ(text_error(R"("Jose\u0301")", {.max = 4}), "");
  EXPECT_EQ(text_error(R"("Jose\u0301")", {.max = 3}), "must be at most 3 characters");
}

TEST(Text, RefusesInvisibleAndDirectionCharactersInSingleLineText) {
  const std::string invisible = "must not contain invisible or text-direction characters";
  EXPECT_EQ(text_error(R"("Ana \u202ELima")"), invisible) << "RIGHT-TO-LEFT OVERRIDE";
  EXPECT_EQ(text_error(R"("\uFEFF")"), invisible) << "a name of one BYTE ORDER MARK";
  EXPECT_EQ(text_error(R"("\uFEFFAna")"), invisible);
  EXPECT_EQ(text_error(R"("Ana\u0085Lima")"), "must not contain control characters") << "NEXT LINE (C1)";
  EXPECT_EQ(text_error(R"("Ana\u200BLima")"), invisible) << "ZERO WIDTH SPACE";
  EXPECT_EQ(text_error(R"("Ana\u200DLima")"), invisible) << "ZERO WIDTH JOINER";
  EXPECT_EQ(text_error(R"("Ana\u2028Lima")"), invisible) << "LINE SEPARATOR";
  EXPECT_EQ(text_error(R"("Ana\u2029Lima")"), invisible) << "PARAGRAPH SEPARATOR";
  EXPECT_EQ(text_error(R"("Ana\u2066Lima")"), invisible) << "LEFT-TO-RIGHT ISOLATE";
  EXPECT_EQ(text_error(R"("Ana\u00ADLima")"), invisible) << "SOFT HYPHEN";
  EXPECT_EQ(text_error(R"("\u3164")"), invisible) << "HANGUL FILLER (a letter that shows nothing)";
  EXPECT_EQ(text_error(R"("Ana\u0007")"), "must not contain control characters");
  EXPECT_EQ(text_error(R"("Ana\nLima")"), "must not contain control characters");
  EXPECT_EQ(text_error(R"("Ana\uE000")"), "must not contain unassigned or private-use characters");
  EXPECT_EQ(text_error(R"("Ana\u0378")"), "must not contain unassigned or private-use characters");
  // Ordinary names of many scripts are fine.
  for (const char* ok : {R"("Zoë Ŝ")", R"("Иван Петров")", R"("山田 太郎")", R"("محمد")", R"("O'Brien-Smith")"})
    EXPECT_EQ(text_error(ok), "") << ok;
}

TEST(Text, TrimsUnicodeWhiteSpaceSoBlankNamesAreEmpty) {
  EXPECT_EQ(text_error(R"("\u00A0\u3000 ")", {.required = true, .min = 1, .max = 100}), "must not be empty");
  auto in = JsonInput::parse(R"({"name": "\u2003Ana Lima\u00A0"})");
  EXPECT_EQ(in.text("name", {.max = 100}), "Ana Lima");
}

TEST(Text, MultiLineTextKeepsLineBreaksAndEmojiButNotControls) {
  const TextRule multi{.max = 500, .multiline = true};
  EXPECT_EQ(text_error(R"("line 1\nline 2\r\n\tindented")", multi), "");
  // Family emoji (ZWJ sequence), a flag (tag characters) and Persian with a ZERO WIDTH NON-JOINER.
  EXPECT_EQ(text_error(R"("\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67 )"
                       R"(\uD83C\uDFF4\uDB40\uDC67\uDB40\uDC62\uDB40\uDC73\uDB40\uDC63\uDB40\uDC74\uDB40\uDC7F )"
                       R"(\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645")",
                       multi),
            "");
  EXPECT_EQ(text_error(R"("a\u202Eb")", multi), "must not contain invisible or text-direction characters");
  EXPECT_EQ(text_error(R"("a\u2028b")", multi), "must not contain invisible or text-direction characters");
  EXPECT_EQ(text_error(R"("a\u0085b")", multi), "must not contain control characters");
  EXPECT_EQ(text_error(R"("a\u0000b")", multi), "must not contain control characters");
}

TEST(JsonInput, EmailsWithInvisibleOrLookAlikeCharactersAreRefused) {
  auto email_error = [](const std::string& address) {
    auto in = JsonInput(boost::json::object{{"email", address}});
    in.email("email", true);
    const auto errors = errors_of(in);
    return errors.empty() ? std::string() : errors.front().message;
  };
  // Zero-width characters inside the address.
  EXPECT_EQ(email_error("dr.ana\xE2\x80\x8B@clinic.org"), "must not contain invisible or text-direction characters");
  EXPECT_EQ(email_error("dr.ana@cli\xE2\x80\x8Cnic.org"), "must not contain invisible or text-direction characters");
  EXPECT_EQ(email_error("\xEF\xBB\xBF" "dr.ana@clinic.org"), "must not contain invisible or text-direction characters");
  // Mixed scripts: a Cyrillic "а" (U+0430) among Latin letters, in the local part or the domain.
  const std::string mixed = "must not mix letters or digits of different scripts (such as Latin and Cyrillic)";
  EXPECT_EQ(email_error("dr.\xD0\xB0na@clinic.org"), mixed);
  EXPECT_EQ(email_error("dr.ana@cl\xD1\x96nic.org"), mixed) << "Ukrainian i in the domain";
  // Whole-script look-alikes: all-Cyrillic "аре", all-Greek "οο".
  const std::string imitation = "must not be written in letters that imitate Latin ones";
  EXPECT_EQ(email_error("\xD0\xB0\xD1\x80\xD0\xB5@clinic.org"), imitation);
  EXPECT_EQ(email_error("dr@\xCE\xBF\xCE\xBF.org"), imitation);
  // Addresses in one script, or in scripts one writing system uses together, are fine.
  EXPECT_EQ(email_error("dr.ana@clinic.org"), "");
  EXPECT_EQ(email_error("jos\xC3\xA9@clinic.org"), "");
  EXPECT_EQ(email_error("\xD0\xB8\xD0\xB2\xD0\xB0\xD0\xBD@\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84"), "")
      << "иван@пример.рф";
  EXPECT_EQ(email_error("\xE5\xB1\xB1\xE7\x94\xB0taro@example.jp"), "") << "Han with Latin";
  // NFC first: a decomposed "é" is the same address as the precomposed one.
  auto in = JsonInput(boost::json::object{{"email", "Jose\xCC\x81@Clinic.org"}});
  EXPECT_EQ(in.email("email", true), "jos\xC3\xA9@clinic.org");
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

TEST(Metrics, RequestsCountedOnSeveralThreadsAddUp) {
  // Each thread counts into its own shard; a scrape must see the sum, and a second instance none of it.
  Metrics m;
  Metrics other;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) m.observe_request("/healthz", "GET", 200, 0.0001);
    });
  for (auto& t : threads) t.join();
  m.observe_request("/healthz", "GET", 200, 0.0001);
  const auto text = m.render();
  EXPECT_NE(text.find(R"(medcore_http_requests_total{route="/healthz",method="GET",status="200"} 1001)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(medcore_http_request_duration_seconds_count{route="/healthz"} 1001)"), std::string::npos);
  EXPECT_EQ(other.render().find("/healthz"), std::string::npos);
}

TEST(Crypto, StreamTokensAreUniqueBase64urlOfTwelveBytes) {
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    auto t = crypto::stream_token12();
    ASSERT_EQ(t.size(), 16u);
    ASSERT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos) << t;
    seen.insert(std::move(t));
  }
  std::string from_another_thread;
  std::thread([&] { from_another_thread = crypto::stream_token12(); }).join();
  seen.insert(from_another_thread);
  EXPECT_EQ(seen.size(), 10'001u) << "no token repeats, within a thread or across threads";
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
