#pragma once
// Which origins may act with a user's ambient credentials (the session cookie): the one helper
// for unsafe HTTP requests and the Socket.IO /chat handshake. Compared with the configured
// public URL, scheme included, never with the request's own Host: a page on evil.example whose
// name was rebound to a loopback address sends `Origin: http://evil.example` with
// `Host: evil.example`, and must be refused.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace medcore {
struct Config;
}

namespace medcore::http {

// An origin serialised as RFC 6454 does: scheme "://" host [":" port], scheme and host in lower
// case, the scheme's default port dropped. `url` may be a full URL (its path, query and fragment
// are ignored) when `allow_path`; an Origin header value may not have them. nullopt when it is
// not an http(s) origin ("null", no scheme, userinfo, a bad port...).
std::optional<std::string> normalise_origin(std::string_view url, bool allow_path = false);

class OriginPolicy {
 public:
  // Allows only the loopback rule below.
  OriginPolicy() = default;
  // `public_url`: MEDCORE_PUBLIC_URL; `allowed_origins`: MEDCORE_ALLOWED_ORIGINS, comma-separated;
  // `https_site`: the site is served over HTTPS (MEDCORE_COOKIE_SECURE); `trust_proxy`: believe
  // X-Forwarded-Proto. Throws std::invalid_argument naming the setting that is not an origin.
  OriginPolicy(std::string_view public_url, std::string_view allowed_origins, bool https_site, bool trust_proxy);
  static OriginPolicy from_config(const Config& config);

  // Whether a request carrying this Origin header may use the session cookie. True for the public
  // URL's origin and the allowed ones; also for a loopback origin (localhost, 127.0.0.0/8, [::1])
  // naming exactly the Host it was sent to with the request's own scheme — only a page served by
  // this very server has it, and it keeps http://localhost:8080 working beside 127.0.0.1 in
  // development. `host` and `forwarded_proto` are the request's header values ("" when absent).
  bool allows(std::string_view origin, std::string_view host, std::string_view forwarded_proto) const;

  const std::vector<std::string>& origins() const { return origins_; }

 private:
  std::vector<std::string> origins_;
  bool https_site_ = false;
  bool trust_proxy_ = false;
};

}  // namespace medcore::http
