#include "features/appointments/install.hpp"

#include "features/appointments/routes.hpp"
#include "platform/app/installer.hpp"

namespace medcore::appointments {

void install(Installer& in) {
  mount_appointments(in.router, in.app);
  if (auto* runner = in.jobs()) register_jobs(*runner, in.app);
}

}  // namespace medcore::appointments
