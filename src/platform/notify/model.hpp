#pragma once
// Mail, the pure part: templates, MIME, the SendGrid request body, failure classification,
// backoff and redaction. No I/O here, so all of it is unit-tested (tests/unit/notify_*.cpp).
#include <boost/json/object.hpp>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace medcore::notify {

// A user's switches for the optional mail categories (GET/PATCH /api/v1/me/notifications).
struct Preferences {
  bool reminders = true;  // appointment reminders
  bool chat = true;       // new chat message alerts
};

// ---- templates ---------------------------------------------------------------------------

struct RenderedMail {
  std::string subject;
  std::string text;  // text/plain part
  std::string html;  // text/html part (every {{value}} HTML-escaped)
};

// Every template the renderer knows (see model_templates.cpp for each one's data fields).
const std::vector<std::string_view>& template_names();
bool has_template(std::string_view name);

// Renders subject, text and HTML of `template_name` with `data`; `public_url` (no trailing slash)
// is added to the data as {{public_url}} for links. Throws std::invalid_argument for an unknown
// template (a permanent failure: retrying cannot help).
RenderedMail render(std::string_view template_name, const boost::json::object& data, std::string_view public_url);

// ---- secrets in outbox rows -----------------------------------------------------------------

// What a secret field holds once its mail was delivered or given up on.
inline constexpr std::string_view kRedacted = "[redacted]";
// The data fields of a template that carry a secret (password_reset: reset_url, whose token
// works until it expires or is used). The outbox keeps them only while the mail may still be
// sent: `password_tokens` stores the token hashed, and a readable copy next to it would undo that.
const std::vector<std::string_view>& secret_fields(std::string_view template_name);
// `data` with each secret field of the template replaced by kRedacted.
boost::json::object without_secrets(std::string_view template_name, boost::json::object data);
// True when a secret field was already redacted: the mail can no longer be rendered as it was.
bool secrets_removed(std::string_view template_name, const boost::json::object& data);
// The secret values present in `data`, to keep them out of error texts (see redact).
std::vector<std::string> secret_values(std::string_view template_name, const boost::json::object& data);

// ---- addresses and headers ---------------------------------------------------------------

struct Mailbox {
  std::string name;     // display name, may be empty
  std::string address;  // local@domain
};
// "medcore <no-reply@x.example>", "<a@b>" or "a@b". Throws std::invalid_argument without an address.
Mailbox parse_mailbox(std::string_view text);
// A header value made safe: CR, LF and other control characters become spaces.
std::string header_safe(std::string_view value);
// RFC 2047: plain text when it is printable ASCII (folded if long), otherwise UTF-8 "B" encoded
// words of at most 75 characters each, folded with CRLF SP. `used` is the length of "Name: ".
std::string encode_header_text(std::string_view text, std::size_t used = 9);
// A mailbox for a From/To header: the display name quoted or RFC 2047-encoded as needed.
std::string format_mailbox(const Mailbox& m);
// RFC 5322 date: "Tue, 01 Jul 2025 10:00:00 +0000".
std::string rfc5322_date(std::int64_t epoch_ms);

// ---- MIME --------------------------------------------------------------------------------

struct Envelope {
  Mailbox from;
  std::string to;          // the recipient address
  std::string message_id;  // "<token@host>", fixed at enqueue
  std::int64_t date_ms = 0;
};
// Quoted-printable (RFC 2045), CRLF line ends, lines of at most 76 characters.
std::string quoted_printable(std::string_view text);
std::string base64(std::string_view bytes);
// A complete RFC 5322 message: headers, multipart/alternative with a text and an HTML part.
std::string build_mime(const Envelope& env, const RenderedMail& mail);

// ---- SendGrid ----------------------------------------------------------------------------

// The v3 /mail/send request body.
std::string sendgrid_body(const Envelope& env, const RenderedMail& mail);

// ---- the outbox ----------------------------------------------------------------------------

// Where a mail stands in the outbox: waiting (or waiting to be retried), leased by a sender,
// delivered, or given up on. The names are the stored and the API spelling (the CHECK list of
// migrations/0001_foundation.sql holds exactly these).
enum class MailStatus { pending, sending, sent, dead };
inline constexpr std::array all_mail_statuses{MailStatus::pending, MailStatus::sending, MailStatus::sent,
                                              MailStatus::dead};
std::string_view to_string(MailStatus status);
std::optional<MailStatus> parse_mail_status(std::string_view text);

// ---- outcomes ----------------------------------------------------------------------------

enum class Outcome { sent, temporary, permanent };
std::string_view to_string(Outcome o);

// SMTP: a 5xx reply is permanent; 4xx, no reply (connection refused, timeout, TLS) temporary.
Outcome classify_smtp(bool ok, long last_reply_code);
// SendGrid HTTP status: 2xx sent; 429 and 5xx temporary; other 4xx permanent; 0 (no answer) temporary.
Outcome classify_http(long status);

// Delay before attempt `attempts + 1` after `attempts` failures: base × 2^(attempts-1), capped
// at 6 hours, then scaled by a jitter factor from [0.5, 1.0] (jitter01 in [0, 1)).
std::int64_t backoff_ms(int attempts, std::int64_t base_ms, double jitter01);

// Replaces every occurrence of each non-empty secret by "[redacted]", removes URL user info
// ("scheme://user:pass@" → "scheme://[redacted]@") and caps the length (for logs and last_error).
std::string redact(std::string_view text, const std::vector<std::string>& secrets, std::size_t max = 1000);

}  // namespace medcore::notify
