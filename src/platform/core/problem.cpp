#include "platform/core/problem.hpp"

#include <boost/json.hpp>

namespace medcore {

Problem::Problem(int status, std::string slug, std::string title, std::string detail)
    : std::runtime_error(detail),
      status_(status),
      slug_(std::move(slug)),
      title_(std::move(title)),
      detail_(std::move(detail)) {}

Problem& Problem::with_errors(std::vector<FieldError> errors) {
  errors_ = std::move(errors);
  return *this;
}

Problem& Problem::with(std::string_view key, boost::json::value value) {
  extensions_[key] = std::move(value);
  return *this;
}

Problem& Problem::with_retry_after(int seconds) {
  retry_after_ = seconds;
  return *this;
}

boost::json::object Problem::to_json(std::string_view instance, std::string_view request_id) const {
  boost::json::object doc = extensions_;
  doc["type"] = type();
  doc["title"] = title_;
  doc["status"] = status_;
  doc["detail"] = detail_;
  doc["instance"] = instance;
  doc["request_id"] = request_id;
  if (!errors_.empty()) {
    boost::json::array list;
    for (const auto& e : errors_) list.push_back({{"field", e.field}, {"message", e.message}});
    doc["errors"] = std::move(list);
  }
  return doc;
}

namespace problems {
Problem bad_request(std::string detail) { return {400, "bad-request", "Bad request", std::move(detail)}; }
Problem malformed_json(std::string detail) {
  return {400, "malformed-json", "Malformed JSON body", std::move(detail)};
}
Problem validation(std::vector<FieldError> errors) {
  std::string detail = errors.size() == 1 ? errors.front().field + ": " + errors.front().message
                                          : std::to_string(errors.size()) + " fields are invalid.";
  Problem p{422, "validation", "Invalid input", std::move(detail)};
  p.with_errors(std::move(errors));
  return p;
}
Problem unauthenticated(std::string detail) {
  return {401, "unauthenticated", "Not signed in", std::move(detail)};
}
Problem forbidden(std::string detail) { return {403, "forbidden", "Forbidden", std::move(detail)}; }
Problem not_found(std::string detail) { return {404, "not-found", "Not found", std::move(detail)}; }
Problem conflict(std::string slug, std::string detail) {
  return {409, std::move(slug), "Conflict", std::move(detail)};
}
Problem rate_limited(int retry_after_seconds) {
  Problem p{429, "rate-limited", "Too many requests",
            "Too many attempts. Try again in " + std::to_string(retry_after_seconds) + " seconds."};
  p.with_retry_after(retry_after_seconds);
  return p;
}
Problem unsupported_media_type(std::string detail) {
  return {415, "unsupported-media-type", "Unsupported media type", std::move(detail)};
}
Problem payload_too_large(std::size_t limit_bytes) {
  return {413, "payload-too-large", "Payload too large",
          "The body is larger than the " + std::to_string(limit_bytes) + " bytes this route accepts."};
}
Problem not_ready(std::string detail) {
  Problem p{503, "not-ready", "Not ready", std::move(detail)};
  // An outage is noticed again within a second (db::Database probes once a second), so a client
  // retrying after two finds the database back as soon as it is.
  p.with_retry_after(2);
  return p;
}
Problem statement_timeout() {
  Problem p{503, "statement-timeout", "Database too slow",
            "The database took too long with this request and stopped it. Try again in a moment."};
  p.with_retry_after(2);
  return p;
}
}  // namespace problems

}  // namespace medcore
