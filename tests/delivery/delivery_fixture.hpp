// Shared pieces of the delivery-engine end-to-end tests: the real daemon (sinkhub_testkit)
// pointed at an in-process fake Apify API, the real file sink and the scriptable
// "delivery-test" sink (test_sink.c), plus readers for the ledger, the CLI and the sink's
// call log.
#pragma once

#include <gtest/gtest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sinkhub/sink.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fake_apify.hpp"
#include "testkit.hpp"

namespace sinkhub::dt {

using namespace sinkhub::testkit;
using sinkhub::fake::FakeApify;
using sinkhub::fake::FakeRun;
using sinkhub::fake::GeneratedSpec;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Directory with delivery-test.so (from CMake).
inline const char* test_plugin_dir() { return DELIVERY_TEST_PLUGIN_DIR; }

// Sanitizer builds are several times slower: every wait scales with this.
inline int slow_factor() {
#ifdef DELIVERY_TEST_SLOW
  return 4;
#else
  return 1;
#endif
}
inline milliseconds scaled(milliseconds ms) { return ms * slow_factor(); }

// What the config of one test holds. Sink bodies and routes are raw YAML; "{{DIR}}" in them
// is the daemon's temp dir.
struct Conf {
  std::string apify_token = "apify-test-token-0123456789";
  int page_size = 1000;
  bool verify_with_api = false;
  std::map<std::string, std::string> delivery = {
      {"workers", "2"},          {"max_attempts", "5"},        {"max_age", "1h"},
      {"backoff_initial", "50ms"}, {"backoff_max", "200ms"},   {"fatal_backoff", "30s"},
      {"batch_timeout", "20s"},  {"shutdown_grace", "2s"},     {"lease", "2s"}};
  // name -> body lines (each already indented by 4 spaces, ending in '\n')
  std::vector<std::pair<std::string, std::string>> sinks;
  std::vector<std::string> routes;  // "- actors: [...]\n    events: [...]\n    sinks: [...]\n"
  // plugins.dirs: the in-tree sinks, then these ("{{DIR}}" allowed); the test sinks' directory
  // unless test_plugins is false.
  std::vector<std::string> plugin_dirs;
  bool test_plugins = true;
  std::string data_dir;  // plugins.data_dir ("{{DIR}}" allowed); empty: the default beside the ledger

