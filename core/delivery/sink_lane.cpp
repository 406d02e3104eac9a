#include "delivery/sink_lane.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "delivery/retry_policy.hpp"
#include "observe/metrics.hpp"
#include "util/clock.hpp"

namespace sinkhub::delivery {

namespace {

constexpr const char* kCountedOutcomes[] = {"ok", "retry", "reject", "fatal"};
constexpr int kUndefinedSeries = -2;  // Metrics::define returns -1 for "no series"

}  // namespace

SinkLane::SinkLane(std::unique_ptr<plugin::Instance> instance, apify::ItemsQuery query, std::shared_ptr<Lineage> lineage)
    : inst_(std::move(instance)), name_(inst_->name()), capabilities_(inst_->plugin().desc.capabilities),
      query_(std::move(query)), lineage_(std::move(lineage)),
      dest_status_ids_(new std::atomic<int>[kDestStatusSlots]) {
  for (int i = 0; i < kDestStatusSlots; ++i) dest_status_ids_[i].store(kUndefinedSeries);
  max_concurrency_ = std::max<int>(1, static_cast<int>(inst_->limits().max_concurrency));
  if (has(SINKHUB_CAP_BUFFERED)) max_concurrency_ = 1;  // flush must not overlap deliver
  auto& m = observe::Metrics::instance();
  using K = observe::Metrics::Kind;
  const std::vector<std::pair<std::string, std::string>> labels = {{"sink", name_}};
  metrics_.items = m.define(K::Counter, "sinkhub_delivered_items_total", "Dataset items accepted by the sink", labels);
  metrics_.bytes = m.define(K::Counter, "sinkhub_delivered_bytes_total", "Bytes of items accepted by the sink", labels);
  metrics_.call_seconds =
      m.define(K::Histogram, "sinkhub_sink_call_seconds", "Duration of one deliver() call of the sink", labels);
  metrics_.attempt_seconds =
      m.define(K::Histogram, "sinkhub_delivery_attempt_seconds", "Duration of one delivery attempt", labels);
  metrics_.busy = m.define(K::Counter, "sinkhub_delivery_busy_total",
                           "Answers of the sink that it is busy with another delivery (a wait for its turn, not an "
                           "attempt)",
                           labels);
  for (int i = 0; i < 4; ++i)
    metrics_.attempts[i] = m.define(K::Counter, "sinkhub_delivery_attempts_total", "Delivery attempts by outcome",
                                    {{"sink", name_}, {"outcome", kCountedOutcomes[i]}});
}

SinkLane::~SinkLane() {
  // Retired but never drained (the engine stopped first): still one open instance of its lineage.
  if (retired_ && !closed_) lineage_->open_retired.fetch_sub(1);
}

apify::ItemsQuery SinkLane::query() const {
  std::lock_guard<std::mutex> lk(query_mu_);
  return query_;
}

void SinkLane::set_query(apify::ItemsQuery query) {
  std::lock_guard<std::mutex> lk(query_mu_);
  query_ = std::move(query);
}

// The increment comes before the checks and retire() sets retired_ before it looks at
// in_flight_ (both sequentially consistent): either this reservation sees the retirement, or
// retire() sees the reservation and leaves the closing to its release().
bool SinkLane::try_reserve(std::int64_t now_unix_ms) {
  if (suspended_until_.load() > now_unix_ms) return false;
  if (in_flight_.fetch_add(1) < max_concurrency_ && !retired_.load() && lineage_->open_retired.load() == 0) return true;
  release();
  return false;
}

void SinkLane::release() {
  if (in_flight_.fetch_sub(1) == 1 && retired_.load()) close_if_drained();
}

void SinkLane::retire() {
  {
    std::lock_guard<std::mutex> lk(retire_mu_);
    if (retired_) return;
    lineage_->open_retired.fetch_add(1);  // before the successor can be published
    retired_ = true;
  }
  if (in_flight_.load() == 0) close_if_drained();
}

void SinkLane::close_if_drained() {
  if (in_flight_.load() != 0 || closed_.exchange(true)) return;
  {
    std::lock_guard<std::mutex> lk(retire_mu_);
    inst_.reset();  // close() then destroy()
  }
  lineage_->open_retired.fetch_sub(1);
  spdlog::info("sink {}: the instance a reload replaced or removed is closed (no delivery of it in flight)", name_);
}

void SinkLane::cancel_calls() {
  std::lock_guard<std::mutex> lk(retire_mu_);
  if (inst_) inst_->cancel_all();
}

std::int64_t SinkLane::suspend(ledger::Ledger& ledger, std::chrono::milliseconds fatal_backoff,
                               const std::string& why) {
  const auto pause = fatal_pause(++fatal_streak_, fatal_backoff);
  const std::int64_t until = util::unix_ms() + pause.count();
  suspended_until_ = until;
  recreate_ = true;
  {
    std::lock_guard<std::mutex> lk(retire_mu_);
    if (retired_) {  // the delivery is due at once, for the instance that replaced this one
      spdlog::warn("sink {}: the instance a reload replaced failed: {}", name_, why);
      return util::unix_ms();
    }
    ledger.suspend_sink(name_, until, why);
  }
  spdlog::error("sink {} suspended for {} s, its deliveries stay queued: {}", name_, pause.count() / 1000, why);
  return until;
}

bool SinkLane::ready(ledger::Ledger& ledger, std::chrono::milliseconds fatal_backoff) {
  if (!recreate_) return true;
  // Never waits: a call the watchdog gave up may hold the instance for good; the sink stays
  // suspended until that call returns (its claim was handed back, nothing waits on it).
  std::unique_lock<std::shared_mutex> only(rw_, std::try_to_lock);
  if (!only) {
    suspend(ledger, fatal_backoff, "its instance cannot be re-created while a call still runs on it");
    return false;
  }
  if (!recreate_) return true;  // another worker did it
  const auto r = inst_->restart(30000);
  if (r.ok()) {
    recreate_ = false;
    spdlog::info("sink {}: instance re-created after FATAL", name_);
    return true;
  }
  suspend(ledger, fatal_backoff, "re-creating the instance failed: " + r.message);
  return false;
}

int SinkLane::attempts_metric(ledger::AttemptOutcome outcome) const {
  switch (outcome) {
    case ledger::AttemptOutcome::Ok: return metrics_.attempts[0];
    case ledger::AttemptOutcome::Retry:
    case ledger::AttemptOutcome::Error: return metrics_.attempts[1];
    case ledger::AttemptOutcome::Reject: return metrics_.attempts[2];
    case ledger::AttemptOutcome::Fatal: return metrics_.attempts[3];
    case ledger::AttemptOutcome::Interrupted:
    case ledger::AttemptOutcome::Crashed:  // counted when the delivery is taken over, by no live process
    case ledger::AttemptOutcome::Stuck: break;  // sinkhub_plugin_stuck_calls_total (delivery/watchdog)
  }
  return -1;
}

std::string dest_status_label(std::int32_t status) {
  if (status == 0) return {};
  return status >= 100 && status <= 599 ? std::to_string(status) : "other";
}

void SinkLane::count_dest_status(std::int32_t status) {
  const std::string label = dest_status_label(status);
  if (label.empty()) return;
  std::atomic<int>& slot = dest_status_ids_[label == "other" ? kDestStatusSlots - 1 : status - 100];
  int id = slot.load();
  if (id == kUndefinedSeries) {
    // Two workers may define it at once: define() hands both the same series.
    id = observe::Metrics::instance().define(
        observe::Metrics::Kind::Counter, "sinkhub_delivery_dest_status_total",
        "Answers of the sink's destination by status (sink.h dest_status: HTTP-like codes, others as \"other\")",
        {{"sink", name_}, {"status", label}});
    slot.store(id);
  }
  observe::Metrics::instance().record(id, 1);
}

}  // namespace sinkhub::delivery
