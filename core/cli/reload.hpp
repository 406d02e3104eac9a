// `systemctl reload sinkhub` (SIGHUP): the config file read and validated again, then swapped
// in whole, or refused whole. What a reload applies live: auth.* (secrets, header, allowlists,
// trusted proxies, verify_with_api), apify.* (reconciliation included), routes, the sinks (added, removed, changed) and
// their dataset queries, delivery.* retry settings, ledger.retention, and plugins newly dropped
// into plugins.dirs. What only a restart applies is the table in config/changes.cpp; a reload that
// changes one of those is refused, naming each.
#pragma once

#include <string>

#include "config/config.hpp"
#include "control/reconciler.hpp"
#include "delivery/engine.hpp"
#include "http/server.hpp"
#include "ledger/ledger.hpp"
#include "ledger/pruner.hpp"

namespace sinkhub::cli {

// What a reload swaps things in.
struct Running {
  config::Config& config;  // the config running now; replaced when a reload applies
  delivery::Engine& engine;
  http::Server& server;
  ledger::Ledger& ledger;
  control::Reconciler& reconciler;
  ledger::Pruner& pruner;
};

// Reads `path` and applies it, or refuses it and keeps everything as it runs. Never throws;
// every problem and the summary of what changed are logged. True when applied.
bool reload(const std::string& path, Running& running);

}  // namespace sinkhub::cli
