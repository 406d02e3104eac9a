#include "delivery/attempt.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "delivery/retry_policy.hpp"
#include "delivery/sink_call.hpp"
#include "observe/metrics.hpp"
#include "util/backoff.hpp"
#include "util/clock.hpp"

namespace sinkhub::delivery {

namespace {

// Apify's item counts (a dataset's itemCount, X-Apify-Pagination-Total) trail item pushes by
// 5-10 s (apify/apify-docs#1309): a total read this soon after the run finished may still grow.
constexpr std::int64_t kCountSettlingMs = 10000;

// What a sink's answer means for the attempt.
Outcome outcome_of(std::int32_t code) {
  switch (code) {
    case SINKHUB_OK: return Outcome::Ok;
    case SINKHUB_RETRY: return Outcome::Retry;
    case SINKHUB_REJECT: return Outcome::Reject;
    default: return Outcome::Fatal;
  }
}

std::string or_default(const std::string& message, const char* fallback) {
  return message.empty() ? std::string(fallback) : message;
}

// auth.verify_with_api: why the run the API reports does not back the event; "" if it does.
std::string run_mismatch(const apify::Run& run, const model::Event& ev) {
  const std::string claimed = ev.implied_run_status();
  if (!claimed.empty() && run.status != claimed)
    return "run " + ev.run_id + " has status " + run.status + ", the event says " + claimed;
  if (run.default_dataset_id != ev.dataset_id)
    return "run " + ev.run_id + " owns dataset " + run.default_dataset_id + ", not " + ev.dataset_id;
  if (!ev.actor_id.empty() && run.act_id != ev.actor_id)
    return "run " + ev.run_id + " belongs to actor " + run.act_id + ", not " + ev.actor_id;
  return {};
}

}  // namespace

Attempt::Attempt(const Shared& shared, const WorkerTools& worker, const ledger::Claim& claim, SinkLane& lane)
    : sh_(shared), w_(worker), c_(claim), lane_(lane), cfg_(shared.settings.delivery),
      label_("delivery " + std::to_string(claim.id) + " (" + claim.event.event_type + " run " + claim.event.run_id +
             " -> " + claim.sink + ", attempt " + std::to_string(claim.attempt) + ")"),
      items_done_(claim.items_done), checkpoint_(claim.checkpoint), marks_(claim.source_offset, claim.source_items),
      batcher_(batch_limits(lane.instance().limits(), shared.settings.page_size), claim.items_done),
      started_unix_(util::unix_ms()) {}

void Attempt::run() {
  if (!verify()) return;
  resolve_actor_name();
  if (!c_.with_items || lane_.has(SINKHUB_CAP_NO_ITEMS)) {
    const plugin::Batch none;
    const std::uint32_t flags = SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH | SINKHUB_CTX_EVENT_ONLY;
    if (settle(call_sink(context(none, flags), none)) == Step::Continue) done();
    return;
  }
  if (lane_.has(SINKHUB_CAP_RESTART_ON_RETRY) && (items_done_ || !checkpoint_.empty())) {
    items_done_ = 0;
    checkpoint_.clear();
    marks_ = ResumeMarks(0, 0);
    batcher_ = Batcher(batch_limits(lane_.instance().limits(), sh_.settings.page_size), 0);
  }
  stream();
}

// auth.verify_with_api: the run must exist, have the status the event claims and own the
// dataset; otherwise nothing is exported. Checked once per event.
bool Attempt::verify() {
  if (!sh_.settings.verify_with_api || c_.verified == 1 || !model::is_run_event(c_.event.event_type)) return true;
  const auto run = w_.api.get_run(c_.event.run_id, [this] { return sh_.stopping.load(); });
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
  } else {
    mismatch = run_mismatch(run.value, c_.event);
  }
  sh_.ledger.set_verified(c_.event_id, mismatch.empty(), mismatch);
  if (mismatch.empty()) return true;
  spdlog::warn("{}: webhook rejected by verify_with_api, nothing exported: {}", label_, mismatch);
  return false;
}

