#include "features/health/install.hpp"

#include "features/health/routes.hpp"
#include "platform/app/app.hpp"
#include "platform/app/installer.hpp"

namespace medcore::health {

void install(Installer& in, ai::Engine& engine) {
  mount(in.router, in.app);
  mount_advice(in.router, in.app, engine, in.app.config.health_advice_per_minute);
}

}  // namespace medcore::health
