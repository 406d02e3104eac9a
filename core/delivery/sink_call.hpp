// One call into a sink's plugin, and nothing else: deliver(), then, for a BUFFERED sink,
// flush() (its OK is provisional until flush confirms it), timed and counted. It returns what
// the plugin answered and changes no delivery state: the attempt decides what follows. The
// one place a plugin-call watchdog or crash reporting would wrap.
#pragma once

#include "delivery/sink_lane.hpp"
#include "plugin/host.hpp"

namespace sinkhub::delivery {

plugin::CallResult sink_call(SinkLane& lane, const plugin::DeliveryContext& ctx, const plugin::Batch& batch);

}  // namespace sinkhub::delivery
