#pragma once
// The built web app (web/dist) served from memory: MIME types, ETag/304, long cache for hashed
// assets, SPA fallback to index.html, nothing outside the root ever.
#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "platform/http/message.hpp"

namespace medcore::http {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);
  // nullopt when nothing is served for this path (caller answers 404).
  std::optional<Response> serve(std::string_view decoded_path, const Request& request);

 private:
  struct Entry {
    std::string content;
    std::string etag;
    std::string mime;
    std::filesystem::file_time_type mtime;
  };
  std::optional<Response> serve_file(const std::filesystem::path& file, std::string_view url_path,
                                     const Request& request);
  const Entry* load(const std::filesystem::path& file);
  // The web app may be built after the server started: look for the root again when missing.
  bool ready();

  std::filesystem::path configured_root_;
  std::filesystem::path root_;  // canonical, once it exists
  std::atomic<bool> enabled_{false};
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> cache_;
};

std::string_view mime_type_for(std::string_view extension);
// Bundler output carrying a content hash (/assets/app-3f9a1c.js, /assets/index-DQECrpNm.css) may be
// cached for a year; anything else is revalidated.
bool looks_content_hashed(std::string_view url_path);

}  // namespace medcore::http
