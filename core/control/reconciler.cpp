// The reconciler's life: settings swapped by reconfigure(), the background thread, metrics.
#include "control/reconciler.hpp"

#include <spdlog/spdlog.h>

#include "control/reconcile_internal.hpp"
#include "observe/metrics.hpp"

namespace sinkhub::control {

namespace {

std::shared_ptr<const Reconciler::Settings> make_settings(const config::Config& cfg);

}  // namespace

Reconciler::Reconciler(const config::Config& cfg, ledger::Ledger& ledger, ReconcileOptions options)
    : ledger_(ledger), options_(std::move(options)) {
  settings_ = make_settings(cfg);
  using K = observe::Metrics::Kind;
  auto& m = observe::Metrics::instance();
  m_reconciled_ = m.define(K::Counter, "sinkhub_reconciled_runs_total",
                           "Finished runs whose webhook never came, recorded by reconciliation", {});
  m_scanned_ = m.define(K::Counter, "sinkhub_reconcile_runs_scanned_total",
                        "Terminal runs reconciliation listed inside its horizon", {});
  m_last_pass_ = m.define(K::Gauge, "sinkhub_reconcile_last_pass_timestamp_seconds",
                          "Unix time when the last reconciliation pass ended", {});
  m_failures_ = m.define(K::Counter, "sinkhub_reconcile_errors_total",
                         "Reconciliation API calls that failed (retried next pass)", {});
}

Reconciler::~Reconciler() { stop(); }

namespace {

std::shared_ptr<const Reconciler::Settings> make_settings(const config::Config& cfg) {
  auto s = std::make_shared<Reconciler::Settings>();
  s->apify = cfg.apify;
  s->intake = std::make_shared<const webhook::Intake>(cfg);
  s->targets = targets_of(cfg.routes);
  s->routes = cfg.routes;
  return s;
}

}  // namespace

void Reconciler::reconfigure(const config::Config& cfg) {
  auto next = make_settings(cfg);
  {
    std::lock_guard<std::mutex> lk(mu_);
    settings_ = std::move(next);
    resolved_.clear();  // the token may see other Actors now
  }
  cv_.notify_all();
}

std::shared_ptr<const Reconciler::Settings> Reconciler::settings() const {
  std::lock_guard<std::mutex> lk(mu_);
  return settings_;
}

bool Reconciler::stopping() const {
  std::lock_guard<std::mutex> lk(mu_);
  return stop_;
}

void Reconciler::start() {
  std::lock_guard<std::mutex> lk(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Reconciler::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Reconciler::loop() {
  while (!stopping()) {
    const auto interval = settings()->apify.reconcile.interval;
    if (interval.count() > 0) {
      try {
        const auto r = pass();
        spdlog::info("reconcile: {} terminal runs listed, {} already recorded, {} recorded now, {} errors, {} API calls",
                     r.scanned, r.with_event, r.enqueued, r.errors.size(), r.api_calls);
        for (const auto& e : r.errors) spdlog::warn("reconcile: {} (retried next pass)", e);
        observe::Metrics::instance().record(m_failures_, static_cast<double>(r.errors.size()));
      } catch (const std::exception& e) {
        spdlog::error("reconcile: pass failed: {} (retried next pass)", e.what());
        observe::Metrics::instance().record(m_failures_, 1);
      }
    }
    std::unique_lock<std::mutex> lk(mu_);
    const auto seen = settings_;
    // Wait for the interval, a stop, or a new config (whose interval may differ).
    const auto changed = [&] { return stop_ || settings_ != seen; };
    if (interval.count() > 0)
      cv_.wait_for(lk, interval, changed);
    else
      cv_.wait(lk, changed);
  }
}

}  // namespace sinkhub::control
