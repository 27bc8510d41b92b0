#pragma once
#include <memory>

#include "platform/http/router.hpp"

namespace medcore {
struct App;
}

namespace medcore::chat {

class Hub;
// Conversations, history, send and read marks over REST (docs/API.md, "Chat"); changes are
// broadcast to the "/chat" namespace through `hub` (null: no broadcasts).
void mount_chat(http::Router& router, App& app, std::shared_ptr<Hub> hub = nullptr);

}  // namespace medcore::chat
