#include "delivery/stuck_calls.hpp"

#include <spdlog/spdlog.h>

#include "delivery/retry_policy.hpp"
#include "observe/metrics.hpp"
#include "util/backoff.hpp"
#include "util/clock.hpp"

namespace sinkhub::delivery {

int stuck_calls_metric(const std::string& sink, const std::string& plugin) {
  return observe::Metrics::instance().define(observe::Metrics::Kind::Counter, "sinkhub_plugin_stuck_calls_total",
                                             "Plugin calls still running well past their deadline (given up by "
                                             "the watchdog)",
                                             {{"sink", sink}, {"plugin", plugin}});
}

void give_up_stuck_call(const WatchedCall& call, int stuck_in_a_row, ledger::Ledger& ledger, SinkLane& lane,
                        const config::DeliveryConfig& cfg) {
  observe::Metrics::instance().record(stuck_calls_metric(call.sink, call.plugin), 1);
  const std::int64_t now = util::unix_ms();
  const std::string why = "the " + call.verb + "() call of plugin " + call.plugin + " hung (no answer " +
                          std::to_string((call.timeout + Watchdog::slack(call.timeout)).count() / 1000) +
                          " s after it started)";
  const auto next = decide_retry(call.attempt, now - call.created_at, -1, cfg, util::uniform01());
  ledger::Finish how{ledger::DeliveryState::Retrying, now + next.delay.count(), true, why};
  if (next.give_up) how = {ledger::DeliveryState::Dead, 0, true,
                           "retry budget exhausted after " + std::to_string(call.attempt) + " attempts: " + why};
  if (ledger.finish(call.delivery, call.owner, how, {call.attempt_started, now, ledger::AttemptOutcome::Stuck,
                                                     call.attempt_items, why}))
    spdlog::warn("delivery {}: {}; {} with its progress", call.delivery, why,
                 next.give_up ? "dead-lettered" : "handed back for a retry");
  if (stuck_in_a_row >= cfg.max_stuck_calls)
    lane.suspend(ledger, cfg.fatal_backoff,
                 why + " (" + std::to_string(stuck_in_a_row) + " stuck in a row, delivery.max_stuck_calls " +
                     std::to_string(cfg.max_stuck_calls) + ")");
}

}  // namespace sinkhub::delivery
