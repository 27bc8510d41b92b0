#include "platform/core/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unistd.h>

namespace medcore {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

template <class Int>
void read_int(const char* name, Int& out, long long min, long long max) {
  const char* v = env(name);
  if (!v) return;
  long long n = 0;
  std::string_view s{v};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || ptr != s.data() + s.size() || n < min || n > max)
    throw std::invalid_argument(std::string(name) + " must be a whole number between " + std::to_string(min) +
                                " and " + std::to_string(max));
  out = static_cast<Int>(n);
}

void read_bool(const char* name, bool& out) {
  const char* v = env(name);
  if (!v) return;
  std::string_view s{v};
  if (s == "1" || s == "true" || s == "yes" || s == "on") out = true;
  else if (s == "0" || s == "false" || s == "no" || s == "off") out = false;
  else throw std::invalid_argument(std::string(name) + " must be 1/0, true/false, yes/no or on/off");
}

void read_string(const char* name, std::string& out) {
  if (const char* v = env(name)) out = v;
}

}  // namespace

Config Config::from_environment() {
  Config c;
  read_string("MEDCORE_DATABASE_URL", c.database_url);
  // libpq's connect_timeout counts whole seconds and treats 1 as 2.
  read_int("MEDCORE_DB_CONNECT_TIMEOUT", c.db_connect_timeout_seconds, 2, 300);
  read_int("MEDCORE_DB_STATEMENT_TIMEOUT_MS", c.db_statement_timeout_ms, 0, 3'600'000);
  read_string("MEDCORE_LISTEN", c.listen);
  read_string("MEDCORE_METRICS_LISTEN", c.metrics_listen);
  read_string("MEDCORE_WEB_ROOT", c.web_root);
  read_string("MEDCORE_VAR_DIR", c.var_dir);
  read_string("MEDCORE_MODELS_DIR", c.models_dir);
  read_string("MEDCORE_LOG_LEVEL", c.log_level);
  read_string("MEDCORE_PUBLIC_URL", c.public_url);
  read_string("MEDCORE_ALLOWED_ORIGINS", c.allowed_origins);
  read_string("MEDCORE_CURRENCY", c.currency);
  read_int("MEDCORE_SESSION_TTL", c.session_ttl_seconds, 60, 90LL * 24 * 3600);
  read_int("MEDCORE_SESSION_MAX", c.session_max_seconds, 60, 365LL * 24 * 3600);
  read_int("MEDCORE_READ_CACHE_MS", c.read_cache_ms, 0, 60'000);
  read_int("MEDCORE_IO_THREADS", c.io_threads, 0, 256);
  read_int("MEDCORE_WORKERS", c.workers, 0, 1024);
  read_int("MEDCORE_HASH_WORKERS", c.hash_workers, 0, 64);
  read_int("MEDCORE_WORKER_QUEUE", c.worker_queue, 1, 1'000'000);
  read_int("MEDCORE_INFERENCE_WORKERS", c.inference_workers, 0, 64);
  read_int("MEDCORE_INFERENCE_QUEUE", c.inference_queue, 1, 10'000);
  read_bool("MEDCORE_COOKIE_SECURE", c.cookie_secure);
  read_bool("MEDCORE_TRUST_PROXY", c.trust_proxy);
  read_int("MEDCORE_AUTH_RATE_PER_MINUTE", c.auth_rate_per_minute, 1, 10'000'000);
  read_int("MEDCORE_LOGIN_MAX_FAILURES_ACCOUNT", c.login_max_failures_account, 1, 10'000'000);
  read_int("MEDCORE_LOGIN_MAX_FAILURES_IP", c.login_max_failures_ip, 1, 10'000'000);
  read_int("MEDCORE_RESET_MAILS_PER_HOUR", c.reset_mails_per_hour, 1, 100);
  read_int("MEDCORE_BOOKING_HORIZON_DAYS", c.booking_horizon_days, 1, 366);
  read_int("MEDCORE_BOOKING_LEAD_MINUTES", c.booking_lead_minutes, 0, 7 * 24 * 60);
  read_int("MEDCORE_CANCEL_CUTOFF_MINUTES", c.cancel_cutoff_minutes, 0, 7 * 24 * 60);
  read_int("MEDCORE_READ_TIMEOUT", c.read_timeout_seconds, 1, 3600);
  read_int("MEDCORE_IDLE_TIMEOUT", c.idle_timeout_seconds, 1, 3600);
  read_int("MEDCORE_SHUTDOWN_GRACE", c.shutdown_grace_seconds, 0, 600);
  read_int("MEDCORE_MAX_CONNECTIONS_PER_IP", c.max_connections_per_ip, 0, 1'000'000);
  read_bool("MEDCORE_BACKGROUND", c.background);
  read_string("MEDCORE_INSTANCE_ID", c.instance_id);
  read_int("MEDCORE_JOBS_POLL_MS", c.jobs_poll_ms, 10, 60'000);
  read_int("MEDCORE_JOBS_LEASE_SECONDS", c.jobs_lease_seconds, 5, 24 * 3600);
  read_string("MEDCORE_MAIL_TRANSPORT", c.mail_transport);
  if (c.mail_transport != "file" && c.mail_transport != "smtp" && c.mail_transport != "sendgrid")
    throw std::invalid_argument("MEDCORE_MAIL_TRANSPORT must be file, smtp or sendgrid");
  read_string("MEDCORE_MAIL_FROM", c.mail_from);
  read_string("MEDCORE_SMTP_URL", c.smtp_url);
  read_string("MEDCORE_SMTP_USER", c.smtp_user);
  read_string("MEDCORE_SMTP_PASSWORD", c.smtp_password);
  read_string("MEDCORE_SMTP_STARTTLS", c.smtp_starttls);
  if (c.smtp_starttls != "require" && c.smtp_starttls != "try" && c.smtp_starttls != "off")
    throw std::invalid_argument("MEDCORE_SMTP_STARTTLS must be require, try or off");
  read_string("MEDCORE_SENDGRID_API_KEY", c.sendgrid_api_key);
  read_string("MEDCORE_SENDGRID_URL", c.sendgrid_url);
  read_int("MEDCORE_MAIL_MAX_ATTEMPTS", c.mail_max_attempts, 1, 100);
  read_int("MEDCORE_MAIL_POLL_MS", c.mail_poll_ms, 10, 60'000);
  read_int("MEDCORE_MAIL_BACKOFF_MS", c.mail_backoff_ms, 1, 24 * 3600 * 1000);
  while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  return c;
}

void Config::resolve_defaults() {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  if (io_threads == 0) io_threads = cores;
  if (workers == 0) workers = std::max<std::size_t>(4, 2 * cores);
  if (hash_workers == 0) hash_workers = std::max<std::size_t>(1, cores / 2);
  if (inference_workers == 0) inference_workers = cores;
  // Behind a proxy every connection comes from the proxy's address: a per-address cap would cap
  // the proxy, so per-client limits are the proxy's job there (deploy/nginx.conf).
  if (max_connections_per_ip < 0) max_connections_per_ip = trust_proxy ? 0 : 256;
  if (instance_id.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    instance_id = std::string(host) + ":" + std::to_string(getpid());
  }
}

}  // namespace medcore
