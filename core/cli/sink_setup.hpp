// What serve does to a config before it runs it, and what a reload does again before it swaps
// a config in: actor names resolved to ids, sink instances created and opened. Every problem is
// logged (config problems as file:line).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "plugin/host.hpp"
#include "plugin/sinks.hpp"

namespace sinkhub::cli {

// Routes may name actors as "username/actor-name" (or a task as "username/task-name"); webhooks
// carry ids. Each name is resolved as an Actor, then as a task, and replaced by the id. False if
// one cannot be.
bool resolve_actor_names(config::Config& cfg);

// Creates the sink instances of cfg (only those in `only`, when given) with their plugins from
// `registry`, then opens each: a sink that cannot be created or opened is an error now, not a
// surprise at the first webhook. False (and `out` left to be destroyed) if any fails.
bool create_and_open_sinks(const config::Config& cfg, const plugin::Registry& registry, plugin::SinkSet& out,
                           const std::set<std::string>* only = nullptr);

// The names of cfg's sink instances (for Ledger::set_configured_sinks).
std::vector<std::string> sink_names(const config::Config& cfg);

// Tells systemd (Type=notify) where the daemon is; an unusable NOTIFY_SOCKET is only a warning.
void tell_service_manager(const std::string& state);

}  // namespace sinkhub::cli
