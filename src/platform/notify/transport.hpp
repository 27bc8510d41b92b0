#pragma once
// Where mail goes: one interface, three transports chosen by MEDCORE_MAIL_TRANSPORT.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "platform/notify/model.hpp"

namespace medcore {
struct Config;
}

namespace medcore::notify {

struct SendResult {
  Outcome outcome = Outcome::temporary;
  std::string error;  // empty when sent; never holds a secret (redacted by the transport)
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual const char* name() const = 0;
  // Delivers one mail. `cancel` becoming true (shutdown) aborts a network transfer early; the
  // result is then temporary. Never throws.
  virtual SendResult send(const Envelope& env, const RenderedMail& mail, const std::atomic<bool>& cancel) = 0;
};

// file: one RFC 5322 .eml per mail under <var_dir>/mail/ (temp file, fsync, rename).
// smtp: libcurl, smtp:// (+STARTTLS per smtp_starttls) or smtps://, AUTH when smtp_user is set.
// sendgrid: libcurl POST {sendgrid_url}/v3/mail/send with the API key as a bearer token.
std::unique_ptr<Transport> make_transport(const Config& config);

// The secrets of a configuration, for redact().
std::vector<std::string> secrets_of(const Config& config);

}  // namespace medcore::notify
