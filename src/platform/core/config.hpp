#pragma once
// All settings, from MEDCORE_* environment variables, overridable by command-line flags.
// The README's configuration table lists exactly these.
#include <cstddef>
#include <string>

namespace medcore {

struct Config {
  std::string database_url = "sqlite:var/medcore.db";  // MEDCORE_DATABASE_URL
  int db_connect_timeout_seconds = 5;                  // MEDCORE_DB_CONNECT_TIMEOUT: bound on a PostgreSQL connect
  int db_statement_timeout_ms = 5000;                  // MEDCORE_DB_STATEMENT_TIMEOUT_MS: per statement in a transaction (PostgreSQL; 0 = none)
  std::string listen = "127.0.0.1:8080";               // MEDCORE_LISTEN (host:port; port 0 = any free)
  std::string metrics_listen;                          // MEDCORE_METRICS_LISTEN: /metrics and the probes here (host:port)
  std::string web_root = "web/dist";                   // MEDCORE_WEB_ROOT
  std::string var_dir = "var";                         // MEDCORE_VAR_DIR (demo credentials, mail files)
  std::string models_dir = "models";                   // MEDCORE_MODELS_DIR: *.card.json + model files
  std::string log_level = "info";                      // MEDCORE_LOG_LEVEL: trace|debug|info|warn|error
  std::string public_url = "http://127.0.0.1:8080";    // MEDCORE_PUBLIC_URL: base of links in mails; its origin may use the session cookie
  std::string allowed_origins;                         // MEDCORE_ALLOWED_ORIGINS: more origins that may (comma-separated)
  std::string currency = "USD";                        // MEDCORE_CURRENCY
  long session_ttl_seconds = 12 * 3600;                // MEDCORE_SESSION_TTL: sliding idle lifetime
  long session_max_seconds = 30 * 24 * 3600;           // MEDCORE_SESSION_MAX: absolute lifetime
  long read_cache_ms = 1000;                           // MEDCORE_READ_CACHE_MS: sessions, /me, directory kept in memory (0 = off)
  std::size_t io_threads = 0;                          // MEDCORE_IO_THREADS (0 = cores)
  std::size_t workers = 0;                             // MEDCORE_WORKERS (0 = max(4, 2 x cores))
  std::size_t hash_workers = 0;                        // MEDCORE_HASH_WORKERS (0 = max(1, cores / 2))
  std::size_t worker_queue = 1024;                     // MEDCORE_WORKER_QUEUE: pending tasks before 503
  std::size_t inference_workers = 0;                   // MEDCORE_INFERENCE_WORKERS (0 = cores; each gets cores / workers threads)
  std::size_t inference_queue = 16;                    // MEDCORE_INFERENCE_QUEUE: images waiting before 503
  bool cookie_secure = false;                          // MEDCORE_COOKIE_SECURE
  bool trust_proxy = false;                            // MEDCORE_TRUST_PROXY: believe X-Forwarded-For/-Proto
  int auth_rate_per_minute = 30;                       // MEDCORE_AUTH_RATE_PER_MINUTE: per IP, auth routes
  int login_max_failures_account = 5;                  // MEDCORE_LOGIN_MAX_FAILURES_ACCOUNT (per 15 min)
  int login_max_failures_ip = 20;                      // MEDCORE_LOGIN_MAX_FAILURES_IP (per 15 min)
  int reset_mails_per_hour = 3;                        // MEDCORE_RESET_MAILS_PER_HOUR: per account
  int read_timeout_seconds = 30;                       // MEDCORE_READ_TIMEOUT
  int idle_timeout_seconds = 60;                       // MEDCORE_IDLE_TIMEOUT (keep-alive)
  int shutdown_grace_seconds = 10;                     // MEDCORE_SHUTDOWN_GRACE
  int max_connections_per_ip = -1;                     // MEDCORE_MAX_CONNECTIONS_PER_IP (0 = no cap; -1 = 256, or 0 behind a proxy)

  // Background work (mail delivery, jobs) in this instance.
  bool background = true;                              // MEDCORE_BACKGROUND: run the workers here
  std::string instance_id;                             // MEDCORE_INSTANCE_ID (default host:pid)
  int jobs_poll_ms = 500;                              // MEDCORE_JOBS_POLL_MS
  int jobs_lease_seconds = 60;                         // MEDCORE_JOBS_LEASE_SECONDS

  // Mail.
  std::string mail_transport = "file";                 // MEDCORE_MAIL_TRANSPORT: file | smtp | sendgrid
  std::string mail_from = "medcore <no-reply@medcore.example>";  // MEDCORE_MAIL_FROM
  std::string smtp_url;                                // MEDCORE_SMTP_URL: smtp://host:587 or smtps://host:465
  std::string smtp_user;                               // MEDCORE_SMTP_USER
  std::string smtp_password;                           // MEDCORE_SMTP_PASSWORD (never logged)
  std::string smtp_starttls = "try";                   // MEDCORE_SMTP_STARTTLS: require | try | off
  std::string sendgrid_api_key;                        // MEDCORE_SENDGRID_API_KEY (never logged)
  std::string sendgrid_url = "https://api.sendgrid.com";  // MEDCORE_SENDGRID_URL
  int mail_max_attempts = 8;                           // MEDCORE_MAIL_MAX_ATTEMPTS before a mail is dead
  int mail_poll_ms = 500;                              // MEDCORE_MAIL_POLL_MS
  int mail_backoff_ms = 60'000;                        // MEDCORE_MAIL_BACKOFF_MS: first retry delay (doubles)

  // Appointments
  int booking_horizon_days = 60;                       // MEDCORE_BOOKING_HORIZON_DAYS: latest bookable day
  int booking_lead_minutes = 60;                       // MEDCORE_BOOKING_LEAD_MINUTES: earliest bookable start
  int cancel_cutoff_minutes = 120;                     // MEDCORE_CANCEL_CUTOFF_MINUTES: patients cancel/move until then

  // Reads every MEDCORE_* variable present; throws std::invalid_argument naming the bad one.
  static Config from_environment();
  // Fills the 0 = automatic values from the core count.
  void resolve_defaults();
};

}  // namespace medcore
