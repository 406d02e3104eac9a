// Exponential backoff, the one formula behind every retry delay: the delivery queue's
// (full jitter below the ceiling), the Apify client's (the ceiling times U[1,2)) and a FATAL
// sink's suspension (the ceiling itself).
#pragma once

#include <chrono>

namespace sinkhub::util {

// initial * 2^(n-1) for the n-th retry (n >= 1; n < 1 counts as 1), never above `max`, and
// no overflow however large n is.
std::chrono::milliseconds exponential(int n, std::chrono::milliseconds initial, std::chrono::milliseconds max);

// `ceiling` scaled by `factor` (>= 0), rounded to the nearest millisecond, at most `max`.
std::chrono::milliseconds scaled(std::chrono::milliseconds ceiling, double factor, std::chrono::milliseconds max);

// A uniform draw in [0, 1) from a per-thread generator (jitter needs no better).
double uniform01();

}  // namespace sinkhub::util
