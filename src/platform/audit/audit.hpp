#pragma once
// Who did what to whom. Rows are written in the same transaction as the change they describe.
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace soci {
class session;
}

namespace medcore::http {
struct Context;
class Router;
}  // namespace medcore::http

namespace medcore {
struct App;
}

namespace medcore::audit {

struct Entry {
  std::optional<std::int64_t> actor;    // the signed-in user, or null (anonymous / failed login)
  std::string action;                   // "auth.login", "admin.doctor_approved", ...
  std::optional<std::int64_t> subject;  // the person whose account or data was touched
  std::string ip;
  std::string request_id;
  boost::json::object details;  // never secrets: no passwords, no tokens
};

// Actor (from the principal, if any), IP and request id taken from the request.
Entry entry_from(const http::Context& ctx, std::string action, std::optional<std::int64_t> subject = std::nullopt,
                 boost::json::object details = {});

// Inserts the row; call inside the caller's transaction.
void record(soci::session& sql, const Entry& entry);

// GET /api/v1/admin/audit
void mount_audit(http::Router& router, App& app);

}  // namespace medcore::audit
