#pragma once
// Which doctor may see which patient's health data. One answer for every feature (predictions,
// skin analyses, health statistics, chat): a doctor treats a patient who has booked an
// appointment with them (not cancelled; past or upcoming) or who has a conversation with them.
// Every read of another person's health data that this allows is also written to the audit log.
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

namespace soci {
class session;
}
namespace medcore {
class Problem;
namespace http {
struct Context;
}
}  // namespace medcore

namespace medcore::care {

bool doctor_treats_patient(soci::session& sql, std::int64_t doctor_id, std::int64_t patient_id);

// Whether the user may see health data at all right now: a patient, or a doctor while an admin's
// approval stands (not pending, rejected or suspended). Mail that quotes health data is held to it
// when queued and again just before it is sent (notify::carries_health_data).
bool may_see_health_data(soci::session& sql, std::int64_t user_id);

// The rule every "read a patient's data" route applies: the patient themselves, or an approved
// doctor who treats them. A doctor's read is written to the audit log (`action`, actor the doctor,
// subject the patient, `details` plus the route) in the caller's transaction, so a refused or
// failed read leaves no row. Anyone else (admins included) gets `refusal`.
void authorise_patient_read(soci::session& sql, const http::Context& ctx, std::int64_t patient_id,
                            const Problem& refusal, std::string action, boost::json::object details = {});

}  // namespace medcore::care
