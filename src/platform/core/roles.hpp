#pragma once
// Who a user is (Role) and where a doctor stands in the admin's review (DoctorStatus). They live
// in core, not in accounts, because the HTTP layer's Principal and every feature's access rules
// need them and platform code must not include a feature. accounts keeps the review's transition
// rules (features/accounts/model.hpp). The names are the stored and the API spelling: the CHECK
// lists of migrations/0001_foundation.sql hold exactly these (tests/unit/stored_enums_test.cpp).
#include <array>
#include <optional>
#include <string_view>

namespace medcore {

enum class Role { patient, doctor, admin };
inline constexpr std::array all_roles{Role::patient, Role::doctor, Role::admin};
std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

enum class DoctorStatus { pending, approved, rejected, suspended };
inline constexpr std::array all_doctor_statuses{DoctorStatus::pending, DoctorStatus::approved, DoctorStatus::rejected,
                                                DoctorStatus::suspended};
std::string_view to_string(DoctorStatus status);
std::optional<DoctorStatus> parse_doctor_status(std::string_view text);

}  // namespace medcore
