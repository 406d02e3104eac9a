// One reconciliation pass: list the runs, keep the terminal ones without their event, build
// each one's event from the run detail (Apify's default payload, docs/apify-api.md §5) and
// record it through the webhook intake, marked origin "reconciled".
#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Object.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "apify/client.hpp"
#include "control/reconcile_internal.hpp"
#include "model/event.hpp"
#include "observe/metrics.hpp"
#include "webhook/routes.hpp"

namespace sinkhub::control {

namespace {

using Clock = std::chrono::system_clock;

// Unix ms of an Apify timestamp; `fallback` when it is none.
std::int64_t unix_ms(const std::string& iso, std::int64_t fallback) {
  int tz = 0;
  Poco::DateTime dt;
  if (iso.empty() || !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, iso, dt, tz))
    return fallback;
  return (dt.timestamp().epochMicroseconds() - static_cast<std::int64_t>(tz) * 1000000) / 1000;
}

std::string json_text(const std::string& s) {
  std::ostringstream out;
  Poco::JSON::Stringifier::formatString(s, out);
  return out.str();
}

// The body Apify's default payload template would have sent for this terminal run.
std::string default_payload(const apify::Run& run, const std::string& event_type) {
  std::string data = "{\"actorId\":" + json_text(run.act_id);
  if (!run.actor_task_id.empty()) data += ",\"actorTaskId\":" + json_text(run.actor_task_id);
  data += ",\"actorRunId\":" + json_text(run.id) + "}";
  return "{\"userId\":" + json_text(run.user_id) + ",\"createdAt\":" + json_text(run.finished_at) +
         ",\"eventType\":" + json_text(event_type) + ",\"eventData\":" + data + ",\"resource\":" + run.json + "}";
}

}  // namespace

// The state of one pass.
struct Reconciler::Pass {
  Reconciler& r;
  const Settings& s;
  apify::Client client;
  apify::CancelFn cancelled;
  bool dry_run;
  std::int64_t finished_after_ms, started_after_ms;
  ReconcileReport report;
  std::set<std::string> seen;
  int details = 0;

