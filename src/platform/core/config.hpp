#pragma once
// Every setting of medcore: a MEDCORE_* environment variable, some overridable by a command-line flag.
//
// The settings are declared once, in the table in config.cpp (`settings()`): variable, flag, owner,
// default, allowed values and meaning. The parser (`from_environment`), the defaults of a
// default-constructed Config, `medcore config --list` and the README's settings table all come from
// that table (tests/api/cli.test.mjs checks the README against it), so a setting is added there and
// here, and nowhere else. The members below hold the values; they carry no defaults of their own.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace medcore {

struct Config {
  std::string database_url{};             // MEDCORE_DATABASE_URL
  int db_connect_timeout_seconds{};       // MEDCORE_DB_CONNECT_TIMEOUT
  int db_statement_timeout_ms{};         // MEDCORE_DB_STATEMENT_TIMEOUT_MS
  std::string listen{};                   // MEDCORE_LISTEN
  std::string metrics_listen{};           // MEDCORE_METRICS_LISTEN
  std::string web_root{};                 // MEDCORE_WEB_ROOT
  std::string var_dir{};                  // MEDCORE_VAR_DIR
  std::string models_dir{};               // MEDCORE_MODELS_DIR
  std::string log_level{};                // MEDCORE_LOG_LEVEL
  std::string public_url{};               // MEDCORE_PUBLIC_URL
  std::string allowed_origins{};          // MEDCORE_ALLOWED_ORIGINS
  std::string currency{};                 // MEDCORE_CURRENCY
  long session_ttl_seconds{};             // MEDCORE_SESSION_TTL
  long session_max_seconds{};             // MEDCORE_SESSION_MAX
  long read_cache_ms{};                   // MEDCORE_READ_CACHE_MS
  std::size_t io_threads{};               // MEDCORE_IO_THREADS
  std::size_t workers{};                  // MEDCORE_WORKERS
  std::size_t hash_workers{};             // MEDCORE_HASH_WORKERS
  std::size_t worker_queue{};             // MEDCORE_WORKER_QUEUE
  std::size_t inference_workers{};        // MEDCORE_INFERENCE_WORKERS
  std::size_t inference_queue{};          // MEDCORE_INFERENCE_QUEUE
  bool cookie_secure{};                   // MEDCORE_COOKIE_SECURE
  bool trust_proxy{};                     // MEDCORE_TRUST_PROXY
  int auth_rate_per_minute{};             // MEDCORE_AUTH_RATE_PER_MINUTE
  int login_max_failures_account{};       // MEDCORE_LOGIN_MAX_FAILURES_ACCOUNT
  int login_max_failures_ip{};            // MEDCORE_LOGIN_MAX_FAILURES_IP
  int reset_mails_per_hour{};             // MEDCORE_RESET_MAILS_PER_HOUR
  int read_timeout_seconds{};             // MEDCORE_READ_TIMEOUT
  int idle_timeout_seconds{};             // MEDCORE_IDLE_TIMEOUT
  int shutdown_grace_seconds{};           // MEDCORE_SHUTDOWN_GRACE
  int max_connections_per_ip{};           // MEDCORE_MAX_CONNECTIONS_PER_IP
  // Background work (mail delivery, jobs) in this instance.
  bool background{};                      // MEDCORE_BACKGROUND
  std::string instance_id{};              // MEDCORE_INSTANCE_ID
  int jobs_poll_ms{};                     // MEDCORE_JOBS_POLL_MS
  int jobs_lease_seconds{};               // MEDCORE_JOBS_LEASE_SECONDS
  // Mail.
  std::string mail_transport{};           // MEDCORE_MAIL_TRANSPORT
  std::string mail_from{};                // MEDCORE_MAIL_FROM
  std::string smtp_url{};                 // MEDCORE_SMTP_URL
  std::string smtp_user{};                // MEDCORE_SMTP_USER
  std::string smtp_password{};            // MEDCORE_SMTP_PASSWORD
  std::string smtp_starttls{};            // MEDCORE_SMTP_STARTTLS
  std::string sendgrid_api_key{};         // MEDCORE_SENDGRID_API_KEY
  std::string sendgrid_url{};             // MEDCORE_SENDGRID_URL
  int mail_max_attempts{};                // MEDCORE_MAIL_MAX_ATTEMPTS
  int mail_poll_ms{};                     // MEDCORE_MAIL_POLL_MS
  int mail_backoff_ms{};                  // MEDCORE_MAIL_BACKOFF_MS
  // Appointments
  int booking_horizon_days{};             // MEDCORE_BOOKING_HORIZON_DAYS
  int booking_lead_minutes{};             // MEDCORE_BOOKING_LEAD_MINUTES
  int cancel_cutoff_minutes{};            // MEDCORE_CANCEL_CUTOFF_MINUTES
  // The AI engine (main.cpp maps these onto ai::Options; the engine checks the ranges again)
  std::string ai_provider{};              // MEDCORE_AI_PROVIDER
  std::string ai_base_url{};              // MEDCORE_AI_BASE_URL
  std::string ai_model{};                 // MEDCORE_AI_MODEL
  std::string ai_api_key_env{};           // MEDCORE_AI_API_KEY_ENV
  std::string ai_api_key_file{};          // MEDCORE_AI_API_KEY_FILE
  int ai_timeout_ms{};                    // MEDCORE_AI_TIMEOUT_MS
  int ai_retries{};                       // MEDCORE_AI_RETRIES
  int ai_backoff_base_ms{};               // MEDCORE_AI_BACKOFF_BASE_MS
  int ai_backoff_max_ms{};                // MEDCORE_AI_BACKOFF_MAX_MS
  int ai_daily_limit{};                   // MEDCORE_AI_DAILY_LIMIT
  int ai_breaker_failures{};              // MEDCORE_AI_BREAKER_FAILURES
  int ai_breaker_open_ms{};               // MEDCORE_AI_BREAKER_OPEN_MS
  int ai_cache_entries{};                 // MEDCORE_AI_CACHE_ENTRIES
  int ai_cache_ttl_s{};                   // MEDCORE_AI_CACHE_TTL_S
  int health_advice_per_minute{};         // MEDCORE_HEALTH_ADVICE_PER_MINUTE

