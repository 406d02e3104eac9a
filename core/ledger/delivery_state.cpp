#include "ledger/delivery_state.hpp"

namespace sinkhub::ledger {

namespace {

constexpr const char* kStateNames[] = {"pending", "running", "retrying", "done", "dead"};
constexpr const char* kOutcomeNames[] = {"ok", "retry", "reject", "fatal", "error", "interrupted", "crashed", "stuck"};

template <class E, std::size_t N>
std::optional<E> parse(std::string_view text, const char* const (&names)[N]) {
  for (std::size_t i = 0; i < N; ++i)
    if (text == names[i]) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace

const char* to_string(DeliveryState state) { return kStateNames[static_cast<int>(state)]; }

std::optional<DeliveryState> parse_delivery_state(std::string_view text) {
  return parse<DeliveryState>(text, kStateNames);
}

const char* to_string(AttemptOutcome outcome) { return kOutcomeNames[static_cast<int>(outcome)]; }

std::optional<AttemptOutcome> parse_attempt_outcome(std::string_view text) {
  return parse<AttemptOutcome>(text, kOutcomeNames);
}

}  // namespace sinkhub::ledger
