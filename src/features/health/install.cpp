#include "features/health/install.hpp"

#include "features/health/routes.hpp"
#include "platform/app/installer.hpp"

namespace medcore::health {

void install(Installer& in) { mount(in.router, in.app); }

}  // namespace medcore::health
