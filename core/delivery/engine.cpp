#include "delivery/engine.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "delivery/stuck_calls.hpp"
#include "util/clock.hpp"

namespace sinkhub::delivery {

namespace {

using std::chrono::milliseconds;

// Options of the per-worker client used only for actor-name lookups: one short try, so a
// slow or failing API never holds a delivery for long (failures are cached, see ActorNames).
apify::ClientOptions names_client_options() {
  apify::ClientOptions o;
  o.connect_timeout = milliseconds(2000);
  o.receive_timeout = milliseconds(3000);
  o.max_attempts = 1;
  o.max_retry_after = milliseconds(0);
  return o;
}

Settings settings_of(const config::Config& cfg) {
  Settings s;
  s.delivery = cfg.delivery;
  s.apify = cfg.apify;
  s.page_size = cfg.apify.page_size;
  s.verify_with_api = cfg.auth.verify_with_api;
  return s;
}

apify::ItemsQuery query_of(const config::Config& cfg, const std::string& sink) {
  apify::ItemsQuery q;
  if (const auto* sc = cfg.find_sink(sink)) {
    q.fields = sc->dataset.fields;
    q.omit = sc->dataset.omit;
    q.clean = sc->dataset.clean;
  }
  return q;
}

bool same_api(const config::ApifyConfig& a, const config::ApifyConfig& b) {
  return a.base_url == b.base_url && a.token == b.token && a.page_size == b.page_size;
}

// A worker's two API clients, made again when a reload changed apify.*.
struct ApiClients {
  std::unique_ptr<apify::Client> api, names;
  config::ApifyConfig made_for;

  // False (the old clients, if any, stay) when the clients cannot be made.
  bool follow(const config::ApifyConfig& apify, const apify::ClientOptions& options, int worker) {
    if (api && same_api(made_for, apify)) return true;
    try {
      auto a = std::make_unique<apify::Client>(apify, options);
      auto n = std::make_unique<apify::Client>(apify, names_client_options());
      api = std::move(a);
      names = std::move(n);
      made_for = apify;
      return true;
    } catch (const std::exception& e) {  // check-config validated base_url; this is a last resort
      spdlog::error("delivery: worker {} cannot make its Apify client: {}", worker, e.what());
      return api != nullptr;
    }
  }
};

}  // namespace

// A worker's reservations in every sink with room: a claim among those, then every one but
// the sink the claim landed on is given back (also when anything throws).
class Engine::Reservations {
 public:
  Reservations(const Lanes& lanes, std::int64_t now) {
    for (auto& l : lanes)
      if (l->try_reserve(now)) held_.push_back(l);
  }
  ~Reservations() {
    for (auto& l : held_) l->release();
  }
  Reservations(const Reservations&) = delete;
  Reservations& operator=(const Reservations&) = delete;

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto& l : held_) out.push_back(l->name());
    return out;
  }
  // Keeps the lane named `sink` reserved for the caller (who releases it); nullptr if none.
  std::shared_ptr<SinkLane> keep(const std::string& sink) {
    const auto it = std::find_if(held_.begin(), held_.end(), [&](const auto& l) { return l->name() == sink; });
    if (it == held_.end()) return nullptr;
    auto kept = *it;
    held_.erase(it);
    return kept;
  }

 private:
  std::vector<std::shared_ptr<SinkLane>> held_;
};

Engine::Engine(const config::Config& cfg, ledger::Ledger& ledger, plugin::SinkSet&& sinks,
               apify::ClientOptions client_options)
    : ledger_(ledger), client_options_(client_options), workers_count_(cfg.delivery.workers),
      settings_(std::make_shared<const Settings>(settings_of(cfg))), leases_(ledger, cfg.delivery.lease),
      watchdog_([this](const WatchedCall& call, int stuck_in_a_row) { on_stuck(call, stuck_in_a_row); }) {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  owner_prefix_ = std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(util::unix_ms());
  auto lanes = std::make_shared<Lanes>();
  for (auto& inst : sinks.all()) lanes->push_back(make_lane(std::move(inst), cfg));
  lanes_ = std::move(lanes);
}

