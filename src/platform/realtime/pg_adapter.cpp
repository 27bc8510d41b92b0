#include "platform/realtime/pg_adapter.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "platform/core/crypto.hpp"
#include "platform/core/log.hpp"
#include "platform/core/outage_backoff.hpp"

namespace medcore::realtime {

struct PostgresAdapter::Impl {
  std::string url;
  std::string channel;
  std::string instance = crypto::random_token(9);
  Deliver deliver;
  PGconn* conn = nullptr;
  int wake_pipe[2] = {-1, -1};
  std::mutex mu;
  std::deque<std::vector<std::string>> outgoing;  // per broadcast, its NOTIFY payload(s)
  std::uint64_t next_id = 0;                       // numbers split broadcasts (guarded by mu)
  NotifyAssembler assembler;                       // the listener thread's
  std::atomic<bool> running{false};
  std::thread thread;

  ~Impl() {
    if (conn) PQfinish(conn);
    for (int fd : wake_pipe)
      if (fd >= 0) ::close(fd);
  }

  bool connect() {
    if (conn) PQfinish(conn);
    conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) return false;
    // The channel is an identifier we chose (not user input); quoted anyway.
    char* quoted = PQescapeIdentifier(conn, channel.c_str(), channel.size());
    if (!quoted) return false;
    const std::string sql = std::string("LISTEN ") + quoted;
    PQfreemem(quoted);
    PGresult* r = PQexec(conn, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
  }

  std::string error() const { return conn ? PQerrorMessage(conn) : std::string("no connection"); }

  bool exec(const char* sql) {
    PGresult* r = PQexec(conn, sql);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
  }

  bool notify_one(const std::string& payload) {
    const char* params[2] = {channel.c_str(), payload.c_str()};
    PGresult* r = PQexecParams(conn, "SELECT pg_notify($1, $2)", 2, nullptr, params, nullptr, nullptr, 0);
    const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) log::warn("realtime_notify_failed", {{"error", PQresultErrorMessage(r)}});
    PQclear(r);
    return ok;
  }

  // The parts of one broadcast in one transaction: delivered together, in order, at commit.
  void notify(const std::vector<std::string>& parts) {
    if (parts.size() == 1) {
      notify_one(parts[0]);
      return;
    }
    if (!exec("BEGIN")) return;
    bool ok = true;
    for (const auto& part : parts) ok = ok && notify_one(part);
    exec(ok ? "COMMIT" : "ROLLBACK");
  }

  void drain_notifications() {
    while (PGnotify* n = PQnotifies(conn)) {
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now().time_since_epoch()).count();
      auto whole = assembler.add(n->extra ? n->extra : "", now);
      PQfreemem(n);
      if (!whole) continue;  // a part of a longer broadcast (or a malformed one)
      auto decoded = decode_broadcast(*whole);
      if (!decoded) {
        log::warn("realtime_notify_garbled", {});
        continue;
      }
      if (decoded->origin == instance) continue;  // delivered locally when published
      try {
        deliver(decoded->packet);
      } catch (const std::exception& e) {
        log::error("realtime_deliver_failed", {{"error", e.what()}});
      }
    }
  }

  // Waits up to `d`, returning early only when the adapter stops (publish() also writes to the
  // pipe; that must not cut a reconnect backoff short).
  void sleep_unless_stopped(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (running.load()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      pollfd fd{wake_pipe[0], POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left.count())) > 0) {
        char buf[256];
        while (::read(wake_pipe[0], buf, sizeof buf) > 0) {
        }
      }
    }
  }

  void run() {
    OutageBackoff backoff(std::chrono::milliseconds(100));
    // Logged once per state change: a line per reconnect attempt would flood the log for as long
    // as PostgreSQL is away (the database layer logs the outage itself: db_unavailable).
    std::optional<std::chrono::steady_clock::time_point> lost_at;
    std::size_t dropped = 0;
    while (running.load()) {
      if (!conn || PQstatus(conn) != CONNECTION_OK) {
        if (!lost_at) {
          lost_at = std::chrono::steady_clock::now();
          log::warn("realtime_adapter_disconnected", {{"channel", channel}, {"error", error()}});
        }
        if (!connect()) {
          // Delivery is local-only while disconnected (at-most-once across instances): keeping
          // these for later would grow without bound during an outage and replay stale events.
          {
            std::lock_guard lock(mu);
            dropped += outgoing.size();
            outgoing.clear();
          }
          sleep_unless_stopped(backoff.next());
          continue;
        }
        const auto down_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - *lost_at).count();
        log::info("realtime_adapter_reconnected",
                  {{"channel", channel}, {"disconnected_ms", down_ms}, {"broadcasts_not_forwarded", dropped}});
        lost_at.reset();
        dropped = 0;
        backoff.reset();
      }
      std::deque<std::vector<std::string>> batch;
      {
        std::lock_guard lock(mu);
        batch.swap(outgoing);
      }
      for (const auto& payload : batch) {
        if (PQstatus(conn) != CONNECTION_OK) {
          ++dropped;  // the connection died mid-batch: the rest stay local, like any broadcast now
          continue;
        }
        notify(payload);
      }
      pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
      if (::poll(fds, 2, 1000) < 0) continue;
      if (fds[1].revents & POLLIN) {
        char buf[256];
        while (::read(wake_pipe[0], buf, sizeof buf) > 0) {
        }
      }
      if (PQconsumeInput(conn) == 0) {
        lost_at = std::chrono::steady_clock::now();
        log::warn("realtime_adapter_disconnected", {{"channel", channel}, {"error", error()}});
        PQfinish(conn);
        conn = nullptr;
        continue;
      }
      drain_notifications();
    }
  }

  void wake() {
    const char byte = 1;
    [[maybe_unused]] auto n = ::write(wake_pipe[1], &byte, 1);
  }
};

PostgresAdapter::PostgresAdapter(std::string url, std::string channel) : impl_(std::make_unique<Impl>()) {
  impl_->url = std::move(url);
  impl_->channel = std::move(channel);
}

PostgresAdapter::~PostgresAdapter() { stop(); }

const std::string& PostgresAdapter::instance_id() const { return impl_->instance; }

void PostgresAdapter::start(Deliver deliver) {
  impl_->deliver = std::move(deliver);
  if (::pipe2(impl_->wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("realtime adapter: pipe failed");
  if (!impl_->connect())
    throw std::runtime_error("realtime adapter: cannot LISTEN on PostgreSQL: " + impl_->error());
  impl_->running = true;
  impl_->thread = std::thread([this] { impl_->run(); });
}

void PostgresAdapter::publish(const BroadcastPacket& packet) {
  if (impl_->deliver) impl_->deliver(packet);
  if (!impl_->running.load()) return;
  const std::string payload = encode_broadcast(packet, impl_->instance);
  if (payload.size() > kMaxBroadcastBytes) {
    log::warn("realtime_broadcast_too_large", {{"bytes", payload.size()}, {"nsp", packet.nsp}});
    return;
  }
  {
    std::lock_guard lock(impl_->mu);
    impl_->outgoing.push_back(split_notify(payload, impl_->instance, impl_->next_id++, kMaxNotifyPayload));
  }
  impl_->wake();
}

void PostgresAdapter::stop() {
  if (!impl_ || !impl_->running.exchange(false)) return;
  impl_->wake();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace medcore::realtime
