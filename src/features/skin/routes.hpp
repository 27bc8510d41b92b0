#pragma once
// The skin check's HTTP routes: upload and classify (patients), history, one analysis and its
// thumbnail (the patient and the doctors who treat them, audited), the model card (public).
#include <memory>

namespace medcore {
struct App;
namespace http {
class Router;
}
}  // namespace medcore

namespace medcore::skin {

class Classifier;
// `classifier` may be null (`medcore routes`); the routes then answer 503.
void mount_skin(http::Router& router, App& app, std::shared_ptr<const Classifier> classifier);

}  // namespace medcore::skin
