#include "webhook/routes.hpp"

#include <algorithm>

namespace sinkhub::webhook {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

bool route_matches(const config::RouteConfig& route, const model::Event& ev) {
  const bool actor = contains(route.actors, "*") || (!ev.actor_id.empty() && contains(route.actors, ev.actor_id)) ||
                     (!ev.task_id.empty() && contains(route.actors, ev.task_id));
  const bool event =
      contains(route.events, ev.event_type) || (contains(route.events, "*") && model::is_run_event(ev.event_type));
  return actor && event;
}

std::vector<model::PlannedDelivery> plan(const std::vector<config::RouteConfig>& routes, const model::Event& ev) {
  std::vector<model::PlannedDelivery> out;
  for (const auto& r : routes) {
    if (!route_matches(r, ev)) continue;
    for (const auto& sink : r.sinks) {
      const bool seen = std::any_of(out.begin(), out.end(), [&](const auto& p) { return p.sink == sink; });
      if (!seen) out.push_back({sink, model::carries_dataset(ev.event_type)});
    }
  }
  return out;
}

}  // namespace sinkhub::webhook
