// What the reconciler's files share (private to core/control).
#pragma once

#include <memory>
#include <vector>

#include "control/reconciler.hpp"
#include "control/targets.hpp"
#include "webhook/intake.hpp"

namespace sinkhub::control {

// One config's worth of what a pass needs; replaced whole by reconfigure().
struct Reconciler::Settings {
  config::ApifyConfig apify;
  std::shared_ptr<const webhook::Intake> intake;  // routes the events it records
  std::vector<config::RouteConfig> routes;        // to skip runs no route wants, before any call
  Targets targets;
};

}  // namespace sinkhub::control
