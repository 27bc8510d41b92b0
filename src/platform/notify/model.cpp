#include "platform/notify/model.hpp"

#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <cctype>
#include <cmath>
#include <date/date.h>
#include <stdexcept>

namespace medcore::notify {

namespace {

bool is_printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Length of the UTF-8 sequence starting with byte c (1 for anything unexpected).
std::size_t utf8_seq_len(unsigned char c) {
  if (c >= 0xF0 && c < 0xF8) return 4;
  if (c >= 0xE0) return c < 0xF0 ? 3 : 1;
  if (c >= 0xC0) return 2;
  return 1;
}

// Normalises any line ending to CRLF.
std::string crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string json_text(const boost::json::value& v) { return boost::json::serialize(v); }

}  // namespace

// ---- addresses and headers ---------------------------------------------------------------

Mailbox parse_mailbox(std::string_view text) {
  text = trim_ws(text);
  Mailbox m;
  auto lt = text.rfind('<');
  if (lt != std::string_view::npos && !text.empty() && text.back() == '>') {
    m.address = std::string(trim_ws(text.substr(lt + 1, text.size() - lt - 2)));
    std::string_view name = trim_ws(text.substr(0, lt));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    m.name = std::string(name);
  } else {
    m.address = std::string(text);
  }
  const auto at = m.address.find('@');
  if (m.address.empty() || at == std::string::npos || at == 0 || at + 1 == m.address.size() ||
      !is_printable_ascii(m.address) || m.address.find_first_of(" <>,;\"") != std::string::npos)
    throw std::invalid_argument("not a mail address: " + std::string(text));
  m.name = header_safe(m.name);
  return m;
}

std::string header_safe(std::string_view value) {
  std::string out(value);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  return out;
}

std::string encode_header_text(std::string_view raw, std::size_t used) {
  const std::string text = header_safe(raw);
  if (is_printable_ascii(text)) {
    // Fold at spaces so that no line exceeds 78 characters where that is possible.
    std::string out;
    std::size_t line = used;
    std::size_t i = 0;
    while (i < text.size()) {
      std::size_t sp = text.find(' ', i + 1);
      if (sp == std::string::npos) sp = text.size();
      std::string_view word(text.data() + i, sp - i);  // starts with the space (except the first)
      if (line + word.size() > 78 && i > 0 && word.front() == ' ') {
        out += "\r\n";
        line = 0;
      }
      out += word;
      line += word.size();
      i = sp;
    }
    return out;
  }
  // Encoded words: each holds whole UTF-8 characters, at most 45 bytes (60 base64 characters,
  // 72 with "=?UTF-8?B?" and "?=").
  std::string out;
  std::size_t i = 0;
  bool first = true;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      std::size_t n = utf8_seq_len(static_cast<unsigned char>(text[end]));
      if (end + n - i > 45) break;
      end += std::min(n, text.size() - end);
    }
    if (end == i) end = std::min(text.size(), i + 1);
    if (!first) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(std::string_view(text).substr(i, end - i)) + "?=";
    first = false;
    i = end;
  }
  return out;
}

std::string format_mailbox(const Mailbox& m) {
  if (m.name.empty()) return m.address;
  std::string name;
  if (!is_printable_ascii(m.name)) {
    name = encode_header_text(m.name, 6);
  } else if (m.name.find_first_of("()<>[]:;@\\,.\"") != std::string::npos) {
    name = "\"";
    for (char c : m.name) {
      if (c == '"' || c == '\\') name += '\\';
      name += c;
    }
    name += '"';
  } else {
    name = m.name;
  }
  return name + " <" + m.address + ">";
}

std::string rfc5322_date(std::int64_t epoch_ms) {
  using namespace std::chrono;
  const sys_seconds t{duration_cast<seconds>(milliseconds{epoch_ms})};
  return date::format("%a, %d %b %Y %H:%M:%S +0000", t);
}

// ---- MIME --------------------------------------------------------------------------------

