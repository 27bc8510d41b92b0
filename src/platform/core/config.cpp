#include "platform/core/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <unistd.h>

namespace medcore {

// The one declaration of every setting. Add a setting here (and its member in config.hpp); the
// parser, the defaults, `medcore config --list` and the README's table follow. Then run
// `medcore config --list --format markdown` and paste its output between the README's
// settings-table markers (tests/api/cli.test.mjs fails until they match).
const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      {.variable = "MEDCORE_DATABASE_URL", .flag = "--database-url", .owner = "db", .field = &Config::database_url,
       .fallback = "sqlite:var/medcore.db", .form = "`sqlite:PATH` or `postgresql://…`",
       .meaning = "the database: an SQLite file or a PostgreSQL server"},
      // libpq's connect_timeout counts whole seconds and treats 1 as 2.
      {.variable = "MEDCORE_DB_CONNECT_TIMEOUT", .owner = "db", .field = &Config::db_connect_timeout_seconds,
       .fallback = "5", .min = 2, .max = 300,
       .meaning = "seconds a PostgreSQL connect may take before it fails (libpq's `connect_timeout`, unless the URL "
                  "sets one)"},
      {.variable = "MEDCORE_DB_STATEMENT_TIMEOUT_MS", .owner = "db", .field = &Config::db_statement_timeout_ms,
       .fallback = "5000", .min = 0, .max = 3'600'000,
       .meaning = "milliseconds any one statement of a transaction may run on PostgreSQL before it is cancelled and "
                  "answered 503 `statement-timeout` (0 = medcore sets no limit; a few known-long transactions get "
                  "more, see docs/OPERATIONS.md). SQLite has no statement timeout"},
      {.variable = "MEDCORE_LISTEN", .flag = "--listen", .owner = "http", .field = &Config::listen,
       .fallback = "127.0.0.1:8080", .form = "`host:port`",
       .meaning = "where the API and web app listen; port 0 picks any free port"},
      {.variable = "MEDCORE_METRICS_LISTEN", .owner = "http", .field = &Config::metrics_listen, .form = "`host:port`",
       .meaning = "a management listener serving `/metrics`, `/healthz` and `/readyz` only (e.g. `10.0.0.5:9464` on "
                  "an internal interface); then the API port answers 404 for `/metrics`. Unset: `/metrics` is on the "
                  "API port while that listens on loopback only, and nowhere otherwise"},
      {.variable = "MEDCORE_WEB_ROOT", .flag = "--web-root", .owner = "http", .field = &Config::web_root,
       .fallback = "web/dist", .meaning = "directory of the built web app"},
      {.variable = "MEDCORE_VAR_DIR", .flag = "--var-dir", .owner = "app", .field = &Config::var_dir, .fallback = "var",
       .meaning = "local state: demo credentials, mail files (kept private to the service user: 0700)"},
      {.variable = "MEDCORE_MODELS_DIR", .flag = "--models-dir", .owner = "predictions, skin",
       .field = &Config::models_dir, .fallback = "models",
       .meaning = "the trained risk models (`*.card.json` and model files) and the skin model (`skin/`), loaded once "
                  "at start; the server does not start without them"},
      // log::setup checks the name when a command starts (`medcore version` never does).
      {.variable = "MEDCORE_LOG_LEVEL", .flag = "--log-level", .owner = "core", .field = &Config::log_level,
       .fallback = "info", .form = "`trace`, `debug`, `info`, `warn` or `error`",
       .meaning = "the least severe log lines written"},
      {.variable = "MEDCORE_PUBLIC_URL", .flag = "--public-url", .owner = "http, notify", .field = &Config::public_url,
       .fallback = "http://127.0.0.1:8080", .form = "`scheme://host[:port]`",
       .meaning = "base of links in mails; its origin (scheme, host, port) is the one whose pages may send unsafe "
                  "requests and open `/chat` with the session cookie"},
      {.variable = "MEDCORE_ALLOWED_ORIGINS", .owner = "http", .field = &Config::allowed_origins,
       .form = "comma-separated origins",
       .meaning = "more such origins (`https://staff.example.org, http://localhost:5173`); each "
                  "`scheme://host[:port]`, no path — a bad entry stops `serve`"},
      {.variable = "MEDCORE_CURRENCY", .owner = "accounts", .field = &Config::currency, .fallback = "USD",
       .meaning = "currency of prices and fees"},
      {.variable = "MEDCORE_SESSION_TTL", .flag = "--session-ttl", .owner = "accounts",
       .field = &Config::session_ttl_seconds, .fallback = "43200", .min = 60, .max = 90LL * 24 * 3600,
       .shown_default = "`43200` (12 h)", .meaning = "sliding idle lifetime of a session, seconds"},
      {.variable = "MEDCORE_SESSION_MAX", .owner = "accounts", .field = &Config::session_max_seconds,
       .fallback = "2592000", .min = 60, .max = 365LL * 24 * 3600, .shown_default = "`2592000` (30 days)",
       .meaning = "absolute lifetime of a session, seconds"},
      {.variable = "MEDCORE_READ_CACHE_MS", .owner = "accounts", .field = &Config::read_cache_ms, .fallback = "1000",
       .min = 0, .max = 60'000,
       .meaning = "how long an instance answers a session, `/api/v1/me` and a directory page from memory, ms. Changes "
                  "made on this instance take effect at once; a logout, password change or suspension on another "
                  "instance within about a PostgreSQL notification's delay, and at the latest after this long "
                  "(profile edits and approvals elsewhere: after this long). 0 = always ask the database"},
      {.variable = "MEDCORE_IO_THREADS", .flag = "--io-threads", .owner = "http", .field = &Config::io_threads,
       .fallback = "0", .min = 0, .max = 256, .shown_default = "`0` = one per core", .meaning = "network threads"},
      {.variable = "MEDCORE_WORKERS", .flag = "--workers", .owner = "http", .field = &Config::workers, .fallback = "0",
       .min = 0, .max = 1024, .shown_default = "`0` = max(4, 2 × cores)",
       .meaning = "worker threads for blocking work (database, …)"},
      {.variable = "MEDCORE_HASH_WORKERS", .flag = "--hash-workers", .owner = "http", .field = &Config::hash_workers,
       .fallback = "0", .min = 0, .max = 64, .shown_default = "`0` = max(1, cores / 2)",
       .meaning = "password-hashing threads"},
      {.variable = "MEDCORE_WORKER_QUEUE", .owner = "http", .field = &Config::worker_queue, .fallback = "1024",
       .min = 1, .max = 1'000'000, .meaning = "pending tasks before requests get 503 `overloaded`"},
      {.variable = "MEDCORE_INFERENCE_WORKERS", .owner = "skin", .field = &Config::inference_workers,
       .fallback = "0", .min = 0, .max = 64, .shown_default = "`0` = one per core",
       .meaning = "skin image analyses running at once; each gets cores / workers LibTorch threads"},
      {.variable = "MEDCORE_INFERENCE_QUEUE", .owner = "skin", .field = &Config::inference_queue, .fallback = "16",
       .min = 1, .max = 10'000,
       .meaning = "images waiting for an inference worker before uploads get 503 `overloaded`"},
      {.variable = "MEDCORE_COOKIE_SECURE", .owner = "http", .field = &Config::cookie_secure, .fallback = "off",
       .meaning = "the site is served over HTTPS: mark the session cookie `Secure` and send "
                  "`Strict-Transport-Security: max-age=31536000; includeSubDomains` on every answer (only then)"},
      {.variable = "MEDCORE_TRUST_PROXY", .owner = "http", .field = &Config::trust_proxy, .fallback = "off",
       .meaning = "believe `X-Forwarded-For` / `X-Forwarded-Proto`"},
      {.variable = "MEDCORE_AUTH_RATE_PER_MINUTE", .owner = "http", .field = &Config::auth_rate_per_minute,
       .fallback = "30", .min = 1, .max = 10'000'000, .meaning = "requests per minute per IP to the auth routes"},
      {.variable = "MEDCORE_LOGIN_MAX_FAILURES_ACCOUNT", .owner = "accounts",
       .field = &Config::login_max_failures_account, .fallback = "5", .min = 1, .max = 10'000'000,
       .meaning = "failed logins for one account from one IP within 15 minutes before that IP gets 429 for that "
                  "account (the owner elsewhere is not locked out)"},
      {.variable = "MEDCORE_LOGIN_MAX_FAILURES_IP", .owner = "accounts", .field = &Config::login_max_failures_ip,
       .fallback = "20", .min = 1, .max = 10'000'000,
       .meaning = "failed logins per IP within 15 minutes before 429"},
      {.variable = "MEDCORE_RESET_MAILS_PER_HOUR", .owner = "accounts", .field = &Config::reset_mails_per_hour,
       .fallback = "3", .min = 1, .max = 100,
       .meaning = "password-reset mails per account per hour; further requests still answer 202 and send nothing"},
      {.variable = "MEDCORE_READ_TIMEOUT", .owner = "http", .field = &Config::read_timeout_seconds, .fallback = "30",
       .min = 1, .max = 3600, .meaning = "seconds to read a request"},
      {.variable = "MEDCORE_IDLE_TIMEOUT", .owner = "http", .field = &Config::idle_timeout_seconds, .fallback = "60",
       .min = 1, .max = 3600, .meaning = "seconds a keep-alive connection may stay idle"},
      {.variable = "MEDCORE_SHUTDOWN_GRACE", .owner = "http", .field = &Config::shutdown_grace_seconds,
       .fallback = "10", .min = 0, .max = 600, .meaning = "seconds in-flight requests get to finish on shutdown"},
      // -1 is no value anyone may set: resolve_defaults() turns it into 256, or 0 behind a proxy.
      {.variable = "MEDCORE_MAX_CONNECTIONS_PER_IP", .owner = "http", .field = &Config::max_connections_per_ip,
       .fallback = "-1", .min = 0, .max = 1'000'000, .shown_default = "`256`; `0` with `MEDCORE_TRUST_PROXY`",
       .meaning = "open connections (WebSockets and held polls included) per client address — an IPv4 address or "
                  "an IPv6 /64; more are closed at accept. `0` = no cap. Behind a proxy every connection comes from "
                  "the proxy, so the default is off there and `deploy/nginx.conf` limits clients"},
      {.variable = "MEDCORE_BOOKING_LEAD_MINUTES", .owner = "appointments", .field = &Config::booking_lead_minutes,
       .fallback = "60", .min = 0, .max = 7 * 24 * 60, .meaning = "earliest bookable slot: now + this many minutes"},
      {.variable = "MEDCORE_BOOKING_HORIZON_DAYS", .owner = "appointments", .field = &Config::booking_horizon_days,
       .fallback = "60", .min = 1, .max = 366, .meaning = "latest bookable slot: now + this many days"},
      {.variable = "MEDCORE_CANCEL_CUTOFF_MINUTES", .owner = "appointments", .field = &Config::cancel_cutoff_minutes,
       .fallback = "120", .min = 0, .max = 7 * 24 * 60,
       .meaning = "patients cancel or move an appointment online until this many minutes before it starts"},
      {.variable = "MEDCORE_BACKGROUND", .owner = "jobs, notify", .field = &Config::background, .fallback = "on",
       .meaning = "run the job runner (and mail delivery) in this instance; `0` for HTTP-only instances"},
      {.variable = "MEDCORE_INSTANCE_ID", .owner = "jobs, notify", .field = &Config::instance_id,
       .shown_default = "`host:pid`", .meaning = "this instance's name in `jobs.locked_by` and the logs"},
      {.variable = "MEDCORE_JOBS_POLL_MS", .owner = "jobs", .field = &Config::jobs_poll_ms, .fallback = "500",
       .min = 10, .max = 60'000,
       .meaning = "how often an idle runner looks for due jobs, ms; the dispatch delay of a lone job"},
      {.variable = "MEDCORE_JOBS_LEASE_SECONDS", .owner = "jobs", .field = &Config::jobs_lease_seconds,
       .fallback = "60", .min = 5, .max = 24 * 3600,
       .meaning = "how long a claimed job stays claimed without a renewal; after a crash, the wait before another "
                  "instance takes it over"},
      {.variable = "MEDCORE_MAIL_TRANSPORT", .owner = "notify", .field = &Config::mail_transport, .fallback = "file",
       .choices = {"file", "smtp", "sendgrid"},
       .meaning = "`file`: one RFC 5322 `.eml` per mail in `<MEDCORE_VAR_DIR>/mail/` (what `make run` uses; open them "
                  "with any mail reader); `smtp`; `sendgrid`"},
      {.variable = "MEDCORE_MAIL_FROM", .owner = "notify", .field = &Config::mail_from,
       .fallback = "medcore <no-reply@medcore.example>",
       .meaning = "the `From` of every mail (and the SMTP envelope sender)"},
      {.variable = "MEDCORE_SMTP_URL", .owner = "notify", .field = &Config::smtp_url,
       .form = "`smtp://host:587` or `smtps://host:465`",
       .meaning = "the SMTP server: plain, then STARTTLS per `MEDCORE_SMTP_STARTTLS` (`smtp://`), or TLS from the "
                  "start (`smtps://`)"},
      {.variable = "MEDCORE_SMTP_STARTTLS", .owner = "notify", .field = &Config::smtp_starttls, .fallback = "try",
       .choices = {"require", "try", "off"},
       .meaning = "`require` (refuse to send without TLS), `try` (use it when offered), `off`"},
      {.variable = "MEDCORE_SMTP_USER", .owner = "notify", .field = &Config::smtp_user,
       .meaning = "SMTP AUTH when set, with `MEDCORE_SMTP_PASSWORD`"},
      {.variable = "MEDCORE_SMTP_PASSWORD", .owner = "notify", .field = &Config::smtp_password,
       .meaning = "the SMTP AUTH password; never logged or stored in `last_error`"},
      {.variable = "MEDCORE_SENDGRID_API_KEY", .owner = "notify", .field = &Config::sendgrid_api_key,
       .meaning = "SendGrid v3 API key (sent as `Authorization: Bearer`); never logged"},
      {.variable = "MEDCORE_SENDGRID_URL", .owner = "notify", .field = &Config::sendgrid_url,
       .fallback = "https://api.sendgrid.com", .meaning = "SendGrid API base (the tests point it at a fake on loopback)"},
      {.variable = "MEDCORE_MAIL_MAX_ATTEMPTS", .owner = "notify", .field = &Config::mail_max_attempts,
       .fallback = "8", .min = 1, .max = 100, .meaning = "attempts before a temporarily failing mail is `dead`"},
      {.variable = "MEDCORE_MAIL_BACKOFF_MS", .owner = "notify", .field = &Config::mail_backoff_ms,
       .fallback = "60000", .min = 1, .max = 24 * 3600 * 1000,
       .meaning = "delay before the first retry, ms; doubles with every attempt (×0.5–1 jitter, capped at 6 h)"},
      {.variable = "MEDCORE_MAIL_POLL_MS", .owner = "notify", .field = &Config::mail_poll_ms, .fallback = "500",
       .min = 10, .max = 60'000, .meaning = "how often an idle worker looks for due mail, ms"},
      // The AI engine (docs/OPERATIONS.md, "AI provider"). The ranges are the engine's own
      // (ai::resolved); a cloud provider also needs an administrator's switch before data leaves.
      {.variable = "MEDCORE_AI_PROVIDER", .owner = "ai", .field = &Config::ai_provider, .fallback = "offline",
       .choices = {"offline", "gemini", "openai"},
       .meaning = "who writes health advice: `offline` (rules, no network), `gemini`, or `openai` (any "
                  "OpenAI-compatible server: llama.cpp, Ollama, vLLM); a network provider is asked only after an "
                  "administrator enables it (`PUT /api/v1/admin/ai`)"},
      {.variable = "MEDCORE_AI_BASE_URL", .owner = "ai", .field = &Config::ai_base_url, .form = "`http(s)://host[:port]`",
       .shown_default = "gemini: `https://generativelanguage.googleapis.com`; openai: `http://127.0.0.1:8080`",
       .meaning = "the provider's base; the engine appends `/v1beta/models/{model}:generateContent` or "
                  "`/v1/chat/completions`"},
      {.variable = "MEDCORE_AI_MODEL", .owner = "ai", .field = &Config::ai_model, .form = "1–200 of `A-Za-z0-9._:/-`",
       .shown_default = "gemini: `gemini-2.5-flash`; openai: `local-model`",
       .meaning = "the model name sent to the provider"},
      {.variable = "MEDCORE_AI_API_KEY_ENV", .owner = "ai", .field = &Config::ai_api_key_env,
       .fallback = "MEDCORE_AI_API_KEY", .form = "a variable name",
       .meaning = "the environment variable holding the provider's key (sent only to that provider; never logged)"},
      {.variable = "MEDCORE_AI_API_KEY_FILE", .owner = "ai", .field = &Config::ai_api_key_file, .form = "a path",
       .meaning = "read the key from this file's first line instead (e.g. a mounted secret)"},
      {.variable = "MEDCORE_AI_TIMEOUT_MS", .owner = "ai", .field = &Config::ai_timeout_ms, .fallback = "20000",
       .min = 100, .max = 120'000, .meaning = "per provider request, connect to last byte, ms"},
      {.variable = "MEDCORE_AI_RETRIES", .owner = "ai", .field = &Config::ai_retries, .fallback = "2", .min = 0,
       .max = 5, .meaning = "retries after a 429 or 5xx only"},
      {.variable = "MEDCORE_AI_BACKOFF_BASE_MS", .owner = "ai", .field = &Config::ai_backoff_base_ms,
       .fallback = "500", .min = 10, .max = 10'000,
       .meaning = "wait before retry n: this × 2^n, or the provider's `Retry-After`, ms"},
      {.variable = "MEDCORE_AI_BACKOFF_MAX_MS", .owner = "ai", .field = &Config::ai_backoff_max_ms,
       .fallback = "10000", .min = 10, .max = 60'000,
       .meaning = "a longer wait gives up (and answers offline); at least `MEDCORE_AI_BACKOFF_BASE_MS`, ms"},
      {.variable = "MEDCORE_AI_DAILY_LIMIT", .owner = "ai", .field = &Config::ai_daily_limit, .fallback = "20",
       .min = 1, .max = 10'000,
       .meaning = "provider answers per user per UTC day; more get the offline answer"},
      {.variable = "MEDCORE_AI_BREAKER_FAILURES", .owner = "ai", .field = &Config::ai_breaker_failures,
       .fallback = "5", .min = 1, .max = 100, .meaning = "failed provider questions in a row that open the breaker"},
      {.variable = "MEDCORE_AI_BREAKER_OPEN_MS", .owner = "ai", .field = &Config::ai_breaker_open_ms,
       .fallback = "60000", .min = 1'000, .max = 3'600'000,
       .meaning = "how long the open breaker answers offline before one probe, ms"},
      {.variable = "MEDCORE_AI_CACHE_ENTRIES", .owner = "ai", .field = &Config::ai_cache_entries,
       .fallback = "1000", .min = 0, .max = 100'000,
       .meaning = "provider answers kept in memory by facts digest; `0` turns the cache off"},
      {.variable = "MEDCORE_AI_CACHE_TTL_S", .owner = "ai", .field = &Config::ai_cache_ttl_s, .fallback = "21600",
       .min = 1, .max = 7 * 24 * 3600, .meaning = "how long a cached answer is kept, s"},
      {.variable = "MEDCORE_HEALTH_ADVICE_PER_MINUTE", .owner = "health", .field = &Config::health_advice_per_minute,
       .fallback = "6", .min = 1, .max = 600,
       .meaning = "advice requests per patient per minute (a burst of this many, then evenly); more are answered 429"},
  };
  return table;
}

namespace {

std::string choices_text(const Setting& s) {
  std::string out;
  for (std::size_t i = 0; i < s.choices.size(); ++i) {
    if (i > 0) out += i + 1 == s.choices.size() ? " or " : ", ";
    out += s.choices[i];
  }
  return out;
}

void set_bool(const Setting& s, bool& out, std::string_view v) {
  if (v == "1" || v == "true" || v == "yes" || v == "on") out = true;
  else if (v == "0" || v == "false" || v == "no" || v == "off") out = false;
  else throw std::invalid_argument(std::string(s.variable) + " must be 1/0, true/false, yes/no or on/off");
}

template <class Int>
void set_int(const Setting& s, Int& out, std::string_view v, bool check_range) {
  long long n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || ptr != v.data() + v.size() || (check_range && (n < s.min || n > s.max)))
    throw std::invalid_argument(std::string(s.variable) + " must be a whole number between " + std::to_string(s.min) +
                                " and " + std::to_string(s.max));
  out = static_cast<Int>(n);
}

// `check` is false only for the declared defaults, which may be a sentinel that resolve_defaults()
// works out (a -1 or an empty text: see Setting::shown_default).
void set(const Setting& s, Config& c, std::string_view v, bool check) {
  std::visit(
      [&](auto member) {
        auto& out = c.*member;
        using T = std::remove_reference_t<decltype(out)>;
        if constexpr (std::is_same_v<T, bool>) {
          set_bool(s, out, v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (check && !s.choices.empty() && std::find(s.choices.begin(), s.choices.end(), v) == s.choices.end())
            throw std::invalid_argument(std::string(s.variable) + " must be " + choices_text(s));
          out = std::string(v);
        } else {
          set_int(s, out, v, check);
        }
      },
      s.field);
}

// What a value may be, as the tables show it.
std::string allowed(const Setting& s) {
  return std::visit(
      [&](auto member) -> std::string {
        using T = std::remove_reference_t<decltype(std::declval<Config&>().*member)>;
        if constexpr (std::is_same_v<T, bool>) {
          return "on/off";
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (s.choices.empty()) return std::string(s.form);
          std::string out;
          for (std::size_t i = 0; i < s.choices.size(); ++i) {
            if (i > 0) out += i + 1 == s.choices.size() ? " or " : ", ";
            out += "`" + std::string(s.choices[i]) + "`";
          }
          return out;
        } else {
          return std::to_string(s.min) + "–" + std::to_string(s.max);
        }
      },
      s.field);
}

std::string shown_default(const Setting& s) {
  if (!s.shown_default.empty()) return std::string(s.shown_default);
  if (std::holds_alternative<bool Config::*>(s.field)) return std::string(s.fallback);  // on / off
  if (s.fallback.empty()) return {};
  return "`" + std::string(s.fallback) + "`";
}

// Markdown's code spans become plain text for the terminal.
std::string plain(std::string_view markdown) {
  std::string out;
  for (char ch : markdown)
    if (ch != '`') out += ch;
  return out;
}

// Display width: every UTF-8 continuation byte (–, ×, …) shares its character's one column.
std::size_t width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char ch) {
    return (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  }));
}

