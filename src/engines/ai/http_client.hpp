#pragma once
// The libcurl HttpClient: blocking, one easy handle per request (no shared state, so any number
// of worker threads may post at once), http and https only, no redirects, the body capped at
// 1 MiB, Retry-After read from the headers.
#include <memory>

#include "engines/ai/providers.hpp"

namespace medcore::ai {

std::shared_ptr<HttpClient> make_curl_client();

}  // namespace medcore::ai
