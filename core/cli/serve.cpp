#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "apify/client.hpp"
#include "config/config.hpp"
#include "control/reconciler.hpp"
#include "control/targets.hpp"
#include "delivery/engine.hpp"
#include "http/server.hpp"
#include "ledger/ledger.hpp"
#include "observe/log.hpp"
#include "observe/systemd_notify.hpp"
#include "plugin/sinks.hpp"

namespace sinkhub::cli {

namespace {

// Routes may name actors as "username/actor-name" (or a task as "username/task-name");
// webhooks carry ids. Each name is resolved once at startup (as an Actor, then as a task)
// and replaced by the id.
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
      control::Target target{actor, {}, false, {}, {}};
      apify::Error error;
      if (!control::resolve(*client, target, error)) {
        spdlog::error("{}:{}: {}.actors: cannot resolve '{}' through the Apify API: {}", cfg.file, route.line,
                      route.name, actor, error.describe());
        return false;
      }
      spdlog::info("route {}: {} {} is {}", route.name, target.task ? "task" : "actor", actor, target.id);
      actor = target.id;
    }
  return true;
}

// What a valid config may still get wrong.
void warn_about(const config::Config& cfg) {
  if (cfg.auth.secrets.empty())
    spdlog::warn("auth.allow_unauthenticated is set: anyone who can reach {}:{} can post webhooks", cfg.server.host,
                 cfg.server.port);
  if (cfg.apify.reconcile.interval.count() > 0 && cfg.apify.token.empty())
    spdlog::warn("apify.reconcile.interval is set but apify.token is empty: reconciliation passes will fail");
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
  warn_about(cfg);

  plugin::Registry registry;
  plugin::SinkSet sinks;
  if (!open_sinks(cfg, registry, sinks) || !resolve_actor_names(cfg)) return 1;

  try {
    auto ledger = ledger::open_sqlite(cfg.ledger);
    spdlog::info("ledger {} open (synchronous={})", cfg.ledger.path, cfg.ledger.synchronous);
    delivery::Engine engine(cfg, *ledger, sinks);
    http::Server server(cfg, *ledger, [&engine] { engine.wake(); });
    // Reconciliation reads the same routes; a config reload hands it the new config
    // (Reconciler::reconfigure). It never blocks ingest or deliveries: its own thread.
    control::ReconcileOptions reconcile;
    reconcile.on_accepted = [&engine] { engine.wake(); };
    control::Reconciler reconciler(cfg, *ledger, reconcile);
    engine.start();
    server.start();
    reconciler.start();
    tell_service_manager("READY=1\nSTATUS=listening on " + cfg.server.host + ":" + std::to_string(cfg.server.port));
    int sig = 0;
    while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP)
      spdlog::warn("received SIGHUP: reloading is not supported yet, restart sinkhub to apply config changes");
    tell_service_manager("STOPPING=1\nSTATUS=stopping");
    spdlog::info("received {}: no new connections, finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    reconciler.stop();
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