std::string pad(const std::string& s, std::size_t w) { return s + std::string(w > width(s) ? w - width(s) : 0, ' '); }

std::vector<std::string> wrap(const std::string& text, std::size_t columns) {
  std::vector<std::string> lines;
  std::istringstream words(text);
  std::string word, line;
  while (words >> word) {
    if (!line.empty() && width(line) + 1 + width(word) > columns) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace

void apply_setting(const Setting& setting, Config& config, std::string_view value) {
  set(setting, config, value, true);
}

Config::Config() {
  for (const auto& s : settings()) set(s, *this, s.fallback, false);
}

Config Config::from_environment() {
  Config c;
  for (const auto& s : settings()) {
    const std::string name(s.variable);
    const char* v = std::getenv(name.c_str());
    if (v && *v) apply_setting(s, c, v);
  }
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

std::string settings_text() {
  struct Row {
    std::string variable, flag, fallback, allowed, owner, meaning;
  };
  std::vector<Row> rows{{"VARIABLE", "FLAG", "DEFAULT", "ALLOWED", "OWNER", ""}};
  for (const auto& s : settings())
    rows.push_back({std::string(s.variable), std::string(s.flag), plain(shown_default(s)), plain(allowed(s)),
                    std::string(s.owner), plain(s.meaning)});
  std::size_t w[5] = {};
  for (const auto& r : rows) {
    w[0] = std::max(w[0], width(r.variable));
    w[1] = std::max(w[1], width(r.flag));
    w[2] = std::max(w[2], width(r.fallback));
    w[3] = std::max(w[3], width(r.allowed));
    w[4] = std::max(w[4], width(r.owner));
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line = pad(r.variable, w[0]) + "  " + pad(r.flag, w[1]) + "  " + pad(r.fallback, w[2]) + "  " +
                       pad(r.allowed, w[3]) + "  " + r.owner;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    // The meaning goes under its row, indented, so the columns above stay one line each.
    for (const auto& l : wrap(r.meaning, 96)) out += "    " + l + "\n";
  }
  out += "\nOn/off settings take 1/0, true/false, yes/no or on/off.\n";
  return out;
}

std::string settings_markdown() {
  std::string out = "| variable | flag | default | allowed | owner | meaning |\n| --- | --- | --- | --- | --- | --- |\n";
  const auto cell = [](std::string_view s) { return s.empty() ? std::string(" ") : " " + std::string(s) + " "; };
  for (const auto& s : settings()) {
    out += "| `" + std::string(s.variable) + "` |" + cell(s.flag.empty() ? "" : "`" + std::string(s.flag) + "`") +
           "|" + cell(shown_default(s)) + "|" + cell(allowed(s)) + "|" + cell(s.owner) + "|" + cell(s.meaning) + "|\n";
  }
  return out;
}

}  // namespace medcore
