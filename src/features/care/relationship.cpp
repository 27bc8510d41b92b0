#include "features/care/relationship.hpp"

#include <soci/soci.h>

#include "platform/audit/audit.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/roles.hpp"
#include "platform/db/query.hpp"
#include "platform/http/context.hpp"

namespace medcore::care {

bool doctor_treats_patient(soci::session& sql, std::int64_t doctor_id, std::int64_t patient_id) {
  long long doctor = doctor_id, patient = patient_id;
  int found = 0;
  soci::indicator ind = soci::i_null;
  // An appointment (not cancelled; past or upcoming) or a conversation (chat, migration 0006).
  sql << "SELECT 1 FROM appointments WHERE doctor_id = :d AND patient_id = :p AND status <> 'cancelled' "
         "UNION ALL SELECT 1 FROM conversations WHERE doctor_id = :d2 AND patient_id = :p2 LIMIT 1",
      soci::use(doctor), soci::use(patient), soci::use(doctor), soci::use(patient), soci::into(found, ind);
  return sql.got_data() && ind == soci::i_ok;
}

bool may_see_health_data(soci::session& sql, std::int64_t user_id) {
  const long long id = user_id;
  std::string role, status;
  soci::indicator status_ind = soci::i_null;
  sql << "SELECT u.role, d.status FROM users u LEFT JOIN doctors d ON d.user_id = u.id WHERE u.id = :id", soci::use(id),
      soci::into(role), soci::into(status, status_ind);
  if (!sql.got_data()) return false;
  const Role stored_role = db::parse_stored(parse_role, role);
  const bool approved = status_ind == soci::i_ok && db::parse_stored(parse_doctor_status, status) == DoctorStatus::approved;
  return stored_role == Role::patient || (stored_role == Role::doctor && approved);
}

void authorise_patient_read(soci::session& sql, const http::Context& ctx, std::int64_t patient_id,
                            const Problem& refusal, std::string action, boost::json::object details) {
  const auto& who = ctx.user();
  if (who.role == Role::patient) {
    if (who.user_id != patient_id) throw refusal;
    return;
  }
  if (who.role != Role::doctor || who.doctor_status != DoctorStatus::approved || !doctor_treats_patient(sql, who.user_id, patient_id))
    throw refusal;
  details["route"] = ctx.route;
  audit::record(sql, audit::entry_from(ctx, std::move(action), patient_id, std::move(details)));
}

}  // namespace medcore::care
