#include "cli/reload.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "cli/sink_setup.hpp"
#include "config/changes.hpp"
#include "plugin/host.hpp"
#include "plugin/sinks.hpp"

namespace sinkhub::cli {

namespace {

std::string joined(const std::vector<std::string>& names, const char* separator = ", ") {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : separator) + n;
  return out;
}

// The log line of an applied reload: what changed, never a secret's value.
std::string summary(const config::SinkChanges& sinks, const std::vector<std::string>& settings,
                    const std::vector<std::string>& new_plugins) {
  std::vector<std::string> parts;
  if (!sinks.added.empty()) parts.push_back("sinks added: " + joined(sinks.added));
  if (!sinks.removed.empty())
    parts.push_back("sinks removed: " + joined(sinks.removed) + " (their queued deliveries wait for them)");
  if (!sinks.changed.empty())
    parts.push_back("sinks changed: " + joined(sinks.changed) +
                    " (new instances; each old one closes once its deliveries in flight end)");
  if (!sinks.dataset_changed.empty()) parts.push_back("dataset queries changed: " + joined(sinks.dataset_changed));
  if (!new_plugins.empty()) parts.push_back("plugins loaded: " + joined(new_plugins));
  parts.insert(parts.end(), settings.begin(), settings.end());
  return parts.empty() ? "nothing changed" : joined(parts, "; ");
}

std::vector<std::string> newly_loaded(const plugin::Registry& registry) {
  std::vector<std::string> out;
  for (const auto& p : registry.plugins())
    if (p.ok() && !p.loaded_before) out.push_back(p.id + " " + p.version);
  return out;
}

bool refuse(const std::string& why) {
  spdlog::error("reload refused: {}; sinkhub goes on with the running config", why);
  return false;
}

// Everything that can fail, before anything is swapped: the new config, its restart-only keys,
// its plugins, its actor names and its new sink instances (created and opened).
bool prepare(const std::string& path, const config::Config& running, config::Config& next,
             plugin::Registry& registry, plugin::SinkSet& fresh) {
  try {
    next = config::load(path);
  } catch (const config::ConfigError& e) {
    for (const auto& line : e.lines()) spdlog::error("{}", line);
    return refuse("the config has errors (sinkhub check-config --config " + path + ")");
  }
  const auto restart_only = config::restart_only_changes(running, next);
  for (const auto& key : restart_only)
    spdlog::error("reload: {} changed, which only a restart applies (systemctl restart sinkhub)", key);
  if (!restart_only.empty()) return refuse("settings that need a restart changed: " + joined(restart_only));
  registry.scan(next.plugin_dirs);
  const auto changes = config::sink_changes(running, next);
  std::set<std::string> needed(changes.added.begin(), changes.added.end());
  needed.insert(changes.changed.begin(), changes.changed.end());
  if (!create_and_open_sinks(next, registry, fresh, &needed)) return refuse("a new or changed sink cannot be set up");
  if (!resolve_actor_names(next)) return refuse("an actor name of the routes cannot be resolved");
  return true;
}

}  // namespace

bool reload(const std::string& path, Running& running) {
  spdlog::info("received SIGHUP: reloading {}", path);
  tell_service_manager("RELOADING=1\nSTATUS=reloading the config");
  bool applied = false;
  try {
    config::Config next;
    plugin::Registry registry;
    plugin::SinkSet fresh;
    if (prepare(path, running.config, next, registry, fresh)) {
      const auto sinks = config::sink_changes(running.config, next);
      const auto settings = config::setting_changes(running.config, next);
      // The engine first: a route of the new rules may name a sink that only it serves.
      running.engine.reconfigure(next, std::move(fresh));
      running.server.apply(next);
      running.reconciler.reconfigure(next);
      running.pruner.reconfigure(next.ledger.retention);
      if (next.auth.secrets.empty() && !running.config.auth.secrets.empty())
        spdlog::warn("auth.allow_unauthenticated is set: anyone who can reach the listener can post webhooks");
      spdlog::info("reload applied: {}", summary(sinks, settings, newly_loaded(registry)));
      running.config = std::move(next);
      applied = true;
      running.ledger.set_configured_sinks(sink_names(running.config));
    }
  } catch (const std::exception& e) {
    if (!applied) refuse(e.what());
    else spdlog::warn("reload: the ledger could not record the configured sinks (only `sinkhub status` shows them): {}", e.what());
  }
  tell_service_manager("READY=1\nSTATUS=listening on " + running.config.server.host + ":" +
                       std::to_string(running.config.server.port));
  return applied;
}

}  // namespace sinkhub::cli
