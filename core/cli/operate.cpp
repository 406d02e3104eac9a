// Operator commands on the ledger: deliveries, replay, events show (status: status.cpp). Safe
// while the daemon runs (WAL readers; replay is one short write transaction), and with a
// PostgreSQL ledger from any host, whichever daemons share it.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>

#include <iomanip>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/ledger_access.hpp"
#include "cli/options.hpp"
#include "observe/log.hpp"

namespace sinkhub::cli {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// A queued delivery whose sink the running config lacks: why it does not move, and what moves it.
std::string waiting_note(const ledger::DeliveryRow& d) {
  return "sink " + d.sink + " is not in the running config: the delivery stays queued until a config with it is "
         "loaded (reload or restart)";
}
bool waits_for_sink(const ledger::DeliveryRow& d) {
  return !d.sink_configured && (d.state == ledger::DeliveryState::Pending || d.state == ledger::DeliveryState::Retrying);
}

Object::Ptr to_json(const ledger::DeliveryRow& d) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", d.id);
  o->set("event", d.event_id);
  o->set("sink", d.sink);
  o->set("state", std::string(ledger::to_string(d.state)));
  o->set("event_type", d.event_type);
  o->set("run_id", d.run_id);
  o->set("actor_id", d.actor_id);
  o->set("with_items", d.with_items);
  o->set("attempts", d.attempts);
  o->set("items_done", d.items_done);
  o->set("next_attempt_at", iso(d.next_attempt_at));
  o->set("created_at", iso(d.created_at));
  o->set("updated_at", iso(d.updated_at));
  o->set("last_error", d.last_error);
  if (waits_for_sink(d)) o->set("waiting_for_sink", waiting_note(d));
  return o;
}

// An event of `events show` with its deliveries (of `dels`) and their attempts.
Object::Ptr to_json(ledger::Ledger& l, const ledger::EventRow& e, const std::vector<ledger::DeliveryRow>& dels) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("id", e.id);
  o->set("event_type", e.event.event_type);
  o->set("run_id", e.event.run_id);
  o->set("actor_id", e.event.actor_id);
  o->set("task_id", e.event.task_id);
  o->set("dataset_id", e.event.dataset_id);
  o->set("status", e.event.status);
  o->set("finished_at", e.event.finished_at);
  o->set("origin", e.origin);
  o->set("dispatch_id", e.dispatch_id);
  o->set("received_at", iso(e.received_at));
  if (!e.status_note.empty()) o->set("rejected", e.status_note);
  if (e.pruned_at) o->set("pruned_at", iso(e.pruned_at));  // ledger.retention: body and deliveries gone
  try {
    o->set("headers", Poco::JSON::Parser().parse(e.headers_json));
    o->set("body", Poco::JSON::Parser().parse(e.body));
  } catch (const std::exception&) {
    o->set("body", e.body);
  }
  Array::Ptr ds = new Array;
  for (const auto& d : dels) {
    if (d.event_id != e.id) continue;
    Object::Ptr dj = to_json(d);
    Array::Ptr at = new Array;
    for (const auto& a : l.attempts(d.id)) {
      Object::Ptr aj = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      aj->set("started_at", iso(a.started_at));
      aj->set("finished_at", iso(a.finished_at));
      aj->set("outcome", std::string(ledger::to_string(a.outcome)));
      aj->set("items", a.items);
      aj->set("dest_status", a.dest_status);  // 0: the destination's answer is unknown
      aj->set("message", a.message);
      at->add(aj);
    }
    dj->set("attempts_history", at);
    ds->add(dj);
  }
  o->set("deliveries", ds);
  return o;
}

void print_event(ledger::Ledger& l, const ledger::EventRow& e, const std::vector<ledger::DeliveryRow>& dels) {
  std::cout << "event " << e.id << "  " << e.event.event_type << "  run " << e.event.run_id << "  actor "
            << e.event.actor_id << "  dataset " << e.event.dataset_id << "  received " << iso(e.received_at)
            << "  origin " << e.origin << (e.status_note.empty() ? "" : "  REJECTED: " + e.status_note)
            << (e.pruned_at ? "  PRUNED " + iso(e.pruned_at) + " (ledger.retention: body and deliveries gone, "
                                                                "dedup key kept)"
                            : std::string())
            << "\n";
  for (const auto& d : dels) {
    if (d.event_id != e.id) continue;
    std::cout << "  delivery " << d.id << " -> " << d.sink << ": " << ledger::to_string(d.state)
              << (waits_for_sink(d) ? " (waiting for its sink, not in the running config)" : "") << ", "
              << d.items_done << " items, " << d.attempts << " attempts"
              << (d.last_error.empty() ? "" : ", last error: " + d.last_error) << "\n";
    for (const auto& a : l.attempts(d.id))
      std::cout << "    " << iso(a.started_at) << "  " << ledger::to_string(a.outcome) << "  " << a.items << " items  "
                << (a.dest_status ? "dest " + std::to_string(a.dest_status) + "  " : std::string()) << a.message
                << "\n";
  }
}

}  // namespace