// ABI 1.1 actor_name, only for sinks that declare they use it (no lookup otherwise).
void Attempt::resolve_actor_name() {
  if (!lane_.has(SINKHUB_CAP_ACTOR_NAME) || c_.event.actor_id.empty()) return;
  const auto lookup = [this](const std::string& id) -> std::optional<std::string> {
    const auto a = w_.names.get_actor(id, [this] { return sh_.stopping.load(); });
    if (!a.ok || a.value.name.empty()) {
      spdlog::debug("{}: actor name of {} unknown: {}", label_, id, a.ok ? "no name" : a.error.describe());
      return std::nullopt;
    }
    return a.value.username.empty() ? a.value.name : a.value.username + "/" + a.value.name;
  };
  actor_name_ = sh_.actor_names.resolve(c_.event.actor_id, lookup);
}

// The call's context: the event, where the batch starts, and on the last batch how many
// items the dataset holds (exact when the read reached its end; when max_items stopped it,
// the reported total, never below what was read, flagged while it may still grow).
plugin::DeliveryContext Attempt::context(const plugin::Batch& batch, std::uint32_t flags) {
  plugin::DeliveryContext ctx;
  ctx.delivery_id = ledger::delivery_name(sh_.ledger.identity(), c_.id);
  ctx.event_type = c_.event.event_type;
  ctx.run_id = c_.event.run_id;
  ctx.actor_id = c_.event.actor_id;
  ctx.task_id = c_.event.task_id;
  ctx.dataset_id = c_.event.dataset_id;
  ctx.event_json = c_.event_body;
  ctx.attempt = static_cast<std::uint32_t>(c_.attempt);
  ctx.batch_index = batch_index_++;
  ctx.timeout_ms = cfg_.batch_timeout.count();
  ctx.event_time_unix_ms = c_.received_at;
  ctx.item_offset = items_done_;
  ctx.checkpoint = checkpoint_;
  ctx.actor_name = actor_name_;
  if ((flags & SINKHUB_CTX_LAST_BATCH) && !(flags & SINKHUB_CTX_EVENT_ONLY)) {
    const auto seen = static_cast<std::int64_t>(items_done_ + batch.count());
    if (dataset_exhausted_) {
      ctx.dataset_item_count = seen;
    } else if (last_total_ >= 0) {
      ctx.dataset_item_count = std::max(last_total_, seen);
      if (util::unix_ms() - c_.event.finished_at_unix_ms(c_.received_at) < kCountSettlingMs)
        flags |= SINKHUB_CTX_COUNT_SETTLING;
    }
  }
  if (c_.replayed) flags |= SINKHUB_CTX_REPLAY;
  ctx.flags = flags;
  return ctx;
}

// One plugin call, watched: what the watchdog needs to hand this attempt back if it hangs.
plugin::CallResult Attempt::call_sink(const plugin::DeliveryContext& ctx, const plugin::Batch& batch) {
  WatchedCall who;
  who.delivery = c_.id;
  who.owner = w_.owner;
  who.attempt = c_.attempt;
  who.created_at = c_.created_at;
  who.attempt_started = started_unix_;
  who.attempt_items = attempt_items_;
  return sink_call(lane_, ctx, batch, sh_.watchdog, who);
}

// The bookkeeping of one answer: progress committed (with the sink's checkpoint), then what
// the answer means for the attempt.
Attempt::Step Attempt::settle(const plugin::CallResult& r) {
  if (r.resume_from) return rewind(r);
  items_done_ += r.items_accepted;
  attempt_items_ += r.items_accepted;
  if (r.checkpoint) checkpoint_ = *r.checkpoint;
  if (r.items_accepted || r.checkpoint) {
    const auto resume = marks_.resume_point(items_done_);
    if (!sh_.ledger.save_progress(c_.id, w_.owner, {items_done_, resume.offset, resume.items_before}, r.checkpoint,
                                  cfg_.lease.count())) {
      spdlog::warn("{}: lease lost, another worker owns it now", label_);
      lost_ = true;
      return Step::Stop;
    }
    marks_.prune(items_done_);
  }
  last_message_ = r.message;
  dest_status_ = r.dest_status;
  if (r.busy && !sh_.hard_stop)  // at a hard stop the attempt is given back as for any RETRY
    return wait_turn(or_default(r.message, "sink busy with another delivery"), r.retry_after_ms);
  return react(r.code, r.message, r.retry_after_ms);
}

