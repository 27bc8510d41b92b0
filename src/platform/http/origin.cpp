#include "platform/http/origin.hpp"

#include <cctype>
#include <stdexcept>

#include "platform/core/config.hpp"

namespace medcore::http {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Authority {
  std::string host;  // lower case; IPv6 with its brackets
  std::string port;  // digits, "" when absent
};

// host [":" port] as in a URL or a Host header; nullopt when malformed or with userinfo.
std::optional<Authority> parse_authority(std::string_view s) {
  Authority a;
  std::string_view port;
  if (s.starts_with('[')) {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    for (char c : s.substr(1, close - 1))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return std::nullopt;
    a.host = lower(s.substr(0, close + 1));
    const auto rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    const auto colon = s.rfind(':');
    const auto name = s.substr(0, colon);
    if (colon != std::string_view::npos) port = s.substr(colon + 1);
    if (name.empty()) return std::nullopt;
    for (char c : name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) return std::nullopt;
    a.host = lower(name);
  }
  if (port.size() > 5) return std::nullopt;
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  if (!port.empty() && std::stoi(std::string(port)) > 65535) return std::nullopt;
  while (port.size() > 1 && port.front() == '0') port.remove_prefix(1);
  a.port = std::string(port);
  return a;
}

std::string_view default_port(std::string_view scheme) { return scheme == "https" ? "443" : "80"; }

std::string serialise(std::string_view scheme, const Authority& a) {
  std::string out = std::string(scheme) + "://" + a.host;
  if (!a.port.empty() && a.port != default_port(scheme)) out += ":" + a.port;
  return out;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8, written as a dotted quad.
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3;
}

}  // namespace

std::optional<std::string> normalise_origin(std::string_view url, bool allow_path) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  const std::string scheme = lower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(sep + 3);
  const auto end = rest.find_first_of("/?#");
  if (end != std::string_view::npos) {
    if (!allow_path) return std::nullopt;
    rest = rest.substr(0, end);
  }
  const auto authority = parse_authority(rest);
  if (!authority) return std::nullopt;
  return serialise(scheme, *authority);
}

OriginPolicy::OriginPolicy(std::string_view public_url, std::string_view allowed_origins, bool https_site,
                           bool trust_proxy)
    : https_site_(https_site), trust_proxy_(trust_proxy) {
  auto own = normalise_origin(public_url, true);
  if (!own) throw std::invalid_argument("MEDCORE_PUBLIC_URL must be an http:// or https:// URL");
  origins_.push_back(std::move(*own));
  std::string_view list = allowed_origins;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      auto origin = normalise_origin(item);
      if (!origin)
        throw std::invalid_argument("MEDCORE_ALLOWED_ORIGINS: '" + std::string(item) +
                                    "' is not an origin (http:// or https://, a host, an optional port, no path)");
      origins_.push_back(std::move(*origin));
    }
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
}

OriginPolicy OriginPolicy::from_config(const Config& config) {
  return OriginPolicy(config.public_url, config.allowed_origins, config.cookie_secure, config.trust_proxy);
}

bool OriginPolicy::allows(std::string_view origin, std::string_view host, std::string_view forwarded_proto) const {
  const auto normal = normalise_origin(origin);
  if (!normal) return false;
  for (const auto& allowed : origins_)
    if (*normal == allowed) return true;
  const std::string_view scheme = https_site_ || (trust_proxy_ && forwarded_proto == "https") ? "https" : "http";
  const auto sent_to = parse_authority(host);
  return sent_to && is_loopback_host(sent_to->host) && *normal == serialise(scheme, *sent_to);
}

}  // namespace medcore::http
