#pragma once
#include <ostream>

namespace medcore {
struct App;
}

namespace medcore::health {

// Demo readings for every demo patient without any: about four months of blood pressure (morning and
// evening), heart rate, weight every few days, and fasting glucose for one of them, at local times in
// each patient's zone. The first patient's blood pressure rises steadily (stage 1 into stage 2), so the
// trend is there to see. Deterministic; writes no mail.
void seed_demo(App& app, std::ostream& out);

}  // namespace medcore::health