  // A file sink writing below {{DIR}}/<name>.
  Conf& file_sink(const std::string& name, const std::string& extra = {}) {
    sinks.emplace_back(name, "    plugin: file\n    dir: \"{{DIR}}/" + name + "\"\n" + extra);
    return *this;
  }
  // A delivery-test sink logging every call to {{DIR}}/<name>.log; `options` are extra
  // string options, e.g. {{"mode","reject"}}.
  Conf& test_sink(const std::string& name, const std::map<std::string, std::string>& options = {},
                   const std::string& extra = {}, const std::string& plugin = "delivery-test") {
    std::string body = "    plugin: " + plugin + "\n    log: \"{{DIR}}/" + name + ".log\"\n";
    for (const auto& [k, v] : options) body += "    " + k + ": \"" + v + "\"\n";
    sinks.emplace_back(name, body + extra);
    return *this;
  }
  Conf& route(const std::string& events, const std::string& sink_list, const std::string& actors = "\"*\"") {
    routes.push_back("  - actors: [" + actors + "]\n    events: [" + events + "]\n    sinks: [" + sink_list + "]\n");
    return *this;
  }
};

inline std::string render(const Conf& s, const std::string& apify_url) {
  std::string y =
      "server:\n"
      "  listen: \"127.0.0.1:{{PORT}}\"\n"
      "  path: /apify-webhook\n"
      "  read_timeout_ms: 3000\n"
      "auth:\n"
      "  header: X-Webhook-Secret\n"
      "  secrets: [\"{{SECRET}}\"]\n";
  if (s.verify_with_api) y += "  verify_with_api: true\n";
  y += "apify:\n  base_url: \"" + apify_url + "\"\n  token: \"" + s.apify_token + "\"\n  page_size: " +
       std::to_string(s.page_size) + "\n";
  y += "ledger:\n  path: \"{{DIR}}/ledger.db\"\n  synchronous: normal\n";
  y += "delivery:\n";
  for (const auto& [k, v] : s.delivery) y += "  " + k + ": " + v + "\n";
  y += "plugins:\n  dirs: [\"{{PLUGINS}}\"";
  if (s.test_plugins) y += ", \"" + std::string(test_plugin_dir()) + "\"";
  for (const auto& d : s.plugin_dirs) y += ", \"" + d + "\"";
  y += "]\n";
  if (!s.data_dir.empty()) y += "  data_dir: \"" + s.data_dir + "\"\n";
  y += "sinks:\n";
  for (const auto& [name, body] : s.sinks) y += "  " + name + ":\n" + body;
  y += "routes:\n";
  for (const auto& r : s.routes) y += r;
  return y;
}

// One sink call as delivery-test logged it.
// Whether `name` is what plugins get for the ledger's delivery `id` (sink.h delivery_id):
// "d<id>-" and the ledger's identity (12 hex digits), see ledger::delivery_name.
inline bool names_delivery(const std::string& name, const std::string& id) {
  const std::string prefix = "d" + id + "-";
  return name.size() == prefix.size() + 12 && name.compare(0, prefix.size(), prefix) == 0 &&
         name.find_first_not_of("0123456789abcdef", prefix.size()) == std::string::npos;
}

struct Call {
  long long t = 0;
  std::string id;
  unsigned attempt = 0, flags = 0, batch = 0;
  unsigned long long offset = 0, count = 0;
  std::string cp;
  int rc = -1;
  std::string sink;
  long long first = -1;  // "i" of the batch's first item (generated datasets), -1 if none
  long long total = -1;  // dataset_item_count
  int conc = 0;          // deliver() calls on the instance when this one started
  std::string actor;     // ABI 1.1 actor_name, "-" when empty (or a 1.0 build)
  long long rewind = -1;  // ABI 1.2 resume_from_item the call asked for, -1 for none
  bool busy = false;      // ABI 1.3: the answer was flagged SINKHUB_RESULT_BUSY
};

inline std::vector<Call> parse_calls(const std::string& text) {
  std::vector<Call> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    Call c;
    std::istringstream words(line);
    for (std::string w; words >> w;) {
      const auto eq = w.find('=');
      if (eq == std::string::npos) continue;
      const std::string k = w.substr(0, eq), v = w.substr(eq + 1);
      if (k == "t") c.t = std::stoll(v);
      else if (k == "id") c.id = v;
      else if (k == "attempt") c.attempt = static_cast<unsigned>(std::stoul(v));
      else if (k == "flags") c.flags = static_cast<unsigned>(std::stoul(v));
      else if (k == "offset") c.offset = std::stoull(v);
      else if (k == "count") c.count = std::stoull(v);
      else if (k == "batch") c.batch = static_cast<unsigned>(std::stoul(v));
      else if (k == "cp") c.cp = v;
      else if (k == "rc") c.rc = std::stoi(v);
      else if (k == "sink") c.sink = v;
      else if (k == "first") c.first = std::stoll(v);
      else if (k == "total") c.total = std::stoll(v);
      else if (k == "conc") c.conc = std::stoi(v);
      else if (k == "an") c.actor = v;
      else if (k == "rw") c.rewind = std::stoll(v);
      else if (k == "bz") c.busy = v == "1";
    }
    out.push_back(c);
  }
  return out;
}

// The "i" field of a generated item ({"i":N,...}), -1 for other items.
inline long long index_of(const std::string& item) {
  return item.compare(0, 5, "{\"i\":") == 0 ? std::stoll(item.substr(5)) : -1;
}

