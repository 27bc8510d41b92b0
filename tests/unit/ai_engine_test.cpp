// The AI engine's pure parts: facts and de-identification, the advice schema, the offline
// composer, the medication rail, backoff, breaker, cache, the providers' wire format, and the
// engine's fallback logic over a fake HTTP client and a fake clock.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <deque>

#include "engines/ai/engine.hpp"
#include "engines/ai/offline.hpp"
#include "engines/ai/safety.hpp"

using namespace medcore::ai;
namespace json = boost::json;
using std::chrono::milliseconds;

namespace {

// A facts object as the health feature builds it: raised and rising blood pressure, prediabetes
// glucose, overweight, a high diabetes risk.
HealthFacts sample_facts() {
  HealthFacts f;
  f.age_band = age_band_of(64);
  f.sex = Sex::female;
  f.latest.push_back({ReadingKind::blood_pressure, 146, 92, Category::bp_stage_2, Guideline::acc_aha_2017, 1});
  f.latest.push_back({ReadingKind::blood_glucose, 112, std::nullopt, Category::glucose_prediabetes, Guideline::ada, 3});
  f.latest.push_back({ReadingKind::heart_rate, 74, std::nullopt, Category::heart_rate_normal,
                      Guideline::adult_resting_heart_rate, 1});
  f.trends.push_back({ReadingKind::blood_pressure, 30, 42, 141.5, 1.8, 0.4});
  f.bmi_class = Category::bmi_overweight;
  f.bmi = 27.4;
  f.risks.push_back({RiskModel::diabetes, RiskBand::high, 12});
  return f;
}

std::string good_advice_json() {
  return R"({"summary":"Your blood pressure is raised and rising.","suggestions":[)"
         R"({"text":"Cook with less salt and follow a DASH-style eating pattern.","area":"diet","based_on":["latest.blood_pressure","trend.blood_pressure.30d"],"urgency":"routine"},)"
         R"({"text":"Walk briskly for 30 minutes on most days.","area":"activity","based_on":["age_band","bmi"],"urgency":"routine"}],)"
         R"("see_doctor_when":"See your doctor if your home average stays above 130/80 mmHg."})";
}

std::string gemini_body(const std::string& text) {
  json::object o{{"candidates", json::array{{{"content", {{"role", "model"}, {"parts", json::array{{{"text", text}}}}}},
                                             {"finishReason", "STOP"}}}},
                 {"usageMetadata", {{"promptTokenCount", 321}, {"candidatesTokenCount", 123}, {"totalTokenCount", 444}}}};
  return json::serialize(o);
}

std::string openai_body(const std::string& text) {
  json::object o{{"id", "chatcmpl-1"},
                 {"object", "chat.completion"},
                 {"choices", json::array{{{"index", 0},
                                          {"message", {{"role", "assistant"}, {"content", text}, {"refusal", nullptr}}},
                                          {"finish_reason", "stop"}}}},
                 {"usage", {{"prompt_tokens", 200}, {"completion_tokens", 80}, {"total_tokens", 280}}}};
  return json::serialize(o);
}

// Answers from a script, records what it was sent.
class FakeHttp final : public HttpClient {
 public:
  std::deque<HttpResponse> script;
  std::vector<HttpRequest> sent;
  HttpResponse post(const HttpRequest& r, milliseconds) override {
    sent.push_back(r);
    if (script.empty()) return {500, "{}", std::nullopt, false, ""};
    auto next = script.front();
    script.pop_front();
    return next;
  }
};

struct FakeTime {
  SteadyTime now{};
  std::vector<milliseconds> slept;
  Clock clock() {
    Clock c;
    c.steady = [this] { return now; };
    c.utc_day = [] { return 20'000L; };
    c.sleep = [this](milliseconds d) {
      slept.push_back(d);
      now += d;
    };
    return c;
  }
};

Options gemini_options() {
  Options o;
  o.provider = Provider::gemini;
  o.base_url = "http://127.0.0.1:9";
  o.model = "gemini-test";
  o.retries = 2;
  o.breaker_failures = 3;
  return o;
}

}  // namespace

// ---- facts -------------------------------------------------------------------------------------

TEST(AiFacts, AgeBandsAreTenYearsWideAndTopCodedAt90) {
  EXPECT_EQ(age_band_of(17), AgeBand::under_18);
  EXPECT_EQ(age_band_of(18), AgeBand::from_18_to_29);
  EXPECT_EQ(age_band_of(29), AgeBand::from_18_to_29);
  EXPECT_EQ(age_band_of(30), AgeBand::from_30_to_39);
  EXPECT_EQ(age_band_of(64), AgeBand::from_60_to_69);
  EXPECT_EQ(age_band_of(89), AgeBand::from_80_to_89);
  EXPECT_EQ(age_band_of(90), AgeBand::from_90);
  EXPECT_EQ(age_band_of(104), AgeBand::from_90);
}

TEST(AiFacts, JsonRoundTripKeepsEveryFactAndKeysAreWhatSuggestionsCite) {
  const auto f = sample_facts();
  const auto back = health_facts_from_json(to_json(f));
  EXPECT_EQ(json::serialize(to_json(back)), json::serialize(to_json(f)));
  const auto keys = fact_keys(f);
  const std::vector<std::string> expected{"age_band",       "sex",        "latest.blood_pressure", "latest.blood_glucose",
                                          "latest.heart_rate", "trend.blood_pressure.30d", "bmi", "risk.diabetes"};
  EXPECT_EQ(keys, expected);
}

TEST(AiFacts, AFactsFileCannotCarryANameOrAnUnknownValue) {
  auto o = to_json(sample_facts());
  o["name"] = "Maria Kowalska";
  EXPECT_THROW(health_facts_from_json(o), std::invalid_argument);
  auto note = to_json(sample_facts());
  note["latest"].as_object()["blood_pressure"].as_object()["note"] = "after an argument";
  EXPECT_THROW(health_facts_from_json(note), std::invalid_argument);
  auto category = to_json(sample_facts());
  category["latest"].as_object()["blood_pressure"].as_object()["category"] = "Maria";
  EXPECT_THROW(health_facts_from_json(category), std::invalid_argument);
  auto window = to_json(sample_facts());
  window["trends"].as_object()["blood_pressure.14d"] = window["trends"].as_object()["blood_pressure.30d"];
  EXPECT_THROW(health_facts_from_json(window), std::invalid_argument);
}

TEST(AiFacts, TrendDirectionNeedsTheSlopeBeyondTwiceItsUncertainty) {
  EXPECT_EQ(direction_of({ReadingKind::blood_pressure, 30, 20, 130, 1.0, 0.49}), Direction::rising);
  EXPECT_EQ(direction_of({ReadingKind::blood_pressure, 30, 20, 130, 1.0, 0.5}), Direction::stable);
  EXPECT_EQ(direction_of({ReadingKind::blood_pressure, 30, 20, 130, -1.0, 0.4}), Direction::falling);
  EXPECT_EQ(direction_of({ReadingKind::blood_pressure, 30, 2, 130, 5.0, 0.1}), Direction::stable);  // too few
}

// A realistic profile as the health feature holds it, and the facts it derives from it.
struct Profile {
  std::string name = "Maria Kowalska";
  std::string email = "maria.kowalska@example.org";
  std::string birth_date = "1961-04-17";
  std::string note = "felt dizzy after the quarrel with Tomasz";
  int age_today = 64;
  double systolic = 183, diastolic = 121, weight_kg = 74.2, height_m = 1.64;
};

HealthFacts facts_from(const Profile& p) {
  HealthFacts f;
  f.age_band = age_band_of(p.age_today);
  f.sex = Sex::female;
  f.latest.push_back({ReadingKind::blood_pressure, p.systolic, p.diastolic, Category::bp_hypertensive_crisis,
                      Guideline::acc_aha_2017, 0});
  f.latest.push_back({ReadingKind::body_weight, p.weight_kg, std::nullopt, std::nullopt, Guideline::none, 2});
  f.bmi = p.weight_kg / (p.height_m * p.height_m);
  f.bmi_class = Category::bmi_overweight;
  f.trends.push_back({ReadingKind::blood_pressure, 90, 120, 150.2, 0.9, 0.2});
  return f;
}

TEST(AiFacts, ProviderRequestsHoldNoNameEmailBirthDateOrNote) {
  const Profile p;
  const auto facts = facts_from(p);
  Options o = resolved(gemini_options());
  for (const auto& r : {gemini_request(o, "key-123", Task::health_advice, facts),
                        openai_request(o, "key-123", Task::health_advice, facts)}) {
    std::string all = r.url + "\n" + r.body;
    for (const auto& [name, value] : r.headers) all += "\n" + name + ": " + value;
    for (const std::string& secret : {std::string("Maria"), std::string("Kowalska"), std::string("maria.kowalska"),
                                      std::string("example.org"), std::string("1961"), std::string("04-17"),
                                      std::string("dizzy"), std::string("Tomasz"), std::string("quarrel")})
      EXPECT_EQ(all.find(secret), std::string::npos) << secret << " leaked into " << r.url;
    EXPECT_NE(all.find("60-69"), std::string::npos);  // what it does hold: the band
  }
}

// ---- schema ------------------------------------------------------------------------------------

TEST(AiSchema, AGoodAnswerParses) {
  const auto keys = fact_keys(sample_facts());
  const auto p = parse_advice(good_advice_json(), keys);
  ASSERT_TRUE(p.advice) << p.why;
  EXPECT_EQ(p.advice->suggestions.size(), 2u);
  EXPECT_EQ(p.advice->suggestions[0].area, Area::diet);
  EXPECT_EQ(p.advice->suggestions[1].based_on, (std::vector<std::string>{"age_band", "bmi"}));
}

TEST(AiSchema, EachBrokenRuleIsNamed) {
  const auto keys = fact_keys(sample_facts());
  const auto broken = [&](std::string from, std::string to) {
    auto text = good_advice_json();
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    return parse_advice(text, keys);
  };
  EXPECT_EQ(parse_advice("Sure! Here is your advice", keys).failure, Fallback::malformed_json);
  EXPECT_EQ(parse_advice("[1,2]", keys).failure, Fallback::malformed_json);
  EXPECT_EQ(parse_advice(R"({"summary":"x")", keys).failure, Fallback::malformed_json);
  EXPECT_EQ(broken(R"("area":"diet")", R"("area":"medication")").failure, Fallback::schema_violation);
  EXPECT_EQ(broken(R"("urgency":"routine")", R"("urgency":"now")").failure, Fallback::schema_violation);
  EXPECT_EQ(broken(R"("bmi"])", R"("name"])").why, "suggestions[1].based_on names \"name\", which is not a fact given");
  EXPECT_EQ(broken(R"(["age_band","bmi"])", "[]").failure, Fallback::schema_violation);
  EXPECT_EQ(broken(R"("summary":)", R"("extra":1,"summary":)").why, "unexpected field \"extra\"");
  EXPECT_EQ(broken(R"("see_doctor_when":"See)", R"("see_doctor_when_x":"See)").failure, Fallback::schema_violation);
  EXPECT_EQ(broken(R"("Your blood pressure is raised and rising.")", R"("  ")").why, "summary is empty");
  EXPECT_EQ(broken(R"("summary":"Your blood pressure is raised and rising.")", R"("summary":7)").why,
            "summary is not a string");
  EXPECT_EQ(broken(R"("Walk briskly for 30 minutes on most days.")", "\"" + std::string(kMaxText + 1, 'a') + "\"").why,
            "suggestions[1].text is longer than 400 bytes");
  EXPECT_EQ(parse_advice(R"({"summary":"x","suggestions":[],"see_doctor_when":"y"})", keys).why, "suggestions is empty");
}

TEST(AiSchema, ProviderSchemasEnumerateTheFactKeysAndForbidExtras) {
  const auto keys = fact_keys(sample_facts());
  const auto s = advice_json_schema(keys);
  EXPECT_EQ(s.at("additionalProperties"), false);
  const auto& item = s.at("properties").at("suggestions").at("items").as_object();
  EXPECT_EQ(item.at("additionalProperties"), false);
  EXPECT_EQ(item.at("properties").at("based_on").at("items").at("enum").as_array().size(), keys.size());
  EXPECT_EQ(item.at("properties").at("area").at("enum"),
            json::parse(R"(["diet","activity","sleep","monitoring","medical_follow_up"])"));
  const auto g = advice_gemini_schema(keys);
  EXPECT_EQ(g.at("type"), "OBJECT");
  EXPECT_FALSE(g.contains("additionalProperties"));  // not part of Gemini's schema dialect
  EXPECT_EQ(g.at("required"), json::parse(R"(["summary","suggestions","see_doctor_when"])"));
}

// ---- offline -----------------------------------------------------------------------------------

TEST(AiOffline, RaisedBloodPressureGetsDashSodiumMonitoringAndFollowUpTiedToTheReading) {
  const auto f = sample_facts();
  const auto a = compose_offline(f);
  EXPECT_FALSE(schema_error(a, fact_keys(f))) << *schema_error(a, fact_keys(f));
  const auto cites = [&](Area area, const std::string& key) {
    for (const auto& s : a.suggestions)
      if (s.area == area && std::find(s.based_on.begin(), s.based_on.end(), key) != s.based_on.end()) return true;
    return false;
  };
  EXPECT_TRUE(cites(Area::diet, "latest.blood_pressure"));
  EXPECT_TRUE(cites(Area::diet, "trend.blood_pressure.30d"));
  EXPECT_TRUE(cites(Area::monitoring, "latest.blood_pressure"));
  EXPECT_TRUE(cites(Area::medical_follow_up, "latest.blood_pressure"));
  EXPECT_TRUE(cites(Area::diet, "latest.blood_glucose"));  // prediabetes
  EXPECT_TRUE(cites(Area::diet, "bmi"));
  EXPECT_TRUE(cites(Area::medical_follow_up, "risk.diabetes"));
  EXPECT_TRUE(cites(Area::activity, "age_band"));
  EXPECT_NE(a.summary.find("146/92 mmHg (stage 2 hypertension, ACC/AHA 2017)"), std::string::npos) << a.summary;
  EXPECT_NE(a.summary.find("rising"), std::string::npos);
  // Most pressing first.
  EXPECT_EQ(a.suggestions.front().urgency, Urgency::soon);
}

TEST(AiOffline, IsDeterministicAndValidAndNeverGivesMedicationInstructions) {
  // Every category on every kind, alone and together, with and without trends.
  for (int c = 0; c <= static_cast<int>(Category::temperature_fever); ++c) {
    const auto category = static_cast<Category>(c);
    for (const auto kind : {ReadingKind::blood_pressure, ReadingKind::blood_glucose, ReadingKind::heart_rate,
                            ReadingKind::spo2, ReadingKind::body_temperature}) {
      HealthFacts f;
      f.age_band = AgeBand::from_70_to_79;
      f.latest.push_back({kind, 100, 60, category, Guideline::none, 0});
      f.bmi_class = category;
      f.risks.push_back({RiskModel::stroke, RiskBand::high, 0});
      f.trends.push_back({kind, 7, 10, 100, -3, 0.1});
      const auto a = compose_offline(f);
      EXPECT_FALSE(schema_error(a, fact_keys(f))) << to_string(category);
      EXPECT_EQ(json::serialize(to_json(a)), json::serialize(to_json(compose_offline(f))));
      EXPECT_FALSE(medication_instruction(a.summary));
      EXPECT_FALSE(medication_instruction(a.see_doctor_when)) << *medication_instruction(a.see_doctor_when);
      for (const auto& s : a.suggestions) EXPECT_FALSE(medication_instruction(s.text)) << s.text;
    }
  }
  const auto empty = compose_offline(HealthFacts{});
  EXPECT_FALSE(schema_error(empty, fact_keys(HealthFacts{})));
}

// ---- safety ------------------------------------------------------------------------------------

TEST(AiSafety, FlagsStartingStoppingChangingOrDosingAMedication) {
  for (const char* text : {"Start taking metformin 500 mg twice a day.", "Stop your lisinopril.",
                           "Increase your insulin dose by 2 units at night.", "Take 2 tablets of ibuprofen.",
                           "You could try an ACE inhibitor.", "Skip your evening dose if your sugar is low.",
                           "Eat well. Then halve your amlodipine.", "Switch from atenolol to another pill",
                           "Take aspirin 81mg daily", "Consider 10 mg of atorvastatin", "Begin a statin",
                           "Reduce your blood pressure medication"}) {
    EXPECT_TRUE(medication_instruction(text)) << text;
  }
}

TEST(AiSafety, LetsLifestyleAdviceAndSafeWordingThrough) {
  for (const char* text : {"Do not stop or change any medicine without talking to your doctor.",
                           "Keep sodium under 2,300 mg of sodium a day.", "Your glucose was 104 mg/dL this morning.",
                           "Take a brisk 30-minute walk after dinner.", "Reduce salt and processed food.",
                           "Keep taking your medicines as prescribed.", "Limit alcohol to 14 units of alcohol a week.",
                           "Have 15 g of fast-acting carbohydrate and check again after 15 minutes.",
                           "Never change your dose on your own.", "Start strength training twice a week."}) {
    EXPECT_FALSE(medication_instruction(text)) << text << " -> " << medication_instruction(text).value_or("");
  }
}

// ---- backoff, breaker, cache ---------------------------------------------------------------------

TEST(AiResilience, BackoffDoublesHonoursRetryAfterAndGivesUpPastTheMaximum) {
  EXPECT_EQ(backoff_delay(0, std::nullopt, milliseconds(500), milliseconds(10'000)), milliseconds(500));
  EXPECT_EQ(backoff_delay(1, std::nullopt, milliseconds(500), milliseconds(10'000)), milliseconds(1000));
  EXPECT_EQ(backoff_delay(4, std::nullopt, milliseconds(500), milliseconds(10'000)), milliseconds(8000));
  EXPECT_EQ(backoff_delay(5, std::nullopt, milliseconds(500), milliseconds(10'000)), std::nullopt);
  EXPECT_EQ(backoff_delay(0, milliseconds(3000), milliseconds(500), milliseconds(10'000)), milliseconds(3000));
  EXPECT_EQ(backoff_delay(0, milliseconds(30'000), milliseconds(500), milliseconds(10'000)), std::nullopt);
  EXPECT_EQ(parse_retry_after(" 7\r\n"), milliseconds(7000));  // as libcurl hands the header line over
  EXPECT_EQ(parse_retry_after("-1"), std::nullopt);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
}

TEST(AiResilience, BreakerOpensAfterThresholdAndLetsOneProbeThrough) {
  CircuitBreaker b(3, milliseconds(1000));
  SteadyTime t{};
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(b.allow(t));
    b.record_failure(t);
  }
  EXPECT_EQ(b.state(t), CircuitBreaker::State::closed);
  b.record_failure(t);
  EXPECT_EQ(b.state(t), CircuitBreaker::State::open);
  EXPECT_FALSE(b.allow(t + milliseconds(999)));
  EXPECT_TRUE(b.allow(t + milliseconds(1000)));   // the probe
  EXPECT_FALSE(b.allow(t + milliseconds(1001)));  // others wait for it
  b.record_failure(t + milliseconds(1100));       // probe failed: open again from now
  EXPECT_FALSE(b.allow(t + milliseconds(2000)));
  EXPECT_TRUE(b.allow(t + milliseconds(2100)));
  b.record_success();
  EXPECT_EQ(b.state(t + milliseconds(2100)), CircuitBreaker::State::closed);
  EXPECT_TRUE(b.allow(t + milliseconds(2100)));
}

TEST(AiResilience, CacheIsBoundedAndExpires) {
  AnswerCache c(2, std::chrono::seconds(60));
  SteadyTime t{};
  Answer a;
  a.provider = "gemini";
  c.put("a", a, t);
  c.put("b", a, t);
  EXPECT_TRUE(c.get("a", t));  // a is now the most recent
  c.put("c", a, t);            // evicts b
  EXPECT_FALSE(c.get("b", t));
  EXPECT_TRUE(c.get("a", t + std::chrono::seconds(59)));
  EXPECT_FALSE(c.get("a", t + std::chrono::seconds(60)));
  EXPECT_EQ(c.size(), 1u);
  AnswerCache off(0, std::chrono::seconds(60));
  off.put("a", a, t);
  EXPECT_FALSE(off.get("a", t));
}

TEST(AiResilience, DailyLimitCountsPerCallerAndResetsNextDay) {
  DailyLimit d(2);
  EXPECT_TRUE(d.try_take("u1", 10));
  EXPECT_TRUE(d.try_take("u1", 10));
  EXPECT_FALSE(d.try_take("u1", 10));
  EXPECT_TRUE(d.try_take("u2", 10));
  EXPECT_TRUE(d.try_take("u1", 11));
}

// ---- providers' wire format ------------------------------------------------------------------------

TEST(AiProviders, GeminiRequestShape) {
  const auto f = sample_facts();
  const auto r = gemini_request(resolved(gemini_options()), "k-1", Task::health_advice, f);
  EXPECT_EQ(r.url, "http://127.0.0.1:9/v1beta/models/gemini-test:generateContent");
  EXPECT_NE(std::find(r.headers.begin(), r.headers.end(), std::pair<std::string, std::string>{"x-goog-api-key", "k-1"}),
            r.headers.end());
  const auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("generationConfig").at("responseMimeType"), "application/json");
  EXPECT_EQ(body.at("generationConfig").at("responseSchema"), advice_gemini_schema(fact_keys(f)));
  const std::string user = json::value_to<std::string>(body.at("contents").at(0).at("parts").at(0).at("text"));
  EXPECT_EQ(user, user_prompt(Task::health_advice, f));
  EXPECT_EQ(body.at("systemInstruction").at("parts").at(0).at("text"), json::value(system_prompt(Task::health_advice)));
}

TEST(AiProviders, OpenAiRequestShape) {
  auto o = gemini_options();
  o.provider = Provider::openai;
  const auto f = sample_facts();
  const auto r = openai_request(resolved(o), "k-2", Task::health_advice, f);
  EXPECT_EQ(r.url, "http://127.0.0.1:9/v1/chat/completions");
  EXPECT_NE(std::find(r.headers.begin(), r.headers.end(),
                      std::pair<std::string, std::string>{"Authorization", "Bearer k-2"}),
            r.headers.end());
  const auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("model"), "gemini-test");
  EXPECT_EQ(body.at("response_format").at("type"), "json_schema");
  EXPECT_EQ(body.at("response_format").at("json_schema").at("strict"), true);
  EXPECT_EQ(body.at("response_format").at("json_schema").at("name"), "health_advice");
  EXPECT_EQ(body.at("response_format").at("json_schema").at("schema"), advice_json_schema(fact_keys(f)));
  EXPECT_EQ(body.at("messages").at(0).at("role"), "system");
  EXPECT_EQ(body.at("messages").at(1).at("content"), json::value(user_prompt(Task::health_advice, f)));
  // A local server without a key gets no Authorization header at all.
  const auto keyless = openai_request(resolved(o), "", Task::health_advice, f);
  for (const auto& h : keyless.headers) EXPECT_NE(h.first, "Authorization");
}

TEST(AiProviders, RepliesGiveTextTokensOrTheReasonThereIsNone) {
  const auto g = parse_gemini_reply(gemini_body("{}"));
  EXPECT_EQ(g.text, "{}");
  EXPECT_EQ(g.tokens_in, 321);
  EXPECT_EQ(g.tokens_out, 123);
  EXPECT_EQ(parse_gemini_reply(R"({"promptFeedback":{"blockReason":"SAFETY"}})").failure, Fallback::refusal);
  EXPECT_EQ(parse_gemini_reply(R"({"candidates":[{"finishReason":"SAFETY"}]})").failure, Fallback::refusal);
  EXPECT_EQ(parse_gemini_reply("<html>").failure, Fallback::malformed_json);
  const auto o = parse_openai_reply(openai_body("{}"));
  EXPECT_EQ(o.text, "{}");
  EXPECT_EQ(o.tokens_in, 200);
  EXPECT_EQ(o.tokens_out, 80);
  EXPECT_EQ(parse_openai_reply(R"({"choices":[{"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]})")
                .failure,
            Fallback::refusal);
  EXPECT_EQ(parse_openai_reply(R"({"choices":[]})").failure, Fallback::malformed_json);
}

// ---- the engine ------------------------------------------------------------------------------------

TEST(AiEngine, OfflineAnswersWithoutAnyClientAndCarriesTheRails) {
  Engine e(Options{}, Wording{"D.", "URGENT."}, nullptr, "");
  auto f = sample_facts();
  const auto a = e.ask(Task::health_advice, f);
  EXPECT_EQ(a.provider, "offline");
  EXPECT_FALSE(a.fell_back);
  EXPECT_EQ(a.disclaimer, "D.");
  EXPECT_FALSE(a.urgent_message);
  f.latest[0].category = Category::bp_hypertensive_crisis;
  EXPECT_EQ(e.ask(Task::health_advice, f).urgent_message, "URGENT.");
}

TEST(AiEngine, AGoodProviderAnswerIsUsedCachedAndCounted) {
  auto http = std::make_shared<FakeHttp>();
  http->script.push_back({200, gemini_body(good_advice_json()), std::nullopt, false, ""});
  FakeTime time;
  Engine e(gemini_options(), Wording{"D.", "URGENT."}, http, "k", time.clock());
  auto f = sample_facts();
  f.latest[1].category = Category::glucose_severe_hypoglycaemia;
  const auto a = e.ask(Task::health_advice, f, {"user-1"});
  EXPECT_EQ(a.provider, "gemini");
  EXPECT_EQ(a.model, "gemini-test");
  EXPECT_FALSE(a.fell_back);
  EXPECT_EQ(a.advice.summary, "Your blood pressure is raised and rising.");
  EXPECT_EQ(a.urgent_message, "URGENT.");  // whatever the provider said
  EXPECT_EQ(a.disclaimer, "D.");
  EXPECT_EQ(a.tokens_in, 321);
  const auto again = e.ask(Task::health_advice, f, {"user-1"});
  EXPECT_TRUE(again.cached);
  EXPECT_EQ(again.advice.summary, a.advice.summary);
  EXPECT_EQ(http->sent.size(), 1u);
  const auto days = e.counters();
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0].provider, "gemini");
  EXPECT_EQ(days[0].day, "2024-10-04");  // day 20000
  EXPECT_EQ(days[0].questions, 2u);
  EXPECT_EQ(days[0].calls, 1u);
  EXPECT_EQ(days[0].cache_hits, 1u);
  EXPECT_EQ(days[0].tokens_in, 321);
  EXPECT_EQ(days[0].tokens_out, 123);
}

TEST(AiEngine, RetriesFiveHundredsWithBackoffThenFallsBack) {
  auto http = std::make_shared<FakeHttp>();
  for (int i = 0; i < 3; ++i) http->script.push_back({503, "{}", std::nullopt, false, ""});
  FakeTime time;
  Engine e(gemini_options(), Wording{}, http, "k", time.clock());
  const auto a = e.ask(Task::health_advice, sample_facts());
  EXPECT_TRUE(a.fell_back);
  EXPECT_EQ(a.reason, Fallback::http_status);
  EXPECT_EQ(a.provider, "offline");
  EXPECT_EQ(http->sent.size(), 3u);
  EXPECT_EQ(time.slept, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000)}));
  EXPECT_EQ(json::serialize(to_json(a.advice)), json::serialize(to_json(compose_offline(sample_facts()))));
  const auto days = e.counters();
  EXPECT_EQ(days[0].failures, 3u);
  EXPECT_EQ(days[0].fallbacks_by_reason.at("http_status"), 1u);
}

TEST(AiEngine, HonoursRetryAfterOn429AndDoesNotRetryOtherClientErrors) {
  auto http = std::make_shared<FakeHttp>();
  http->script.push_back({429, "{}", milliseconds(2000), false, ""});
  http->script.push_back({200, gemini_body(good_advice_json()), std::nullopt, false, ""});
  http->script.push_back({401, "{}", std::nullopt, false, ""});
  FakeTime time;
  Engine e(gemini_options(), Wording{}, http, "k", time.clock());
  const auto a = e.ask(Task::health_advice, sample_facts());
  EXPECT_FALSE(a.fell_back);
  EXPECT_EQ(time.slept, (std::vector<milliseconds>{milliseconds(2000)}));
  auto other = sample_facts();
  other.sex = Sex::male;
  const auto b = e.ask(Task::health_advice, other);
  EXPECT_EQ(b.reason, Fallback::http_status);
  EXPECT_EQ(http->sent.size(), 3u);
}

TEST(AiEngine, EveryBadAnswerFallsBackWithItsReason) {
  const std::vector<std::pair<HttpResponse, Fallback>> cases{
      {{0, "", std::nullopt, true, "timeout"}, Fallback::timeout},
      {{0, "", std::nullopt, false, "Connection refused"}, Fallback::network},
      {{200, "not json", std::nullopt, false, ""}, Fallback::malformed_json},
      {{200, gemini_body("Here is advice: eat well"), std::nullopt, false, ""}, Fallback::malformed_json},
      {{200, gemini_body(R"({"summary":"x","suggestions":[],"see_doctor_when":"y"})"), std::nullopt, false, ""},
       Fallback::schema_violation},
      {{200, R"({"candidates":[{"finishReason":"SAFETY"}]})", std::nullopt, false, ""}, Fallback::refusal},
  };
  for (const auto& [response, reason] : cases) {
    auto http = std::make_shared<FakeHttp>();
    http->script.push_back(response);
    FakeTime time;
    Engine e(gemini_options(), Wording{}, http, "k", time.clock());
    const auto a = e.ask(Task::health_advice, sample_facts());
    EXPECT_TRUE(a.fell_back);
    EXPECT_EQ(a.reason, reason) << to_string(a.reason) << " " << a.detail;
    EXPECT_EQ(http->sent.size(), 1u);  // none of these is retried
    EXPECT_FALSE(a.disclaimer.empty());
  }
}

TEST(AiEngine, AMedicationInstructionIsRejected) {
  auto dosed = good_advice_json();
  const std::string walk = "Walk briskly for 30 minutes on most days.";
  dosed.replace(dosed.find(walk), walk.size(), "Take metformin 500 mg with dinner.");
  auto http = std::make_shared<FakeHttp>();
  http->script.push_back({200, gemini_body(dosed), std::nullopt, false, ""});
  FakeTime time;
  Engine e(gemini_options(), Wording{}, http, "k", time.clock());
  const auto a = e.ask(Task::health_advice, sample_facts());
  EXPECT_EQ(a.reason, Fallback::medication_advice);
  EXPECT_EQ(a.provider, "offline");
  EXPECT_EQ(a.tokens_out, 123);  // the tokens were spent all the same
}

TEST(AiEngine, BreakerStopsCallingAFailingProviderAndProbesLater) {
  auto http = std::make_shared<FakeHttp>();
  FakeTime time;
  auto o = gemini_options();
  o.retries = 0;
  Engine e(o, Wording{}, http, "k", time.clock());
  for (int i = 0; i < 3; ++i) {
    http->script.push_back({0, "", std::nullopt, true, ""});
    EXPECT_EQ(e.ask(Task::health_advice, sample_facts()).reason, Fallback::timeout);
  }
  EXPECT_EQ(e.ask(Task::health_advice, sample_facts()).reason, Fallback::circuit_open);
  EXPECT_EQ(http->sent.size(), 3u);
  time.now += o.breaker_open_for;
  http->script.push_back({200, gemini_body(good_advice_json()), std::nullopt, false, ""});
  EXPECT_FALSE(e.ask(Task::health_advice, sample_facts()).fell_back);
  EXPECT_EQ(e.breaker_state(), CircuitBreaker::State::closed);
}

TEST(AiEngine, DailyLimitPerCallerFallsBackWithoutCalling) {
  auto http = std::make_shared<FakeHttp>();
  FakeTime time;
  auto o = gemini_options();
  o.daily_limit_per_user = 1;
  Engine e(o, Wording{}, http, "k", time.clock());
  http->script.push_back({200, gemini_body(good_advice_json()), std::nullopt, false, ""});
  EXPECT_FALSE(e.ask(Task::health_advice, sample_facts(), {"u"}).fell_back);
  auto other = sample_facts();
  other.sex = Sex::male;  // not the cached question
  EXPECT_EQ(e.ask(Task::health_advice, other, {"u"}).reason, Fallback::daily_limit);
  EXPECT_EQ(http->sent.size(), 1u);
}

TEST(AiEngine, OptionsAreCheckedAndGeminiNeedsAKey) {
  auto o = gemini_options();
  EXPECT_THROW((void)Engine(o, Wording{}, std::make_shared<FakeHttp>(), ""), std::invalid_argument);
  o.timeout = milliseconds(10);
  EXPECT_THROW(resolved(o), std::invalid_argument);
  o = gemini_options();
  o.model = "bad model name";
  EXPECT_THROW(resolved(o), std::invalid_argument);
  Options d;
  d.provider = Provider::gemini;
  const auto r = resolved(d);
  EXPECT_EQ(r.base_url, "https://generativelanguage.googleapis.com");
  EXPECT_EQ(r.model, "gemini-2.5-flash");
}
