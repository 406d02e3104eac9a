#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/reload.hpp"
#include "cli/sink_setup.hpp"
#include "config/config.hpp"
#include "control/reconciler.hpp"
#include "config/postgres_url.hpp"
#include "delivery/engine.hpp"
#include "http/server.hpp"
#include "ledger/ledger.hpp"
#include "ledger/pruner.hpp"
#include "observe/crash_report.hpp"
#include "observe/log.hpp"
#include "plugin/sinks.hpp"

namespace sinkhub::cli {

namespace {

// What a valid config may still get wrong.
void warn_about(const config::Config& cfg) {
  if (cfg.auth.secrets.empty())
    spdlog::warn("auth.allow_unauthenticated is set: anyone who can reach {}:{} can post webhooks", cfg.server.host,
                 cfg.server.port);
  if (cfg.apify.reconcile.interval.count() > 0 && cfg.apify.token.empty())
    spdlog::warn("apify.reconcile.interval is set but apify.token is empty: reconciliation passes will fail");
}

// Plugins are loaded after the config is parsed and before anything listens.
bool open_sinks(const config::Config& cfg, plugin::Registry& registry, plugin::SinkSet& sinks) {
  registry.scan(cfg.plugin_dirs);
  if (create_and_open_sinks(cfg, registry, sinks)) return true;
  spdlog::error("not starting: a configured sink cannot be created or opened");
  return false;
}

// The deliveries in flight get their grace, then the ledger is closed.
void shut_down(delivery::Engine& engine, ledger::Ledger& ledger, std::chrono::milliseconds grace) {
  const bool workers_out = engine.stop(grace);
  ledger.close();
  if (!workers_out) {
    // Some thread is still inside plugin code that ignores cancellation (its delivery was
    // handed back, the ledger is closed: nothing is lost). Returning would destroy the engine
    // under it and unload the plugin it executes (a crash at best, a hang joining it at
    // worst), so the process ends here without running destructors.
    spdlog::warn("stopped, abandoning threads stuck in plugin calls");
    observe::flush_logging();
    std::_Exit(0);
  }
  spdlog::info("stopped cleanly");
}

void log_ledger(const config::LedgerConfig& l) {
  if (l.postgres())  // never the password
    spdlog::info("ledger {} open (PostgreSQL, pool={})", config::PostgresUrl(l.url).redacted(), l.pool);
  else
    spdlog::info("ledger {} open (synchronous={})", l.path, l.synchronous);
}

bool valid_log_options(const std::string& format, const std::string& level) {
  if (format != "text" && format != "json") {
    std::cerr << "sinkhub serve: --log-format must be text or json\n";
    return false;
  }
  if (level != "trace" && level != "debug" && level != "info" && level != "warn" && level != "error") {
    std::cerr << "sinkhub serve: --log-level must be trace, debug, info, warn or error\n";
    return false;
  }
  return true;
}

// Signals are taken synchronously by the main thread (sigwait), so they are blocked before any
// other thread exists (the async logger's included) and every thread inherits the mask.
sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);  // `systemctl reload`: must not kill the daemon (see serve)
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return stop_signals;
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
      "answers once they are durable. Stops cleanly on SIGTERM or SIGINT; reloads its config on SIGHUP.";
  if (!parse_options("serve", summary, opts, args, p)) return 2;
  if (p.help) return 0;

  const std::string format = p.get("log-format", "text"), level = p.get("log-level", "info");
  if (!valid_log_options(format, level)) return 2;
  const sigset_t stop_signals = block_stop_signals();
  observe::init_logging(format == "json" ? observe::LogFormat::Json : observe::LogFormat::Text, level);
  observe::install_crash_report();

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
    auto ledger = ledger::open(cfg.ledger);
    log_ledger(cfg.ledger);
    ledger->set_configured_sinks(sink_names(cfg));
    delivery::Engine engine(cfg, *ledger, std::move(sinks));
    // Other daemons' new work wakes this one's idle workers (PostgreSQL LISTEN/NOTIFY); the
    // hook goes before the engine does, whichever way this block is left.
    ledger->on_new_work([&engine] { engine.wake(); });
    struct Unhook {
      ledger::Ledger& l;
      ~Unhook() { l.on_new_work(nullptr); }
    } unhook{*ledger};
    http::Server server(cfg, *ledger, [&engine] { engine.wake(); });
    // Reconciliation reads the same routes; a reload hands it the new config
    // (Reconciler::reconfigure). It never blocks ingest or deliveries: its own thread.
    control::ReconcileOptions reconcile;
    reconcile.on_accepted = [&engine] { engine.wake(); };
    control::Reconciler reconciler(cfg, *ledger, reconcile);
    // ledger.retention: small transactions on a thread of its own, yielding to webhooks.
    ledger::Pruner pruner(*ledger, cfg.ledger.retention);
    // Listening first: webhooks are acknowledged again as soon as the daemon is back, whatever
    // the first claimed delivery does (a plugin that crashes the process must not keep the
    // listener down through a restart loop).
    server.start();
    engine.start();
    reconciler.start();
    pruner.start();
    tell_service_manager("READY=1\nSTATUS=listening on " + cfg.server.host + ":" + std::to_string(cfg.server.port));
    Running running{cfg, engine, server, *ledger, reconciler, pruner};
    int sig = 0;
    while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP) reload(p.get("config"), running);
    tell_service_manager("STOPPING=1\nSTATUS=stopping");
    spdlog::info("received {}: no new connections, finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    reconciler.stop();
    pruner.stop();
    server.stop();
    shut_down(engine, *ledger, cfg.delivery.shutdown_grace);
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

}  // namespace sinkhub::cli