std::string base64(std::string_view bytes) {
  static constexpr char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
    out += k[(n >> 6) & 63];
    out += k[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
    out += k[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string quoted_printable(std::string_view input) {
  static constexpr char hex[] = "0123456789ABCDEF";
  const std::string text = crlf(input);
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t line = 0;  // characters on the current output line
  auto emit = [&](std::string_view piece) {
    // A soft line break keeps every line at most 76 characters (the '=' included).
    if (line + piece.size() > 75) {
      out += "=\r\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      out += "\r\n";
      line = 0;
      ++i;
      continue;
    }
    const bool at_line_end = i + 1 == text.size() || text[i + 1] == '\r';
    const bool literal = (c >= 33 && c <= 126 && c != '=' && !(c == '.' && line == 0)) ||
                         ((c == ' ' || c == '\t') && !at_line_end);
    if (literal) {
      const char s[1] = {static_cast<char>(c)};
      emit(std::string_view(s, 1));
    } else {
      const char s[3] = {'=', hex[c >> 4], hex[c & 15]};
      emit(std::string_view(s, 3));
    }
  }
  return out;
}

std::string build_mime(const Envelope& env, const RenderedMail& mail) {
  // A boundary starting with "=_" cannot occur in quoted-printable text ('=' is always "=3D" there).
  std::string tag;
  for (char c : env.message_id)
    if (std::isalnum(static_cast<unsigned char>(c))) tag += c;
  const std::string boundary = "=_medcore_" + tag.substr(0, 40);

  std::string m;
  m.reserve(mail.text.size() + mail.html.size() + 1024);
  m += "Message-ID: " + header_safe(env.message_id) + "\r\n";
  m += "Date: " + rfc5322_date(env.date_ms) + "\r\n";
  m += "From: " + format_mailbox(env.from) + "\r\n";
  m += "To: " + header_safe(env.to) + "\r\n";
  m += "Subject: " + encode_header_text(mail.subject, 9) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  m += "\r\n";
  m += "This is a multi-part message in MIME format.\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  m += quoted_printable(mail.text) + "\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  m += quoted_printable(mail.html) + "\r\n";
  m += "--" + boundary + "--\r\n";
  return m;
}

// ---- SendGrid ----------------------------------------------------------------------------

std::string sendgrid_body(const Envelope& env, const RenderedMail& mail) {
  boost::json::object from{{"email", env.from.address}};
  if (!env.from.name.empty()) from["name"] = env.from.name;
  boost::json::object body{
      {"personalizations", boost::json::array{boost::json::object{
                               {"to", boost::json::array{boost::json::object{{"email", env.to}}}}}}},
      {"from", std::move(from)},
      {"subject", mail.subject},
      // SendGrid wants text/plain before text/html.
      {"content", boost::json::array{boost::json::object{{"type", "text/plain"}, {"value", mail.text}},
                                     boost::json::object{{"type", "text/html"}, {"value", mail.html}}}},
      {"headers", boost::json::object{{"Message-ID", env.message_id}}},
  };
  return json_text(body);
}

// ---- the outbox ----------------------------------------------------------------------------

std::string_view to_string(MailStatus status) {
  switch (status) {
    case MailStatus::pending: return "pending";
    case MailStatus::sending: return "sending";
    case MailStatus::sent: return "sent";
    case MailStatus::dead: return "dead";
  }
  return "pending";
}

std::optional<MailStatus> parse_mail_status(std::string_view text) {
  for (MailStatus s : all_mail_statuses)
    if (to_string(s) == text) return s;
  return std::nullopt;
}

// ---- outcomes ----------------------------------------------------------------------------

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::sent: return "sent";
    case Outcome::temporary: return "temporary";
    case Outcome::permanent: return "permanent";
  }
  return "temporary";
}

Outcome classify_smtp(bool ok, long last_reply_code) {
  if (ok) return Outcome::sent;
  if (last_reply_code >= 500 && last_reply_code <= 599) return Outcome::permanent;
  return Outcome::temporary;
}

Outcome classify_http(long status) {
  if (status >= 200 && status <= 299) return Outcome::sent;
  if (status == 429 || status >= 500 || status == 0) return Outcome::temporary;
  if (status == 408) return Outcome::temporary;  // the request timed out on the way
  return Outcome::permanent;
}

std::int64_t backoff_ms(int attempts, std::int64_t base_ms, double jitter01) {
  constexpr std::int64_t kCap = 6LL * 3600 * 1000;
  if (base_ms < 1) base_ms = 1;
  const int shift = std::clamp(attempts - 1, 0, 40);
  const double full = std::min(static_cast<double>(kCap), static_cast<double>(base_ms) * std::ldexp(1.0, shift));
  const double j = std::clamp(jitter01, 0.0, 1.0);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(full * (0.5 + 0.5 * j)));
}

std::string redact(std::string_view text, const std::vector<std::string>& secrets, std::size_t max) {
  std::string out(text);
  for (const auto& s : secrets) {
    if (s.empty()) continue;
    for (std::size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 10))
      out.replace(pos, s.size(), "[redacted]");
  }
  // scheme://user:pass@host → scheme://[redacted]@host
  for (std::size_t pos = out.find("://"); pos != std::string::npos; pos = out.find("://", pos + 3)) {
    const std::size_t start = pos + 3;
    const std::size_t end = out.find_first_of("/ \t\r\n\"'", start);
    const std::size_t at = out.find('@', start);
    if (at != std::string::npos && (end == std::string::npos || at < end) && at > start &&
        out.compare(start, at - start, "[redacted]") != 0)
      out.replace(start, at - start, "[redacted]");
  }
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') c = ' ';
  if (out.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    out.resize(cut);
    out += "…";
  }
  return out;
}

}  // namespace medcore::notify
