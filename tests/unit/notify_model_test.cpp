// Mail, the pure part: templates, MIME, RFC 2047, SendGrid JSON, classification, backoff, redaction.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "platform/notify/model.hpp"
#include "platform/notify/outbox.hpp"

using namespace medcore::notify;

namespace {

std::size_t count_of(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

// Undoes quoted-printable (for checking what a reader would see).
std::string unqp(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '=' && i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') {
      i += 2;
    } else if (s[i] == '=' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string unbase64(const std::string& s) {
  static const std::string k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    buf = (buf << 6) | static_cast<unsigned>(k.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
}

Envelope envelope() {
  return {{"medcore", "no-reply@medcore.example"}, "ana@example.org", "<abcDEF123_-x@medcore>", 1'767'225'600'000};
}

}  // namespace

TEST(NotifyTemplates, EveryTemplateRendersBothPartsAndASubject) {
  const std::vector<std::string> expected{"welcome", "doctor_approved", "doctor_rejected", "password_reset",
                                          "appointment_confirmed", "appointment_cancelled", "appointment_rescheduled", "appointment_reminder",
                                          "chat_message", "order_confirmed", "diagnostic_booking_confirmed"};
  for (const auto& name : expected) EXPECT_TRUE(has_template(name)) << name;
  boost::json::object data{{"name", "Ana"},          {"role", "patient"},      {"login_url", "http://app.test/login"},
                           {"reason", "r"},          {"reset_url", "http://app.test/reset?token=t"},
                           {"expires_minutes", 30},  {"with_name", "Dr Rui"}, {"previous_starts_at", "Sun 09:00"}, {"starts_at", "Mon 10:00"},
                           {"appointment_id", 7},    {"sender_name", "Rui"},   {"preview", "hi"},
                           {"conversation_id", 3},   {"order_id", 11},         {"total", "USD 1.00"},
                           {"items", boost::json::array{boost::json::object{{"name", "Aspirin"}, {"quantity", 2}, {"price", "USD 0.50"}}}},
                           {"test_name", "CBC"},     {"center_name", "Lab"},   {"booking_id", 5}};
  for (auto name : template_names()) {
    auto m = render(name, data, "http://app.test");
    EXPECT_FALSE(m.subject.empty()) << name;
    EXPECT_EQ(m.subject.find('\n'), std::string::npos) << name;
    EXPECT_NE(m.text.find("Ana"), std::string::npos) << name;
    EXPECT_NE(m.html.find("<p>Hello Ana,</p>"), std::string::npos) << name;
    EXPECT_NE(m.html.find("<!doctype html>"), std::string::npos) << name;
    EXPECT_NE(m.text.find("http://app.test"), std::string::npos) << name;
    EXPECT_NE(m.html.find("href=\"http://app.test"), std::string::npos) << name;
  }
}

TEST(NotifyTemplates, HtmlIsEscapedTextIsNot) {
  boost::json::object data{{"name", "<script>alert('x')</script> & Co"},
                           {"reset_url", "http://app.test/reset-password?token=abc&x=1"},
                           {"expires_minutes", 30}};
  auto m = render("password_reset", data, "http://app.test");
  EXPECT_EQ(m.html.find("<script>"), std::string::npos);
  EXPECT_NE(m.html.find("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; Co"), std::string::npos);
  EXPECT_NE(m.text.find("<script>alert('x')</script> & Co"), std::string::npos);
  EXPECT_NE(m.text.find("http://app.test/reset-password?token=abc&x=1"), std::string::npos);
  EXPECT_NE(m.html.find("href=\"http://app.test/reset-password?token=abc&amp;x=1\""), std::string::npos);
  EXPECT_NE(m.text.find("30 minutes"), std::string::npos);
}

TEST(NotifySecrets, ResetLinkIsRedactedAndOtherFieldsKept) {
  const boost::json::object data{{"name", "Ana"}, {"reset_url", "http://app.test/reset-password?token=s3cret"},
                                 {"expires_minutes", 30}};
  EXPECT_EQ(secret_fields("password_reset"), std::vector<std::string_view>{"reset_url"});
  EXPECT_EQ(secret_values("password_reset", data), std::vector<std::string>{"http://app.test/reset-password?token=s3cret"});
  EXPECT_FALSE(secrets_removed("password_reset", data));
  const auto kept = without_secrets("password_reset", data);
  EXPECT_EQ(boost::json::serialize(kept).find("s3cret"), std::string::npos);
  EXPECT_EQ(kept.at("reset_url").as_string(), kRedacted);
  EXPECT_EQ(kept.at("name"), "Ana");
  EXPECT_EQ(kept.at("expires_minutes"), 30);
  EXPECT_TRUE(secrets_removed("password_reset", kept));
  EXPECT_TRUE(secret_values("password_reset", kept).empty());
  // Templates without secrets are left alone.
  const boost::json::object welcome{{"name", "Ana"}, {"login_url", "http://app.test/login"}};
  EXPECT_TRUE(secret_fields("welcome").empty());
  EXPECT_EQ(without_secrets("welcome", welcome), welcome);
  EXPECT_FALSE(secrets_removed("welcome", welcome));
}

TEST(NotifyTemplates, LinksUseThePublicUrl) {
  auto m = render("appointment_reminder", {{"name", "A"}, {"with_name", "D"}, {"starts_at", "S"}, {"appointment_id", 42}},
                  "https://care.example");
  EXPECT_NE(m.text.find("https://care.example/appointments/42"), std::string::npos);
  EXPECT_NE(m.html.find("href=\"https://care.example/appointments/42\""), std::string::npos);
  EXPECT_NE(m.html.find("https://care.example/settings/notifications"), std::string::npos);
}

TEST(NotifyTemplates, SubjectNeverHoldsALineBreak) {
  auto m = render("chat_message", {{"name", "A"}, {"sender_name", "Eve\r\nBcc: x@y"}, {"preview", "p"}, {"conversation_id", 1}},
                  "http://a");
  EXPECT_EQ(m.subject.find('\r'), std::string::npos);
  EXPECT_EQ(m.subject.find('\n'), std::string::npos);
}

TEST(NotifyTemplates, UnknownTemplateThrows) {
  EXPECT_THROW(render("no_such_template", {}, "http://a"), std::invalid_argument);
}

TEST(NotifyHeaders, Rfc2047ForNonAscii) {
  EXPECT_EQ(encode_header_text("Hello there"), "Hello there");
  const std::string enc = encode_header_text("Olá, João — bem-vindo");
  EXPECT_EQ(enc.rfind("=?UTF-8?B?", 0), 0u);
  EXPECT_EQ(enc.substr(enc.size() - 2), "?=");
  EXPECT_EQ(unbase64(enc.substr(10, enc.size() - 12)), "Olá, João — bem-vindo");
}

TEST(NotifyHeaders, LongNonAsciiSubjectIsSplitIntoShortWordsOnCharacterBoundaries) {
  std::string s;
  for (int i = 0; i < 40; ++i) s += "ção ";
  const std::string enc = encode_header_text(s);
  std::string decoded;
  std::size_t pos = 0;
  while (pos < enc.size()) {
    auto end = enc.find("?=", pos);
    ASSERT_NE(end, std::string::npos);
    const auto start = enc.find("=?UTF-8?B?", pos);
    ASSERT_EQ(start, pos);
    EXPECT_LE(end + 2 - start, 75u);
    const std::string word = unbase64(enc.substr(start + 10, end - start - 10));
    // every word holds whole characters: it is valid on its own
    EXPECT_NE(static_cast<unsigned char>(word.back()) & 0xC0, 0xC0);
    decoded += word;
    pos = end + 2;
    if (pos < enc.size()) {
      ASSERT_EQ(enc.substr(pos, 3), "\r\n ");
      pos += 3;
    }
  }
  EXPECT_EQ(decoded, s);
}

TEST(NotifyHeaders, Mailboxes) {
  auto m = parse_mailbox("medcore <no-reply@medcore.example>");
  EXPECT_EQ(m.name, "medcore");
  EXPECT_EQ(m.address, "no-reply@medcore.example");
  EXPECT_EQ(parse_mailbox("a@b.example").address, "a@b.example");
  EXPECT_EQ(parse_mailbox("\"Dr. Who\" <who@x.example>").name, "Dr. Who");
  EXPECT_EQ(format_mailbox({"Dr. Who", "who@x.example"}), "\"Dr. Who\" <who@x.example>");
  EXPECT_EQ(format_mailbox({"Clínica", "c@x.example"}).rfind("=?UTF-8?B?", 0), 0u);
  EXPECT_THROW(parse_mailbox("nobody"), std::invalid_argument);
  EXPECT_THROW(parse_mailbox("x <a b@c>"), std::invalid_argument);
}

TEST(NotifyHeaders, Rfc5322Date) {
  EXPECT_EQ(rfc5322_date(1'767'225'600'000), "Thu, 01 Jan 2026 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1'720'000'000'123), "Wed, 03 Jul 2024 09:46:40 +0000");
}

TEST(NotifyMime, QuotedPrintable) {
  EXPECT_EQ(quoted_printable("a=b"), "a=3Db");
  EXPECT_EQ(quoted_printable("olá"), "ol=C3=A1");
  EXPECT_EQ(quoted_printable("line \nnext"), "line=20\r\nnext");
  EXPECT_EQ(quoted_printable(".dot"), "=2Edot");
  const std::string long_line(200, 'x');
  const std::string qp = quoted_printable(long_line);
  std::size_t start = 0;
  for (auto p = qp.find("\r\n"); p != std::string::npos; p = qp.find("\r\n", start)) {
    EXPECT_LE(p - start, 76u);
    start = p + 2;
  }
  EXPECT_EQ(unqp(qp), long_line);
  EXPECT_EQ(unqp(quoted_printable("Olá — ünïcode & = signs\nsecond")), "Olá — ünïcode & = signs\r\nsecond");
}

TEST(NotifyMime, Base64) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

TEST(NotifyMime, MultipartAlternativeWithAllHeaders) {
  RenderedMail mail{"Olá Ana", "Hello Ana\nlink: http://app.test/x?token=abc", "<p>Hello Ana</p>"};
  const std::string m = build_mime(envelope(), mail);
  const auto head_end = m.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  const std::string head = m.substr(0, head_end + 2);
  EXPECT_NE(head.find("Message-ID: <abcDEF123_-x@medcore>\r\n"), std::string::npos);
  EXPECT_NE(head.find("Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(head.find("From: medcore <no-reply@medcore.example>\r\n"), std::string::npos);
  EXPECT_NE(head.find("To: ana@example.org\r\n"), std::string::npos);
  EXPECT_NE(head.find("Subject: =?UTF-8?B?" + base64("Olá Ana") + "?=\r\n"), std::string::npos);
  EXPECT_NE(head.find("MIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Type: multipart/alternative; boundary=\"=_medcore_"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/html; charset=UTF-8"), std::string::npos);
  EXPECT_LT(m.find("text/plain"), m.find("text/html"));  // the preferred part last
  EXPECT_EQ(count_of(m, "Content-Transfer-Encoding: quoted-printable"), 2u);
  EXPECT_NE(m.find("token=3Dabc"), std::string::npos);
  // CRLF only, no bare LF
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      ASSERT_TRUE(i > 0 && m[i - 1] == '\r') << "bare LF at " << i;
    }
  }
  const auto b = m.find("boundary=\"") + 10;
  const std::string boundary = m.substr(b, m.find('"', b) - b);
  EXPECT_EQ(count_of(m, "--" + boundary + "\r\n"), 2u);
  EXPECT_EQ(count_of(m, "--" + boundary + "--\r\n"), 1u);
}

TEST(NotifyMime, HeaderInjectionIsNeutralised) {
  Envelope env = envelope();
  env.to = "a@b.example\r\nBcc: victim@x.example";
  const std::string m = build_mime(env, {"Hi\r\nBcc: x@y", "t", "h"});
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos);
}

TEST(NotifySendGrid, Body) {
  RenderedMail mail{"Reset", "text part", "<p>html part</p>"};
  auto v = boost::json::parse(sendgrid_body(envelope(), mail)).as_object();
  EXPECT_EQ(v["personalizations"].at(0).at("to").at(0).at("email").as_string(), "ana@example.org");
  EXPECT_EQ(v["from"].at("email").as_string(), "no-reply@medcore.example");
  EXPECT_EQ(v["from"].at("name").as_string(), "medcore");
  EXPECT_EQ(v["subject"].as_string(), "Reset");
  EXPECT_EQ(v["content"].at(0).at("type").as_string(), "text/plain");
  EXPECT_EQ(v["content"].at(0).at("value").as_string(), "text part");
  EXPECT_EQ(v["content"].at(1).at("type").as_string(), "text/html");
  EXPECT_EQ(v["content"].at(1).at("value").as_string(), "<p>html part</p>");
  EXPECT_EQ(v["headers"].at("Message-ID").as_string(), "<abcDEF123_-x@medcore>");
}

TEST(NotifyOutcome, Classification) {
  EXPECT_EQ(classify_smtp(true, 250), Outcome::sent);
  EXPECT_EQ(classify_smtp(false, 451), Outcome::temporary);
  EXPECT_EQ(classify_smtp(false, 421), Outcome::temporary);
  EXPECT_EQ(classify_smtp(false, 0), Outcome::temporary);  // connection refused, timeout
  EXPECT_EQ(classify_smtp(false, 550), Outcome::permanent);
  EXPECT_EQ(classify_smtp(false, 554), Outcome::permanent);
  EXPECT_EQ(classify_http(202), Outcome::sent);
  EXPECT_EQ(classify_http(200), Outcome::sent);
  EXPECT_EQ(classify_http(429), Outcome::temporary);
  EXPECT_EQ(classify_http(500), Outcome::temporary);
  EXPECT_EQ(classify_http(503), Outcome::temporary);
  EXPECT_EQ(classify_http(0), Outcome::temporary);
  EXPECT_EQ(classify_http(400), Outcome::permanent);
  EXPECT_EQ(classify_http(401), Outcome::permanent);
  EXPECT_EQ(classify_http(403), Outcome::permanent);
  EXPECT_EQ(classify_http(413), Outcome::permanent);
}

TEST(NotifyOutcome, BackoffDoublesWithJitterAndACap) {
  EXPECT_EQ(backoff_ms(1, 1000, 1.0), 1000);
  EXPECT_EQ(backoff_ms(1, 1000, 0.0), 500);
  EXPECT_EQ(backoff_ms(2, 1000, 1.0), 2000);
  EXPECT_EQ(backoff_ms(5, 1000, 1.0), 16000);
  const auto mid = backoff_ms(3, 1000, 0.5);
  EXPECT_GE(mid, 2000);
  EXPECT_LE(mid, 4000);
  EXPECT_EQ(backoff_ms(60, 60'000, 1.0), 6LL * 3600 * 1000);
  EXPECT_GE(backoff_ms(0, 1, 0.0), 1);
}

TEST(NotifyOutcome, RedactRemovesSecretsAndUrlCredentials) {
  const std::vector<std::string> secrets{"SG.very-secret-key", "hunter2hunter2"};
  const auto r = redact("HTTP 401: bad key SG.very-secret-key, pw hunter2hunter2 at smtp://bob:pw@mail.example:587/",
                        secrets);
  EXPECT_EQ(r.find("SG.very-secret-key"), std::string::npos);
  EXPECT_EQ(r.find("hunter2"), std::string::npos);
  EXPECT_EQ(r.find("bob:pw"), std::string::npos);
  EXPECT_NE(r.find("smtp://[redacted]@mail.example"), std::string::npos);
  EXPECT_LE(redact(std::string(5000, 'x'), {}, 100).size(), 104u);
}

TEST(NotifyOutbox, OptionalCategories) {
  EXPECT_TRUE(is_optional_category(kCategoryReminder));
  EXPECT_TRUE(is_optional_category(kCategoryChat));
  EXPECT_FALSE(is_optional_category(kCategorySecurity));
  EXPECT_FALSE(is_optional_category(kCategoryAccount));
  EXPECT_FALSE(is_optional_category(kCategoryAppointments));
}

// Mail held to "may the recipient see health data now": what quotes a patient's data, never the
// account mail that tells a doctor they were suspended, nor password resets.
TEST(NotifyOutbox, HealthDataCategories) {
  EXPECT_TRUE(carries_health_data(kCategoryChat));
  EXPECT_TRUE(carries_health_data(kCategoryAppointments));
  EXPECT_TRUE(carries_health_data(kCategoryReminder));
  EXPECT_FALSE(carries_health_data(kCategoryAccount));
  EXPECT_FALSE(carries_health_data(kCategorySecurity));
}

TEST(NotifyOutbox, PreferencesDecideOnlyTheOptionalCategories) {
  const Preferences off{false, false};
  EXPECT_FALSE(wanted(kCategoryReminder, off));
  EXPECT_FALSE(wanted(kCategoryChat, off));
  EXPECT_TRUE(wanted(kCategorySecurity, off));  // password reset is always sent
  EXPECT_TRUE(wanted(kCategoryAccount, off));
  EXPECT_TRUE(wanted(kCategoryAppointments, off));
  EXPECT_TRUE(wanted(kCategoryReminder, Preferences{true, false}));
  EXPECT_FALSE(wanted(kCategoryChat, Preferences{true, false}));
  EXPECT_TRUE(wanted(kCategoryChat, Preferences{}));
}
