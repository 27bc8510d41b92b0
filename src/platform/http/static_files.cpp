#include "platform/http/static_files.hpp"

#include <fstream>
#include <sstream>

#include "platform/core/crypto.hpp"

namespace medcore::http {

namespace fs = std::filesystem;

std::string_view mime_type_for(std::string_view ext) {
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".webmanifest") return "application/manifest+json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".webp") return "image/webp";
  if (ext == ".gif") return "image/gif";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".woff") return "font/woff";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".wasm") return "application/wasm";
  return "application/octet-stream";
}

bool looks_content_hashed(std::string_view url_path) {
  // Only the bundler's output directory holds hashed names (Vite: assets/NAME-HASH.EXT, the hash
  // 8 base64url characters that may contain '-' and need not contain a digit). Outside it a name
  // like service-worker.js must stay revalidated.
  constexpr std::string_view kAssets = "/assets/";
  if (!url_path.starts_with(kAssets)) return false;
  const auto name = url_path.substr(kAssets.size());
  if (name.find('/') != std::string_view::npos) return false;
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  const auto stem = name.substr(0, dot);
  const auto dash = stem.find('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  // Everything after the name's first '-' (the hash, possibly after more name parts): 6+ characters.
  std::size_t run = 0;
  for (auto i = stem.size(); i > dash + 1; --i) {
    const char c = stem[i - 1];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    ++run;
  }
  return run >= 6;
}

StaticFiles::StaticFiles(fs::path root) : configured_root_(std::move(root)) { ready(); }

bool StaticFiles::ready() {
  if (enabled_.load(std::memory_order_acquire)) return true;
  std::lock_guard lock(mutex_);
  if (enabled_.load(std::memory_order_relaxed)) return true;
  std::error_code ec;
  if (configured_root_.empty() || !fs::is_directory(configured_root_, ec)) return false;
  auto canon = fs::canonical(configured_root_, ec);
  if (ec) return false;
  root_ = std::move(canon);
  enabled_.store(true, std::memory_order_release);
  return true;
}

const StaticFiles::Entry* StaticFiles::load(const fs::path& file) {
  std::error_code ec;
  auto mtime = fs::last_write_time(file, ec);
  if (ec) return nullptr;
  const std::string key = file.string();
  std::lock_guard lock(mutex_);
  auto it = cache_.find(key);
  if (it != cache_.end() && it->second.mtime == mtime) return &it->second;
  std::ifstream in(file, std::ios::binary);
  if (!in) return nullptr;
  std::ostringstream buf;
  buf << in.rdbuf();
  Entry e;
  e.content = buf.str();
  e.etag = "\"" + crypto::sha256_hex(e.content).substr(0, 32) + "\"";
  e.mime = std::string(mime_type_for(file.extension().string()));
  e.mtime = mtime;
  auto [pos, _] = cache_.insert_or_assign(key, std::move(e));
  return &pos->second;
}

std::optional<Response> StaticFiles::serve_file(const fs::path& file, std::string_view url_path,
                                                const Request& request) {
  const Entry* e = load(file);
  if (!e) return std::nullopt;
  Response r;
  r.headers.push_back({"etag", e->etag});
  const auto name = file.filename().string();
  if (name == "index.html" || url_path == "/") {
    r.headers.push_back({"cache-control", "no-cache"});
  } else if (looks_content_hashed(url_path)) {
    r.headers.push_back({"cache-control", "public, max-age=31536000, immutable"});
  } else {
    r.headers.push_back({"cache-control", "public, max-age=300"});
  }
  auto inm = request.header("if-none-match");
  if (inm && (inm->find(e->etag) != std::string_view::npos || *inm == "*")) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers.push_back({"content-type", e->mime});
  r.body = request.method == "HEAD" ? std::string() : e->content;
  if (request.method == "HEAD") r.headers.push_back({"content-length", std::to_string(e->content.size())});
  return r;
}

std::optional<Response> StaticFiles::serve(std::string_view path, const Request& request) {
  if (!ready()) return std::nullopt;
  // Refuse anything that could climb out: "..", backslashes, NULs, empty segments tricks.
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string_view::npos ||
      path.find('\\') != std::string_view::npos)
    return std::nullopt;
  fs::path rel;
  std::size_t i = 1;
  while (i <= path.size()) {
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    auto seg = path.substr(i, j - i);
    if (seg == "..") return std::nullopt;
    if (!seg.empty() && seg != ".") rel /= std::string(seg);
    i = j + 1;
  }
  std::error_code ec;
  fs::path candidate = rel.empty() ? root_ / "index.html" : root_ / rel;
  if (fs::is_directory(candidate, ec)) candidate /= "index.html";
  if (fs::is_regular_file(candidate, ec)) {
    // Symlinks could still point outside the root: compare canonical paths.
    auto canon = fs::canonical(candidate, ec);
    if (ec) return std::nullopt;
    auto [root_end, _] = std::mismatch(root_.begin(), root_.end(), canon.begin(), canon.end());
    if (root_end != root_.end()) return std::nullopt;
    return serve_file(canon, path, request);
  }
  // SPA fallback: client-side routes have no file extension in their last segment.
  auto last = path.substr(path.rfind('/') + 1);
  if (last.find('.') == std::string_view::npos) {
    auto index = root_ / "index.html";
    if (fs::is_regular_file(index, ec)) return serve_file(index, "/", request);
  }
  return std::nullopt;
}

}  // namespace medcore::http
