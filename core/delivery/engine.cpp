#include "delivery/engine.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <shared_mutex>
#include <thread>

#include "observe/metrics.hpp"
#include "util/backoff.hpp"
#include "util/clock.hpp"

namespace sinkhub::delivery {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using util::unix_ms;

using Outcome = ledger::AttemptOutcome;

// sinkhub_delivery_attempts_total{outcome}: the four counted outcomes, in this order.
const char* const kCountedOutcomes[] = {"ok", "retry", "reject", "fatal"};

// The counter an attempt's outcome counts in; -1 for none (interrupted attempts).
int counted_outcome(Outcome o) {
  switch (o) {
    case Outcome::Ok: return 0;
    case Outcome::Retry:
    case Outcome::Error: return 1;
    case Outcome::Reject: return 2;
    case Outcome::Fatal: return 3;
    case Outcome::Interrupted: break;
  }
  return -1;
}

// Apify's X-Apify-Pagination-Total lags item pushes by up to 5-10 s (apify-platform.md):
// a total read this soon after the run finished may still grow.
constexpr std::int64_t kCountSettlingMs = 10000;

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

}  // namespace

// One sink instance as the engine schedules it.
struct Engine::Slot {
  std::string name;
  plugin::Instance* inst = nullptr;
  int max_concurrency = 1;
  std::atomic<int> in_flight{0};
  std::atomic<std::int64_t> suspended_until{0};  // unix ms
  std::atomic<int> fatal_streak{0};
  // After FATAL the instance is re-created before its next delivery (sink.h: "closes,
  // destroys and re-creates it"). Deliveries hold rw shared; the re-creation holds it
  // exclusively, so no call runs on an instance being replaced.
  std::atomic<bool> recreate{false};
  std::shared_mutex rw;
  int m_items = -1, m_bytes = -1, m_call_seconds = -1, m_attempt_seconds = -1;
  int m_outcome[4] = {-1, -1, -1, -1};
};

std::chrono::milliseconds Engine::backoff(int attempt, milliseconds initial, milliseconds max, double u) {
  const milliseconds ceiling = util::exponential(attempt, initial, max);
  return util::scaled(ceiling, std::clamp(u, 0.0, 1.0), ceiling);
}

Engine::Engine(const config::Config& cfg, ledger::Ledger& ledger, plugin::SinkSet& sinks,
               apify::ClientOptions client_options)
    : cfg_(cfg), ledger_(ledger), client_options_(client_options) {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  owner_prefix_ = std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(unix_ms());
  auto& m = observe::Metrics::instance();
  using K = observe::Metrics::Kind;
  for (auto& inst : sinks.all()) {
    auto s = std::make_unique<Slot>();
    s->name = inst->name();
    s->inst = inst.get();
    s->max_concurrency = std::max<int>(1, static_cast<int>(inst->limits().max_concurrency));
    if (inst->plugin().desc.capabilities & SINKHUB_CAP_BUFFERED) s->max_concurrency = 1;  // flush must not overlap deliver
    const std::vector<std::pair<std::string, std::string>> labels = {{"sink", s->name}};
    s->m_items = m.define(K::Counter, "sinkhub_delivered_items_total", "Dataset items accepted by the sink", labels);
    s->m_bytes = m.define(K::Counter, "sinkhub_delivered_bytes_total", "Bytes of items accepted by the sink", labels);
    s->m_call_seconds =
        m.define(K::Histogram, "sinkhub_sink_call_seconds", "Duration of one deliver() call of the sink", labels);
    s->m_attempt_seconds =
        m.define(K::Histogram, "sinkhub_delivery_attempt_seconds", "Duration of one delivery attempt", labels);
    for (int code = 0; code < 4; ++code)
      s->m_outcome[code] = m.define(K::Counter, "sinkhub_delivery_attempts_total", "Delivery attempts by outcome",
                                    {{"sink", s->name}, {"outcome", kCountedOutcomes[code]}});
    slots_.push_back(std::move(s));
  }
}

