#pragma once
// What a route handler gets: the request, typed path parameters and who is asking.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/core/roles.hpp"
#include "platform/http/message.hpp"

namespace medcore::http {

// The signed-in user behind a request, resolved from the session cookie or bearer token.
struct Principal {
  std::int64_t user_id = 0;
  Role role = Role::patient;
  std::optional<DoctorStatus> doctor_status;  // doctors only
  std::int64_t session_id = 0;
  std::string session_token;  // the raw token presented (needed to derive the CSRF token)
  bool via_cookie = false;
  std::string email;
  std::string name;
};

// What can be said about a request's session from memory alone, without blocking: `known` false
// means only the full authenticator (on a worker, with the database) can tell.
struct MemoryAuth {
  bool known = false;
  std::optional<Principal> principal;  // known and empty: no session presented
};

class PathParams {
 public:
  void add(std::string name, std::string value) { values_.emplace_back(std::move(name), std::move(value)); }
  // Parameters declared as {name:int} are guaranteed to be positive 64-bit integers by the router.
  std::int64_t integer(std::string_view name) const;
  const std::string& text(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

struct Context {
  const Request& request;
  PathParams params;
  std::optional<Principal> principal;
  std::string request_id;
  std::string route;  // the matched route template, e.g. /api/v1/doctors/{id:int}

  // 401 unless signed in.
  const Principal& user() const;
  // 401 unless signed in, 403 unless the role is one of `roles`. A doctor counts as a doctor only
  // while approved: a pending, rejected or suspended one gets 403 doctor-not-approved from every
  // route that admits doctors, so no route can forget the approval check. Routes about the
  // caller's own account (GET/PATCH /me, logout, password) take any signed-in user through user().
  const Principal& require_role(std::initializer_list<Role> roles) const;
  // require_role({Role::doctor}).
  const Principal& require_approved_doctor() const;
};

}  // namespace medcore::http
