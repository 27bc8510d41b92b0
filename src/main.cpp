// medcore: one binary for the server and its operator commands.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <iostream>
#include <termios.h>

#include "engines/ai/cli.hpp"
#include "engines/ai/engine.hpp"
#include "engines/ai/http_client.hpp"
#include "engines/ml/cli.hpp"
#include "engines/vision/cli.hpp"
#include "features/accounts/install.hpp"
#include "features/accounts/seed.hpp"
#include "features/appointments/install.hpp"
#include "features/appointments/seed.hpp"
#include "features/care/install.hpp"
#include "features/chat/install.hpp"
#include "features/chat/seed.hpp"
#include "features/health/install.hpp"
#include "features/health/seed.hpp"
#include "features/predictions/install.hpp"
#include "features/skin/install.hpp"
#include "platform/app/app.hpp"
#include "platform/app/installer.hpp"
#include "platform/app/private_state.hpp"
#include "platform/audit/install.hpp"
#include "platform/core/config.hpp"
#include "platform/core/crypto.hpp"
#include "platform/core/log.hpp"
#include "platform/core/metrics.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/worker_pool.hpp"
#include "platform/db/migrations.hpp"
#include "platform/http/server.hpp"
#include "platform/jobs/cleanup.hpp"
#include "platform/jobs/runner.hpp"
#include "platform/notify/install.hpp"
#include "platform/ops/install.hpp"
#include "platform/realtime/dev.hpp"
#include "platform/realtime/pg_adapter.hpp"

using namespace medcore;

