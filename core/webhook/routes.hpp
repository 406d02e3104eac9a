// Which sink instances an event goes to (the "route" step of the intake). Every matching
// route contributes (fan-out); a sink named by several matching routes still gets one
// delivery per event.
#pragma once

#include <vector>

#include "config/config.hpp"
#include "model/event.hpp"
#include "model/planned_delivery.hpp"

namespace sinkhub::webhook {

// A route's actor matches the event's actor id, its task id, or "*". ("username/actor-name"
// entries match once `sinkhub serve` resolved them to ids at startup.) A route's "*" event
// matches every ACTOR.RUN.* event; TEST and ACTOR.BUILD.* reach only routes that name them.
bool route_matches(const config::RouteConfig& route, const model::Event& ev);

std::vector<model::PlannedDelivery> plan(const std::vector<config::RouteConfig>& routes, const model::Event& ev);

}  // namespace sinkhub::webhook