// What a sink's answer code means for the attempt: go on, or end it.
Attempt::Step Attempt::react(std::int32_t code, const std::string& message, std::int64_t retry_after_ms) {
  switch (outcome_of(code)) {
    case Outcome::Ok:
      lane_.answered_ok();
      return Step::Continue;
    case Outcome::Retry:
      if (sh_.hard_stop) give_back("sink call cancelled by shutdown");  // not the delivery's fault
      else retry_or_bury(or_default(message, "sink asked to retry"), retry_after_ms, Outcome::Retry);
      return Step::Stop;
    case Outcome::Reject:
      bury(or_default(message, "sink rejected the delivery"), Outcome::Reject);
      return Step::Stop;
    default:
      suspend(or_default(message, "sink reported a fatal error"));
      return Step::Stop;
  }
}

// ABI 1.2: the sink can only go on from an earlier item (what it needed for the rest is lost,
// e.g. a spool on another host's disk). This delivery alone moves back there, with the
// checkpoint the sink staged (or none), and the attempt ends: OK starts the next one at once
// (no backoff, but within the budget), any other code as usual. Reading starts again where
// that item can be read (ResumeMarks::rewind_point).
Attempt::Step Attempt::rewind(const plugin::CallResult& r) {
  const std::uint64_t from = *r.resume_from;
  const auto point = marks_.rewind_point(from, !lane_.query().clean);
  const std::string why = "the sink resumes the delivery at item " + std::to_string(from) + " (accepted so far: " +
                          std::to_string(items_done_) + ")" + (r.message.empty() ? "" : ": " + r.message);
  if (!sh_.ledger.save_progress(c_.id, w_.owner, {from, point.offset, point.items_before},
                                r.checkpoint.value_or(std::string()), cfg_.lease.count())) {
    spdlog::warn("{}: lease lost, another worker owns it now", label_);
    lost_ = true;
    return Step::Stop;
  }
  items_done_ = from;
  checkpoint_ = r.checkpoint.value_or(std::string());
  spdlog::warn("{}: {}", label_, why);
  if (outcome_of(r.code) != Outcome::Ok) return react(r.code, why, r.retry_after_ms);
  lane_.answered_ok();
  retry_or_bury(why, -1, Outcome::Retry, /*at_once=*/true);
  return Step::Stop;
}

// ABI 1.3 BUSY: the sink is busy with another of our deliveries (e.g. one writer per
// destination). Waiting for its turn is no failure of the destination, so the attempt is given
// back: not counted, no history row (unless it accepted items earlier: that row stays), and
// last_error says what it waits for. Only delivery.max_age ends the wait, in a dead letter.
Attempt::Step Attempt::wait_turn(const std::string& why, std::int64_t retry_after_ms) {
  busy_ = true;
  observe::Metrics::instance().record(lane_.metrics().busy, 1);
  const std::int64_t now = util::unix_ms();
  const std::int64_t since = lane_.turns().park(c_.id, now);
  const auto next =
      decide_wait(now - c_.created_at, now - since, retry_after_ms, lane_.turns().size(), cfg_, util::uniform01());
  ledger::Finish how{ledger::DeliveryState::Retrying, now + next.delay.count(), false, why};
  how.record_attempt = attempt_items_ > 0;
  if (next.give_up) {
    lane_.turns().leave(c_.id);
    how.state = ledger::DeliveryState::Dead;
    how.error = "waited for the sink's turn until delivery.max_age (" + std::to_string(cfg_.max_age.count()) +
                " s) passed: " + why;
    spdlog::error("{}: dead letter: {}", label_, how.error);
  } else {
    spdlog::debug("{}: waiting {} ms for the sink's turn, no attempt spent: {}", label_, next.delay.count(), why);
  }
  finish(how, Outcome::Retry, how.error);
  return Step::Stop;
}

