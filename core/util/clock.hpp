// The two clocks sinkhub reads, in milliseconds: wall time for what is stored or shown
// (ledger rows, event times, suspensions), monotonic time for deadlines and durations.
#pragma once

#include <chrono>
#include <cstdint>

namespace sinkhub::util {

inline std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace sinkhub::util
