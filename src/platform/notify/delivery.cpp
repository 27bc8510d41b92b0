#include "platform/notify/delivery.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>
#include <chrono>
#include <optional>

#include "platform/db/query.hpp"
#include "platform/app/app.hpp"
#include "platform/core/log.hpp"
#include "platform/core/metrics.hpp"
#include "platform/core/outage_backoff.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/time.hpp"
#include "platform/notify/outbox.hpp"
#include "platform/notify/transport.hpp"

namespace medcore::notify {

namespace {
constexpr long long kLeaseMs = 5 * 60 * 1000;
// Mail not yet sent when this little lease is left goes back to 'pending' for a fresh claim.
constexpr long long kLeaseMarginMs = 75 * 1000;
constexpr long long kStatsEveryMs = 2000;
}  // namespace

struct DeliveryWorker::Claimed {
  long long id = 0;
  std::string category;
  std::optional<long long> to_user_id;
  std::string template_name;
  std::string to_email;
  std::string data;
  std::string message_id;
  int attempts = 0;
};

struct DeliveryWorker::Stats {
  std::atomic<long long> pending{0};
  std::atomic<long long> dead{0};
  std::atomic<long long> sent{0};  // by this instance since start
};

DeliveryWorker::DeliveryWorker(App& app)
    : app_(app),
      transport_(make_transport(app.config)),
      from_(parse_mailbox(app.config.mail_from)),
      secrets_(secrets_of(app.config)),
      batch_(app.config.mail_transport == "file" ? 64 : 8),
      lease_ms_(kLeaseMs),
      rng_(std::random_device{}()),
      stats_(std::make_shared<Stats>()) {
  auto stats = stats_;
  metrics().gauge("medcore_mail_pending", "Outbox mails waiting for delivery (pending or being sent).",
                  [stats] { return static_cast<double>(stats->pending.load()); });
  metrics().gauge("medcore_mail_dead", "Outbox mails that failed permanently (status dead).",
                  [stats] { return static_cast<double>(stats->dead.load()); });
  metrics().gauge("medcore_mail_sent_by_instance", "Mails this instance delivered since it started.",
                  [stats] { return static_cast<double>(stats->sent.load()); });
}

DeliveryWorker::~DeliveryWorker() { stop(); }

void DeliveryWorker::start() {
  if (thread_.joinable()) return;
  // Leases this instance held before a restart (same MEDCORE_INSTANCE_ID) are ours to take back
  // now; on SQLite, which runs a single instance, every lease is.
  const std::string me = app_.config.instance_id;
  const bool sqlite = app_.db->dialect() == db::Dialect::sqlite;
  app_.db->transaction("notify.take_back_leases", [&](soci::session& sql) {
    if (sqlite)
      sql << "UPDATE outbox SET status = 'pending', locked_by = NULL, locked_until = NULL WHERE status = 'sending'";
    else
      sql << "UPDATE outbox SET status = 'pending', locked_by = NULL, locked_until = NULL "
             "WHERE status = 'sending' AND locked_by = :me",
          soci::use(me);
  });
  log::info("mail_worker_started", {{"transport", transport_->name()},
                                    {"instance", me},
                                    {"poll_ms", app_.config.mail_poll_ms},
                                    {"max_attempts", app_.config.mail_max_attempts}});
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void DeliveryWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    log::info("mail_worker_stopped");
  }
}

void DeliveryWorker::loop() {
  int failures = 0;
  OutageBackoff outage{std::chrono::milliseconds(app_.config.mail_poll_ms)};
  while (!stopping_) {
    std::size_t claimed = 0;
    bool unavailable = false;
    try {
      settle_uncertain();
      claimed = run_once();
      failures = 0;
      outage.reset();
    } catch (const Unavailable&) {
      // Logged once by the database (db_unavailable, db_recovered), not once per poll. The short
      // backoff notices its return within seconds; mail waiting meanwhile is not lost.
      unavailable = true;
    } catch (const std::exception& e) {
      ++failures;
      log::warn("mail_worker_error", {{"error", redact(e.what(), secrets_)}, {"failures", failures}});
    }
    try {
      refresh_stats();
    } catch (const std::exception&) {
      // the next pass tries again; the error (if lasting) is logged by run_once
    }
    if (!unavailable && claimed >= batch_ && failures == 0) continue;  // more may be due right now
    const long long wait = unavailable ? outage.next().count()
                                       : std::min<long long>(app_.config.mail_poll_ms * (1LL << std::min(failures, 6)), 30'000);
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return stopping_.load(); });
  }
}

