// `sinkhub apify sync | test | reconcile`: the Apify control plane on the command line.
#include <Poco/Util/Option.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <thread>

#include "apify/client.hpp"
#include "cli/apify_print.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "config/config.hpp"
#include "control/reconciler.hpp"
#include "control/sync.hpp"
#include "control/targets.hpp"
#include "ledger/ledger.hpp"

namespace sinkhub::cli {

namespace {

using Poco::Util::Option;

constexpr const char* kUsage = R"(Usage: sinkhub apify COMMAND --config FILE [OPTIONS]

Commands:
  sync        create, repair and (--prune) delete the Apify webhooks the routes need
  test        ask Apify to send a TEST dispatch to every managed webhook; report what sinkhub recorded
  reconcile   one reconciliation pass now: record finished runs whose webhook never came

Run 'sinkhub apify COMMAND --help' for the options of a command.
)";

// Loads the config and checks what every apify command needs. False (message printed) if not.
bool load(const std::string& cmd, const std::string& file, config::Config& cfg) {
  try {
    cfg = config::load(file);
  } catch (const config::ConfigError& e) {
    for (const auto& line : e.lines()) std::cerr << line << "\n";
    return false;
  }
  if (cfg.apify.token.empty()) {
    std::cerr << "sinkhub apify " << cmd << ": apify.token is empty: the Apify API needs a token\n";
    return false;
  }
  return true;
}

template <class F>
int guarded(const std::string& cmd, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << "sinkhub apify " << cmd << ": " << e.what() << "\n";
    return 1;
  }
}

Poco::Util::OptionSet base_options() {
  Poco::Util::OptionSet opts;
  opts.addOption(Option("config", "c", "config file (.yaml, .yml or .ini)").required(true).argument("FILE"));
  opts.addOption(Option("json", "", "print one JSON document (shape: README, \"Wiring Apify\")"));
  return opts;
}

int sync(const Args& args) {
  auto opts = base_options();
  opts.addOption(Option("dry-run", "", "print the plan (create/update/delete/unchanged, with the diff); change nothing"));
  opts.addOption(Option("prune", "", "also delete the managed webhooks no route needs"));
  Parsed p;
  const char* summary =
      "Ensures one Apify webhook per Actor and task named in the routes, calling apify.public_url with the secret "
      "header, for the union of the routes' events. Touches only the webhooks it manages.";
  if (!parse_options("apify sync", summary, opts, args, p)) return 2;
  if (p.help) return 0;
  config::Config cfg;
  if (!load("sync", p.get("config"), cfg)) return 1;
  if (cfg.apify.public_url.empty()) {
    std::cerr << "sinkhub apify sync: apify.public_url is not set: the https:// URL Apify should call, e.g. "
                 "https://sinkhub.example.com" << cfg.server.path << "\n";
    return 1;
  }
  return guarded("sync", [&] {
    apify::Client client(cfg.apify);
    for (const auto& s : cfg.auth.secrets) client.redact(s);
    auto plan = control::plan_sync(client, cfg, p.has("prune"));
    if (!p.has("dry-run")) control::apply_sync(client, cfg, plan);
    print_sync(std::cout, plan, p.has("dry-run"), p.has("json"));
    return plan.ok() ? 0 : 1;
  });
}

int reconcile(const Args& args) {
  auto opts = base_options();
  opts.addOption(Option("since", "", "look at runs finished this recently (default apify.reconcile.lookback)")
                     .argument("DURATION"));
  opts.addOption(Option("dry-run", "", "print what would be enqueued; record nothing"));
  Parsed p;
  const char* summary =
      "One reconciliation pass now: lists the runs of the routes' Actors and tasks and records every finished run "
      "whose event is not in the ledger, as its webhook would have (origin: reconciled).";
  if (!parse_options("apify reconcile", summary, opts, args, p)) return 2;
  if (p.help) return 0;
  std::chrono::milliseconds since{0};
  if (p.has("since") && (!config::parse_duration(p.get("since"), since) || since < std::chrono::minutes(1) ||
                         since > std::chrono::hours(24 * 30))) {
    std::cerr << "sinkhub apify reconcile: --since must be a duration between 1m and 30d (e.g. 90m, 24h, 3d)\n";
    return 2;
  }
  config::Config cfg;
  if (!load("reconcile", p.get("config"), cfg)) return 1;
  return guarded("reconcile", [&] {
    auto ledger = ledger::open_sqlite(cfg.ledger);
    control::Reconciler reconciler(cfg, *ledger);
    const auto report = reconciler.pass(since, p.has("dry-run"));
    ledger->close();
    print_reconcile(std::cout, report, p.has("dry-run"), p.has("json"));
    return report.errors.empty() ? 0 : 1;
  });
}


