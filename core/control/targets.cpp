#include "control/targets.hpp"

#include <algorithm>
#include <set>

#include "model/event.hpp"

namespace sinkhub::control {

std::vector<std::string> webhook_events(const std::vector<std::string>& route_events) {
  std::set<std::string> out;
  for (const auto& e : route_events) {
    if (e == "*") {
      for (const auto& t : model::known_event_types())
        if (model::is_run_event(t)) out.insert(t);
    } else if (e != "TEST") {  // a TEST dispatch comes whatever a webhook subscribes to
      out.insert(e);
    }
  }
  return {out.begin(), out.end()};
}

Targets targets_of(const std::vector<config::RouteConfig>& routes) {
  Targets out;
  for (const auto& route : routes) {
    const auto events = webhook_events(route.events);
    for (const auto& actor : route.actors) {
      if (actor == "*") {
        out.wildcard_routes.push_back(route.name);
        continue;
      }
      auto it = std::find_if(out.named.begin(), out.named.end(), [&](const Target& t) { return t.named == actor; });
      if (it == out.named.end()) {
        out.named.push_back(Target{actor, {}, false, {}, {}});
        it = out.named.end() - 1;
      }
      std::set<std::string> merged(it->events.begin(), it->events.end());
      merged.insert(events.begin(), events.end());
      it->events.assign(merged.begin(), merged.end());
      it->routes.push_back(route.name);
    }
  }
  return out;
}

bool resolve(apify::Client& client, Target& target, apify::Error& error, const apify::CancelFn& cancelled) {
  const auto actor = client.get_actor(target.named, cancelled);
  if (actor.ok) {
    target.id = actor.value.id;
    target.task = false;
    return true;
  }
  if (!actor.error.not_found()) {
    error = actor.error;
    return false;
  }
  const auto task = client.get_task(target.named, cancelled);
  if (task.ok) {
    target.id = task.value.id;
    target.task = true;
    return true;
  }
  error = task.error;
  if (task.error.not_found()) error.message = "no Actor or task with this id or name";
  return false;
}

}  // namespace sinkhub::control
