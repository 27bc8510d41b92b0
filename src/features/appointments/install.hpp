#pragma once
// Doctors' hours, slots, booking and its reminder job (features/appointments/routes.hpp).
namespace medcore {
class Installer;
}

namespace medcore::appointments {
void install(Installer& in);
}
