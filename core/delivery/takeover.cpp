#include "delivery/takeover.hpp"

namespace sinkhub::delivery {

ClaimVerdict judge_claim(const ledger::Claim& c, const config::DeliveryConfig& cfg) {
  ClaimVerdict v;
  const std::string where = " in sink " + c.sink + " (batch at item " + std::to_string(c.items_done) + ")";
  if (c.taken_over && c.crashes >= cfg.max_crashes) {
    v.bury = v.suspend_sink = true;
    v.why = "the daemon died " + std::to_string(c.crashes) + (c.crashes == 1 ? " time" : " times") +
            " during this delivery" + where;
    return v;
  }
  // c.attempt is this claim's number: every earlier attempt, a lost one included, was counted.
  if (c.attempt > cfg.max_attempts) {
    v.bury = true;
    v.why = "retry budget exhausted after " + std::to_string(c.attempt - 1) + " attempts" +
            (c.taken_over ? ", the last ended without a result (the daemon died" + where + ")" : std::string());
  }
  return v;
}

}  // namespace sinkhub::delivery
