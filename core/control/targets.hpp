// What the routes ask of Apify: every Actor and task they name, with the union of the event
// types routed for it, resolved to ids through the API (an id or "username/name" is looked up
// as an Actor first, then as a task). Shared by `sinkhub apify sync` and the reconciler.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "apify/client.hpp"
#include "config/config.hpp"

namespace sinkhub::control {

struct Target {
  std::string named;  // as a route names it: an id or "username/name"
  std::string id;     // the Actor or task id ("" until resolved)
  bool task = false;  // a task (condition actorTaskId), else an Actor (actorId)
  std::vector<std::string> events;  // sorted, unique, ACTOR.RUN.* / ACTOR.BUILD.* (never TEST)
  std::vector<std::string> routes;  // names of the routes that name it
};

struct Targets {
  std::vector<Target> named;       // in the order the routes first name them
  std::vector<std::string> wildcard_routes;  // routes with actors: ["*"]
};

// From the routes alone, no API call.
Targets targets_of(const std::vector<config::RouteConfig>& routes);

// Resolves target.id/task. False with `error` (the client's, 404 when neither an Actor nor a
// task has that id or name).
bool resolve(apify::Client& client, Target& target, apify::Error& error, const apify::CancelFn& cancelled = {});

// The event types a webhook subscribes to for route events: "*" is every ACTOR.RUN.* type.
std::vector<std::string> webhook_events(const std::vector<std::string>& route_events);

}  // namespace sinkhub::control
