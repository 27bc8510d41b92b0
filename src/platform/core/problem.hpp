#pragma once
// The one error type. Anything a handler throws as Problem becomes an RFC 9457
// application/problem+json answer; anything else becomes a logged 500.
#include <boost/json/object.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace medcore {

struct FieldError {
  std::string field;
  std::string message;
};

class Problem : public std::runtime_error {
 public:
  Problem(int status, std::string slug, std::string title, std::string detail);

  int status() const { return status_; }
  const std::string& slug() const { return slug_; }
  std::string type() const { return "urn:medcore:problem:" + slug_; }
  const std::string& title() const { return title_; }
  const std::string& detail() const { return detail_; }
  const std::vector<FieldError>& errors() const { return errors_; }
  // Extra members for the problem document (e.g. "alternatives" for a booking conflict).
  const boost::json::object& extensions() const { return extensions_; }
  // Seconds for a Retry-After header (429, 503).
  std::optional<int> retry_after() const { return retry_after_; }

  Problem& with_errors(std::vector<FieldError> errors);
  Problem& with(std::string_view key, boost::json::value value);
  Problem& with_retry_after(int seconds);

  // The problem document, given the request path and id it answers.
  boost::json::object to_json(std::string_view instance, std::string_view request_id) const;

 private:
  int status_;
  std::string slug_, title_, detail_;
  std::vector<FieldError> errors_;
  boost::json::object extensions_;
  std::optional<int> retry_after_;
};

// The database (or another dependency a request needs) cannot serve right now: PostgreSQL down,
// restarting or unreachable, a dropped connection, a full disk or read-only SQLite file. Classified
// once, where the error happens (src/platform/db); the HTTP layer answers it 503 not-ready with Retry-After
// and background workers wait and try again. Never the request's fault, so never a 500.
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The usual ones, so every route says the same thing the same way.
namespace problems {
Problem bad_request(std::string detail);
Problem malformed_json(std::string detail);
Problem validation(std::vector<FieldError> errors);
Problem unauthenticated(std::string detail = "Sign in to continue.");
Problem forbidden(std::string detail = "You are not allowed to do this.");
Problem not_found(std::string detail = "Nothing is here.");
Problem conflict(std::string slug, std::string detail);
Problem rate_limited(int retry_after_seconds);
Problem unsupported_media_type(std::string detail);
Problem payload_too_large(std::size_t limit_bytes);
// 503 with Retry-After: the database is unavailable (see Unavailable).
Problem not_ready(std::string detail = "The database is unavailable. Try again in a moment.");
// 503 with Retry-After: the database is up, but one of this request's statements ran past the
// statement timeout and was cancelled (src/platform/db logs it, db_statement_timeout).
Problem statement_timeout();
}  // namespace problems

}  // namespace medcore
