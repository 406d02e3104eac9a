// The dataset half of an attempt: pages from read_ahead, cut into batches by the Batcher,
// each batch sent until the sink accepted all of it, the last one flagged LAST_BATCH.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "delivery/attempt.hpp"

namespace sinkhub::delivery {

// Where reading stands within this attempt.
struct Attempt::Walk {
  std::uint64_t skip = 0;      // items read again on resume, delivered before: not sent twice
  std::uint64_t position = 0;  // delivered-index of the next item read
  bool reached_max = false;    // the sink has all it needs (max_items): stop fetching
  bool stopped = false;        // a sink call ended the attempt
  bool interrupted = false;    // shutdown
};

void Attempt::stream() {
  apify::ItemsQuery q = lane_.query();
  const BatchLimits limits = batch_limits(lane_.instance().limits(), sh_.settings.page_size);
  // Raw items to read from the resume offset: the items before it are delivered; the ones
  // between it and items_done_ are read again and skipped.
  const std::uint64_t start_items = marks_.start_items();
  if (limits.max_total && !q.clean)
    q.max_items = static_cast<std::int64_t>(limits.max_total > start_items ? limits.max_total - start_items : 0);
  Walk walk;
  walk.skip = items_done_ - std::min(items_done_, start_items);
  walk.position = start_items;
  walk.reached_max = batcher_.reached_max_total();
  last_log_ = std::chrono::steady_clock::now();
  log_items_ = items_done_;
  const auto result =
      read_ahead(w_.api, c_.event.dataset_id, marks_.start_offset(), q, limits.read_ahead_bytes(),
                 [this] { return sh_.stopping.load(); }, [&](const apify::Page& page) { return take_page(page, walk); });
  after_read(result, walk);
}

bool Attempt::take_page(const apify::Page& page, Walk& walk) {
  marks_.add(page, walk.position);
  last_total_ = page.total;
  const char* p = page.body.data();
  const char* const end = p + page.body.size();
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* item = p;
    const auto len = static_cast<std::size_t>((nl ? nl : end) - p);
    p = nl ? nl + 1 : end;
    if (len == 0) continue;
    ++walk.position;
    if (walk.skip) {
      --walk.skip;
      continue;
    }
    if (batcher_.reached_max_total()) {
      walk.reached_max = true;
      return false;
    }
    if (batcher_.full_before(len) && send(0) == Step::Stop) {
      walk.stopped = true;
      return false;
    }
    batcher_.add(item, len);
  }
  progress_log();
  if (sh_.stopping) {
    walk.interrupted = true;
    return false;
  }
  walk.reached_max = batcher_.reached_max_total();  // the sink needs no more items: stop fetching
  return !walk.reached_max;
}

// The read ended: the last batch, or why there is none.
void Attempt::after_read(const apify::StreamResult& result, const Walk& walk) {
  if (walk.stopped) return;  // the outcome was handled by send()
  if (!walk.reached_max && (walk.interrupted || (!result.ok && result.error.type == "cancelled"))) {
    give_back("interrupted by shutdown");
    return;
  }
  if (!result.ok && !walk.reached_max) {
    const std::string why = "Apify API: " + result.error.describe();
    if (result.error.retryable) retry_or_bury(why, result.error.retry_after_ms, Outcome::Error);
    else bury(why, Outcome::Error);
    return;
  }
  dataset_exhausted_ = !walk.reached_max;
  if (send(SINKHUB_CTX_LAST_BATCH) == Step::Continue) done();
}

// Delivers the whole batch (flags adds LAST_BATCH on the final call); a partial acceptance
// (SINKHUB_CAP_PARTIAL) sends the remainder again at once.
Attempt::Step Attempt::send(std::uint32_t flags) {
  for (;;) {
    std::uint32_t f = flags;
    if (items_done_ == 0 && checkpoint_.empty()) f |= SINKHUB_CTX_FIRST_BATCH;
    const std::uint64_t before = batcher_.count();
    const plugin::CallResult r = call_sink(context(batcher_.batch(), f), batcher_.batch());
    if (settle(r) == Step::Stop) return Step::Stop;
    batcher_.accept(r.items_accepted);
    if (r.items_accepted >= before) return Step::Continue;
    if (r.items_accepted == 0) {
      // OK without accepting anything is no progress: calling again at once would spin (and
      // block shutdown). Retry later, within the budget.
      retry_or_bury("sink answered OK but accepted none of the " + std::to_string(before) + " items", -1,
                    Outcome::Retry);
      return Step::Stop;
    }
  }
}

// Long deliveries say how far they are every 10 seconds.
void Attempt::progress_log() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_log_ < std::chrono::seconds(10)) return;
  const double secs = std::chrono::duration<double>(now - last_log_).count();
  const std::uint64_t so_far = items_done_ + batcher_.count();
  spdlog::info("{}: {} items delivered so far ({:.0f} items/s)", label_, so_far,
               static_cast<double>(so_far - log_items_) / secs);
  last_log_ = now;
  log_items_ = so_far;
}

}  // namespace sinkhub::delivery
