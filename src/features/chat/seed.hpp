#pragma once
#include <ostream>

namespace medcore {
struct App;
}

namespace medcore::chat {

// Demo data (`medcore seed --demo`, after accounts and appointments): the first patient's
// conversation with the first approved doctor, two messages, the doctor's answer unread.
void seed_demo(App& app, std::ostream& out);

}  // namespace medcore::chat
