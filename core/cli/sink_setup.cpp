#include "cli/sink_setup.hpp"

#include <spdlog/spdlog.h>

#include <memory>

#include "apify/client.hpp"
#include "control/targets.hpp"
#include "observe/systemd_notify.hpp"

namespace sinkhub::cli {

bool resolve_actor_names(config::Config& cfg) {
  std::unique_ptr<apify::Client> client;
  for (auto& route : cfg.routes)
    for (auto& actor : route.actors) {
      if (actor.find('/') == std::string::npos) continue;
      try {
        // Startup (and a reload) should not hang for minutes on an unreachable API: a few quick attempts.
        apify::ClientOptions quick;
        quick.max_attempts = 3;
        quick.max_retry_after = std::chrono::seconds(10);
        if (!client) client = std::make_unique<apify::Client>(cfg.apify, quick);
      } catch (const std::exception& e) {
        spdlog::error("apify: {}", e.what());
        return false;
      }
      // An Actor first, then a task (control::resolve); the webhook carries the id.
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

bool create_and_open_sinks(const config::Config& cfg, const plugin::Registry& registry, plugin::SinkSet& out,
                           const std::set<std::string>* only) {
  std::vector<config::Diagnostic> diags;
  plugin::bind_sinks(cfg, registry, /*check_only=*/false, diags, &out, only);
  if (!diags.empty()) {
    for (const auto& line : config::ConfigError(cfg.file, std::move(diags)).lines()) spdlog::error("{}", line);
    return false;
  }
  const auto failed = out.open_all(30000);
  for (const auto& why : failed) spdlog::error("{}", why);
  return failed.empty();
}

std::vector<std::string> sink_names(const config::Config& cfg) {
  std::vector<std::string> out;
  for (const auto& s : cfg.sinks) out.push_back(s.name);
  return out;
}

void tell_service_manager(const std::string& state) {
  const auto outcome = observe::notify_service_manager(state);
  if (outcome.kind == observe::NotifyOutcome::Failed) spdlog::warn("systemd notification: {}", outcome.error);
}

}  // namespace sinkhub::cli
