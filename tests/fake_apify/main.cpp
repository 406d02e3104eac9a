// fake_apify: the fake Apify API as a process, for end-to-end runs and benchmarks.
//
//   fake_apify [--port N] [--token T] [--read-only-token T]
//              [--dataset ID:COUNT[:ITEM_BYTES]]... [--hidden-every K] [--empty-every M]
//              [--run RUN_ID:DATASET_ID[:ACTOR_ID]]... [--run-spec KEY=VALUE,...]...
//              [--actor ID:USERNAME/NAME]... [--task ID:USERNAME/NAME:ACTOR_ID]...
//              [--webhook-json JSON]... [--webhook-limit N]
//              [--dispatch-retries N] [--dispatch-retry-ms D] [--dispatch-timeout-ms T]
//              [--delay-ms D] [--chunked]
//
// --run-spec keys: id (required), dataset, actor, task, status, started, finished, origin,
// resurrects. Times are ISO 8601 or relative to now: "now", "-40h", "-90m", "-30s"; a
// terminal status without `finished` finishes one minute after `started`, any other status
// has finishedAt null. --webhook-json takes a POST /v2/webhooks body (validated the same way).
//
// Prints "listening on PORT" (and flushes) once it accepts connections, then serves until
// SIGTERM or SIGINT. --hidden-every/--empty-every apply to the --dataset options after them.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <functional>
#include <map>
#include <pthread.h>
#include <string>
#include <vector>

#include "fake_apify.hpp"

namespace {

using sinkhub::fake::FakeApify;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return out;
}

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "fake_apify: " << why << "\n"
            << "usage: fake_apify [--port N] [--token T] [--read-only-token T]\n"
               "                  [--dataset ID:COUNT[:ITEM_BYTES]]... [--hidden-every K] [--empty-every M]\n"
               "                  [--run RUN_ID:DATASET_ID[:ACTOR_ID]]... [--run-spec KEY=VALUE,...]...\n"
               "                  [--actor ID:USERNAME/NAME]... [--task ID:USERNAME/NAME:ACTOR_ID]...\n"
               "                  [--webhook-json JSON]... [--webhook-limit N]\n"
               "                  [--dispatch-retries N] [--dispatch-retry-ms D] [--dispatch-timeout-ms T]\n"
               "                  [--delay-ms D] [--chunked]\n";
  std::exit(2);
}

long long number(const std::string& s, const char* what) {
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < 0) usage(std::string("bad ") + what + ": " + s);
  return v;
}