Engine::~Engine() { stop(milliseconds(0)); }

std::shared_ptr<SinkLane> Engine::make_lane(std::unique_ptr<plugin::Instance> inst, const config::Config& cfg) {
  auto& lineage = lineages_[inst->name()];
  if (!lineage) lineage = std::make_shared<Lineage>();
  const std::string name = inst->name();
  stuck_calls_metric(name, inst->plugin().id);  // exported at 0 from the start
  return std::make_shared<SinkLane>(std::move(inst), query_of(cfg, name), lineage);
}

std::shared_ptr<const Engine::Lanes> Engine::lanes() const {
  std::lock_guard<std::mutex> lk(config_mu_);
  return lanes_;
}

std::shared_ptr<const Settings> Engine::settings() const {
  std::lock_guard<std::mutex> lk(config_mu_);
  return settings_;
}

std::vector<std::shared_ptr<SinkLane>> Engine::all_lanes() const {
  std::lock_guard<std::mutex> lk(config_mu_);
  std::vector<std::shared_ptr<SinkLane>> all(lanes_->begin(), lanes_->end());
  all.insert(all.end(), retired_.begin(), retired_.end());
  return all;
}

void Engine::start() {
  exited_ = std::make_unique<std::atomic<bool>[]>(static_cast<std::size_t>(workers_count_));
  for (int i = 0; i < workers_count_; ++i) workers_.emplace_back([this, i] { worker(i); });
  leases_.start();
  watchdog_.start();
  spdlog::info("delivery: {} workers for {} sink instances", workers_count_, lanes()->size());
}

void Engine::reconfigure(const config::Config& cfg, plugin::SinkSet&& fresh) {
  const auto running = lanes();
  auto next = std::make_shared<Lanes>();
  std::vector<std::shared_ptr<SinkLane>> retiring;
  for (const auto& lane : *running) {
    if (!cfg.find_sink(lane->name()) || fresh.find(lane->name())) {
      retiring.push_back(lane);
      continue;
    }
    lane->set_query(query_of(cfg, lane->name()));
    next->push_back(lane);
  }
  std::vector<std::string> renewed;
  for (auto& inst : fresh.all()) {
    renewed.push_back(inst->name());
    next->push_back(make_lane(std::move(inst), cfg));
  }
  // Retired before the successors are published: a successor never runs beside the instance it
  // replaces (see Lineage). A lane with nothing in flight closes its instance here.
  for (const auto& lane : retiring) lane->retire();
  // A suspension after FATAL was about the old instance (its credentials, say): the new one
  // starts afresh. After the retirement, so that the old lane cannot suspend the sink again.
  for (const auto& name : renewed) {
    try {
      ledger_.suspend_sink(name, 0, "lifted: a reload gave the sink a new instance");
    } catch (const std::exception& e) {
      spdlog::warn("sink {}: a suspension of its old instance could not be lifted: {}", name, e.what());
    }
  }
  std::lock_guard<std::mutex> lk(config_mu_);
  settings_ = std::make_shared<const Settings>(settings_of(cfg));
  lanes_ = std::move(next);
  retired_.insert(retired_.end(), retiring.begin(), retiring.end());
  retired_.erase(std::remove_if(retired_.begin(), retired_.end(), [](const auto& l) { return l->closed(); }),
                 retired_.end());
}

void Engine::wake() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    work_hint_ = true;
  }
  cv_.notify_one();
}

bool Engine::stop(milliseconds grace) {
  if (workers_.empty()) return true;
  stopping_ = true;
  cv_.notify_all();
  // Give in-flight batches their grace period, then cancel what still runs.
  const auto until = std::chrono::steady_clock::now() + grace;
  const auto busy = [this] {
    const auto all = all_lanes();
    return std::any_of(all.begin(), all.end(), [](auto& l) { return l->busy(); });
  };
  while (busy() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(20));
  hard_stop_ = true;
  for (auto& l : all_lanes()) l->cancel_calls();
  // A cancelled call returns at once when its plugin watches call_cancelled; one that does not
  // gets a little longer, then its thread is given up (it cannot be interrupted safely).
  const bool clean = wait_workers(milliseconds(2000));
  if (!clean) hand_back_in_flight();
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    if (exited_[i]) workers_[i].join();
    else workers_[i].detach();
  }
  workers_.clear();
  watchdog_.stop();
  leases_.stop();
  return clean;
}

