#include "cli/apify_print.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <iomanip>
#include <map>

namespace sinkhub::cli {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using control::SyncEntry;

Object::Ptr entry_json(const SyncEntry& e) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("action", std::string(control::action_name(e.action)));
  o->set("kind", e.kind);
  o->set("target", e.target);
  o->set("target_id", e.target_id);
  o->set("webhook_id", e.webhook_id);
  Array::Ptr changes = new Array;
  for (const auto& c : e.changes) {
    Object::Ptr ch = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    ch->set("field", c.field);
    ch->set("from", c.from);
    ch->set("to", c.to);
    changes->add(ch);
  }
  o->set("changes", changes);
  o->set("result", std::string(control::result_name(e.result)));
  if (!e.why.empty()) o->set("reason", e.why);
  if (!e.error.empty()) o->set("error", e.error);
  return o;
}

// How an entry counts in the summary line: the plan's verb in a dry run, else what happened.
std::string summary_label(const SyncEntry& e, bool dry_run) {
  if (dry_run || e.action == SyncEntry::Action::Unchanged || e.action == SyncEntry::Action::Unneeded ||
      e.action == SyncEntry::Action::Failed)
    return control::action_name(e.action);
  if (e.result != SyncEntry::Result::Applied) return control::result_name(e.result);
  return e.action == SyncEntry::Action::Create ? "created" : e.action == SyncEntry::Action::Update ? "updated" : "deleted";
}

void sync_text(std::ostream& out, const control::SyncPlan& plan, bool dry_run) {
  for (const auto& w : plan.warnings) out << "warning: " << w << "\n";
  std::map<std::string, int> counts;
  for (const auto& e : plan.entries) {
    out << std::left << std::setw(10) << control::action_name(e.action) << " " << std::setw(5) << e.kind << " "
        << (e.target.empty() ? e.target_id : e.target)
        << (e.target_id.empty() || e.target == e.target_id || e.target.empty() ? "" : " (" + e.target_id + ")")
        << (e.webhook_id.empty() ? "" : "  webhook " + e.webhook_id);
    if (!dry_run && e.action != SyncEntry::Action::Unchanged && e.action != SyncEntry::Action::Unneeded &&
        e.action != SyncEntry::Action::Failed)
      out << "  [" << control::result_name(e.result) << "]";
    out << "\n";
    for (const auto& c : e.changes)
      out << "    " << c.field << ": " << (c.from.empty() ? "" : c.from + " -> ") << c.to << "\n";
    if (!e.why.empty()) out << "    " << e.why << "\n";
    if (!e.error.empty()) out << "    error: " << e.error << "\n";
    ++counts[summary_label(e, dry_run)];
  }
  if (!plan.fatal.empty()) {
    out << "error: " << plan.fatal << "\nnothing was changed\n";
    return;
  }
  std::string summary;
  for (const auto& [name, n] : counts) summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + name;
  out << (dry_run ? "plan (dry run, nothing changed): " : "result: ") << (summary.empty() ? "no target" : summary)
      << "\n";
  if (!plan.ok() && !dry_run)
    out << "not everything was applied: the entries marked failed or not attempted are unchanged on Apify; fix the "
           "cause and run sync again\n";
}

}  // namespace

void print_sync(std::ostream& out, const control::SyncPlan& plan, bool dry_run, bool json) {
  if (!json) return sync_text(out, plan, dry_run);
  Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set("dry_run", dry_run);
  root.set("ok", plan.ok());
  if (!plan.fatal.empty()) root.set("error", plan.fatal);
  Array::Ptr warnings = new Array;
  for (const auto& w : plan.warnings) warnings->add(w);
  root.set("warnings", warnings);
  Array::Ptr entries = new Array;
  for (const auto& e : plan.entries) entries->add(entry_json(e));
  root.set("targets", entries);
  root.stringify(out);
  out << "\n";
}

void print_reconcile(std::ostream& out, const control::ReconcileReport& r, bool dry_run, bool json) {
  if (json) {
    Object root(Poco::JSON_PRESERVE_KEY_ORDER);
    root.set("dry_run", dry_run);
    root.set("scopes", r.scopes);
    root.set("api_calls", r.api_calls);
    root.set("scanned", r.scanned);
    root.set("with_event", r.with_event);
    root.set("outside_lookback", r.outside);
    root.set("not_routed", r.not_routed);
    root.set("enqueued", r.enqueued);
    Array::Ptr found = new Array;
    for (const auto& f : r.found) {
      Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      o->set("run_id", f.run_id);
      o->set("actor_id", f.actor_id);
      o->set("task_id", f.task_id);
      o->set("status", f.status);
      o->set("finished_at", f.finished_at);
      o->set("event_type", f.event_type);
      o->set("outcome", f.outcome);
      o->set("deliveries", static_cast<int>(f.deliveries));
      found->add(o);
    }
    root.set("found", found);
    Array::Ptr errors = new Array;
    for (const auto& e : r.errors) errors->add(e);
    root.set("errors", errors);
    root.stringify(out);
    out << "\n";
    return;
  }
  for (const auto& f : r.found)
    out << f.outcome << "  run " << f.run_id << "  " << f.event_type << "  actor " << f.actor_id
        << (f.task_id.empty() ? "" : "  task " + f.task_id) << "  finished " << f.finished_at << "  deliveries "
        << f.deliveries << "\n";
  for (const auto& e : r.errors) out << "error: " << e << "\n";
  out << (dry_run ? "dry run: " : "") << r.scanned << " terminal runs listed, " << r.with_event
      << " already recorded, " << r.outside << " outside the lookback, " << r.not_routed << " not routed, "
      << r.found.size() << " without an event, "
      << r.enqueued << " enqueued (" << r.api_calls << " API calls)\n";
}

}  // namespace sinkhub::cli
