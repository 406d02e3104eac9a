// Which sink instances an event goes to. Every matching route contributes (fan-out); a sink
// named by several matching routes still gets one delivery per event.
#pragma once

#include <vector>

#include "config/config.hpp"
#include "ledger/ledger.hpp"
#include "webhook/event.hpp"

namespace sinkhub::routing {

// A route's actor matches the event's actor id, its task id, or "*". ("username/actor-name"
// entries match once resolved to ids by the delivery engine.) A route's "*" event matches
// every ACTOR.RUN.* event; TEST and ACTOR.BUILD.* reach only routes that name them.
bool route_matches(const config::RouteConfig& route, const webhook::Event& ev);

std::vector<ledger::PlannedDelivery> plan(const config::Config& cfg, const webhook::Event& ev);

}  // namespace sinkhub::routing
