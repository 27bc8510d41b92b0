#include "features/skin/install.hpp"

#include <algorithm>
#include <memory>
#include <thread>

#include "engines/vision/skin_model.hpp"
#include "features/skin/routes.hpp"
#include "features/skin/service.hpp"
#include "platform/app/app.hpp"
#include "platform/app/installer.hpp"
#include "platform/core/log.hpp"

namespace medcore::skin {

void install(Installer& in) {
  std::shared_ptr<const Classifier> classifier;  // none for `medcore routes`: its routes would answer 503
  if (in.serving()) {
    const auto& c = in.app.config;
    classifier = Classifier::load(c.models_dir + "/skin");
    // Workers × LibTorch threads = cores, so concurrent uploads never oversubscribe them. One
    // worker per core on one thread each is the default: one upload is as fast as with every core
    // on one worker, and twice as many are done per second (bench/README.md).
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    vision::set_inference_threads(static_cast<int>(std::max<std::size_t>(1, cores / c.inference_workers)));
    vision::keep_large_allocations();
    log::info("model_loaded", {{"name", "skin"}, {"version", classifier->model().config().version}});
  }
  mount_skin(in.router, in.app, std::move(classifier));
}

}  // namespace medcore::skin