// "now", "-40h", "-90m", "-30s" or an ISO 8601 time (UTC; fractions are ignored).
std::chrono::system_clock::time_point time_of(const std::string& v, const char* what) {
  const auto now = std::chrono::system_clock::now();
  if (v == "now") return now;
  if (v.size() >= 3 && v[0] == '-' && std::strchr("hms", v.back())) {
    const long long n = number(v.substr(1, v.size() - 2), what);
    return now - std::chrono::seconds(v.back() == 'h' ? n * 3600 : v.back() == 'm' ? n * 60 : n);
  }
  std::tm tm{};
  const char* rest = strptime(v.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest || (*rest != '\0' && *rest != '.' && *rest != 'Z')) usage(std::string("bad ") + what + " time: " + v);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// An ISO time kept as given, or a relative one made absolute.
std::string when(const std::string& v, const char* what) {
  const auto t = time_of(v, what);
  return v.find('T') != std::string::npos ? v : FakeApify::iso_time(t);
}

bool terminal(const std::string& status) {
  return status == "SUCCEEDED" || status == "FAILED" || status == "ABORTED" || status == "TIMED-OUT";
}

sinkhub::fake::FakeRun run_spec(const std::string& spec) {
  std::map<std::string, std::string> kv;
  for (const auto& part : split(spec, ',')) {
    const auto eq = part.find('=');
    if (eq == std::string::npos) usage("--run-spec wants KEY=VALUE pairs, got " + part);
    kv[part.substr(0, eq)] = part.substr(eq + 1);
  }
  sinkhub::fake::FakeRun r;
  for (const auto& [k, v] : kv) {
    if (k == "id") r.id = v;
    else if (k == "dataset") r.default_dataset_id = v;
    else if (k == "actor") r.act_id = v;
    else if (k == "task") r.actor_task_id = v;
    else if (k == "status") r.status = v;
    else if (k == "started") r.started_at = when(v, "started");
    else if (k == "finished") r.finished_at = v.empty() ? "" : when(v, "finished");
    else if (k == "origin") r.origin = v;
    else if (k == "resurrects") r.resurrect_count = number(v, "resurrects");
    else usage("--run-spec: unknown key " + k);
  }
  if (r.id.empty()) usage("--run-spec needs id=");
  if (!terminal(r.status)) r.finished_at.clear();
  else if (!kv.count("finished"))
    r.finished_at = FakeApify::iso_time(time_of(r.started_at, "started") + std::chrono::minutes(1));
  return r;
}

// Everything the command line asks for.
struct Args {
  FakeApify::Options options;
  struct Dataset { std::string id; sinkhub::fake::GeneratedSpec spec; };
  std::vector<Dataset> datasets;
  std::vector<sinkhub::fake::FakeRun> runs;
  std::vector<sinkhub::fake::FakeActor> actors;
  std::vector<sinkhub::fake::FakeTask> tasks;
  std::vector<std::string> webhooks;
  sinkhub::fake::DispatchPolicy policy;
  std::string read_only_token;
  int hidden_every = 0, empty_every = 0, webhook_limit = 100;
  long long delay_ms = 0;
  bool chunked = false;
};

sinkhub::fake::FakeRun run_arg(const std::string& v) {
  const auto parts = split(v, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty()) usage("--run wants RUN_ID:DATASET_ID[:ACTOR_ID]");
  sinkhub::fake::FakeRun r;
  r.id = parts[0];
  r.default_dataset_id = parts[1];
  if (parts.size() == 3) r.act_id = parts[2];
  return r;
}

Args::Dataset dataset_arg(const std::string& v, const Args& a) {
  const auto parts = split(v, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty()) usage("--dataset wants ID:COUNT[:ITEM_BYTES]");
  Args::Dataset d;
  d.id = parts[0];
  d.spec.count = number(parts[1], "item count");
  if (parts.size() == 3) d.spec.item_bytes = static_cast<std::size_t>(number(parts[2], "item size"));
  d.spec.hidden_every = a.hidden_every;
  d.spec.empty_every = a.empty_every;
  return d;
}

sinkhub::fake::FakeActor actor_arg(const std::string& v) {
  const auto parts = split(v, ':');
  const auto name = parts.size() == 2 ? split(parts[1], '/') : std::vector<std::string>{};
  if (name.size() != 2 || parts[0].empty()) usage("--actor wants ID:USERNAME/NAME");
  return {parts[0], name[1], name[0]};
}

sinkhub::fake::FakeTask task_arg(const std::string& v) {
  const auto parts = split(v, ':');
  const auto name = parts.size() == 3 ? split(parts[1], '/') : std::vector<std::string>{};
  if (name.size() != 2 || parts[0].empty() || parts[2].empty()) usage("--task wants ID:USERNAME/NAME:ACTOR_ID");
  return {parts[0], name[1], name[0], parts[2]};
}

Args parse_args(int argc, char** argv) {
  Args a;
  using Take = std::function<void(const std::string&)>;
  const std::map<std::string, Take> with_value = {
      {"--port", [&](const std::string& v) {
         const long long p = number(v, "port");
         if (p > 65535) usage("bad port");
         a.options.port = static_cast<std::uint16_t>(p);
       }},
      {"--token", [&](const std::string& v) { a.options.token = v; }},
      {"--read-only-token", [&](const std::string& v) { a.read_only_token = v; }},
      {"--dataset", [&](const std::string& v) { a.datasets.push_back(dataset_arg(v, a)); }},
      {"--hidden-every", [&](const std::string& v) { a.hidden_every = static_cast<int>(number(v, "--hidden-every")); }},
      {"--empty-every", [&](const std::string& v) { a.empty_every = static_cast<int>(number(v, "--empty-every")); }},
      {"--run", [&](const std::string& v) { a.runs.push_back(run_arg(v)); }},
      {"--run-spec", [&](const std::string& v) { a.runs.push_back(run_spec(v)); }},
      {"--actor", [&](const std::string& v) { a.actors.push_back(actor_arg(v)); }},
      {"--task", [&](const std::string& v) { a.tasks.push_back(task_arg(v)); }},
      {"--webhook-json", [&](const std::string& v) { a.webhooks.push_back(v); }},
      {"--webhook-limit", [&](const std::string& v) { a.webhook_limit = static_cast<int>(number(v, "--webhook-limit")); }},
      {"--dispatch-retries", [&](const std::string& v) { a.policy.retries = static_cast<int>(number(v, "--dispatch-retries")); }},
      {"--dispatch-retry-ms", [&](const std::string& v) {
         a.policy.first_retry_delay = std::chrono::milliseconds(number(v, "--dispatch-retry-ms"));
       }},
      {"--dispatch-timeout-ms", [&](const std::string& v) {
         a.policy.timeout = std::chrono::milliseconds(number(v, "--dispatch-timeout-ms"));
       }},
      {"--delay-ms", [&](const std::string& v) { a.delay_ms = number(v, "delay"); }},
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--chunked") {
      a.chunked = true;
    } else if (arg == "--help" || arg == "-h") {
      usage("help");
    } else if (const auto it = with_value.find(arg); it != with_value.end()) {
      if (i + 1 >= argc) usage("missing value for " + arg);
      it->second(argv[++i]);
    } else {
      usage("unknown option " + arg);
    }
  }
  return a;
}

// Seeds the fake; Actors, tasks and runs first, since a webhook's condition must exist.
void seed(FakeApify& fake, const Args& a) {
  fake.set_read_only_token(a.read_only_token);
  for (const auto& d : a.datasets) fake.add_generated_dataset(d.id, d.spec);
  for (const auto& r : a.runs) fake.add_run(r);
  for (const auto& act : a.actors) fake.add_actor(act);
  for (const auto& t : a.tasks) fake.add_task(t);
  fake.set_webhook_limit(a.webhook_limit);
  fake.set_dispatch_policy(a.policy);
  for (const auto& w : a.webhooks) fake.add_webhook_json(w);
  fake.set_delay(std::chrono::milliseconds(a.delay_ms));
  fake.set_chunked(a.chunked);
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any server thread exists; sigwait() below takes them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  const Args args = parse_args(argc, argv);
  try {
    FakeApify fake(args.options);
    seed(fake, args);
    std::printf("listening on %u\n", static_cast<unsigned>(fake.port()));
    std::fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    fake.stop();
    std::fprintf(stderr, "fake_apify: stopping on signal %d after %zu requests\n", sig, fake.request_count());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake_apify: %s\n", e.what());
    return 1;
  }
  return 0;
}
