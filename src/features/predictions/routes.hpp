#pragma once
// /api/v1/prediction-models[/{name}], /api/v1/predictions[/{model}[/prefill]],
// /api/v1/patients/{id}/predictions (docs/API.md).
#include <memory>

namespace medcore {
struct App;
}
namespace medcore::http {
class Router;
}

namespace medcore::predictions {
class Models;

// `models` is loaded once by serve() and shared read-only by every worker; null only where routes
// are listed but never served (`medcore routes`), and then every prediction route answers 503.
void mount_predictions(http::Router& router, App& app, std::shared_ptr<const Models> models);

}  // namespace medcore::predictions
