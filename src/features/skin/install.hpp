#pragma once
// The skin check API. Serving, it loads the skin network once (MEDCORE_MODELS_DIR/skin; a missing
// or broken model stops the start) and sizes LibTorch's threads for the inference pool.
namespace medcore {
class Installer;
}

namespace medcore::skin {
void install(Installer& in);
}