  Pass(Reconciler& owner, const Settings& settings, bool dry, std::chrono::milliseconds lookback)
      : r(owner), s(settings), client(settings.apify, owner.options_.client), cancelled([&owner] { return owner.stopping(); }), dry_run(dry) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
    finished_after_ms = now - lookback.count();
    started_after_ms = finished_after_ms - settings.apify.reconcile.max_run_duration.count();
  }

  // The scopes to list: the account's runs when a route names "*", else each target's.
  std::vector<apify::RunScope> scopes() {
    if (!s.targets.wildcard_routes.empty()) return {apify::RunScope{apify::RunScope::Kind::Account, {}}};
    std::vector<apify::RunScope> out;
    for (Target t : s.targets.named) {
      if (!lookup(t)) continue;
      out.push_back({t.task ? apify::RunScope::Kind::Task : apify::RunScope::Kind::Actor, t.id});
    }
    return out;
  }

  bool lookup(Target& t) {
    {
      std::lock_guard<std::mutex> lk(r.mu_);
      if (const auto it = r.resolved_.find(t.named); it != r.resolved_.end()) {
        t.id = it->second.first;
        t.task = it->second.second;
        return true;
      }
    }
    apify::Error err;
    const bool ok = resolve(client, t, err, cancelled);
    report.api_calls += ok && !t.task ? 1 : 2;  // as an Actor, then as a task
    if (!ok) {
      report.errors.push_back("cannot look up '" + t.named + "': " + err.describe());
      return false;
    }
    std::lock_guard<std::mutex> lk(r.mu_);
    r.resolved_[t.named] = {t.id, t.task};
    return true;
  }

  void scan(const apify::RunScope& scope) {
    const std::string name = scope.kind == apify::RunScope::Kind::Account ? "the account" : scope.id;
    std::int64_t offset = 0;
    for (int page = 0; page < r.options_.max_pages; ++page) {
      ++report.api_calls;
      auto got = client.list_runs(scope, offset, r.options_.page_limit, s.apify.reconcile.statuses, cancelled);
      if (!got.ok) {
        report.errors.push_back("cannot list the runs of " + name + ": " + got.error.describe());
        return;
      }
      for (const auto& run : got.value.items)
        if (unix_ms(run.started_at, 0) < started_after_ms) return;  // newest first: the rest is older
        else consider(run);
      if (got.value.items.size() < static_cast<std::size_t>(r.options_.page_limit)) return;
      offset += static_cast<std::int64_t>(got.value.items.size());
    }
    report.errors.push_back("the runs of " + name + " fill more than " + std::to_string(r.options_.max_pages) +
                            " pages inside the horizon: the oldest were not checked");
  }

  void consider(const apify::Run& run) {
    const std::string type = model::run_event_for_status(run.status);
    const auto& wanted = s.apify.reconcile.statuses;
    if (type.empty() || std::find(wanted.begin(), wanted.end(), run.status) == wanted.end()) return;
    if (!seen.insert(run.id).second) return;  // listed again (paging over a growing list)
    ++report.scanned;
    model::Event ev{type, run.id, run.act_id, run.actor_task_id, run.default_dataset_id, run.status, run.finished_at,
                    run.finished_at, run.user_id};
    if (webhook::plan(s.routes, ev).empty()) {  // no route wants this event: its webhook would not exist
      ++report.not_routed;
      return;
    }
    if (unix_ms(run.finished_at, 0) < finished_after_ms) {
      ++report.outside;
      return;
    }
    const auto events = r.ledger_.events_for_run(run.id);
    if (std::any_of(events.begin(), events.end(), [&](const ledger::EventRow& e) {
          return e.event.event_type == type && e.event.finished_at == run.finished_at;
        })) {
      ++report.with_event;
      return;
    }
    Finding f{run.id, run.act_id, run.actor_task_id, run.status, run.finished_at, type, {}, 0};
    if (dry_run)
      f.outcome = "would enqueue";
    else if (details >= r.options_.max_details)
      f.outcome = "deferred to the next pass";
    else
      record(run, f);
    report.found.push_back(std::move(f));
  }

  void record(const apify::Run& listed, Finding& f) {
    ++details;
    ++report.api_calls;
    auto detail = client.get_run(listed.id, cancelled);
    if (!detail.ok) {
      f.outcome = "failed: " + detail.error.describe();
      report.errors.push_back("run " + listed.id + ": " + detail.error.describe());
      return;
    }
    apify::Run& run = detail.value;
    f.event_type = model::run_event_for_status(run.status);
    if (f.event_type.empty()) {  // resurrected since it was listed: its next finish will tell
      f.outcome = "running again";
      return;
    }
    if (run.user_id.empty()) run.user_id = listed.user_id;
    webhook::Arrival arrival{default_payload(run, f.event_type), {}, R"({"origin":"reconciled"})"};
    ledger::IncomingEvent in;
    webhook::EnvelopeError err;
    if (!s.intake->admit(std::move(arrival), in, err)) {
      f.outcome = "failed: the run detail does not make an event: " + err.message;
      report.errors.push_back("run " + listed.id + ": " + f.outcome);
      return;
    }
    in.origin = ledger::kOriginReconciled;
    f.deliveries = in.deliveries.size();
    const auto outcome = r.ledger_.record(in);
    if (outcome.kind == ledger::RecordOutcome::Kind::Accepted) {
      f.outcome = "enqueued";
      ++report.enqueued;
      observe::Metrics::instance().record(r.m_reconciled_, 1);
      if (f.deliveries && r.options_.on_accepted) r.options_.on_accepted();
    } else if (outcome.kind == ledger::RecordOutcome::Kind::Duplicate) {
      f.outcome = "duplicate (its webhook came meanwhile)";
    } else {
      f.outcome = "failed: " + outcome.error;
      report.errors.push_back("run " + listed.id + ": ledger: " + outcome.error);
    }
  }
};

ReconcileReport Reconciler::pass(std::chrono::milliseconds lookback, bool dry_run) {
  const auto s = settings();
  if (lookback.count() <= 0) lookback = s->apify.reconcile.lookback;
  Pass p(*this, *s, dry_run, lookback);
  const auto scopes = p.scopes();
  p.report.scopes = static_cast<int>(scopes.size());
  for (const auto& scope : scopes) {
    if (stopping()) break;
    p.scan(scope);
  }
  auto& m = observe::Metrics::instance();
  m.record(m_scanned_, static_cast<double>(p.report.scanned));
  m.record(m_last_pass_, static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                                 Clock::now().time_since_epoch()).count()));
  return std::move(p.report);
}

}  // namespace sinkhub::control
