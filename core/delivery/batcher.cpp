#include "delivery/batcher.hpp"

#include <algorithm>
#include <utility>

namespace sinkhub::delivery {

namespace {

constexpr std::uint64_t kDefaultMaxBytes = 16ull << 20;
constexpr std::uint64_t kMaxReadAhead = 32ull << 20;

std::uint64_t target(std::uint64_t preferred, std::uint64_t max, std::uint64_t fallback) {
  const std::uint64_t hard = max ? max : fallback;
  return preferred ? std::min(preferred, hard) : hard;
}

}  // namespace

BatchLimits batch_limits(const sinkhub_instance_limits& h, int page_size) {
  BatchLimits l;
  l.max_total = h.max_items;
  const bool sized_in_bytes = h.preferred_batch_bytes || h.max_batch_bytes;
  l.max_items = target(h.preferred_batch_items, h.max_batch_items,
                       sized_in_bytes ? UINT64_MAX : static_cast<std::uint64_t>(page_size));
  l.max_bytes = target(h.preferred_batch_bytes, h.max_batch_bytes, kDefaultMaxBytes);
  l.min_bytes = h.min_batch_bytes;
  return l;
}

// About two batches' worth of pages (at least one page, at most 32 MiB): enough to keep
// fetching through a whole sink call. A sink that needs only the first items gets none:
// nothing is fetched past them.
std::size_t BatchLimits::read_ahead_bytes() const {
  if (max_total) return 0;
  const std::uint64_t batch = max_bytes == UINT64_MAX ? kDefaultMaxBytes : max_bytes;
  return static_cast<std::size_t>(std::min<std::uint64_t>(batch, kMaxReadAhead / 2) * 2);
}

bool Batcher::full_before(std::size_t len) const {
  return count() && (count() >= limits_.max_items || batch_.data.size() + len + 1 > limits_.max_bytes) &&
         batch_.data.size() >= limits_.min_bytes;
}

void Batcher::accept(std::uint64_t accepted) {
  const std::uint64_t n = count();
  if (accepted >= n) {
    batch_.clear();
  } else {
    plugin::Batch rest;
    for (std::size_t i = accepted; i < n; ++i) rest.add(batch_.data.data() + batch_.offsets[i], batch_.lengths[i]);
    batch_ = std::move(rest);
  }
  first_ += std::min(accepted, n);
}

}  // namespace sinkhub::delivery
