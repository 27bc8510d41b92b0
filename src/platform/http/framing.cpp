#include "platform/http/framing.hpp"

#include <cctype>
#include <string>

namespace medcore::http {

namespace {

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// reg-name = *( unreserved / pct-encoded / sub-delims ); IPv4 is a reg-name syntactically.
bool reg_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-._~%!$&'()*+,;=").find(c) != std::string_view::npos;
}

}  // namespace

bool valid_host_field(std::string_view host) {
  std::string_view name = host;
  std::string_view port;
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : host.substr(1, close - 1))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
    name = {};
    const auto rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
    }
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
  }
  for (char c : name)
    if (!reg_name_char(c)) return false;
  if (port.size() > 5) return false;
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool has_obs_fold(std::string_view head) {
  for (auto at = head.find("\r\n"); at != std::string_view::npos; at = head.find("\r\n", at + 2)) {
    if (at + 2 < head.size() && (head[at + 2] == ' ' || head[at + 2] == '\t')) return true;
  }
  return false;
}

std::optional<Problem> check_framing(unsigned version, const std::vector<Header>& fields) {
  std::vector<std::string_view> codings;
  bool has_transfer_encoding = false, has_content_length = false;
  int hosts = 0;
  std::string_view host;
  for (const auto& f : fields) {
    if (f.name == "transfer-encoding") {
      has_transfer_encoding = true;
      std::string_view list = f.value;
      while (!list.empty()) {
        const auto comma = list.find(',');
        // Empty list elements are allowed (RFC 9110 §5.6.1) and mean nothing.
        if (auto coding = trim_ows(list.substr(0, comma)); !coding.empty()) codings.push_back(coding);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    } else if (f.name == "content-length") {
      has_content_length = true;
    } else if (f.name == "host") {
      ++hosts;
      host = f.value;
    }
  }
  if (has_transfer_encoding) {
    // Two lengths that a proxy and this server could pick differently: refuse both.
    if (has_content_length)
      return problems::bad_request("Transfer-Encoding and Content-Length together are refused; send one of them.");
    if (version < 11) return problems::bad_request("HTTP/1.0 has no Transfer-Encoding.");
    std::size_t chunked = 0;
    for (auto c : codings) chunked += iequals(c, "chunked") ? 1 : 0;
    if (codings.empty() || !iequals(codings.back(), "chunked") || chunked != 1)
      return problems::bad_request("Transfer-Encoding must end with chunked, once.");
    if (codings.size() > 1)
      return Problem(501, "unsupported-transfer-coding", "Transfer coding not supported",
                     "Only the chunked transfer coding is supported.");
  }
  if (hosts > 1) return problems::bad_request("More than one Host header field.");
  if (hosts == 0 && version >= 11) return problems::bad_request("An HTTP/1.1 request needs a Host header field.");
  if (hosts == 1 && !valid_host_field(host)) return problems::bad_request("The Host header field is not a host[:port].");
  return std::nullopt;
}

}  // namespace medcore::http
