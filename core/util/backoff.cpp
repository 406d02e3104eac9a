#include "util/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace sinkhub::util {

using std::chrono::milliseconds;

milliseconds exponential(int n, milliseconds initial, milliseconds max) {
  double ceiling = static_cast<double>(initial.count());
  for (int i = 1; i < n && ceiling < static_cast<double>(max.count()); ++i) ceiling *= 2;
  return milliseconds(static_cast<std::int64_t>(std::min(ceiling, static_cast<double>(max.count()))));
}

milliseconds scaled(milliseconds ceiling, double factor, milliseconds max) {
  const double ms = std::min(static_cast<double>(ceiling.count()) * std::max(factor, 0.0), static_cast<double>(max.count()));
  return milliseconds(static_cast<std::int64_t>(std::llround(std::max(ms, 0.0))));
}

double uniform01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace sinkhub::util
