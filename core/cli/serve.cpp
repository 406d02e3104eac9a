#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "apify/client.hpp"
#include "config/config.hpp"
#include "config/postgres_url.hpp"
#include "delivery/engine.hpp"
#include "http/server.hpp"
#include "ledger/ledger.hpp"
#include "observe/log.hpp"
#include "observe/systemd_notify.hpp"
#include "plugin/sinks.hpp"

namespace sinkhub::cli {

namespace {

// Routes may name actors as "username/actor-name"; webhooks carry ids. Each name is
// resolved once through GET /v2/acts/{username~name} at startup and replaced by the id.
bool resolve_actor_names(config::Config& cfg) {
  std::unique_ptr<apify::Client> client;
  for (auto& route : cfg.routes)
    for (auto& actor : route.actors) {
      if (actor.find('/') == std::string::npos) continue;
      try {
        // Startup should not hang for minutes on an unreachable API: a few quick attempts.
        apify::ClientOptions quick;
        quick.max_attempts = 3;
        quick.max_retry_after = std::chrono::seconds(10);
        if (!client) client = std::make_unique<apify::Client>(cfg.apify, quick);
      } catch (const std::exception& e) {
        spdlog::error("apify: {}", e.what());
        return false;
      }
      const auto found = client->get_actor(actor);
      if (!found.ok) {
        spdlog::error("{}:{}: {}.actors: cannot resolve '{}' through the Apify API: {}", cfg.file, route.line,
                      route.name, actor, found.error.describe());
        return false;
      }
      spdlog::info("route {}: actor {} is {}", route.name, actor, found.value.id);
      actor = found.value.id;
    }
  return true;
}

// Tells systemd (Type=notify) where the daemon is; an unusable NOTIFY_SOCKET is only a warning.
void tell_service_manager(const std::string& state) {
  const auto outcome = observe::notify_service_manager(state);
  if (outcome.kind == observe::NotifyOutcome::Failed) spdlog::warn("systemd notification: {}", outcome.error);
}

// Plugins are loaded after the config is parsed and before anything listens: a sink that
// cannot be created is a startup error, not a surprise at the first webhook.
bool open_sinks(const config::Config& cfg, plugin::Registry& registry, plugin::SinkSet& sinks) {
  std::vector<config::Diagnostic> diags;
  registry.scan(cfg.plugin_dirs);
  plugin::bind_sinks(cfg, registry, /*check_only=*/false, diags, &sinks);
  if (!diags.empty()) {
    for (const auto& line : config::ConfigError(cfg.file, std::move(diags)).lines()) spdlog::error("{}", line);
    spdlog::error("not starting: a configured sink cannot be created");
    return false;
  }
  for (auto& inst : sinks.all()) {
    const auto r = inst->open(30000);
    if (!r.ok()) {
      spdlog::error("sink {} ({}) failed to open: {}", inst->name(), inst->plugin().id, r.message);
      return false;
    }
  }
  return true;
}

void log_ledger(const config::LedgerConfig& l) {
  if (l.postgres())  // never the password
    spdlog::info("ledger {} open (PostgreSQL, pool={})", config::PostgresUrl(l.url).redacted(), l.pool);
  else
    spdlog::info("ledger {} open (synchronous={})", l.path, l.synchronous);
}

}  // namespace

int serve(const Args& args) {
  using Poco::Util::Option;
  Poco::Util::OptionSet opts;
  opts.addOption(Option("config", "c", "config file (.yaml, .yml or .ini)").required(true).argument("FILE"));
  opts.addOption(Option("log-format", "", "log line format on stderr: text (default) or json").argument("FORMAT"));
  opts.addOption(Option("log-level", "", "trace, debug, info (default), warn or error").argument("LEVEL"));
  Parsed p;
  const char* summary =
      "Runs sinkhub in the foreground: listens for Apify webhooks, verifies them, records them in the ledger and "
      "answers once they are durable. Stops cleanly on SIGTERM or SIGINT.";
  if (!parse_options("serve", summary, opts, args, p)) return 2;
  if (p.help) return 0;

  const std::string format = p.get("log-format", "text"), level = p.get("log-level", "info");
  if (format != "text" && format != "json") {
    std::cerr << "sinkhub serve: --log-format must be text or json\n";
    return 2;
  }
  if (level != "trace" && level != "debug" && level != "info" && level != "warn" && level != "error") {
    std::cerr << "sinkhub serve: --log-level must be trace, debug, info, warn or error\n";
    return 2;
  }
  // Signals are taken synchronously by this thread (sigwait), so they are blocked before any
  // other thread exists (the async logger's included) and every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);  // `systemctl reload`: must not kill the daemon (see below)
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  observe::init_logging(format == "json" ? observe::LogFormat::Json : observe::LogFormat::Text, level);

  config::Config cfg;
  try {
    cfg = config::load(p.get("config"));
  } catch (const config::ConfigError& e) {
    for (const auto& line : e.lines()) spdlog::error("{}", line);
    spdlog::error("not starting: fix the config (sinkhub check-config --config {})", p.get("config"));
    return 1;
  }
  if (cfg.auth.secrets.empty())
    spdlog::warn("auth.allow_unauthenticated is set: anyone who can reach {}:{} can post webhooks", cfg.server.host,
                 cfg.server.port);

  plugin::Registry registry;
  plugin::SinkSet sinks;
  if (!open_sinks(cfg, registry, sinks) || !resolve_actor_names(cfg)) return 1;

  try {
    auto ledger = ledger::open(cfg.ledger);
    log_ledger(cfg.ledger);
    delivery::Engine engine(cfg, *ledger, sinks);
    // Other daemons' new work wakes this one's idle workers (PostgreSQL LISTEN/NOTIFY); the
    // hook goes before the engine does, whichever way this block is left.
    ledger->on_new_work([&engine] { engine.wake(); });
    struct Unhook {
      ledger::Ledger& l;
      ~Unhook() { l.on_new_work(nullptr); }
    } unhook{*ledger};
    http::Server server(cfg, *ledger, [&engine] { engine.wake(); });
    engine.start();
    server.start();
    tell_service_manager("READY=1\nSTATUS=listening on " + cfg.server.host + ":" + std::to_string(cfg.server.port));
    int sig = 0;
    while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP)
      spdlog::warn("received SIGHUP: reloading is not supported yet, restart sinkhub to apply config changes");
    tell_service_manager("STOPPING=1\nSTATUS=stopping");
    spdlog::info("received {}: no new connections, finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    server.stop();
    engine.stop(cfg.delivery.shutdown_grace);
    ledger->close();
    spdlog::info("stopped cleanly");
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

}  // namespace sinkhub::cli