// Polls `pred` every 20 ms until it holds or `timeout` (scaled) passes.
inline bool wait_until(const std::function<bool()>& pred, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

// The expected jsonl file: every item followed by '\n'.
inline std::string jsonl(const std::vector<std::string>& items) {
  std::string out;
  std::size_t n = 0;
  for (const auto& i : items) n += i.size() + 1;
  out.reserve(n);
  for (const auto& i : items) {
    out += i;
    out += '\n';
  }
  return out;
}

// The value of one series in Prometheus text ("name{labels}"), or -1 if absent.
inline double metric(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, series.size() + 1, series + " ") == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

// Poco's parser for the CLI's JSON output.
inline Poco::Dynamic::Var parse_json(const std::string& text) { return Poco::JSON::Parser().parse(text); }

// A test with a fake Apify API and a daemon built from a Conf.
class DeliveryTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (daemon_ && daemon_->running()) {
      const int code = daemon_->stop(scaled(seconds(15)));
      EXPECT_EQ(code, 0) << "sinkhub did not stop cleanly; log:\n" << daemon_->log();
    }
    if (HasFailure() && daemon_) std::cerr << "---- sinkhub log ----\n" << daemon_->log() << "---- end ----\n";
  }

  void start(const Conf& s) {
    daemon_ = std::make_unique<Daemon>(render(s, fake_.base_url()));
    daemon_->start();
  }
  Daemon& daemon() { return *daemon_; }
  std::string dir() { return daemon_->dir(); }

  // Registers the run in the fake API (status from the event type) and returns it.
  RunInfo add_run(const std::string& event_type = "ACTOR.RUN.SUCCEEDED") {
    RunInfo r = new_run(event_type);
    FakeRun fr;
    fr.id = r.run_id;
    fr.act_id = r.actor_id;
    fr.status = r.status;
    fr.default_dataset_id = r.dataset_id;
    fake_.add_run(fr);
    return r;
  }
  void post(const RunInfo& r) {
    const auto resp = daemon_->post_webhook(default_payload(r));
    ASSERT_EQ(resp.status, 200) << resp.body;
    ASSERT_EQ(resp.json_string("status"), "accepted") << resp.body;
  }

  // A run with a generated dataset of `items` items, posted as its webhook.
  RunInfo post_generated(std::int64_t items) {
    const RunInfo run = add_run();
    fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{items, 100, 0, 0});
    post(run);
    return run;
  }

  // The deliveries of a run, as rows of the ledger (sink -> row).
  std::map<std::string, Row> deliveries(const std::string& run_id) {
    LedgerView v(daemon_->ledger_path());
    std::map<std::string, Row> out;
    for (auto& row : v.query("SELECT d.* FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.run_id = ?1",
                             {run_id}))
      out[row["sink"]] = row;
    return out;
  }
  std::string state_of(const std::string& run_id, const std::string& sink) {
    auto d = deliveries(run_id);
    auto it = d.find(sink);
    return it == d.end() ? std::string("<none>") : it->second["state"];
  }
  // Waits until the delivery is in `state`; returns whether it got there.
  bool wait_state(const std::string& run_id, const std::string& sink, const std::string& state,
                  milliseconds timeout = seconds(20)) {
    return wait_until([&] { return state_of(run_id, sink) == state; }, timeout);
  }
  ::testing::AssertionResult reaches(const std::string& run_id, const std::string& sink, const std::string& state,
                                     milliseconds timeout = seconds(20)) {
    if (wait_state(run_id, sink, state, timeout)) return ::testing::AssertionSuccess();
    auto d = deliveries(run_id);
    std::string row;
    if (d.count(sink))
      for (const auto& [k, v] : d[sink]) row += k + "=" + v + " ";
    return ::testing::AssertionFailure() << "delivery of run " << run_id << " to " << sink << " did not reach "
                                         << state << " within " << scaled(timeout).count() << " ms; row: " << row;
  }

  std::vector<Call> calls(const std::string& sink) { return parse_calls(read_file(dir() + "/" + sink + ".log")); }
  std::string file_of(const std::string& sink, const RunInfo& r) {
    return read_file(dir() + "/" + sink + "/" + r.actor_id + "/" + r.run_id + ".jsonl");
  }
  CliResult cli(std::vector<std::string> args) {
    args.push_back("--config");
    args.push_back(daemon_->config_path());
    return run_cli(args, {}, scaled(seconds(20)));
  }
  // Requests the fake saw for a path prefix.
  std::vector<fake::LoggedRequest> requests(const std::string& prefix) {
    std::vector<fake::LoggedRequest> out;
    for (auto& r : fake_.requests())
      if (r.uri.compare(0, prefix.size(), prefix) == 0) out.push_back(r);
    return out;
  }

  FakeApify fake_;
  std::unique_ptr<Daemon> daemon_;
};

// Compares big strings without printing megabytes: the first differing byte and context.
inline ::testing::AssertionResult SameBytes(const std::string& got, const std::string& want) {
  if (got == want) return ::testing::AssertionSuccess();
  std::size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  auto around = [&](const std::string& s) {
    const std::size_t from = i > 80 ? i - 80 : 0;
    return s.substr(from, std::min<std::size_t>(160, s.size() > from ? s.size() - from : 0));
  };
  return ::testing::AssertionFailure() << "sizes " << got.size() << " vs expected " << want.size()
                                       << ", first difference at byte " << i << "\n got: ..." << around(got)
                                       << "\nwant: ..." << around(want);
}

}  // namespace sinkhub::dt
