#pragma once
// Cross-instance fan-out. A broadcast (namespace, rooms, exclusions, encoded frames) is handed
// to the adapter, which delivers it on every instance, this one included. The in-process
// adapter serves one instance (SQLite deployments, tests); a PostgreSQL LISTEN/NOTIFY adapter
// implements the same interface for several instances behind a load balancer.
#include <functional>
#include <memory>

#include "platform/realtime/model.hpp"

namespace medcore::realtime {

class Adapter {
 public:
  using Deliver = std::function<void(const BroadcastPacket&)>;
  virtual ~Adapter() = default;
  // Called once by the server before any publish: where broadcasts for this instance go.
  virtual void start(Deliver deliver) = 0;
  // From any thread; must not block on I/O (an I/O thread calls it).
  virtual void publish(const BroadcastPacket& packet) = 0;
  virtual void stop() {}
};

class InProcessAdapter final : public Adapter {
 public:
  void start(Deliver deliver) override { deliver_ = std::move(deliver); }
  void publish(const BroadcastPacket& packet) override {
    if (deliver_) deliver_(packet);
  }

 private:
  Deliver deliver_;
};

}  // namespace medcore::realtime