void Attempt::done() {
  finish({ledger::DeliveryState::Done, 0, true, ""}, Outcome::Ok, last_message_);
  spdlog::info("{}: done, {} items", label_, items_done_);
}

void Attempt::bury(const std::string& why, Outcome outcome) {
  spdlog::error("{}: dead letter: {}", label_, why);
  finish({ledger::DeliveryState::Dead, 0, true, why}, outcome, why);
}

// at_once: the next attempt starts without backoff (after a rewind), still within the budget.
void Attempt::retry_or_bury(const std::string& why, std::int64_t retry_after_ms, Outcome outcome, bool at_once) {
  const auto next = decide_retry(c_.attempt, util::unix_ms() - c_.created_at, retry_after_ms, cfg_,
                                 at_once ? 0.0 : util::uniform01());
  if (next.give_up) {
    bury("retry budget exhausted after " + std::to_string(c_.attempt) + " attempts: " + why, outcome);
    return;
  }
  const std::int64_t delay = at_once ? 0 : next.delay.count();
  if (!at_once) spdlog::warn("{}: will retry in {} ms: {}", label_, delay, why);
  finish({ledger::DeliveryState::Retrying, util::unix_ms() + delay, true, why}, outcome, why);
}

// The attempt is given back: the delivery is not at fault.
void Attempt::suspend(const std::string& why) {
  const std::int64_t until = lane_.suspend(sh_.ledger, cfg_.fatal_backoff, "FATAL: " + why);
  finish({ledger::DeliveryState::Retrying, until, false, "sink suspended: " + why}, Outcome::Fatal, why);
}

void Attempt::give_back(const std::string& why) {
  spdlog::info("{}: {}; progress kept at {} items", label_, why, items_done_);
  finish({ledger::DeliveryState::Retrying, util::unix_ms(), false, ""}, Outcome::Interrupted, why);
}

void Attempt::finish(const ledger::Finish& how, Outcome outcome, const std::string& message) {
  if (lost_) {
    lane_.turns().leave(c_.id);
    return;
  }
  auto& m = observe::Metrics::instance();
  if (!busy_) {  // waiting for the sink's turn is not an attempt (sinkhub_delivery_busy_total counts it)
    m.record(lane_.metrics().attempt_seconds,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
    if (const int counter = lane_.attempts_metric(outcome); counter >= 0) m.record(counter, 1);
  }
  if (!sh_.ledger.finish(c_.id, w_.owner, how, {started_unix_, util::unix_ms(), outcome, attempt_items_, message, dest_status_}))
    spdlog::warn("{}: lease lost before the outcome could be recorded", label_);
  if (!busy_) pass_turn(how);
}

// A delivery that had its turn leaves the sink's queue of waiters. One that retries keeps its
// turn: its retry goes first when due. One that leaves the sink for good (done, dead) may have
// freed a destination, so the longest waiter is made due now, ahead of later work
// (turn_queue.hpp). A waiter the ledger does not bring forward is stale (gone, or running
// already) and leaves the queue: the next one is tried.
void Attempt::pass_turn(const ledger::Finish& how) {
  TurnQueue& turns = lane_.turns();
  turns.leave(c_.id);
  if (how.state == ledger::DeliveryState::Retrying) turns.hold(c_.id, how.next_attempt_at);
  if (how.state != ledger::DeliveryState::Done && how.state != ledger::DeliveryState::Dead) return;
  for (int tries = 0; tries < 4; ++tries) {
    const auto w = turns.first();
    if (!w) return;
    if (sh_.ledger.bring_forward(w->id, w->since_ms)) {
      spdlog::debug("{}: delivery {} waited longest for the sink's turn: due now", label_, w->id);
      return;
    }
    turns.leave(w->id);
  }
}

}  // namespace sinkhub::delivery
