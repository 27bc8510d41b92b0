#pragma once
// The `offline` provider: advice composed from the facts alone by fixed rules, with no network.
// It is the default provider and the answer every failure falls back to, so it must always
// succeed, be fast (p50 well under 1 ms: bench in bench/README.md) and give the same advice for
// the same facts. Every suggestion names the facts it rests on; the guidance it draws on is
// cited in docs/ARCHITECTURE.md ("AI engine"):
//   - ACC/AHA 2017 high blood pressure guideline: DASH diet, sodium, activity, weight, home
//     blood-pressure monitoring, follow-up by stage;
//   - WHO 2020 guidelines on physical activity (150-300 min moderate a week, strength twice,
//     balance for 65+) and WHO sodium guideline (< 2 g a day);
//   - ADA Standards of Care: diabetes prevention (7 % weight loss, 150 min activity), confirming a
//     diabetes-range result, the 15-15 rule for low glucose;
//   - AASM/SRS 2015 consensus on adult sleep duration (7 hours or more).
#include "engines/ai/answer.hpp"
#include "engines/ai/facts.hpp"

namespace medcore::ai {

Advice compose_offline(const HealthFacts&);

}  // namespace medcore::ai
