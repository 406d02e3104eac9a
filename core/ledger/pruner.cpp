#include "ledger/pruner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "observe/metrics.hpp"
#include "util/clock.hpp"

namespace sinkhub::ledger {

namespace {

using observe::Metrics;

struct PruneMetrics {
  int attempts, deliveries, events, bodies, pages, seconds;
};

const PruneMetrics& metrics() {
  static const PruneMetrics m = [] {
    auto& r = Metrics::instance();
    const auto rows = [&r](const char* table) {
      return r.define(Metrics::Kind::Counter, "sinkhub_ledger_pruned_rows_total",
                      "Rows ledger.retention deleted, by table", {{"table", table}});
    };
    return PruneMetrics{
        rows("attempts"), rows("deliveries"), rows("events"),
        r.define(Metrics::Kind::Counter, "sinkhub_ledger_pruned_bodies_total",
                 "Event bodies ledger.retention emptied (their rows stay for the dedup key)", {}),
        r.define(Metrics::Kind::Counter, "sinkhub_ledger_released_pages_total",
                 "Free SQLite pages given back to the filesystem after pruning", {}),
        r.define(Metrics::Kind::Histogram, "sinkhub_ledger_prune_seconds",
                 "Time one prune transaction (at most one batch of rows of each table) took", {})};
  }();
  return m;
}

std::int64_t cutoff(std::int64_t now, std::chrono::milliseconds age) { return age.count() ? now - age.count() : 0; }

void add(PassReport& pass, const PruneResult& r) {
  pass.attempts += r.attempts;
  pass.deliveries += r.deliveries;
  pass.events += r.events;
  pass.bodies += r.bodies;
  pass.largest = std::max({pass.largest, r.attempts, r.deliveries, r.events + r.bodies});
  const auto& m = metrics();
  auto& reg = Metrics::instance();
  reg.record(m.attempts, static_cast<double>(r.attempts));
  reg.record(m.deliveries, static_cast<double>(r.deliveries));
  reg.record(m.events, static_cast<double>(r.events));
  reg.record(m.bodies, static_cast<double>(r.bodies));
}

}  // namespace

Pruner::Pruner(Ledger& ledger, const config::RetentionConfig& retention, PrunerOptions options)
    : ledger_(ledger), options_(options), retention_(retention) {
  metrics();
}

Pruner::~Pruner() { stop(); }

void Pruner::start() { thread_ = std::thread([this] { loop(); }); }

void Pruner::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Pruner::reconfigure(const config::RetentionConfig& retention) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    retention_ = retention;
    reconfigured_ = true;
  }
  cv_.notify_all();
}

PrunePlan Pruner::plan(std::int64_t now) const {
  std::lock_guard<std::mutex> lk(mu_);
  PrunePlan p;
  p.done_before = cutoff(now, retention_.done);
  p.dead_before = cutoff(now, retention_.dead);
  p.keys_before = cutoff(now, retention_.dedup_keys);
  p.idle_before = p.done_before;  // an event that planned no delivery is done when it arrives
  p.limit = options_.batch;
  return p;
}

bool Pruner::pause(std::chrono::milliseconds ms) {
  std::unique_lock<std::mutex> lk(mu_);
  return !cv_.wait_for(lk, ms, [this] { return stopping_; });
}

bool Pruner::until_next_pass(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait_for(lk, wait, [this] { return stopping_ || reconfigured_; });
  reconfigured_ = false;
  return !stopping_;
}

PassReport Pruner::run_pass() {
  std::lock_guard<std::mutex> one_pass(pass_mu_);
  PassReport pass;
  const auto& m = metrics();
  for (bool more = true; more;) {
    PrunePlan p = plan(util::unix_ms());
    p.walked_to = walked_to_;
    const auto t0 = std::chrono::steady_clock::now();
    const PruneResult r = ledger_.prune(p);
    const auto took = std::chrono::steady_clock::now() - t0;
    Metrics::instance().record(m.seconds, std::chrono::duration<double>(took).count());
    ++pass.transactions;
    walked_to_ = r.walked_to;
    add(pass, r);
    more = r.more;
    // Yield the writer to the webhooks for twice as long as this batch held it: pruning a
    // backlog takes at most a third of the writer's time.
    const auto yield = std::max(options_.min_pause, 2 * std::chrono::duration_cast<std::chrono::milliseconds>(took));
    if (more && !pause(yield)) {
      pass.stopped = true;
      return pass;
    }
  }
  for (std::int64_t n = 1; n > 0;) {
    n = ledger_.release_space(options_.release_pages);
    pass.pages += n;
    Metrics::instance().record(m.pages, static_cast<double>(n));
    if (n > 0 && !pause(options_.min_pause)) {
      pass.stopped = true;
      break;
    }
  }
  return pass;
}

void Pruner::loop() {
  std::chrono::milliseconds wait = options_.first_pass;
  while (until_next_pass(wait)) {
    try {
      const auto t0 = std::chrono::steady_clock::now();
      const PassReport p = run_pass();
      if (p.attempts + p.deliveries + p.events + p.bodies + p.pages > 0)
        spdlog::info("ledger retention: pruned {} deliveries, {} attempts, {} events and {} bodies in {} transactions "
                     "({:.1f} s); {} free pages given back",
                     p.deliveries, p.attempts, p.events, p.bodies, p.transactions,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), p.pages);
    } catch (const std::exception& e) {
      spdlog::warn("ledger retention: pruning stopped for now, next pass later: {}", e.what());
    }
    std::lock_guard<std::mutex> lk(mu_);
    wait = retention_.interval;
  }
}

}  // namespace sinkhub::ledger
