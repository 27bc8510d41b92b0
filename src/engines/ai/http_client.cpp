#include "engines/ai/http_client.hpp"

#include <curl/curl.h>

#include <cctype>
#include <mutex>
#include <stdexcept>

namespace medcore::ai {

namespace {

constexpr std::size_t kMaxBody = 1 << 20;

struct Received {
  std::string body;
  std::optional<std::chrono::milliseconds> retry_after;
  bool too_big = false;
};

std::size_t on_body(char* ptr, std::size_t size, std::size_t nmemb, void* userdata) {
  auto* r = static_cast<Received*>(userdata);
  const std::size_t n = size * nmemb;
  if (r->body.size() + n > kMaxBody) {
    r->too_big = true;
    return 0;  // aborts the transfer
  }
  r->body.append(ptr, n);
  return n;
}

std::size_t on_header(char* buffer, std::size_t size, std::size_t nitems, void* userdata) {
  auto* r = static_cast<Received*>(userdata);
  const std::size_t n = size * nitems;
  std::string_view line(buffer, n);
  constexpr std::string_view name = "retry-after:";
  if (line.size() > name.size()) {
    bool match = true;
    for (std::size_t i = 0; i < name.size() && match; ++i)
      match = std::tolower(static_cast<unsigned char>(line[i])) == name[i];
    if (match) r->retry_after = parse_retry_after(line.substr(name.size()));
  }
  return n;
}

class CurlClient final : public HttpClient {
 public:
  CurlClient() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  HttpResponse post(const HttpRequest& request, std::chrono::milliseconds timeout) override {
    HttpResponse out;
    CURL* h = curl_easy_init();
    if (!h) {
      out.error = "curl_easy_init failed";
      return out;
    }
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    Received received;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &received);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &received);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK) {
      out.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
      out.error = received.too_big ? "the answer is larger than 1 MiB"
                                   : std::string(curl_easy_strerror(rc)) + (*errbuf ? std::string(" (") + errbuf + ")" : "");
      return out;
    }
    out.status = static_cast<int>(status);
    out.body = std::move(received.body);
    out.retry_after = received.retry_after;
    return out;
  }
};

}  // namespace

std::shared_ptr<HttpClient> make_curl_client() { return std::make_shared<CurlClient>(); }

}  // namespace medcore::ai