bool DeliveryWorker::record(const Claimed& mail, const std::function<void()>& update) {
  OutageBackoff outage{std::chrono::milliseconds(app_.config.mail_poll_ms)};
  while (true) {
    try {
      update();
      return true;
    } catch (const Unavailable&) {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, outage.next(), [this] { return stopping_.load(); })) {
        log::warn("mail_outcome_unrecorded", {{"outbox_id", mail.id},
                                              {"attempts", mail.attempts},
                                              {"error", "stopped while the database was unavailable; the mail is "
                                                        "sent again, with the same Message-ID, when its lease expires"}});
        return false;
      }
    }
  }
}

void DeliveryWorker::settle_uncertain() {
  if (uncertain_.empty()) return;
  const std::string me = app_.config.instance_id;
  std::vector<Uncertain> pending;
  pending.swap(uncertain_);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    const long long id = pending[i].id;
    const int attempts = pending[i].attempts;
    try {
      // This worker is the only one of its instance, and it holds none of these mails in hand.
      app_.db->transaction("notify.settle_uncertain", [&](soci::session& sql) {
        sql << "UPDATE outbox SET status = 'pending', attempts = attempts - 1, locked_by = NULL, locked_until = NULL "
               "WHERE id = :id AND status = 'sending' AND locked_by = :me AND attempts = :attempts",
            soci::use(id), soci::use(me), soci::use(attempts);
      });
    } catch (...) {
      uncertain_.insert(uncertain_.end(), pending.begin() + static_cast<std::ptrdiff_t>(i), pending.end());
      throw;
    }
  }
}

std::size_t DeliveryWorker::run_once() {
  const std::string me = app_.config.instance_id;
  const long long now = now_ms();
  const long long until = now + lease_ms_;
  const long long limit = static_cast<long long>(batch_);
  const bool pg = app_.db->dialect() == db::Dialect::postgresql;
  // One conditional UPDATE claims the batch: due pending mail, and mail whose lease ran out.
  const std::string claim =
      std::string("UPDATE outbox SET status = 'sending', locked_by = :me, locked_until = :until, attempts = attempts + 1 "
                  "WHERE id IN (SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= :now) "
                  "OR (status = 'sending' AND locked_until < :now2) ORDER BY next_attempt_at, id LIMIT :lim") +
      (pg ? " FOR UPDATE SKIP LOCKED" : "") +
      ") RETURNING id, template, to_email, data, message_id, attempts, category, to_user_id";
  std::vector<Uncertain> taken;
  std::vector<Claimed> mails;
  try {
    mails = app_.db->transaction("notify.claim_batch", [&](soci::session& sql) {
      std::vector<Claimed> out;
      soci::rowset<soci::row> rows =
          (sql.prepare << claim, soci::use(me), soci::use(until), soci::use(now), soci::use(now), soci::use(limit));
      for (const auto& r : rows) {
        Claimed c;
        c.id = db::col_int(r, 0);
        c.template_name = db::col_text(r, 1);
        c.to_email = db::col_text(r, 2);
        c.data = db::col_text(r, 3);
        c.message_id = db::col_text(r, 4);
        c.attempts = static_cast<int>(db::col_int(r, 5));
        c.category = db::col_text(r, 6);
        c.to_user_id = db::col_opt_int(r, 7);
        taken.push_back({c.id, c.attempts});
        out.push_back(std::move(c));
      }
      return out;
    });
  } catch (const Unavailable&) {
    // The connection died after the UPDATE: if its COMMIT got through, these mails are 'sending'
    // under this instance's lease for five minutes. settle_uncertain hands them back.
    uncertain_.insert(uncertain_.end(), taken.begin(), taken.end());
    throw;
  }
  std::sort(mails.begin(), mails.end(), [](const Claimed& a, const Claimed& b) { return a.id < b.id; });
  const long long deadline = until - kLeaseMarginMs;
  for (std::size_t i = 0; i < mails.size(); ++i) {
    if (stopping_ || now_ms() > deadline) {
      for (std::size_t j = i; j < mails.size(); ++j) release(mails[j].id, mails[j].attempts);
      break;
    }
    try {
      deliver(mails[i]);
    } catch (const Unavailable&) {
      // Outcomes go through record(), which waits the outage out; only a database call made before
      // sending can end up here. This mail and the rest of the batch are handed back once the
      // database answers, rather than waiting out their five-minute lease.
      for (std::size_t j = i; j < mails.size(); ++j) uncertain_.push_back({mails[j].id, mails[j].attempts});
      throw;
    }
  }
  return mails.size();
}

