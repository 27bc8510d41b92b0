#include "platform/http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace medcore::http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

// Positive integers that fit in int64 without overflow; anything else does not match.
bool is_id(std::string_view s) {
  if (s.empty() || s.size() > 18 || s[0] == '0') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  auto route = std::make_unique<Route>();
  for (auto part : split_path(pattern)) {
    Route::Segment seg;
    const auto close = part.find('}');
    if (part.size() > 2 && part.front() == '{' && close != std::string_view::npos) {
      std::string_view inner = part.substr(1, close - 1);
      seg.suffix = std::string(part.substr(close + 1));
      auto colon = inner.find(':');
      seg.param = std::string(inner.substr(0, colon));
      if (colon != std::string_view::npos) {
        if (inner.substr(colon + 1) != "int") throw std::invalid_argument("unknown parameter type in " + pattern);
        seg.integer = true;
      }
    } else {
      seg.literal = std::string(part);
    }
    route->segments.push_back(std::move(seg));
  }
  for (const auto& existing : routes_) {
    if (existing->method == method && existing->pattern == pattern)
      throw std::invalid_argument("route registered twice: " + method + " " + pattern);
  }
  route->method = std::move(method);
  route->pattern = std::move(pattern);
  route->handler = std::move(handler);
  route->options = options;
  routes_.push_back(std::move(route));
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  const auto parts = split_path(path);
  // Literal segments beat parameters: among matching routes prefer the one with more literals.
  int best_literals = -1;
  for (const auto& route : routes_) {
    if (route->segments.size() != parts.size()) continue;
    PathParams params;
    int literals = 0;
    bool ok = true;
    for (std::size_t i = 0; i < parts.size() && ok; ++i) {
      const auto& seg = route->segments[i];
      if (!seg.param.empty()) {
        std::string_view value = parts[i];
        if (!seg.suffix.empty()) {
          if (value.size() <= seg.suffix.size() || !value.ends_with(seg.suffix)) {
            ok = false;
            continue;
          }
          value.remove_suffix(seg.suffix.size());
        }
        if (seg.integer && !is_id(value)) ok = false;
        else params.add(seg.param, std::string(value));
      } else {
        ok = seg.literal == parts[i];
        ++literals;
      }
    }
    if (!ok) continue;
    const bool method_ok = route->method == method || (method == "HEAD" && route->method == "GET");
    if (!method_ok) {
      if (std::find(result.allowed.begin(), result.allowed.end(), route->method) == result.allowed.end())
        result.allowed.push_back(route->method);
      continue;
    }
    if (literals > best_literals) {
      best_literals = literals;
      result.route = route.get();
      result.params = std::move(params);
    }
  }
  if (result.route) result.allowed.clear();
  return result;
}

}  // namespace medcore::http