bool Engine::wait_workers(milliseconds bound) {
  const auto until = std::chrono::steady_clock::now() + bound;
  const auto all_out = [this] {
    for (std::size_t i = 0; i < workers_.size(); ++i)
      if (!exited_[i]) return false;
    return true;
  };
  while (!all_out() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(20));
  return all_out();
}

// Shutdown with threads stuck in plugin code: every delivery still leased by this process goes
// back to the queue with its committed progress, the attempt not counted (the restart resumes it).
void Engine::hand_back_in_flight() {
  const auto active = leases_.active();
  spdlog::error("shutdown: {} deliveries still inside plugin calls that ignore cancellation; handed back with their "
                "progress, their threads are abandoned",
                active.size());
  for (const auto& [id, owner] : active) {
    const std::int64_t now = util::unix_ms();
    const std::string why = "shutdown: the sink call was still running after the grace period";
    try {
      if (ledger_.finish(id, owner, {ledger::DeliveryState::Retrying, now, false, ""},
                         {now, now, ledger::AttemptOutcome::Interrupted, 0, why}))
        spdlog::warn("delivery {}: {}; handed back with its progress", id, why);
    } catch (const std::exception& e) {
      spdlog::error("delivery {}: cannot hand it back: {} (its lease expires instead)", id, e.what());
    }
  }
}

void Engine::on_stuck(const WatchedCall& call, int stuck_in_a_row) {
  // Retired lanes first (all_lanes() lists them last): a stuck call is the likely reason a
  // retired lane of that name is still open, and its successor runs nothing before it closes.
  const auto all = all_lanes();
  const auto lane = std::find_if(all.rbegin(), all.rend(), [&](auto& l) { return l->name() == call.sink; });
  if (lane == all.rend()) return;
  try {
    give_up_stuck_call(call, stuck_in_a_row, ledger_, **lane, settings()->delivery);
  } catch (const std::exception& e) {
    spdlog::error("delivery {}: cannot hand the stuck call's delivery back: {}", call.delivery, e.what());
  }
}

void Engine::worker(int index) {
  struct Exited {  // tells stop() this thread is out, on every return path
    std::atomic<bool>& flag;
    ~Exited() { flag = true; }
  } const exited{exited_[static_cast<std::size_t>(index)]};
  ApiClients clients;
  std::uint64_t claims = 0;
  while (!stopping_) {
    const auto settings = this->settings();  // this round's: a reload may replace them
    if (!clients.follow(settings->apify, client_options_, index)) {
      idle();
      continue;
    }
    // One token per claim: it fences every write of the attempt, so the late answer of a call
    // the watchdog gave up can never overwrite a newer claim's progress.
    const std::string owner = owner_prefix_ + "/" + std::to_string(index) + "." + std::to_string(++claims);
    const WorkerTools tools{*clients.api, *clients.names, owner};
    ledger::Claim claim;
    const auto lane = claim_one(owner, *settings, claim);
    if (!lane) {
      idle();
      continue;
    }
    run_claim(claim, *lane, *settings, tools);
    lane->release();
    wake();  // more may be due
  }
}

