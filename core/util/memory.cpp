#include "util/memory.hpp"

#include <malloc.h>

#include <atomic>

namespace sinkhub::util {

namespace {

constexpr std::size_t kTrimAfterBytes = 32u << 20;
constexpr std::int64_t kTrimEveryMs = 1000;

std::atomic<std::size_t> released{0};
std::atomic<std::int64_t> last_trim_ms{0};

}  // namespace

void note_released(std::size_t bytes) { released.fetch_add(bytes, std::memory_order_relaxed); }

bool trim_due(std::int64_t now_ms) {
  if (released.load(std::memory_order_relaxed) < kTrimAfterBytes) return false;
  std::int64_t last = last_trim_ms.load(std::memory_order_relaxed);
  if (now_ms - last < kTrimEveryMs || !last_trim_ms.compare_exchange_strong(last, now_ms)) return false;
  released.store(0, std::memory_order_relaxed);
  return true;
}

void trim_heap() { malloc_trim(0); }

}  // namespace sinkhub::util