namespace {

// Flags shared by every subcommand; each overrides its MEDCORE_* variable.
void add_config_flags(CLI::App* cmd, Config& c) {
  cmd->add_option("--database-url", c.database_url, "sqlite:PATH or postgresql://... (MEDCORE_DATABASE_URL)");
  cmd->add_option("--var-dir", c.var_dir, "Directory for local state (MEDCORE_VAR_DIR)");
  cmd->add_option("--log-level", c.log_level, "trace|debug|info|warn|error (MEDCORE_LOG_LEVEL)");
  cmd->add_option("--public-url", c.public_url, "Base URL used in links in mails (MEDCORE_PUBLIC_URL)");
}

void add_server_flags(CLI::App* cmd, Config& c) {
  cmd->add_option("--listen", c.listen, "host:port to listen on (MEDCORE_LISTEN)");
  cmd->add_option("--web-root", c.web_root, "Directory of the built web app (MEDCORE_WEB_ROOT)");
  cmd->add_option("--session-ttl", c.session_ttl_seconds, "Sliding session lifetime in seconds (MEDCORE_SESSION_TTL)");
  cmd->add_option("--workers", c.workers, "Worker threads for blocking work, 0 = auto (MEDCORE_WORKERS)");
  cmd->add_option("--io-threads", c.io_threads, "Network threads, 0 = one per core (MEDCORE_IO_THREADS)");
  cmd->add_option("--hash-workers", c.hash_workers, "Password hashing threads, 0 = auto (MEDCORE_HASH_WORKERS)");
  cmd->add_option("--models-dir", c.models_dir, "Directory of the trained risk models (MEDCORE_MODELS_DIR)");
}

App open_app(Config config) {
  config.resolve_defaults();
  log::setup(config.log_level);
  crypto::init();
  keep_state_private(config);  // before the database file can be created
  App app{std::move(config), nullptr};
  // Every worker and hashing thread may hold a connection at once, and so may the background
  // threads (job runners, their scheduler, mail delivery), plus headroom for readiness probes.
  const std::size_t background_connections = app.config.background ? 6 : 0;
  app.db = db::Database::open(app.config.database_url,
                              app.config.workers + app.config.hash_workers + app.config.inference_workers +
                                  background_connections + 2,
                              app.config.db_connect_timeout_seconds, app.config.db_statement_timeout_ms);
  auto applied = db::migrate(*app.db);
  for (const auto& m : applied) log::info("migration_applied", {{"version", m.version}, {"name", m.name}});
  return app;
}

// The server's MEDCORE_AI_* settings as the engine's options (ranges checked again by the engine:
// std::invalid_argument stops the start).
ai::Options ai_options(const Config& c) {
  ai::Options o;
  const auto provider = ai::parse_provider(c.ai_provider);
  if (!provider) throw std::invalid_argument("MEDCORE_AI_PROVIDER must be offline, gemini or openai");
  o.provider = *provider;
  o.base_url = c.ai_base_url;
  o.model = c.ai_model;
  o.api_key_env = c.ai_api_key_env;
  o.api_key_file = c.ai_api_key_file;
  o.timeout = std::chrono::milliseconds(c.ai_timeout_ms);
  o.retries = c.ai_retries;
  o.backoff_base = std::chrono::milliseconds(c.ai_backoff_base_ms);
  o.backoff_max = std::chrono::milliseconds(c.ai_backoff_max_ms);
  o.daily_limit_per_user = c.ai_daily_limit;
  o.breaker_failures = c.ai_breaker_failures;
  o.breaker_open_for = std::chrono::milliseconds(c.ai_breaker_open_ms);
  o.cache_entries = static_cast<std::size_t>(c.ai_cache_entries);
  o.cache_ttl = std::chrono::seconds(c.ai_cache_ttl_s);
  return ai::resolved(o);
}

// The one AI engine of this process. Offline needs no HTTP client and no key.
std::unique_ptr<ai::Engine> make_ai_engine(const Config& c) {
  auto options = ai_options(c);
  if (options.provider == ai::Provider::offline) return std::make_unique<ai::Engine>(options, ai::Wording{}, nullptr, "");
  auto key = ai::load_api_key(options);
  return std::make_unique<ai::Engine>(options, ai::Wording{}, ai::make_curl_client(), std::move(key));
}

// Today's engine counters per provider on /metrics (the engine keeps them per UTC day, in memory:
// gauges, not counters, because they start again at midnight and at a restart).
void render_ai_metrics(const ai::Engine& engine, std::string& out) {
  const auto days = engine.counters();
  if (days.empty()) return;
  const std::string today = days.back().day;
  auto series = [&](std::string_view name, std::string_view help, auto value) {
    out += "# HELP medcore_ai_" + std::string(name) + " " + std::string(help) + "\n";
    out += "# TYPE medcore_ai_" + std::string(name) + " gauge\n";
    for (const auto& d : days)
      if (d.day == today) value(d);
  };
  auto line = [&](std::string_view name, const ai::ProviderDay& d, double v, std::string extra = {}) {
    out += "medcore_ai_" + std::string(name) + "{provider=\"" + d.provider + "\"" + extra + "} " +
           std::to_string(v) + "\n";
  };
  series("questions_today", "AI questions asked today (UTC), per configured provider.",
         [&](const auto& d) { line("questions_today", d, static_cast<double>(d.questions)); });
  series("calls_today", "HTTP requests to the AI provider today, retries included.",
         [&](const auto& d) { line("calls_today", d, static_cast<double>(d.calls)); });
  series("failures_today", "AI provider requests today that gave no usable answer.",
         [&](const auto& d) { line("failures_today", d, static_cast<double>(d.failures)); });
  series("fallbacks_today", "AI answers today that are the offline one although another provider was configured, by reason.",
         [&](const auto& d) {
           for (const auto& [reason, n] : d.fallbacks_by_reason)
             line("fallbacks_today", d, static_cast<double>(n), ",reason=\"" + reason + "\"");
         });
  series("latency_ms_max_today", "The longest wait for an AI answer today, ms.",
         [&](const auto& d) { line("latency_ms_max_today", d, d.latency_ms_max); });
  series("latency_ms_sum_today", "The summed waits for AI answers today, ms (divide by questions for the mean).",
         [&](const auto& d) { line("latency_ms_sum_today", d, d.latency_ms_total); });
  series("tokens_today", "Tokens the AI provider reported today, by direction.", [&](const auto& d) {
    line("tokens_today", d, static_cast<double>(d.tokens_in), ",direction=\"in\"");
    line("tokens_today", d, static_cast<double>(d.tokens_out), ",direction=\"out\"");
  });
}

// Every platform part with routes and every feature, in this order, for the server and for
// `medcore routes` (docs/ARCHITECTURE.md, "How a feature installs itself"). A new feature adds its
// line here.
void install_all(Installer& in, ai::Engine& engine) {
  ops::install(in);
  care::install(in);  // before anything can queue mail: notify asks it who may read health data
  const auto accounts = accounts::install(in);
  audit::install(in);
  notify::install(in);
  appointments::install(in);
  predictions::install(in);
  chat::install(in, accounts);  // logouts and suspensions close chat sockets
  skin::install(in);
  health::install(in, engine);  // health advice asks the one AI engine
}

int serve(Config config) {
  // A bad MEDCORE_PUBLIC_URL or MEDCORE_ALLOWED_ORIGINS stops the start here, before anything opens.
  auto origins = http::OriginPolicy::from_config(config);
  // A bad MEDCORE_AI_* setting or an unreadable key file stops the start too. The engine outlives
  // the server and the pools: a worker may be asking it until they stop.
  const auto ai_engine = make_ai_engine(config);
  App app = open_app(std::move(config));
  const auto& c = app.config;
  metrics().section([&engine = *ai_engine](std::string& out) { render_ai_metrics(engine, out); });

  WorkerPool general("general", c.workers, c.worker_queue);
  WorkerPool hashing("auth", c.hash_workers, c.worker_queue);
  WorkerPool inference("inference", c.inference_workers, c.inference_queue);
  metrics().gauge("medcore_worker_queue_depth", "Tasks waiting for a general worker.",
                  [&] { return static_cast<double>(general.queue_depth()); });
  metrics().gauge("medcore_worker_busy", "General workers running a task.",
                  [&] { return static_cast<double>(general.busy()); });
  metrics().gauge("medcore_auth_queue_depth", "Tasks waiting for a password-hashing worker.",
                  [&] { return static_cast<double>(hashing.queue_depth()); });
  metrics().gauge("medcore_inference_queue_depth", "Images waiting for an inference worker.",
                  [&] { return static_cast<double>(inference.queue_depth()); });
  metrics().gauge("medcore_db_pool_in_use", "Database connections leased.",
                  [&] { return static_cast<double>(app.db->in_use()); });
  metrics().gauge("medcore_db_pool_size", "Database connections in the pool.",
                  [&] { return static_cast<double>(app.db->pool_size()); });
  metrics().gauge("medcore_db_available",
                  "1 while the database serves; 0 from a failed connect (or a write SQLite refused) until it does again.",
                  [&] { return app.db->available() ? 1.0 : 0.0; });
  metrics().section([&](std::string& out) { app.db->render_metrics(out); });
  metrics().gauge("medcore_db_unavailable_total",
                  "Database calls refused because the database was unavailable (each answered 503 not-ready or retried).",
                  [&] { return static_cast<double>(app.db->unavailable_refusals()); });

  // Client sockets get the descriptors the process does not need itself: three per pooled
  // database connection (SQLite: database, WAL, shared memory), then room for the PostgreSQL
  // LISTEN connection, mail files and SMTP, model files, the I/O threads' epoll and timers.
  // Beyond that a new connection is closed at accept, instead of the process running out of
  // descriptors and every client — database work too — waiting.
  const std::size_t fd_limit = http::raise_open_file_limit();
  const std::size_t fd_reserve = 3 * app.db->pool_size() + 256;
  const std::size_t max_connections =
      fd_limit > fd_reserve + 64 ? fd_limit - fd_reserve : std::max<std::size_t>(16, fd_limit / 4);

  auto [host, port] = http::parse_listen_address(c.listen);
  std::optional<std::pair<std::string, std::uint16_t>> management_listen;
  if (!c.metrics_listen.empty()) {
    try {
      management_listen = http::parse_listen_address(c.metrics_listen);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("MEDCORE_METRICS_LISTEN: ") + e.what());
    }
  }
  http::ServerOptions options{.host = host,
                              .port = port,
                              .io_threads = c.io_threads,
                              .read_timeout_seconds = c.read_timeout_seconds,
                              .idle_timeout_seconds = c.idle_timeout_seconds,
                              .shutdown_grace_seconds = c.shutdown_grace_seconds,
                              .web_root = c.web_root,
                              .trust_proxy = c.trust_proxy,
                              .tls_terminated_upstream = c.cookie_secure,
                              .auth_rate_per_minute = c.auth_rate_per_minute,
                              .origins = std::move(origins),
                              .max_connections_per_ip = static_cast<std::size_t>(c.max_connections_per_ip),
                              .max_connections = max_connections,
                              .management_listen = management_listen};
  http::Router router;
  http::Server server(options, router, general, hashing, &inference);