Engine::~Engine() { stop(milliseconds(0)); }

void Engine::start() {
  for (int i = 0; i < cfg_.delivery.workers; ++i) workers_.emplace_back([this, i] { worker(i); });
  keeper_ = std::thread([this] { keep_leases(); });
  spdlog::info("delivery: {} workers for {} sink instances", cfg_.delivery.workers, slots_.size());
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
  const auto until = Clock::now() + grace;
  // Give in-flight batches their grace period, then cancel what still runs.
  for (;;) {
    bool busy = false;
    for (auto& s : slots_) busy = busy || s->in_flight.load() > 0;
    if (!busy || Clock::now() >= until) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  hard_stop_ = true;
  for (auto& s : slots_) s->inst->cancel_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  {
    std::lock_guard<std::mutex> lk(mu_);
    keeper_stop_ = true;
  }
  keeper_cv_.notify_all();
  if (keeper_.joinable()) keeper_.join();
}

std::int64_t Engine::suspend(Slot& slot, const std::string& why) {
  // fatal_backoff, doubling with every FATAL in a row, at most a day.
  const auto pause = util::exponential(++slot.fatal_streak, cfg_.delivery.fatal_backoff, std::chrono::hours(24));
  const std::int64_t until = unix_ms() + pause.count();
  slot.suspended_until = until;
  slot.recreate = true;
  ledger_.suspend_sink(slot.name, until, why);
  spdlog::error("sink {} suspended for {} s, its deliveries stay queued: {}", slot.name, pause.count() / 1000, why);
  return until;
}

bool Engine::recreate(Slot& slot) {
  std::unique_lock<std::shared_mutex> only(slot.rw);
  if (!slot.recreate) return true;  // another worker did it
  const auto r = slot.inst->restart(30000);
  if (r.ok()) {
    slot.recreate = false;
    spdlog::info("sink {}: instance re-created after FATAL", slot.name);
    return true;
  }
  suspend(slot, "re-creating the instance failed: " + r.message);
  return false;
}

void Engine::keep_leases() {
  const auto every = std::max<milliseconds>(cfg_.delivery.lease / 3, milliseconds(100));
  std::unique_lock<std::mutex> lk(mu_);
  while (!keeper_stop_) {
    keeper_cv_.wait_for(lk, every, [this] { return keeper_stop_.load(); });
    if (keeper_stop_) break;
    std::map<std::int64_t, std::string> active;
    {
      std::lock_guard<std::mutex> a(active_mu_);
      active = active_;
    }
    lk.unlock();
    for (const auto& [id, owner] : active) {
      try {
        if (!ledger_.extend_lease(id, owner, cfg_.delivery.lease.count()))
          spdlog::debug("delivery {}: lease not extended (finished or lost)", id);
      } catch (const std::exception& e) {
        spdlog::warn("delivery {}: cannot extend lease: {}", id, e.what());
      }
    }
    lk.lock();
  }
}

void Engine::worker(int index) {
  std::unique_ptr<apify::Client> client_ptr, names_ptr;
  try {
    client_ptr = std::make_unique<apify::Client>(cfg_.apify, client_options_);
    names_ptr = std::make_unique<apify::Client>(cfg_.apify, names_client_options());
  } catch (const std::exception& e) {  // check-config validated base_url; this is a last resort
    spdlog::error("delivery: worker {} cannot start: {}", index, e.what());
    return;
  }
  apify::Client& client = *client_ptr;
  const std::string owner = owner_prefix_ + "/" + std::to_string(index);
  const milliseconds lease = cfg_.delivery.lease;
  while (!stopping_) {
    // Reserve a slot in every sink with spare concurrency, claim among those, keep the one
    // the claim landed on.
    std::vector<Slot*> reserved;
    const std::int64_t now = unix_ms();
    for (auto& s : slots_) {
      if (s->suspended_until.load() > now) continue;
      if (s->in_flight.fetch_add(1) < s->max_concurrency)
        reserved.push_back(s.get());
      else
        s->in_flight.fetch_sub(1);
    }
    std::vector<ledger::Claim> claims;
    if (!reserved.empty()) {
      std::vector<std::string> names;
      for (auto* s : reserved) names.push_back(s->name);
      try {
        claims = ledger_.claim(owner, lease.count(), names, 1);
      } catch (const std::exception& e) {
        spdlog::error("delivery: cannot claim work: {}", e.what());
      }
    }
    Slot* used = nullptr;
    if (!claims.empty())
      for (auto* s : reserved)
        if (s->name == claims[0].sink) used = s;
    for (auto* s : reserved)
      if (s != used) s->in_flight.fetch_sub(1);
    if (!used) {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait_for(lk, milliseconds(500), [this] { return stopping_.load() || work_hint_; });
      work_hint_ = false;
      continue;
    }
    try {
      if (used->recreate && !recreate(*used)) {
        const std::int64_t until = used->suspended_until.load();
        ledger_.finish(claims[0].id, owner,
                       {ledger::DeliveryState::Retrying, until, false, "sink instance could not be re-created"},
                       {unix_ms(), unix_ms(), ledger::AttemptOutcome::Fatal, 0, "sink instance could not be re-created"});
      } else {
        std::shared_lock<std::shared_mutex> calls(used->rw);
        process(claims[0], *used, client, *names_ptr, owner);
      }
    } catch (const std::exception& e) {
      // The ledger failed under us: the lease expires and the delivery is claimed again.
      spdlog::error("delivery {}: {}", claims[0].id, e.what());
    }
    used->in_flight.fetch_sub(1);
    wake();  // more may be due
  }
}

// One attempt of one delivery.
class Engine::Run {
 public:
  Run(Engine& e, const ledger::Claim& c, Slot& s, apify::Client& client, apify::Client& names,
      const std::string& owner)
      : e_(e), c_(c), s_(s), client_(client), names_(names), owner_(owner), cfg_(e.cfg_.delivery),
        items_done_(c.items_done), source_offset_(c.source_offset), source_items_(c.source_items),
        checkpoint_(c.checkpoint) {
    label_ = "delivery " + std::to_string(c.id) + " (" + c.event.event_type + " run " + c.event.run_id + " -> " +
             c.sink + ", attempt " + std::to_string(c.attempt) + ")";
  }

  void execute() {
    if (!verify()) return;
    resolve_actor_name();
    const auto caps = s_.inst->plugin().desc.capabilities;
    if (!c_.with_items || (caps & SINKHUB_CAP_NO_ITEMS)) {
      plugin::Batch empty;
      const auto r = call(empty, SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH | SINKHUB_CTX_EVENT_ONLY);
      if (r == Step::Continue) done();
      return;
    }
    if ((caps & SINKHUB_CAP_RESTART_ON_RETRY) && (items_done_ || !checkpoint_.empty())) {
      items_done_ = source_items_ = 0;
      source_offset_ = 0;
      checkpoint_.clear();
    }
    stream();
  }

 private:
  enum class Step { Continue, Stop };

  // auth.verify_with_api: the run must exist, have the status the event claims and own
  // the dataset; otherwise nothing is exported. Checked once per event.
  bool verify() {
    if (!e_.cfg_.auth.verify_with_api || c_.verified == 1 || !model::is_run_event(c_.event.event_type)) return true;
    const auto run = client_.get_run(c_.event.run_id, [this] { return e_.stopping_.load(); });
    std::string mismatch;
    if (!run.ok) {
      if (run.error.type == "cancelled") {
        give_back("interrupted by shutdown");
        return false;
      }
      if (!run.error.not_found()) {
        retry_or_bury("cannot verify the run with the Apify API: " + run.error.describe(), -1, Outcome::Error);
        return false;
      }
      mismatch = "run " + c_.event.run_id + " does not exist";
    } else if (const auto want = c_.event.implied_run_status(); !want.empty() && run.value.status != want) {
      mismatch = "run " + c_.event.run_id + " has status " + run.value.status + ", the event says " + want;
    } else if (run.value.default_dataset_id != c_.event.dataset_id) {
      mismatch = "run " + c_.event.run_id + " owns dataset " + run.value.default_dataset_id + ", not " + c_.event.dataset_id;
    } else if (!c_.event.actor_id.empty() && run.value.act_id != c_.event.actor_id) {
      mismatch = "run " + c_.event.run_id + " belongs to actor " + run.value.act_id + ", not " + c_.event.actor_id;
    }
    e_.ledger_.set_verified(c_.event_id, mismatch.empty(), mismatch);
    if (!mismatch.empty()) {
      spdlog::warn("{}: webhook rejected by verify_with_api, nothing exported: {}", label_, mismatch);
      return false;
    }
    return true;
  }

  // ABI 1.1 actor_name, only for sinks that declare they use it (no lookup otherwise).
  void resolve_actor_name() {
    if (!(s_.inst->plugin().desc.capabilities & SINKHUB_CAP_ACTOR_NAME) || c_.event.actor_id.empty()) return;
    const auto lookup = [this](const std::string& id) -> std::optional<std::string> {
      const auto a = names_.get_actor(id, [this] { return e_.stopping_.load(); });
      if (!a.ok || a.value.name.empty()) {
        spdlog::debug("{}: actor name of {} unknown: {}", label_, id, a.ok ? "no name" : a.error.describe());
        return std::nullopt;
      }
      return a.value.username.empty() ? a.value.name : a.value.username + "/" + a.value.name;
    };
    actor_name_ = e_.actor_names_.resolve(c_.event.actor_id, lookup);
  }

  struct PageMark {
    std::int64_t offset, next_offset;
    std::uint64_t items_before, items_after;
  };

  void stream() {
    const auto& lim = s_.inst->limits();
    const std::uint64_t max_total = lim.max_items;  // 0 = all
    // A batch closes at the preferred size when the sink names one, else at the maximum (or
    // the host's default: one page, 16 MiB).
    const auto target = [](std::uint64_t preferred, std::uint64_t max, std::uint64_t fallback) {
      const std::uint64_t hard = max ? max : fallback;
      return preferred ? std::min(preferred, hard) : hard;
    };
    // A sink that sizes its batches in bytes only is not cut at one page of items.
    const bool sized_in_bytes = lim.preferred_batch_bytes || lim.max_batch_bytes;
    const std::uint64_t max_items = target(lim.preferred_batch_items, lim.max_batch_items,
                                           sized_in_bytes ? UINT64_MAX : static_cast<std::uint64_t>(e_.cfg_.apify.page_size));
    const std::uint64_t max_bytes = target(lim.preferred_batch_bytes, lim.max_batch_bytes, 16ull * 1024 * 1024);
    const std::uint64_t min_bytes = lim.min_batch_bytes;
    apify::ItemsQuery q;
    if (const auto* sc = e_.cfg_.find_sink(c_.sink)) {
      q.fields = sc->dataset.fields;
      q.omit = sc->dataset.omit;
      q.clean = sc->dataset.clean;
    }
    // Raw items to read from source_offset_: the source_items_ items before it are already
    // delivered; the ones between it and items_done_ are read again and skipped.
    if (max_total && !q.clean)
      q.max_items = static_cast<std::int64_t>(max_total > source_items_ ? max_total - source_items_ : 0);

    std::uint64_t skip = items_done_ - std::min(items_done_, source_items_);
    std::uint64_t position = source_items_;  // delivered-index of the next item read
    pages_.clear();
    batch_.clear();
    batch_first_ = items_done_;
    bool stopped = false, reached_max = max_total && items_done_ >= max_total;
    last_log_ = Clock::now();
    log_items_ = items_done_;

    auto on_page = [&](const apify::Page& page) -> bool {
      pages_.push_back({page.offset, page.next_offset(), position, position + static_cast<std::uint64_t>(page.returned)});
      last_total_ = page.total;
      const char* p = page.body.data();
      const char* end = p + page.body.size();
      while (p < end) {
        const char* nl = static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(end - p)));
        const char* item_end = nl ? nl : end;
        const size_t len = static_cast<size_t>(item_end - p);
        const char* item = p;
        p = nl ? nl + 1 : end;
        if (len == 0) continue;
        ++position;
        if (skip) {
          --skip;
          continue;
        }
        if (max_total && batch_first_ + batch_.count() >= max_total) {
          reached_max = true;
          return false;
        }
        if (batch_.count() &&
            (batch_.count() >= max_items || batch_.data.size() + len + 1 > max_bytes) && batch_.data.size() >= min_bytes) {
          if (send(0) == Step::Stop) {
            stopped = true;
            return false;
          }
        }
        batch_.add(item, len);
      }
      progress_log();
      if (e_.stopping_) {
        interrupted_ = true;
        return false;
      }
      if (max_total && batch_first_ + batch_.count() >= max_total) {
        reached_max = true;  // the sink needs no more items: stop fetching
        return false;
      }
      return true;
    };
    // A sink that needs only the first items gets no read-ahead: nothing is fetched past them.
    const auto result = read_ahead(q, max_total ? 0 : (max_bytes == UINT64_MAX ? 16ull << 20 : max_bytes), on_page);
    if (stopped) return;  // the outcome was handled by send()
    if (!reached_max && (interrupted_ || (!result.ok && result.error.type == "cancelled"))) {
      give_back("interrupted by shutdown");
      return;
    }
    if (!result.ok && !reached_max) {
      const std::string why = "Apify API: " + result.error.describe();
      if (result.error.retryable)
        retry_or_bury(why, result.error.retry_after_ms, Outcome::Error);
      else
        bury(why, Outcome::Error);
      return;
    }
    dataset_exhausted_ = !reached_max;
    if (send(SINKHUB_CTX_LAST_BATCH) == Step::Continue) done();
  }

  // Streams the dataset on a helper thread that reads ahead while this thread hands batches
  // to the sink, so network and sink I/O overlap. The read-ahead holds about two batches'
  // worth of pages (at least one page, at most 32 MiB): enough to keep fetching through a
  // whole sink call, and memory stays bounded whatever the dataset size. batch_bytes 0: no
  // read-ahead. on_page runs on this thread; when it returns false the reader stops at its
  // next page.
  apify::StreamResult read_ahead(const apify::ItemsQuery& q, std::uint64_t batch_bytes,
                                 const std::function<bool(const apify::Page&)>& on_page) {
    if (batch_bytes == 0)  // no read-ahead: fetch a page only when the sink side asks for it
      return client_.stream_items(c_.event.dataset_id, source_offset_, q, on_page,
                                  [this] { return e_.stopping_.load(); });
    const std::size_t budget = static_cast<std::size_t>(std::min<std::uint64_t>(2 * batch_bytes, 32ull << 20));
    std::size_t ready_bytes = 0;
    struct Copy {
      std::string body;
      apify::Page page;
    };
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Copy> ready;
    bool reader_done = false;
    std::atomic<bool> consumer_stop{false};
    apify::StreamResult result;
    std::thread reader([&] {
      result = client_.stream_items(
          c_.event.dataset_id, source_offset_, q,
          [&](const apify::Page& p) {
            std::unique_lock<std::mutex> lk(mu);
            cv.wait(lk, [&] { return ready.empty() || ready_bytes + p.body.size() <= budget || consumer_stop; });
            if (consumer_stop) return false;
            ready_bytes += p.body.size();
            ready.push_back({std::string(p.body), p});
            cv.notify_all();
            return true;
          },
          [&] { return e_.stopping_.load() || consumer_stop.load(); });
      std::lock_guard<std::mutex> lk(mu);
      reader_done = true;
      cv.notify_all();
    });
    auto stop_reader = [&] {
      std::lock_guard<std::mutex> lk(mu);
      consumer_stop = true;
      cv.notify_all();
    };
    try {
      for (;;) {
        Copy c;
        {
          std::unique_lock<std::mutex> lk(mu);
          cv.wait(lk, [&] { return !ready.empty() || reader_done; });
          if (ready.empty()) break;
          c = std::move(ready.front());
          ready.pop_front();
          ready_bytes -= c.body.size();
          cv.notify_all();
        }
        c.page.body = c.body;  // the view follows the moved string
        if (!on_page(c.page)) {
          stop_reader();
          break;
        }
      }
    } catch (...) {  // e.g. the ledger failed: stop the reader before unwinding
      stop_reader();
      reader.join();
      throw;
    }
    reader.join();
    return result;
  }

  static std::uint64_t accepted_bytes(const plugin::Batch& b, std::uint64_t accepted) {
    if (accepted >= b.count()) return b.data.size();
    return accepted ? b.offsets[accepted] : 0;
  }

  // Where reading resumes for delivered-index `pos`: the start of the page that holds it,
  // with the items before that page (the rest is skipped on resume), or, past every page
  // read, the end of the last one. With `clean` a page can scan more raw items than it
  // returns, so the raw offset and the item count are kept apart.
  void resume_point(std::uint64_t pos, std::int64_t& offset, std::uint64_t& items_before) {
    offset = source_offset_;
    items_before = source_items_;
    for (const auto& m : pages_) {
      if (pos < m.items_after) {
        offset = m.offset;
        items_before = m.items_before;
        return;
      }
      offset = m.next_offset;
      items_before = m.items_after;
    }
  }

  // Pages wholly before the committed position are no longer needed for resume points.
  void prune_pages() {
    while (pages_.size() > 1 && pages_.front().items_after <= items_done_) pages_.pop_front();
  }

  // Delivers batch_ (every item in it); flags adds LAST_BATCH on the final call. Handles
  // partial acceptance by re-sending the remainder.
  Step send(std::uint32_t flags) {
    for (;;) {
      std::uint32_t f = flags;
      if (items_done_ == 0 && checkpoint_.empty()) f |= SINKHUB_CTX_FIRST_BATCH;
      const auto before = batch_.count();
      const Step step = call(batch_, f);
      if (step == Step::Stop) return step;
      if (accepted_ >= before) {
        batch_.clear();
        batch_first_ = items_done_;
        return Step::Continue;
      }
      if (accepted_ == 0) {
        // OK without accepting anything is no progress: calling again at once would spin
        // (and block shutdown). Retry later, within the budget.
        retry_or_bury("sink answered OK but accepted none of the " + std::to_string(before) + " items", -1,
                      Outcome::Retry);
        return Step::Stop;
      }
      // SINKHUB_CAP_PARTIAL: the rest comes again in the next call.
      plugin::Batch rest;
      for (std::size_t i = accepted_; i < before; ++i) rest.add(batch_.data.data() + batch_.offsets[i], batch_.lengths[i]);
      batch_ = std::move(rest);
      batch_first_ = items_done_;
    }
  }

  // One deliver() call and the bookkeeping of its answer.
  Step call(const plugin::Batch& batch, std::uint32_t flags) {
    plugin::DeliveryContext ctx;
    ctx.delivery_id = "d" + std::to_string(c_.id);
    ctx.event_type = c_.event.event_type;
    ctx.run_id = c_.event.run_id;
    ctx.actor_id = c_.event.actor_id;
    ctx.task_id = c_.event.task_id;
    ctx.dataset_id = c_.event.dataset_id;
    ctx.event_json = c_.event_body;
    ctx.flags = flags;
    ctx.attempt = static_cast<std::uint32_t>(c_.attempt);
    ctx.batch_index = batch_index_++;
    ctx.timeout_ms = cfg_.batch_timeout.count();
    ctx.event_time_unix_ms = c_.received_at;
    ctx.item_offset = items_done_;
    ctx.checkpoint = checkpoint_;
    ctx.actor_name = actor_name_;
    // Exact when the read reached the end of the dataset. When max_items stopped it, the
    // dataset's reported total (never below what was read), flagged while it may still grow.
    if ((flags & SINKHUB_CTX_LAST_BATCH) && !(flags & SINKHUB_CTX_EVENT_ONLY)) {
      const auto seen = static_cast<std::int64_t>(items_done_ + batch.count());
      if (dataset_exhausted_) {
        ctx.dataset_item_count = seen;
      } else if (last_total_ >= 0) {
        ctx.dataset_item_count = std::max(last_total_, seen);
        if (unix_ms() - c_.event.finished_at_unix_ms(c_.received_at) < kCountSettlingMs)
          ctx.flags |= SINKHUB_CTX_COUNT_SETTLING;
      }
    }
    if (c_.replayed) ctx.flags |= SINKHUB_CTX_REPLAY;
    auto& m = observe::Metrics::instance();
    const auto t0 = Clock::now();
    auto r = s_.inst->deliver(ctx, batch);
    m.record(s_.m_call_seconds, std::chrono::duration<double>(Clock::now() - t0).count());
    if (r.code == SINKHUB_OK && r.items_accepted && (s_.inst->plugin().desc.capabilities & SINKHUB_CAP_BUFFERED)) {
      // A buffered sink's OK is provisional until flush() confirms it: nothing is committed
      // before. (Such instances get one call at a time, so flush never overlaps deliver.)
      const auto f = s_.inst->flush(cfg_.batch_timeout.count());
      if (!f.ok()) {
        r.code = f.code == SINKHUB_OK ? SINKHUB_RETRY : f.code;
        r.items_accepted = 0;
        r.checkpoint.reset();
        r.retry_after_ms = f.retry_after_ms;
        r.message = "flush failed: " + (f.message.empty() ? std::string("no message") : f.message);
      }
    }
    accepted_ = r.items_accepted;
    m.record(s_.m_bytes, static_cast<double>(accepted_bytes(batch, r.items_accepted)));
    m.record(s_.m_items, static_cast<double>(r.items_accepted));
    items_done_ += r.items_accepted;
    attempt_items_ += r.items_accepted;
    if (r.checkpoint) checkpoint_ = *r.checkpoint;
    if (r.items_accepted || r.checkpoint) {
      ledger::Progress p;
      p.items_done = items_done_;
      resume_point(items_done_, p.source_offset, p.source_items);
      if (!e_.ledger_.save_progress(c_.id, owner_, p, r.checkpoint, cfg_.lease.count())) {
        spdlog::warn("{}: lease lost, another worker owns it now", label_);
        lost_ = true;
        return Step::Stop;
      }
      prune_pages();
    }
    last_message_ = r.message;
    switch (r.code) {
      case SINKHUB_OK:
        s_.fatal_streak = 0;
        return Step::Continue;
      case SINKHUB_RETRY:
        if (e_.hard_stop_) {
          // The call was cancelled by the shutdown (call_cancelled): not the delivery's fault.
          give_back("sink call cancelled by shutdown");
          return Step::Stop;
        }
        retry_or_bury(r.message.empty() ? "sink asked to retry" : r.message, r.retry_after_ms, Outcome::Retry);
        return Step::Stop;
      case SINKHUB_REJECT:
        bury(r.message.empty() ? "sink rejected the delivery" : r.message, Outcome::Reject);
        return Step::Stop;
      default:
        suspend(r.message.empty() ? "sink reported a fatal error" : r.message);
        return Step::Stop;
    }
  }

  void progress_log() {
    const auto now = Clock::now();
    if (now - last_log_ < std::chrono::seconds(10)) return;
    const double secs = std::chrono::duration<double>(now - last_log_).count();
    spdlog::info("{}: {} items delivered so far ({:.0f} items/s)", label_, items_done_ + batch_.count(),
                 static_cast<double>(items_done_ + batch_.count() - log_items_) / secs);
    last_log_ = now;
    log_items_ = items_done_ + batch_.count();
  }

  ledger::AttemptRecord record(Outcome outcome, const std::string& message) {
    const auto elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    auto& m = observe::Metrics::instance();
    m.record(s_.m_attempt_seconds, elapsed);
    if (const int counter = counted_outcome(outcome); counter >= 0) m.record(s_.m_outcome[counter], 1);
    return {started_unix_, unix_ms(), outcome, attempt_items_, message};
  }

  void finish(const ledger::Finish& how, Outcome outcome, const std::string& message) {
    if (lost_) return;
    if (!e_.ledger_.finish(c_.id, owner_, how, record(outcome, message)))
      spdlog::warn("{}: lease lost before the outcome could be recorded", label_);
  }

  void done() {
    finish({ledger::DeliveryState::Done, 0, true, ""}, Outcome::Ok, last_message_);
    spdlog::info("{}: done, {} items", label_, items_done_);
  }

  void bury(const std::string& why, Outcome outcome) {
    spdlog::error("{}: dead letter: {}", label_, why);
    finish({ledger::DeliveryState::Dead, 0, true, why}, outcome, why);
  }

  void retry_or_bury(const std::string& why, std::int64_t retry_after_ms, Outcome outcome) {
    const auto age = std::chrono::seconds((unix_ms() - c_.created_at) / 1000);
    if (c_.attempt >= e_.cfg_.delivery.max_attempts || age >= e_.cfg_.delivery.max_age) {
      bury("retry budget exhausted after " + std::to_string(c_.attempt) + " attempts: " + why, outcome);
      return;
    }
    auto delay = Engine::backoff(c_.attempt, cfg_.backoff_initial, cfg_.backoff_max, util::uniform01());
    if (retry_after_ms > delay.count()) delay = milliseconds(retry_after_ms);  // never sooner than asked
    spdlog::warn("{}: will retry in {} ms: {}", label_, delay.count(), why);
    finish({ledger::DeliveryState::Retrying, unix_ms() + delay.count(), true, why}, outcome, why);
  }

  void suspend(const std::string& why) {
    const std::int64_t until = e_.suspend(s_, "FATAL: " + why);
    // The attempt is given back: the delivery is not at fault.
    finish({ledger::DeliveryState::Retrying, until, false, "sink suspended: " + why}, Outcome::Fatal, why);
  }

  void give_back(const std::string& why) {
    spdlog::info("{}: {}; progress kept at {} items", label_, why, items_done_);
    finish({ledger::DeliveryState::Retrying, unix_ms(), false, ""}, Outcome::Interrupted, why);
  }

  Engine& e_;
  const ledger::Claim& c_;
  Slot& s_;
  apify::Client& client_;
  apify::Client& names_;
  const std::string& owner_;
  const config::DeliveryConfig& cfg_;
  std::string label_;
  std::uint64_t items_done_;
  std::int64_t source_offset_;
  std::uint64_t source_items_;
  std::string checkpoint_;
  std::deque<PageMark> pages_;
  plugin::Batch batch_;
  std::uint64_t batch_first_ = 0;
  std::uint64_t accepted_ = 0;
  std::uint64_t attempt_items_ = 0;
  std::uint32_t batch_index_ = 0;
  bool lost_ = false, interrupted_ = false;
  bool dataset_exhausted_ = false;  // the read ended at the dataset's end (not at max_items)
  std::int64_t last_total_ = -1;    // X-Apify-Pagination-Total of the last page read
  std::string actor_name_;
  std::string last_message_;
  Clock::time_point started_ = Clock::now(), last_log_;
  std::int64_t started_unix_ = unix_ms();
  std::uint64_t log_items_ = 0;
};

void Engine::process(const ledger::Claim& claim, Slot& slot, apify::Client& client, apify::Client& names,
                     const std::string& owner) {
  {
    std::lock_guard<std::mutex> lk(active_mu_);
    active_[claim.id] = owner;
  }
  try {
    Run(*this, claim, slot, client, names, owner).execute();
  } catch (...) {
    std::lock_guard<std::mutex> lk(active_mu_);
    active_.erase(claim.id);
    throw;
  }
  std::lock_guard<std::mutex> lk(active_mu_);
  active_.erase(claim.id);
}

}  // namespace sinkhub::delivery
