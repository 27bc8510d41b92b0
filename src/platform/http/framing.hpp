#pragma once
// RFC 9112 message framing rules that Beast's parser leaves lenient. A proxy in front of medcore
// and medcore itself must agree on where one request ends and the next begins; wherever they
// could disagree (an unknown or non-final transfer coding next to a Content-Length, folded
// header lines, zero or two Host fields) the request is refused and the connection closed, so
// nothing can be smuggled after it.
#include <optional>
#include <string_view>
#include <vector>

#include "platform/core/problem.hpp"
#include "platform/http/message.hpp"

namespace medcore::http {

// The problem for a request head that breaks the framing rules, or nullopt. `version` is 10 or
// 11 (HTTP/1.0, HTTP/1.1); `fields` are the header fields as parsed (lower-case names).
// 400 bad-request: Transfer-Encoding together with Content-Length, in an HTTP/1.0 request, with
// chunked missing, repeated or not last; no Host (HTTP/1.1), more than one, or one that is not a
// host[:port]. 501 unsupported-transfer-coding: any coding besides chunked (gzip, ...).
std::optional<Problem> check_framing(unsigned version, const std::vector<Header>& fields);

// True when a header field line of `head` (the request line up to the empty line) starts with a
// space or tab: obsolete line folding, or whitespace before the first field, which RFC 9112
// lets a server refuse and which Beast would silently join into the previous value.
bool has_obs_fold(std::string_view head);

// A Host field value: uri-host [ ":" port ] (reg-name, IPv4 or [IPv6]); empty is valid.
bool valid_host_field(std::string_view host);

}  // namespace medcore::http
