// The sink's clocks and waits in one place: the 60-second quota window and the 60-120 s
// backoff cap, divided by SINKHUB_GSHEETS_TEST_TIME_SCALE (an integer >= 1,
// default 1) so that tests can run the real pacing and backoff against a fake Google whose
// quota window is shortened the same way. Meant for tests only (documented in the README).
#pragma once

#include <cstdint>

namespace sinkhub_gsheets {

/// The divisor from SINKHUB_GSHEETS_TEST_TIME_SCALE (read once; 1 when unset or invalid).
std::int64_t time_scale();
/// `ms` divided by time_scale(), at least 1.
std::int64_t scaled_ms(std::int64_t ms);
/// A uniform random integer in [lo, hi] (jitter).
std::int64_t jitter(std::int64_t lo, std::int64_t hi);
/// steady_clock in ms (the pacer's and the tab lock's clock).
std::int64_t steady_ms();
/// Sleeps `ms` milliseconds (no-op when <= 0).
void sleep_ms(std::int64_t ms);

/// The wait before retrying after a 5xx or a lost answer: exponential from 1 s with full
/// jitter, capped at a random value between 60 and 120 s (scaled).
std::int64_t server_error_backoff_ms(std::uint32_t attempt);
/// The wait after a 429 without Retry-After: the quota refills per minute, so 60-120 s (scaled).
std::int64_t quota_backoff_ms();

}  // namespace sinkhub_gsheets
