// What a claim may do before it calls the sink: a delivery taken over from an owner that died
// (most likely a plugin that crashed the daemon) counts that lost attempt, and a delivery
// that keeps killing the daemon is dead-lettered instead of looping through restarts
// (delivery.max_crashes); the attempt budget (delivery.max_attempts) holds on takeover too.
// A pure function of the claim and the config, tested as the specification.
#pragma once

#include <string>

#include "config/config.hpp"
#include "ledger/ledger.hpp"

namespace sinkhub::delivery {

struct ClaimVerdict {
  bool bury = false;         // dead-letter it now, without calling the sink
  bool suspend_sink = false;  // and suspend the sink like a FATAL (the crash limit was reached)
  std::string why;           // last_error and the log line
};

ClaimVerdict judge_claim(const ledger::Claim& claim, const config::DeliveryConfig& cfg);

}  // namespace sinkhub::delivery
