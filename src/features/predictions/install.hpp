#pragma once
// The risk-prediction API. Serving, it loads the tabular models once (MEDCORE_MODELS_DIR); a
// missing or broken model stops the start.
namespace medcore {
class Installer;
}

namespace medcore::predictions {
void install(Installer& in);
}
