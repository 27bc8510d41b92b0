#pragma once
// Cross-instance fan-out over PostgreSQL LISTEN/NOTIFY. Every instance LISTENs on one channel;
// a broadcast is delivered locally at once and sent as NOTIFY (JSON, tagged with this instance's
// id so the sender skips its own copy). One thread owns the libpq connection: the I/O threads
// only queue, never wait for the database.
//
// A broadcast longer than NOTIFY's 8000-byte payload limit goes as several notifications in one
// transaction and is reassembled by the receivers (split_notify / NotifyAssembler).
//
// Guarantees: at-most-once across instances. A broadcast published while the connection is
// down (it reconnects with backoff) is delivered locally only; one above kMaxBroadcastBytes
// likewise, with a warning. Features that need every message (chat history) store it in the
// database and let clients catch up from there.
#include <memory>
#include <string>

#include "platform/realtime/adapter.hpp"

namespace medcore::realtime {

class PostgresAdapter final : public Adapter {
 public:
  // `url`: a libpq connection string or postgresql:// URL.
  explicit PostgresAdapter(std::string url, std::string channel = "medcore_realtime");
  ~PostgresAdapter() override;
  // Connects and LISTENs before returning (throws std::runtime_error when it cannot).
  void start(Deliver deliver) override;
  void publish(const BroadcastPacket& packet) override;
  void stop() override;

  static constexpr std::size_t kMaxNotifyPayload = 7999;
  static constexpr std::size_t kMaxBroadcastBytes = 4 * 1024 * 1024;
  const std::string& instance_id() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace medcore::realtime
