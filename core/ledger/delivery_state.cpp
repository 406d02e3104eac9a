#include "ledger/delivery_state.hpp"

#include <stdexcept>

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

template <class E>
E stored(const std::optional<E>& parsed, const std::string& text, const char* what) {
  if (!parsed) throw std::runtime_error("ledger holds an unknown " + std::string(what) + " '" + text + "'");
  return *parsed;
}

}  // namespace

DeliveryState stored_delivery_state(const std::string& text) {
  return stored(parse_delivery_state(text), text, "delivery state");
}

AttemptOutcome stored_attempt_outcome(const std::string& text) {
  return stored(parse_attempt_outcome(text), text, "attempt outcome");
}

const char* to_string(DeliveryState state) { return kStateNames[static_cast<int>(state)]; }

std::optional<DeliveryState> parse_delivery_state(std::string_view text) {
  return parse<DeliveryState>(text, kStateNames);
}

const char* to_string(AttemptOutcome outcome) { return kOutcomeNames[static_cast<int>(outcome)]; }

std::optional<AttemptOutcome> parse_attempt_outcome(std::string_view text) {
  return parse<AttemptOutcome>(text, kOutcomeNames);
}

}  // namespace sinkhub::ledger