void DeliveryWorker::deliver(const Claimed& mail) {
  const std::string me = app_.config.instance_id;
  // An outage here throws to run_once, which hands this mail and the rest of the batch back.
  if (mail.to_user_id && carries_health_data(mail.category) &&
      !app_.db->read([&](soci::session& sql) { return may_receive_health_data(sql, *mail.to_user_id); })) {
    withdraw(mail);
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  SendResult result;
  boost::json::object data;
  std::vector<std::string> secrets = secrets_;
  try {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(mail.data, ec);
    if (ec || !parsed.is_object()) throw std::invalid_argument("the outbox data is not a JSON object");
    data = std::move(parsed.as_object());
    for (auto& s : secret_values(mail.template_name, data)) secrets.push_back(std::move(s));
    if (secrets_removed(mail.template_name, data))
      throw std::invalid_argument("its one-time link was removed after an earlier failure; the user must ask again");
    const RenderedMail rendered = render(mail.template_name, data, app_.config.public_url);
    const Envelope env{from_, header_safe(mail.to_email), mail.message_id, now_ms()};
    result = transport_->send(env, rendered, stopping_);
  } catch (const std::exception& e) {
    // Rendering problems (unknown template, bad data) cannot get better by waiting.
    result = {Outcome::permanent, std::string("render: ") + e.what()};
  }
  // Once the mail is out, or given up on, its secrets (a reset link) have no reason to stay.
  const std::string data_at_rest = secret_values(mail.template_name, data).empty()
                                        ? mail.data
                                        : boost::json::serialize(without_secrets(mail.template_name, data));
  if (result.outcome != Outcome::sent && stopping_) {
    // Interrupted by shutdown: not the mail's fault, so the attempt does not count.
    release(mail.id, mail.attempts);
    return;
  }
  const long long now = now_ms();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  boost::json::object fields{{"outbox_id", mail.id},
                             {"template", mail.template_name},
                             {"attempts", mail.attempts},
                             {"transport", transport_->name()},
                             {"ms", std::round(ms * 10) / 10}};
  int changed = 0;
  if (result.outcome == Outcome::sent) {
    // A retry after a COMMIT that was lost finds the row already 'sent' by us: that is success too.
    bool recorded_before = false;
    record(mail, [&] {
      app_.db->transaction("notify.mark_sent", [&](soci::session& sql) {
        soci::statement st = (sql.prepare << "UPDATE outbox SET status = 'sent', sent_at = :now, last_error = NULL, "
                                             "data = :data, locked_by = NULL, locked_until = NULL "
                                             "WHERE id = :id AND status = 'sending' AND locked_by = :me",
                              soci::use(now), soci::use(data_at_rest), soci::use(mail.id), soci::use(me));
        st.execute(true);
        changed = static_cast<int>(st.get_affected_rows());
        if (changed == 0) {
          std::string status;
          sql << "SELECT status FROM outbox WHERE id = :id", soci::use(mail.id), soci::into(status);
          recorded_before = sql.got_data() && db::parse_stored(parse_mail_status, status) == MailStatus::sent;
        }
      });
    });
    if (recorded_before) changed = 1;
    stats_->sent.fetch_add(1);
    if (changed == 0) fields["lease_lost"] = true;
    log::info("mail_sent", std::move(fields));
    return;
  }
  const std::string error = redact(result.error, secrets);
  const bool dead = result.outcome == Outcome::permanent || mail.attempts >= app_.config.mail_max_attempts;
  if (dead) {
    record(mail, [&] {
      app_.db->transaction("notify.mark_dead", [&](soci::session& sql) {
        soci::statement st = (sql.prepare << "UPDATE outbox SET status = 'dead', last_error = :err, data = :data, "
                                             "locked_by = NULL, locked_until = NULL "
                                             "WHERE id = :id AND status = 'sending' AND locked_by = :me",
                              soci::use(error), soci::use(data_at_rest), soci::use(mail.id), soci::use(me));
        st.execute(true);
        changed = static_cast<int>(st.get_affected_rows());
      });
    });
    fields["error"] = error;
    fields["permanent"] = result.outcome == Outcome::permanent;
    log::warn("mail_dead", std::move(fields));
    return;
  }
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  const long long next = now + backoff_ms(mail.attempts, app_.config.mail_backoff_ms, jitter(rng_));
  record(mail, [&] {
    app_.db->transaction("notify.schedule_retry", [&](soci::session& sql) {
      soci::statement st = (sql.prepare << "UPDATE outbox SET status = 'pending', next_attempt_at = :next, "
                                           "last_error = :err, locked_by = NULL, locked_until = NULL "
                                           "WHERE id = :id AND status = 'sending' AND locked_by = :me",
                            soci::use(next), soci::use(error), soci::use(mail.id), soci::use(me));
      st.execute(true);
      changed = static_cast<int>(st.get_affected_rows());
    });
  });
  fields["error"] = error;
  fields["next_attempt_at"] = iso8601(next);
  log::warn("mail_retry", std::move(fields));
}

// Queued for someone who may no longer read it (a doctor suspended since): never sent. `dead`, so
// it shows in the admin outbox; a retry checks again.
void DeliveryWorker::withdraw(const Claimed& mail) {
  const std::string me = app_.config.instance_id;
  const std::string why = "withdrawn: the recipient may not see health data now";
  record(mail, [&] {
    app_.db->transaction("notify.withdraw", [&](soci::session& sql) {
      sql << "UPDATE outbox SET status = 'dead', last_error = :err, locked_by = NULL, locked_until = NULL "
             "WHERE id = :id AND status = 'sending' AND locked_by = :me",
          soci::use(why), soci::use(mail.id), soci::use(me);
    });
  });
  log::info("mail_withdrawn", {{"outbox_id", mail.id}, {"template", mail.template_name}, {"attempts", mail.attempts}});
}

void DeliveryWorker::release(long long id, int attempts) {
  const std::string me = app_.config.instance_id;
  try {
    app_.db->transaction("notify.release", [&](soci::session& sql) {
      sql << "UPDATE outbox SET status = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
             "locked_by = NULL, locked_until = NULL WHERE id = :id AND status = 'sending' AND locked_by = :me "
             "AND attempts = :attempts",
          soci::use(id), soci::use(me), soci::use(attempts);
    });
  } catch (const Unavailable&) {
    uncertain_.push_back({id, attempts});  // settled once the database answers
  } catch (const std::exception& e) {
    // The lease runs out on its own; another pass (or instance) picks the mail up then.
    log::warn("mail_release_failed", {{"outbox_id", id}, {"error", redact(e.what(), secrets_)}});
  }
}

void DeliveryWorker::refresh_stats() {
  const long long now = now_ms();
  if (now - stats_at_ < kStatsEveryMs) return;
  stats_at_ = now;
  long long pending = 0, dead = 0;
  app_.db->read([&](soci::session& sql) {
    soci::rowset<soci::row> rows = (sql.prepare << "SELECT status, COUNT(*) FROM outbox "
                                                   "WHERE status IN ('pending', 'sending', 'dead') GROUP BY status");
    for (const auto& r : rows) {
      const MailStatus status = db::col_enum(r, 0, parse_mail_status);
      const long long n = db::col_int(r, 1);
      if (status == MailStatus::dead) dead += n;
      else pending += n;
    }
  });
  stats_->pending = pending;
  stats_->dead = dead;
}

}  // namespace medcore::notify