int deliveries(const Args& args) {
  using Poco::Util::Option;
  Poco::Util::OptionSet opts;
  add_config_option(opts);
  opts.addOption(Option("state", "", "only this state: pending, running, retrying, dead or done").argument("STATE"));
  opts.addOption(Option("run", "", "only deliveries of this Apify run id").argument("ID"));
  opts.addOption(Option("limit", "", "at most N rows, newest first (default 100)").argument("N"));
  Parsed p;
  if (!parse_options("deliveries", "Lists deliveries (one per event and sink instance), newest first.", opts, args, p))
    return 2;
  if (p.help) return 0;
  const std::string state_text = p.get("state");
  const auto state = state_text.empty() ? std::nullopt : ledger::parse_delivery_state(state_text);
  if (!state_text.empty() && !state) {
    std::cerr << "sinkhub deliveries: --state must be pending, running, retrying, dead or done\n";
    return 2;
  }
  int limit = 100;
  if (p.has("limit") && (!Poco::NumberParser::tryParse(p.get("limit"), limit) || limit < 1)) {
    std::cerr << "sinkhub deliveries: --limit must be a positive integer\n";
    return 2;
  }
  observe::init_logging(observe::LogFormat::Text, "warn");
  return guarded("deliveries", [&] {
    auto l = open_ledger(p.get("config"));
    const auto rows = l->deliveries(state, p.get("run"), limit);
    if (p.has("json")) {
      Array out;
      for (const auto& d : rows) out.add(to_json(d));
      out.stringify(std::cout, 2);
      std::cout << "\n";
      return 0;
    }
    std::cout << std::left << std::setw(8) << "ID" << std::setw(10) << "STATE" << std::setw(18) << "SINK" << std::setw(22)
              << "EVENT" << std::setw(20) << "RUN" << std::setw(9) << "ATTEMPTS" << std::setw(10) << "ITEMS"
              << "NEXT / LAST ERROR\n";
    for (const auto& d : rows)
      std::cout << std::left << std::setw(8) << d.id << std::setw(10) << ledger::to_string(d.state) << std::setw(18)
                << d.sink << std::setw(22) << d.event_type << std::setw(20) << d.run_id << std::setw(9) << d.attempts
                << std::setw(10) << d.items_done
                << (waits_for_sink(d) ? "waiting for its sink (not in the running config) " : std::string())
                << (d.state == ledger::DeliveryState::Retrying ? iso(d.next_attempt_at) + " " : std::string())
                << d.last_error << "\n";
    return 0;
  });
}

int replay(const Args& args) {
  using Poco::Util::Option;
  Poco::Util::OptionSet opts;
  add_config_option(opts);
  opts.addOption(Option("delivery", "", "replay this delivery").argument("ID"));
  opts.addOption(Option("run", "", "replay the deliveries of this Apify run").argument("ID"));
  opts.addOption(Option("sink", "", "only deliveries to this sink instance").argument("NAME"));
  opts.addOption(Option("from-start", "", "forget progress and checkpoint: deliver from item 0"));
  Parsed p;
  if (!parse_options("replay",
                     "Makes dead (or done, or waiting) deliveries due now with a fresh retry budget. A delivery resumes "
                     "where it stopped unless --from-start. Events rejected by verify_with_api are never replayed.",
                     opts, args, p))
    return 2;
  if (p.help) return 0;
  if (p.has("delivery") == p.has("run")) {
    std::cerr << "sinkhub replay: give exactly one of --delivery ID or --run ID\n";
    return 2;
  }
  ledger::ReplayRequest r;
  if (p.has("delivery")) {
    Poco::Int64 id = 0;
    if (!Poco::NumberParser::tryParse64(p.get("delivery"), id) || id <= 0) {
      std::cerr << "sinkhub replay: --delivery must be a delivery id (see sinkhub deliveries)\n";
      return 2;
    }
    r.delivery_id = id;
  } else {
    r.run_id = p.get("run");
  }
  if (p.has("sink")) r.sink = p.get("sink");
  r.from_start = p.has("from-start");
  observe::init_logging(observe::LogFormat::Text, "warn");
  return guarded("replay", [&] {
    auto l = open_ledger(p.get("config"));
    const int n = l->replay(r);
    if (p.has("json")) {
      std::cout << "{\"replayed\": " << n << "}\n";
    } else {
      std::cout << n << (n == 1 ? " delivery" : " deliveries") << " queued for replay\n";
    }
    return n > 0 ? 0 : 1;
  });
}

int events(const Args& args) {
  if (args.empty() || args[0] != "show" || args.size() < 2 || args[1].rfind("-", 0) == 0) {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << "usage: sinkhub events show RUN_ID --config FILE [--json]\n"
                   "Shows every event recorded for an Apify run, its deliveries and their attempts.\n";
      return 0;
    }
    std::cerr << "usage: sinkhub events show RUN_ID --config FILE [--json]\n";
    return 2;
  }
  const std::string run_id = args[1];
  Poco::Util::OptionSet opts;
  add_config_option(opts);
  Parsed p;
  if (!parse_options("events show", "Shows the events of a run, their deliveries and attempts.", opts,
                     Args(args.begin() + 2, args.end()), p))
    return 2;
  if (p.help) return 0;
  observe::init_logging(observe::LogFormat::Text, "warn");
  return guarded("events show", [&] {
    auto l = open_ledger(p.get("config"));
    const auto evs = l->events_for_run(run_id);
    if (evs.empty()) {
      std::cerr << "sinkhub events show: no event recorded for run " << run_id << "\n";
      return 1;
    }
    const auto dels = l->deliveries(std::nullopt, run_id, 10000);
    if (p.has("json")) {
      Array out;
      for (const auto& e : evs) out.add(to_json(*l, e, dels));
      out.stringify(std::cout, 2);
      std::cout << "\n";
      return 0;
    }
    for (const auto& e : evs) print_event(*l, e, dels);
    return 0;
  });
}

}  // namespace sinkhub::cli
