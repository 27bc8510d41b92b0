#pragma once
// care has no routes: it gives the platform the one medical rule it needs, who may receive mail
// that quotes health data (notify::set_health_data_gate ← care::may_see_health_data).
namespace medcore {
class Installer;
}

namespace medcore::care {
void install(Installer& in);
}
