#include "delivery/engine.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

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
      settings_(std::make_shared<const Settings>(settings_of(cfg))), leases_(ledger, cfg.delivery.lease) {
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
  for (int i = 0; i < workers_count_; ++i) workers_.emplace_back([this, i] { worker(i); });
  leases_.start();
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

void Engine::stop(milliseconds grace) {
  if (workers_.empty()) return;
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
  for (auto& t : workers_) t.join();
  workers_.clear();
  leases_.stop();
}

void Engine::worker(int index) {
  ApiClients clients;
  const std::string owner = owner_prefix_ + "/" + std::to_string(index);
  while (!stopping_) {
    const auto settings = this->settings();  // this round's: a reload may replace them
    if (!clients.follow(settings->apify, client_options_, index)) {
      idle();
      continue;
    }
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
  const std::vector<std::string> names = reserved.names();
  if (names.empty()) return nullptr;
  std::vector<ledger::Claim> claims;
  try {
    claims = ledger_.claim(owner, settings.delivery.lease.count(), names, 1);
  } catch (const std::exception& e) {
    spdlog::error("delivery: cannot claim work: {}", e.what());
  }
  if (claims.empty()) return nullptr;
  claim = std::move(claims[0]);
  return reserved.keep(claim.sink);
}

void Engine::run_claim(const ledger::Claim& claim, SinkLane& lane, const Settings& settings, const WorkerTools& tools) {
  try {
    if (!lane.ready(ledger_, settings.delivery.fatal_backoff)) {
      const std::int64_t now = util::unix_ms();
      const std::string why = "sink instance could not be re-created";
      ledger_.finish(claim.id, tools.owner, {ledger::DeliveryState::Retrying, lane.suspended_until(), false, why},
                     {now, now, ledger::AttemptOutcome::Fatal, 0, why});
      return;
    }
    const auto calls = lane.calls();
    const LeaseKeeper::Active lease(leases_, claim.id, tools.owner);
    const Shared shared{ledger_, settings, stopping_, hard_stop_, actor_names_};
    Attempt(shared, tools, claim, lane).run();
  } catch (const std::exception& e) {
    // The ledger failed under us: the lease expires and the delivery is claimed again.
    spdlog::error("delivery {}: {}", claim.id, e.what());
  }
}
void Engine::idle() {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait_for(lk, milliseconds(500), [this] { return stopping_.load() || work_hint_; });
  work_hint_ = false;
}

}  // namespace sinkhub::delivery
