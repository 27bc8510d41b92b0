#pragma once
// The JSON shapes of chat objects, the same over REST and Socket.IO.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <vector>

#include "features/chat/service.hpp"
#include "features/chat/store.hpp"

namespace medcore::chat {

boost::json::object message_json(const store::Message& m);
boost::json::array messages_json(const std::vector<store::Message>& list);
// As `viewer` sees it: `other` is the other participant.
boost::json::object conversation_json(const store::Conversation& c, const Caller& viewer);
boost::json::object presence_json(std::int64_t user_id, const store::Presence& p);

}  // namespace medcore::chat
