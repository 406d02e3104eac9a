#include "timing.hpp"

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

namespace sinkhub_gsheets {

std::int64_t time_scale() {
  static const std::int64_t scale = [] {
    const char* v = std::getenv("SINKHUB_GSHEETS_TEST_TIME_SCALE");
    if (!v || !*v) return std::int64_t{1};
    char* end = nullptr;
    const long long n = std::strtoll(v, &end, 10);
    return (*end == '\0' && n >= 1 && n <= 10000) ? static_cast<std::int64_t>(n) : std::int64_t{1};
  }();
  return scale;
}

std::int64_t scaled_ms(std::int64_t ms) {
  const std::int64_t s = ms / time_scale();
  return s < 1 ? 1 : s;
}

std::int64_t jitter(std::int64_t lo, std::int64_t hi) {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void sleep_ms(std::int64_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

std::int64_t server_error_backoff_ms(std::uint32_t attempt) {
  const std::uint32_t n = attempt < 1 ? 0 : (attempt > 8 ? 7 : attempt - 1);
  const std::int64_t cap = jitter(60000, 120000);
  std::int64_t wait = 1000ll << n;
  wait = jitter(wait / 2, wait) + jitter(0, 1000);
  return scaled_ms(wait < cap ? wait : cap);
}

std::int64_t quota_backoff_ms() { return scaled_ms(jitter(60000, 120000)); }

}  // namespace sinkhub_gsheets