  // Background jobs run on threads of their own, never on the HTTP pools. With
  // MEDCORE_BACKGROUND=0 this instance only serves HTTP (and may still schedule jobs).
  std::unique_ptr<jobs::Runner> job_runner;
  if (c.background) {
    job_runner = std::make_unique<jobs::Runner>(app);
    jobs::register_cleanup(*job_runner, app);
  }
  // On PostgreSQL Socket.IO broadcasts fan out to every instance through LISTEN/NOTIFY.
  std::shared_ptr<realtime::Adapter> socket_adapter;
  if (app.db->dialect() == db::Dialect::postgresql)
    socket_adapter = std::make_shared<realtime::PostgresAdapter>(
        db::postgres_connect_string(c.database_url, c.db_connect_timeout_seconds));
  // Declared after the HTTP server: the Socket.IO server it may make, and its sessions, go first.
  Installer installer(app, router, Pools{general, hashing, inference}, server, job_runner.get(),
                      std::move(socket_adapter));
  install_all(installer, *ai_engine);

  server.bind();
  log::info("listening", {{"address", host + ":" + std::to_string(server.port())},
                          {"metrics_address", management_listen ? management_listen->first + ":" +
                                                                      std::to_string(server.management_port())
                                                                : std::string()},
                          {"database", app.db->describe()},
                          {"io_threads", c.io_threads},
                          {"workers", c.workers},
                          {"hash_workers", c.hash_workers},
                          {"open_file_limit", fd_limit},
                          {"max_connections", max_connections},
                          {"max_connections_per_ip", c.max_connections_per_ip},
                          {"version", MEDCORE_VERSION}});
  installer.start();  // mail delivery
  if (job_runner) job_runner->start();
  server.run();
  installer.stop();  // the chat's heartbeat, mail delivery
  if (job_runner) job_runner->stop();
  // In-flight work finishes before the pools and the database go away.
  general.stop();
  hashing.stop();
  inference.stop();
  log::info("stopped");
  return 0;
}

