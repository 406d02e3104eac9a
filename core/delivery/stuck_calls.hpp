// What the engine does with a plugin call the watchdog found stuck (delivery/watchdog.hpp):
// count it (sinkhub_plugin_stuck_calls_total{sink,plugin}), hand its delivery back with the
// progress committed so far so another worker (or a restart) can take it (dead-letter it
// when the retry budget is spent), and suspend the sink like a FATAL once
// delivery.max_stuck_calls of its calls in a row got stuck. The stuck thread's late result is
// refused by the ledger: its claim token no longer owns the delivery.
#pragma once

#include <string>

#include "config/config.hpp"
#include "delivery/sink_lane.hpp"
#include "delivery/watchdog.hpp"
#include "ledger/ledger.hpp"

namespace sinkhub::delivery {

// The series sinkhub_plugin_stuck_calls_total{sink,plugin} (defined at 0 by the engine).
int stuck_calls_metric(const std::string& sink, const std::string& plugin);

void give_up_stuck_call(const WatchedCall& call, int stuck_in_a_row, ledger::Ledger& ledger, SinkLane& lane,
                        const config::DeliveryConfig& cfg);

}  // namespace sinkhub::delivery
