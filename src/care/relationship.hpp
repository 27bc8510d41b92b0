#pragma once
// Which doctor may see which patient's health data. One answer for every feature (predictions,
// skin analyses, health statistics, chat): a doctor treats a patient who has booked an
// appointment with them (not cancelled; past or upcoming) or who has a conversation with them.
// Every read of another person's health data that this allows is also written to the audit log
// by the caller.
#include <cstdint>

namespace soci {
class session;
}

namespace medcore::care {

bool doctor_treats_patient(soci::session& sql, std::int64_t doctor_id, std::int64_t patient_id);

}  // namespace medcore::care
