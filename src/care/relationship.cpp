#include "care/relationship.hpp"

#include <soci/soci.h>

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

}  // namespace medcore::care
