// Where a batch is cut: the limits a sink's plugin declares (sink.h, sinkhub_instance_limits)
// turned into when a batch closes, and the batch being filled, which keeps what a sink did not
// accept (SINKHUB_CAP_PARTIAL) for the next call. Pure: no I/O, no clock.
#pragma once

#include <sinkhub/sink.h>

#include <cstddef>
#include <cstdint>

#include "plugin/host.hpp"

namespace sinkhub::delivery {

struct BatchLimits {
  std::uint64_t max_total = 0;  // the sink needs at most this many items in all (0 = every item)
  std::uint64_t max_items = 0;  // a batch closes at this many items...
  std::uint64_t max_bytes = 0;  // ...or before this many bytes
  std::uint64_t min_bytes = 0;  // ...but not while it holds fewer bytes than this

  // Pages the reader may hold ahead of the sink (read_ahead.hpp); 0 = fetch only on demand.
  std::size_t read_ahead_bytes() const;
};

// A batch closes at the preferred size when the sink names one, else at the maximum, else at
// the host's default: one page of items (apify.page_size), 16 MiB. A sink that sizes its
// batches in bytes only is not cut at one page of items.
BatchLimits batch_limits(const sinkhub_instance_limits& hints, int page_size);

class Batcher {
 public:
  // `first`: the delivered-index (items since the start of the dataset) of the next item.
  Batcher(const BatchLimits& limits, std::uint64_t first) : limits_(limits), first_(first) {}

  // True when the batch must go to the sink before an item of `len` bytes joins it.
  bool full_before(std::size_t len) const;
  // True when the items gathered and delivered reach what the sink needs (max_total).
  bool reached_max_total() const { return limits_.max_total && end() >= limits_.max_total; }
  void add(const char* item, std::size_t len) { batch_.add(item, len); }

  // The sink took the first `accepted` items: they leave the batch, the rest stays for the
  // next call (all of them: the batch is empty).
  void accept(std::uint64_t accepted);

  const plugin::Batch& batch() const { return batch_; }
  std::uint64_t count() const { return batch_.count(); }
  std::uint64_t first() const { return first_; }        // delivered-index of the batch's first item
  std::uint64_t end() const { return first_ + count(); }  // ... one past its last

 private:
  BatchLimits limits_;
  plugin::Batch batch_;
  std::uint64_t first_;
};

}  // namespace sinkhub::delivery
