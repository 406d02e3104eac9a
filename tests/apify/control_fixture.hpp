// The control plane (`sinkhub apify sync`, reconciliation) against the in-process fake Apify
// API: a config written to a temp dir and loaded as the daemon would, and helpers to read
// what the fake holds.
#pragma once

#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <memory>
#include <string>
#include <vector>

#include "apify/client.hpp"
#include "config/config.hpp"
#include "fake_apify.hpp"
#include "testkit.hpp"

namespace sinkhub::control::test {

using fake::FakeApify;
using fake::FakeWebhook;

inline constexpr const char* kToken = "apify-token-0123456789";
inline constexpr const char* kSecret = "first-secret-0123456789-WXYZ";
inline constexpr const char* kPublicUrl = "https://sinkhub.example.com/apify-webhook";

// A fault for FakeApify::inject: `count` answers `status` on `path_prefix` (and `method`).
inline fake::FaultSpec fault(int status, int count, const std::string& path_prefix, const std::string& method = {}) {
  fake::FaultSpec f;
  f.status = status;
  f.count = count;
  f.path_prefix = path_prefix;
  f.method = method;
  return f;
}

// An Apify timestamp `h` hours ago.
inline std::string ago(double h) {
  return FakeApify::iso_time(std::chrono::system_clock::now() -
                             std::chrono::milliseconds(static_cast<std::int64_t>(h * 3600000)));
}

// A run of `actor` (and `task`) started and finished hours ago (finished_h < 0: not finished),
// its dataset "ds-<id>".
inline fake::FakeRun run_of(const std::string& id, const std::string& status, double started_h, double finished_h,
                            const std::string& actor, const std::string& task = {}) {
  fake::FakeRun r;
  r.id = id;
  r.act_id = actor;
  r.actor_task_id = task;
  r.status = status;
  r.default_dataset_id = "ds-" + id;
  r.started_at = ago(started_h);
  r.finished_at = finished_h < 0 ? std::string() : ago(finished_h);
  return r;
}

// One route as YAML: actors and events are YAML flow lists' contents.
struct Route {
  std::string actors, events, sinks = "files";
};

class ControlTest : public ::testing::Test {
 protected:
  ControlTest() : api_(FakeApify::Options{kToken, 0, 16, 20000}) {}

  std::string yaml(const std::vector<Route>& routes, const std::string& apify_extra = {},
                   const std::string& secrets = std::string("[\"") + kSecret + "\"]") const {
    std::string y = "server:\n  listen: \"127.0.0.1:9\"\n  path: /apify-webhook\n"
                    "auth:\n  header: X-Webhook-Secret\n  secrets: " + secrets + "\n"
                    "apify:\n  base_url: \"" + api_.base_url() + "\"\n  token: \"" + kToken + "\"\n"
                    "  public_url: \"" + kPublicUrl + "\"\n" + apify_extra +
                    "ledger:\n  path: \"" + dir_.file("ledger.db") + "\"\n"
                    "sinks:\n  files:\n    plugin: file\n    dir: \"" + dir_.file("out") + "\"\n"
                    "  archive:\n    plugin: file\n    dir: \"" + dir_.file("archive") + "\"\n"
                    "routes:\n";
    for (const auto& r : routes)
      y += "  - actors: [" + r.actors + "]\n    events: [" + r.events + "]\n    sinks: [" + r.sinks + "]\n";
    return y;
  }

  config::Config load(const std::vector<Route>& routes, const std::string& apify_extra = {},
                      const std::string& secrets = std::string("[\"") + kSecret + "\"]") {
    testkit::write_file(dir_.file("sinkhub.yaml"), yaml(routes, apify_extra, secrets));
    return config::load(dir_.file("sinkhub.yaml"));
  }

  // A client that retries quickly (the tests inject 429/5xx).
  std::unique_ptr<apify::Client> client(const config::Config& cfg) {
    apify::ClientOptions o;
    o.min_retry_delay = std::chrono::milliseconds(5);
    o.max_retry_delay = std::chrono::milliseconds(40);
    return std::make_unique<apify::Client>(cfg.apify, o);
  }

  static Poco::JSON::Object::Ptr parse(const std::string& json) {
    Poco::JSON::Parser p;
    return p.parse(json).extract<Poco::JSON::Object::Ptr>();
  }

  // The fake's webhooks whose condition names `id`.
  std::vector<FakeWebhook> webhooks_for(const std::string& id) const {
    std::vector<FakeWebhook> out;
    for (auto& w : api_.webhooks())
      if (w.condition_id == id) out.push_back(w);
    return out;
  }

  FakeApify api_;
  testkit::TempDir dir_;
};

}  // namespace sinkhub::control::test
