#include "platform/core/roles.hpp"

namespace medcore {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::patient: return "patient";
    case Role::doctor: return "doctor";
    case Role::admin: return "admin";
  }
  return "patient";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role r : all_roles)
    if (to_string(r) == text) return r;
  return std::nullopt;
}

std::string_view to_string(DoctorStatus status) {
  switch (status) {
    case DoctorStatus::pending: return "pending";
    case DoctorStatus::approved: return "approved";
    case DoctorStatus::rejected: return "rejected";
    case DoctorStatus::suspended: return "suspended";
  }
  return "pending";
}

std::optional<DoctorStatus> parse_doctor_status(std::string_view text) {
  for (DoctorStatus s : all_doctor_statuses)
    if (to_string(s) == text) return s;
  return std::nullopt;
}

}  // namespace medcore