std::string read_password_from_stdin() {
  std::string password;
  if (isatty(STDIN_FILENO)) {
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios silent = old;
    silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &silent);
    std::cerr << "Password: " << std::flush;
    std::getline(std::cin, password);
    std::cerr << "\nRepeat password: " << std::flush;
    std::string again;
    std::getline(std::cin, again);
    std::cerr << "\n";
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    if (again != password) throw std::invalid_argument("the passwords do not match");
  } else {
    std::getline(std::cin, password);
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"medcore: patients, doctors and their care, in one server"};
  cli.require_subcommand(1);
  Config config;
  try {
    config = Config::from_environment();
  } catch (const std::exception& e) {
    std::cerr << "configuration error: " << e.what() << "\n";
    return 2;
  }

  auto* serve_cmd = cli.add_subcommand("serve", "Apply migrations and serve the API and web app");
  add_config_flags(serve_cmd, config);
  add_server_flags(serve_cmd, config);

  auto* migrate_cmd = cli.add_subcommand("migrate", "Apply database migrations and exit");
  add_config_flags(migrate_cmd, config);

  auto* seed_cmd = cli.add_subcommand("seed", "Load demo data into an empty database");
  bool demo = false;
  seed_cmd->add_flag("--demo", demo, "Demo admin, doctors and patients (only into an empty database)")->required();
  add_config_flags(seed_cmd, config);

  auto* admin_cmd = cli.add_subcommand("admin", "Manage administrators");
  admin_cmd->require_subcommand(1);
  auto* admin_create = admin_cmd->add_subcommand("create", "Create an admin; the password is read from stdin");
  std::string email, name;
  admin_create->add_option("--email", email, "Email address")->required();
  admin_create->add_option("--name", name, "Full name")->required();
  add_config_flags(admin_create, config);

  // Engines add their own subcommands under these two (`train tabular`, ...).
  auto* train_cmd = cli.add_subcommand("train", "Train a model from a data set");
  train_cmd->require_subcommand(1);
  auto* evaluate_cmd = cli.add_subcommand("evaluate", "Score a trained model on labelled data");
  evaluate_cmd->require_subcommand(1);
  const auto tabular = ml::add_tabular_commands(train_cmd, evaluate_cmd);
  const auto skin = vision::add_skin_commands(train_cmd, evaluate_cmd);
  // `ai ask` / `ai bench`: the AI engine from the command line.
  const auto ai_cli = ai::add_ai_commands(&cli);

  // Development servers (`dev socketio-echo`, ...).
  auto* dev_cmd = cli.add_subcommand("dev", "Development servers and tools");
  dev_cmd->require_subcommand(1);
  const auto dev = realtime::add_dev_commands(dev_cmd);

  auto* config_cmd = cli.add_subcommand("config", "Show the settings");
  bool list_settings = false;
  std::string settings_format = "text";
  config_cmd->add_flag("--list", list_settings, "Every setting: variable, flag, default, allowed values, owner, meaning")
      ->required();
  config_cmd->add_option("--format", settings_format, "text (for a terminal) or markdown (the README's table)")
      ->check(CLI::IsMember({"text", "markdown"}));

  auto* version_cmd = cli.add_subcommand("version", "Print the version");
  auto* routes_cmd = cli.add_subcommand("routes", "List every HTTP route (method and path template)");

  CLI11_PARSE(cli, argc, argv);

  try {
    if (auto rc = ml::run_tabular_command(*tabular)) return *rc;
    if (auto rc = vision::run_skin_command(*skin)) return *rc;
    if (auto rc = ai::run_ai_command(*ai_cli)) return *rc;
    if (auto rc = realtime::run_dev_command(*dev)) return *rc;
    if (*config_cmd) {
      std::cout << (settings_format == "markdown" ? settings_markdown() : settings_text());
      return 0;
    }
    if (*version_cmd) {
      std::cout << "medcore " << MEDCORE_VERSION << "\n";
      return 0;
    }
    if (*routes_cmd) {
      // Registration never touches the database, so no connection is opened.
      App app{config, nullptr};
      http::Router router;
      Installer installer(app, router);
      ai::Engine offline(ai::resolved({}), ai::Wording{}, nullptr, "");
      install_all(installer, offline);
      for (const auto& r : router.routes()) std::cout << r->method << " " << r->pattern << "\n";
      return 0;
    }
    if (*serve_cmd) return serve(config);
    if (*migrate_cmd) {
      App app = open_app(config);
      std::cout << "migrations are current\n";
      return 0;
    }
    if (*seed_cmd) {
      App app = open_app(config);
      if (accounts::seed_demo(app, std::cout)) {
        appointments::seed_demo(app, std::cout);
        chat::seed_demo(app, std::cout);
        health::seed_demo(app, std::cout);
      }
      return 0;
    }
    if (*admin_create) {
      const std::string password = read_password_from_stdin();
      App app = open_app(config);
      const auto id = accounts::create_admin(app, email, name, password);
      std::cout << "created admin " << id << " <" << email << ">\n";
      return 0;
    }
  } catch (const Problem& p) {
    std::cerr << "error: " << p.detail() << "\n";
    for (const auto& e : p.errors()) std::cerr << "  " << e.field << ": " << e.message << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
