// `sinkhub status`: deliveries by state, the oldest due delivery, suspended sinks and sinks the
// running config lacks, and the ledger's size and oldest event (what ledger.retention bounds).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/ledger_access.hpp"
#include "cli/options.hpp"
#include "observe/log.hpp"
#include "util/clock.hpp"

namespace sinkhub::cli {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// 1536 -> "1.5 KiB": a size an operator reads at a glance.
std::string size_text(std::int64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  std::ostringstream out;
  out << std::fixed << std::setprecision(u ? 1 : 0) << v << " " << units[u];
  return out.str();
}

// How long ago the oldest event still kept arrived, in seconds; 0 for none.
std::int64_t oldest_age_s(const ledger::Status& st) {
  return st.oldest_event_at ? (util::unix_ms() - st.oldest_event_at) / 1000 : 0;
}

// The store's size and its oldest event: what ledger.retention keeps bounded.
Object::Ptr store_json(const ledger::Status& st) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("bytes", st.store_bytes);
  if (st.free_bytes >= 0) o->set("free_bytes", st.free_bytes);
  o->set("space_reuse", st.space_reuse);
  o->set("oldest_event_at", st.oldest_event_at ? Poco::Dynamic::Var(iso(st.oldest_event_at)) : Poco::Dynamic::Var());
  o->set("oldest_event_age_seconds", oldest_age_s(st));
  return o;
}

void print_store(const ledger::Status& st) {
  std::cout << "ledger: " << size_text(st.store_bytes)
            << (st.free_bytes >= 0 ? " (" + size_text(st.free_bytes) + " free for reuse)" : std::string()) << "; "
            << st.space_reuse << "\noldest event: ";
  const std::int64_t age = oldest_age_s(st);
  if (st.oldest_event_at) std::cout << iso(st.oldest_event_at) << " (" << age / 86400 << " d " << age % 86400 / 3600 << " h ago)\n";
  else std::cout << "none\n";
}

}  // namespace

int status(const Args& args) {
  Poco::Util::OptionSet opts;
  add_config_option(opts);
  Parsed p;
  if (!parse_options("status",
                     "Counts of deliveries by state, the oldest due delivery, suspended sinks, the ledger's size and "
                     "its oldest event.",
                     opts, args, p))
    return 2;
  if (p.help) return 0;
  observe::init_logging(observe::LogFormat::Text, "warn");
  return guarded("status", [&] {
    auto l = open_ledger(p.get("config"));
    const auto st = l->status();
    if (p.has("json")) {
      Object o(Poco::JSON_PRESERVE_KEY_ORDER);
      Object::Ptr by = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      for (const auto& [state, n] : st.deliveries_by_state) by->set(ledger::to_string(state), n);
      o.set("events", st.events);
      o.set("deliveries", by);
      o.set("oldest_due_seconds", st.oldest_due_age_ms / 1000.0);
      Array::Ptr sus = new Array;
      for (const auto& [sink, until] : st.suspended_sinks) {
        Object::Ptr s = new Object;
        s->set("sink", sink);
        s->set("until", iso(until));
        sus->add(s);
      }
      o.set("suspended_sinks", sus);
      Array::Ptr gone = new Array;
      for (const auto& [sink, queued] : st.unconfigured_sinks) {
        Object::Ptr s = new Object;
        s->set("sink", sink);
        s->set("queued", queued);
        gone->add(s);
      }
      o.set("unconfigured_sinks", gone);
      o.set("ledger", store_json(st));
      o.stringify(std::cout, 2);
      std::cout << "\n";
      return 0;
    }
    std::cout << "events: " << st.events << "\ndeliveries:";
    for (const auto& [state, n] : st.deliveries_by_state) std::cout << "  " << ledger::to_string(state) << " " << n;
    std::cout << "\noldest due delivery waits: " << st.oldest_due_age_ms / 1000 << " s\n";
    for (const auto& [sink, until] : st.suspended_sinks) std::cout << "sink " << sink << " suspended until " << iso(until) << "\n";
    for (const auto& [sink, queued] : st.unconfigured_sinks)
      std::cout << "sink " << sink << " is not in the running config: " << queued
                << (queued == 1 ? " delivery waits" : " deliveries wait") << " for it (queued, not lost)\n";
    print_store(st);
    return 0;
  });
}
}  // namespace sinkhub::cli
