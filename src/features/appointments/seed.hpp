#pragma once
#include <ostream>

namespace medcore {
struct App;
}

namespace medcore::appointments {

// Demo hours for every approved doctor without any (weekdays 09:00–12:00 and 13:00–17:00 local,
// 30-minute slots, each doctor in a different zone) and two upcoming bookings for the first demo
// patient, so a fresh `make run` has something to book and something to see. Writes no mail.
void seed_demo(App& app, std::ostream& out);

}  // namespace medcore::appointments
