// fake_apify: the fake Apify API as a process, for end-to-end runs and benchmarks.
//
//   fake_apify [--port N] [--token T] [--dataset ID:COUNT[:ITEM_BYTES]]... [--hidden-every K]
//              [--empty-every M] [--run RUN_ID:DATASET_ID[:ACTOR_ID]]... [--actor ID:USERNAME/NAME]...
//              [--delay-ms D] [--chunked]
//
// Prints "listening on PORT" (and flushes) once it accepts connections, then serves until
// SIGTERM or SIGINT. --hidden-every/--empty-every apply to the --dataset options after them.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <pthread.h>
#include <string>
#include <vector>

#include "fake_apify.hpp"

namespace {

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
            << "usage: fake_apify [--port N] [--token T] [--dataset ID:COUNT[:ITEM_BYTES]]... [--hidden-every K]\n"
               "                  [--empty-every M] [--run RUN_ID:DATASET_ID[:ACTOR_ID]]... [--actor ID:USERNAME/NAME]...\n"
               "                  [--delay-ms D] [--chunked]\n";
  std::exit(2);
}

long long number(const std::string& s, const char* what) {
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < 0) usage(std::string("bad ") + what + ": " + s);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any server thread exists; sigwait() below takes them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  sinkhub::fake::FakeApify::Options options;
  struct DatasetArg { std::string id; sinkhub::fake::GeneratedSpec spec; };
  std::vector<DatasetArg> datasets;
  std::vector<sinkhub::fake::FakeRun> runs;
  std::vector<sinkhub::fake::FakeActor> actors;
  int hidden_every = 0, empty_every = 0;
  long long delay_ms = 0;
  bool chunked = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value for " + arg);
      return argv[++i];
    };
    if (arg == "--port") {
      const long long p = number(value(), "port");
      if (p > 65535) usage("bad port");
      options.port = static_cast<std::uint16_t>(p);
    } else if (arg == "--token") {
      options.token = value();
    } else if (arg == "--dataset") {
      const auto parts = split(value(), ':');
      if (parts.size() < 2 || parts.size() > 3 || parts[0].empty()) usage("--dataset wants ID:COUNT[:ITEM_BYTES]");
      DatasetArg d;
      d.id = parts[0];
      d.spec.count = number(parts[1], "item count");
      if (parts.size() == 3) d.spec.item_bytes = static_cast<std::size_t>(number(parts[2], "item size"));
      d.spec.hidden_every = hidden_every;
      d.spec.empty_every = empty_every;
      datasets.push_back(d);
    } else if (arg == "--hidden-every") {
      hidden_every = static_cast<int>(number(value(), "--hidden-every"));
    } else if (arg == "--empty-every") {
      empty_every = static_cast<int>(number(value(), "--empty-every"));
    } else if (arg == "--run") {
      const auto parts = split(value(), ':');
      if (parts.size() < 2 || parts.size() > 3 || parts[0].empty()) usage("--run wants RUN_ID:DATASET_ID[:ACTOR_ID]");
      sinkhub::fake::FakeRun r;
      r.id = parts[0];
      r.default_dataset_id = parts[1];
      if (parts.size() == 3) r.act_id = parts[2];
      runs.push_back(r);
    } else if (arg == "--actor") {
      const auto parts = split(value(), ':');
      const auto name = parts.size() == 2 ? split(parts[1], '/') : std::vector<std::string>{};
      if (name.size() != 2) usage("--actor wants ID:USERNAME/NAME");
      actors.push_back({parts[0], name[1], name[0]});
    } else if (arg == "--delay-ms") {
      delay_ms = number(value(), "delay");
    } else if (arg == "--chunked") {
      chunked = true;
    } else if (arg == "--help" || arg == "-h") {
      usage("help");
    } else {
      usage("unknown option " + arg);
    }
  }

  try {
    sinkhub::fake::FakeApify fake(options);
    for (const auto& d : datasets) fake.add_generated_dataset(d.id, d.spec);
    for (auto& r : runs) fake.add_run(r);
    for (auto& a : actors) fake.add_actor(a);
    fake.set_delay(std::chrono::milliseconds(delay_ms));
    fake.set_chunked(chunked);
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
