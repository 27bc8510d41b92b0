#include "features/care/install.hpp"

#include "features/care/relationship.hpp"
#include "platform/notify/outbox.hpp"

namespace medcore::care {

// Also for `medcore routes`: harmless, and an install should not depend on how it is called.
void install(Installer&) { notify::set_health_data_gate(&may_see_health_data); }

}  // namespace medcore::care
