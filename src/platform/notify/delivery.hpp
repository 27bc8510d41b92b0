#pragma once
// The mail delivery worker: its own thread (never the HTTP pools) that claims due outbox rows
// with a lease, renders, sends through the configured transport and records the outcome.
//
// Guarantees (docs/OPERATIONS.md):
// - at-least-once: a row is marked 'sent' only after the transport accepted the mail; a crash in
//   between sends it again, with the same Message-ID (fixed at enqueue);
// - a temporary failure is retried after base × 2^(attempts-1) ms (jitter ×0.5–1, capped at 6 h);
//   a permanent failure, or MEDCORE_MAIL_MAX_ATTEMPTS attempts, makes the row 'dead' with last_error;
// - several instances on PostgreSQL never send the same row at once: claims use
//   FOR UPDATE SKIP LOCKED and a lease (locked_by, locked_until) that another instance takes over
//   when it expires; at start an instance takes back its own leases (and, on SQLite, which runs
//   one instance, every lease).
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "platform/notify/model.hpp"

namespace medcore {
struct App;
}

namespace medcore::notify {

class Transport;

class DeliveryWorker {
 public:
  explicit DeliveryWorker(App& app);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void start();
  // Finishes (or aborts and releases) the mail in hand and joins the thread.
  void stop();

  // One pass: claims up to one batch of due mail and delivers it; returns how many were claimed.
  std::size_t run_once();

 private:
  struct Claimed;
  struct Uncertain {
    long long id;
    int attempts;
  };
  void loop();
  void deliver(const Claimed& mail);
  // Marks a mail for a recipient who may no longer read it `dead` without sending it.
  void withdraw(const Claimed& mail);
  // Runs one outcome update, retrying while the database is unavailable (the transport already
  // acted: dropping the outcome would send the mail again when the lease expires). False when
  // the worker stops first.
  bool record(const Claimed& mail, const std::function<void()>& update);
  // Back to pending without counting the attempt; a release that cannot reach the database is
  // remembered and retried (settle_uncertain).
  void release(long long id, int attempts);
  // Claims whose COMMIT went out as the connection died, releases that failed, and mails still in
  // hand when a delivery met the outage: hands back whichever of them this instance holds.
  void settle_uncertain();
  void refresh_stats();

  App& app_;
  std::unique_ptr<Transport> transport_;
  Mailbox from_;
  std::vector<std::string> secrets_;
  std::size_t batch_;
  long long lease_ms_;
  std::mt19937_64 rng_;

  struct Stats;
  std::shared_ptr<Stats> stats_;
  long long stats_at_ = 0;

  std::vector<Uncertain> uncertain_;  // the worker thread's

  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace medcore::notify
