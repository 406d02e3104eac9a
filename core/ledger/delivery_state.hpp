// The ledger's vocabulary, typed: a delivery's state and how an attempt ended. The words are
// what the ledger stores (deliveries.state, attempts.outcome) and what the CLI prints and
// accepts; text exists only there, at the SQL boundary and in the CLI.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sinkhub::ledger {

// See the transition table at the top of ledger.hpp.
enum class DeliveryState { Pending, Running, Retrying, Done, Dead };
inline constexpr DeliveryState kDeliveryStates[] = {DeliveryState::Pending, DeliveryState::Running,
                                                    DeliveryState::Retrying, DeliveryState::Done, DeliveryState::Dead};
const char* to_string(DeliveryState state);  // "pending", "running", "retrying", "done", "dead"
std::optional<DeliveryState> parse_delivery_state(std::string_view text);

// How one attempt ended, as its history keeps it.
enum class AttemptOutcome {
  Ok,          // every batch accepted: done
  Retry,       // the sink answered RETRY (or OK without progress)
  Reject,      // the sink answered REJECT: dead
  Fatal,       // the sink answered FATAL (or could not be re-created): the sink is suspended
  Error,       // the Apify API failed (or the run could not be verified)
  Interrupted,  // shutdown: handed back with its progress, not counted
  Crashed,      // ended without a result: its owner died (recorded when the delivery is taken over)
  Stuck         // a plugin call ran far past its deadline: the watchdog handed the delivery back
};
const char* to_string(AttemptOutcome outcome);  // "ok", ..., "interrupted", "crashed", "stuck"
std::optional<AttemptOutcome> parse_attempt_outcome(std::string_view text);

// The same for a word read back from the ledger, where anything else is a damaged ledger:
// throws std::runtime_error naming the word.
DeliveryState stored_delivery_state(const std::string& text);
AttemptOutcome stored_attempt_outcome(const std::string& text);

}  // namespace sinkhub::ledger
