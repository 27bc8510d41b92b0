#include "platform/http/context.hpp"

#include <stdexcept>

#include "platform/core/problem.hpp"

namespace medcore::http {

std::int64_t PathParams::integer(std::string_view name) const {
  return std::stoll(text(name));  // the router only matched digits that fit
}

const std::string& PathParams::text(std::string_view name) const {
  for (const auto& [k, v] : values_)
    if (k == name) return v;
  throw std::logic_error("route has no path parameter " + std::string(name));
}

const Principal& Context::user() const {
  if (!principal) throw problems::unauthenticated();
  return *principal;
}

const Principal& Context::require_role(std::initializer_list<Role> roles) const {
  const auto& p = user();
  for (auto r : roles) {
    if (p.role != r) continue;
    if (p.role == Role::doctor && p.doctor_status != DoctorStatus::approved) {
      const std::string_view status = p.doctor_status ? to_string(*p.doctor_status) : "";
      throw Problem(403, "doctor-not-approved", "Doctor account not approved",
                    "An administrator must approve your account first (status: " + std::string(status) + ").");
    }
    return p;
  }
  throw problems::forbidden();
}

const Principal& Context::require_approved_doctor() const { return require_role({Role::doctor}); }

}  // namespace medcore::http
