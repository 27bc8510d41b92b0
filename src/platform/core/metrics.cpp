#include "platform/core/metrics.hpp"

#include <array>
#include <cstdio>

namespace medcore {

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

std::string prometheus_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string_view method_label(std::string_view method) {
  // RFC 9110's methods plus PATCH; methods are case-sensitive, so "get" is "other".
  static constexpr std::array<std::string_view, 9> kStandard{"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                                             "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  for (auto known : kStandard)
    if (method == known) return known;
  return "other";
}

void Metrics::observe_request(std::string_view route, std::string_view raw_method, int status, double seconds) {
  const std::string_view method = method_label(raw_method);
  std::string key;
  key.reserve(route.size() + method.size() + 6);
  key.append(route).push_back('\x1f');
  key.append(method).push_back('\x1f');
  key.append(std::to_string(status));
  Shard& shard = my_shard();
  std::lock_guard lock(shard.mutex);
  ++shard.requests[key];
  auto it = shard.latency.find(route);
  if (it == shard.latency.end()) it = shard.latency.emplace(std::string(route), Histogram{}).first;
  auto& h = it->second;
  for (std::size_t i = 0; i < kBucketCount; ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

Metrics::Shard& Metrics::my_shard() {
  // The instance id, not its address: another Metrics may later live at the same address.
  thread_local std::uint64_t owner = 0;
  thread_local Shard* shard = nullptr;
  if (owner != id_) {
    auto made = std::make_unique<Shard>();
    std::lock_guard lock(mutex_);
    shard = shards_.emplace_back(std::move(made)).get();
    owner = id_;
  }
  return *shard;
}

void Metrics::gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

void Metrics::section(std::function<void(std::string& out)> render) {
  std::lock_guard lock(mutex_);
  sections_.push_back(std::move(render));
}

void Metrics::count_coroutine_failure(std::string_view spawned) {
  std::lock_guard lock(mutex_);
  auto it = coroutine_failures_.find(spawned);
  if (it == coroutine_failures_.end()) it = coroutine_failures_.emplace(std::string(spawned), 0).first;
  ++it->second;
}

std::string Metrics::render() const {
  std::string out;
  char num[64];
  std::lock_guard lock(mutex_);
  std::map<std::string, std::uint64_t, std::less<>> requests;
  std::map<std::string, Histogram, std::less<>> latency;
  for (const auto& shard : shards_) {
    std::lock_guard shard_lock(shard->mutex);
    for (const auto& [key, count] : shard->requests) requests[key] += count;
    for (const auto& [route, h] : shard->latency) {
      auto& sum = latency[route];
      for (std::size_t i = 0; i < kBucketCount; ++i) sum.buckets[i] += h.buckets[i];
      sum.count += h.count;
      sum.sum += h.sum;
    }
  }
  out += "# HELP medcore_http_requests_total HTTP requests by route template, method and status.\n";
  out += "# TYPE medcore_http_requests_total counter\n";
  for (const auto& [key, count] : requests) {
    auto a = key.find('\x1f');
    auto b = key.find('\x1f', a + 1);
    out += "medcore_http_requests_total{route=\"" + prometheus_label(key.substr(0, a)) + "\",method=\"" +
           key.substr(a + 1, b - a - 1) + "\",status=\"" + key.substr(b + 1) + "\"} " + std::to_string(count) + "\n";
  }
  out += "# HELP medcore_http_request_duration_seconds Time from request parsed to response written.\n";
  out += "# TYPE medcore_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency) {
    const std::string label = "route=\"" + prometheus_label(route) + "\"";
    for (std::size_t i = 0; i < kBucketCount; ++i) {
      std::snprintf(num, sizeof num, "%g", kBuckets[i]);
      out += "medcore_http_request_duration_seconds_bucket{" + label + ",le=\"" + num + "\"} " +
             std::to_string(h.buckets[i]) + "\n";
    }
    out += "medcore_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    std::snprintf(num, sizeof num, "%.6f", h.sum);
    out += "medcore_http_request_duration_seconds_sum{" + label + "} " + num + "\n";
    out += "medcore_http_request_duration_seconds_count{" + label + "} " + std::to_string(h.count) + "\n";
  }
  out += "# HELP medcore_open_connections Open HTTP connections.\n# TYPE medcore_open_connections gauge\n";
  out += "medcore_open_connections " + std::to_string(open_connections.load()) + "\n";
  out += "# HELP medcore_open_websockets Open WebSocket connections.\n# TYPE medcore_open_websockets gauge\n";
  out += "medcore_open_websockets " + std::to_string(open_websockets.load()) + "\n";
  out += "# HELP medcore_connections_refused_total Connections closed at accept for being over a connection cap.\n"
         "# TYPE medcore_connections_refused_total counter\n";
  out += "medcore_connections_refused_total " + std::to_string(connections_refused.load()) + "\n";
  out += "# HELP medcore_coroutine_failures_total Spawned coroutines (HTTP sessions, socket writers, ...) that ended "
         "with an exception, by what was spawned; each is logged (coroutine_failed).\n"
         "# TYPE medcore_coroutine_failures_total counter\n";
  for (const auto& [spawned, count] : coroutine_failures_)
    out += "medcore_coroutine_failures_total{coroutine=\"" + prometheus_label(spawned) + "\"} " +
           std::to_string(count) + "\n";
  for (const auto& g : gauges_) {
    std::snprintf(num, sizeof num, "%g", g.read());
    out += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n" + g.name + " " + num + "\n";
  }
  for (const auto& render_section : sections_) render_section(out);
  return out;
}

}  // namespace medcore