  // The declared defaults (the table's), before any environment variable or flag.
  Config();
  // The defaults, then every MEDCORE_* variable present; throws std::invalid_argument naming the
  // bad one.
  static Config from_environment();
  // Fills the 0 = automatic values from the core count.
  void resolve_defaults();
};

// One declared setting. `field` says where its value lives; its kind follows: a bool is on/off, a
// whole number is checked against [min, max], a text with `choices` must be one of them, any other
// text is taken as given (`form` then says what it should look like; its owner checks that when it
// starts, e.g. the listen address or the log level).
struct Setting {
  using Field = std::variant<std::string Config::*, bool Config::*, int Config::*, long Config::*,
                             std::size_t Config::*>;
  std::string_view variable{};           // MEDCORE_...
  std::string_view flag{};               // the command-line flag that overrides it, or empty
  std::string_view owner{};              // the part that reads it: a platform part or a feature
  Field field{};
  std::string_view fallback{};           // the default, spelt as in the environment
  long long min = 0;                   // whole numbers only
  long long max = 0;
  std::vector<std::string_view> choices{};
  std::string_view form{};               // text without choices: what a value looks like
  // When the default is worked out at start (a sentinel such as 0 or empty in `fallback`): how it
  // reads. Markdown, like `meaning`.
  std::string_view shown_default{};
  std::string_view meaning{};
};

// Every setting, in the order `medcore config --list` and the README show them.
const std::vector<Setting>& settings();

// Sets `setting` in `config` from `value` (as an environment variable would give it); throws
// std::invalid_argument naming the variable when the value is not allowed.
void apply_setting(const Setting& setting, Config& config, std::string_view value);

// The table for a human (`medcore config --list`) and as the README's Markdown table.
std::string settings_text();
std::string settings_markdown();

}  // namespace medcore