std::shared_ptr<SinkLane> Engine::claim_one(const std::string& owner, const Settings& settings, ledger::Claim& claim) {
  const auto lanes = this->lanes();
  Reservations reserved(*lanes, util::unix_ms());
  std::vector<std::string> names = reserved.names();
  if (names.empty()) return nullptr;
  // The sinks take turns at being asked first: claiming oldest-first across all sinks put one
  // sink's overdue backlog ahead of every other sink's work (soak run 5: a one-writer gsheets
  // tab's retry waited behind thousands of overdue s3 deliveries).
  const std::size_t first = static_cast<std::size_t>(next_first_sink_++ % names.size());
  std::rotate(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(first), names.end());
  std::optional<ledger::Claim> got;
  try {
    got = claim_turn_holder(owner, settings, *lanes, names);
    if (!got) {
      auto claims = ledger_.claim(owner, settings.delivery.lease.count(), names, 1);
      if (!claims.empty()) got = std::move(claims[0]);
    }
  } catch (const std::exception& e) {
    spdlog::error("delivery: cannot claim work: {}", e.what());
  }
  if (!got) return nullptr;
  claim = std::move(*got);
  return reserved.keep(claim.sink);
}

// A due retry of a delivery that holds its sink's turn goes before the sink's other work
// (turn_queue.hpp). One the ledger does not lease (claimed elsewhere, not due there, gone)
// loses its hold.
std::optional<ledger::Claim> Engine::claim_turn_holder(const std::string& owner, const Settings& settings,
                                                       const Lanes& lanes, const std::vector<std::string>& names) {
  const std::int64_t now = util::unix_ms();
  for (const auto& name : names) {
    const auto lane = std::find_if(lanes.begin(), lanes.end(), [&](const auto& l) { return l->name() == name; });
    if (lane == lanes.end()) continue;
    const auto id = (*lane)->turns().due_holder(now);
    if (!id) continue;
    if (auto c = ledger_.claim_id(owner, settings.delivery.lease.count(), *id)) return c;
    (*lane)->turns().leave(*id);
  }
  return std::nullopt;
}

void Engine::run_claim(const ledger::Claim& claim, SinkLane& lane, const Settings& settings, const WorkerTools& tools) {
  try {
    const LeaseKeeper::Active lease(leases_, claim.id, tools.owner);
    if (const ClaimVerdict verdict = judge_claim(claim, settings.delivery); verdict.bury) {
      bury_claim(claim, lane, tools.owner, verdict, settings);
      return;
    }
    if (claim.taken_over)
      spdlog::warn("delivery {}: taken over, its previous attempt ended without a result (the daemon died {} of at "
                   "most {} times during it; batch at item {})",
                   claim.id, claim.crashes, settings.delivery.max_crashes, claim.items_done);
    if (!lane.ready(ledger_, settings.delivery.fatal_backoff)) {
      const std::int64_t now = util::unix_ms();
      const std::string why = "sink instance could not be re-created";
      ledger_.finish(claim.id, tools.owner, {ledger::DeliveryState::Retrying, lane.suspended_until(), false, why},
                     {now, now, ledger::AttemptOutcome::Fatal, 0, why});
      return;
    }
    const auto calls = lane.calls();
    const Shared shared{ledger_, settings, stopping_, hard_stop_, actor_names_, watchdog_};
    Attempt(shared, tools, claim, lane).run();
  } catch (const std::exception& e) {
    // The ledger failed under us: the lease expires and the delivery is claimed again.
    spdlog::error("delivery {}: {}", claim.id, e.what());
  }
}

void Engine::bury_claim(const ledger::Claim& c, SinkLane& lane, const std::string& owner, const ClaimVerdict& v,
                        const Settings& settings) {
  lane.turns().leave(c.id);
  spdlog::error("delivery {} ({} run {} -> {}): dead letter: {}", c.id, c.event.event_type, c.event.run_id, c.sink,
                v.why);
  const std::int64_t now = util::unix_ms();
  ledger::Finish how{ledger::DeliveryState::Dead, 0, /*count_attempt=*/false, v.why};
  how.record_attempt = false;  // this claim called nothing; the lost attempts are in the history
  ledger_.finish(c.id, owner, how, {now, now, ledger::AttemptOutcome::Crashed, 0, v.why});
  if (v.suspend_sink) lane.suspend(ledger_, settings.delivery.fatal_backoff, v.why);
}

void Engine::idle() {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait_for(lk, milliseconds(500), [this] { return stopping_.load() || work_hint_; });
  work_hint_ = false;
}

}  // namespace sinkhub::delivery
