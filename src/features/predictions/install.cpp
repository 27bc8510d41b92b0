#include "features/predictions/install.hpp"

#include <memory>

#include "features/predictions/routes.hpp"
#include "features/predictions/service.hpp"
#include "platform/app/app.hpp"
#include "platform/app/installer.hpp"
#include "platform/core/log.hpp"

namespace medcore::predictions {

void install(Installer& in) {
  std::shared_ptr<const Models> models;  // none for `medcore routes`: its routes would answer 503
  if (in.serving()) {
    models = Models::load(in.app.config.models_dir);
    for (const auto& m : models->all()) log::info("model_loaded", {{"name", m->name()}, {"version", m->version()}});
  }
  mount_predictions(in.router, in.app, std::move(models));
}

}  // namespace medcore::predictions
