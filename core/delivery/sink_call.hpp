// One call into a sink's plugin, and nothing else: deliver(), then, for a BUFFERED sink,
// flush() (its OK is provisional until flush confirms it), timed and counted. It returns what
// the plugin answered and changes no delivery state: the attempt decides what follows. Each
// plugin call runs watched (delivery/watchdog.hpp) and marked for the crash report
// (observe/crash_report.hpp).
#pragma once

#include "delivery/sink_lane.hpp"
#include "delivery/watchdog.hpp"
#include "plugin/host.hpp"

namespace sinkhub::delivery {

// `who`: the attempt's side of the call (delivery, claim token, attempt); the plugin, sink,
// verb and timeout are filled in here.
plugin::CallResult sink_call(SinkLane& lane, const plugin::DeliveryContext& ctx, const plugin::Batch& batch,
                             Watchdog& watchdog, const WatchedCall& who);

}  // namespace sinkhub::delivery