bool routed_to(const config::Config& cfg, const std::vector<control::Target>& targets, const std::string& named,
               const std::string& sink) {
  for (const auto& t : targets)
    if (t.named == named)
      for (const auto& r : cfg.routes)
        if (std::find(t.routes.begin(), t.routes.end(), r.name) != t.routes.end() &&
            std::find(r.sinks.begin(), r.sinks.end(), sink) != r.sinks.end())
          return true;
  return false;
}

// What became of one TEST dispatch: Apify's view (the dispatch) and sinkhub's (the ledger).
std::string test_outcome(apify::Client& client, ledger::Ledger* ledger, const std::string& dispatch_id,
                         const std::string& sink, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  apify::Dispatch d;
  while (std::chrono::steady_clock::now() < until) {
    auto got = client.get_dispatch(dispatch_id);
    if (got.ok) d = got.value;
    if (got.ok && d.status != "ACTIVE") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (d.status == "ACTIVE" || d.status.empty())
    return "not answered within " + std::to_string(timeout.count() / 1000) + " s (dispatch " + dispatch_id + ")";
  if (d.status != "SUCCEEDED")
    return "FAILED: Apify could not deliver it (" + std::to_string(d.calls) + " calls, last HTTP " +
           std::to_string(d.last_status) + (d.last_error.empty() ? "" : ", " + d.last_error) + ")";
  std::string out = "recorded (sinkhub answered HTTP " + std::to_string(d.last_status) + ")";
  if (!ledger) return out;
  for (const auto& e : ledger->events_for_run(""))
    if (e.dispatch_id == dispatch_id) {
      out = "recorded as event " + std::to_string(e.id);
      if (sink.empty()) return out;
      for (const auto& del : ledger->deliveries(std::nullopt, "", 100000))
        if (del.event_id == e.id && del.sink == sink)
          return out + ", delivery " + std::to_string(del.id) + " to " + sink + ": " + std::string(ledger::to_string(del.state));
      return out + ", no delivery to " + sink + " (no route sends TEST events to it)";
    }
  return out;
}

int test(const Args& args) {
  auto opts = base_options();
  opts.addOption(Option("sink", "", "only the webhooks of targets routed to this sink, and its delivery").argument("NAME"));
  Parsed p;
  const char* summary =
      "Asks Apify to send a TEST dispatch to every webhook sync manages and reports whether sinkhub recorded it.";
  if (!parse_options("apify test", summary, opts, args, p)) return 2;
  if (p.help) return 0;
  config::Config cfg;
  if (!load("test", p.get("config"), cfg)) return 1;
  const std::string sink = p.get("sink");
  if (!sink.empty() && !cfg.find_sink(sink)) {
    std::cerr << "sinkhub apify test: --sink: no sink named '" << sink << "' in the config\n";
    return 2;
  }
  return guarded("test", [&] {
    apify::Client client(cfg.apify);
    for (const auto& s : cfg.auth.secrets) client.redact(s);
    const auto plan = control::plan_sync(client, cfg, false);
    if (!plan.fatal.empty()) throw std::runtime_error(plan.fatal);
    std::unique_ptr<ledger::Ledger> ledger;
    if (std::filesystem::exists(cfg.ledger.path)) ledger = ledger::open_sqlite(cfg.ledger);
    const auto targets = control::targets_of(cfg.routes).named;
    int tested = 0, failed = 0;
    for (const auto& e : plan.entries) {
      if (e.webhook_id.empty() || e.action == control::SyncEntry::Action::Delete) continue;
      if (!sink.empty() && !routed_to(cfg, targets, e.target, sink)) continue;
      ++tested;
      auto d = client.test_webhook(e.webhook_id);
      const std::string outcome = d.ok ? test_outcome(client, ledger.get(), d.value.id, sink, std::chrono::seconds(30))
                                       : "FAILED: " + control::explain(d.error);
      if (outcome.rfind("recorded", 0) != 0) ++failed;
      std::cout << "webhook " << e.webhook_id << " (" << e.kind << " " << e.target << "): " << outcome << "\n";
    }
    if (ledger) ledger->close();
    if (tested == 0) std::cout << "no managed webhook to test (run sinkhub apify sync first)\n";
    return failed == 0 && tested > 0 ? 0 : 1;
  });
}

}  // namespace

int apify(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? std::cerr : std::cout) << kUsage;
    return args.empty() ? 2 : 0;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "sync") return sync(rest);
  if (args[0] == "reconcile") return reconcile(rest);
  if (args[0] == "test") return test(rest);
  std::cerr << "sinkhub apify: unknown command '" << args[0] << "'\n\n" << kUsage;
  return 2;
}

}  // namespace sinkhub::cli
