#pragma once
#include "platform/http/router.hpp"

namespace medcore {
struct App;
}
namespace medcore::jobs {
class Runner;
}

namespace medcore::appointments {

// Doctors' hours, free slots, booking, cancel/reschedule/outcomes, .ics (docs/API.md).
void mount_appointments(http::Router& router, App& app);
// The reminder job handler ("appointments.reminder").
void register_jobs(jobs::Runner& runner, App& app);

}  // namespace medcore::appointments
