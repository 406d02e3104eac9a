// The Slack sink end to end: the real daemon loading slack.so, the fake Apify API (the
// delivery tests' fixture) and a fake Slack incoming webhook on loopback.
#pragma once

#include <algorithm>

#include "delivery_fixture.hpp"
#include "fake_slack.hpp"

namespace sinkhub::st {

using namespace sinkhub::dt;
using sinkhub::fake::FakeActor;
using sinkhub::fake::FakeSlack;
using sinkhub::fake::SlackAnswer;
using sinkhub::fake::SlackPost;

// The secret part of every webhook URL the tests use: it must never show up in logs.
inline const std::string kSecret = "fakeSecretToken123";
inline std::string hook_path(const std::string& name = "team") { return "/services/T0FAKE/B" + name + "/" + kSecret; }

// Characters as Slack counts them (ASCII and BMP text in these tests: code points).
inline std::size_t chars(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

class SlackTest : public DeliveryTest {
 protected:
  // A slack sink instance posting to hook_path(path_name); `extra` are more option lines.
  Conf& slack_sink(Conf& c, const std::string& name, const std::string& extra = {},
                   const std::string& path_name = "team") {
    c.sinks.emplace_back(name,
                         "    plugin: slack\n    webhook_url: \"" + slack_.url(hook_path(path_name)) + "\"\n" + extra);
    return c;
  }
  // Starts the daemon with one slack sink "s-CODE" per code, each posting to its own webhook
  // that answers Slack's error CODE, all routed ACTOR.RUN.FAILED.
  void start_one_sink_per_error(const std::vector<std::string>& codes) {
    Conf s;
    std::string names;
    for (const auto& c : codes) {
      slack_sink(s, "s-" + c, "    on_failure: \"x\"\n", c);
      slack_.script_for(hook_path(c), {SlackAnswer::error(c)});
      names += (names.empty() ? "" : ", ") + ("s-" + c);
    }
    s.route("ACTOR.RUN.FAILED", names);
    start(s);
  }
  // A run of jane/my-scraper (known to the fake API) with these dataset items.
  RunInfo run_with_items(const std::vector<std::string>& items, const std::string& event = "ACTOR.RUN.SUCCEEDED") {
    RunInfo r = add_run(event);
    fake_.add_actor({r.actor_id, "my-scraper", "jane"});
    if (event == "ACTOR.RUN.SUCCEEDED") fake_.add_dataset(r.dataset_id, items);
    return r;
  }
  static Poco::JSON::Object::Ptr body_of(const SlackPost& p) {
    return parse_json(p.body).extract<Poco::JSON::Object::Ptr>();
  }
  std::string text_of(const SlackPost& p) { return body_of(p)->getValue<std::string>("text"); }
  // The attempts the ledger recorded for the run's delivery to `sink` with this outcome.
  long long attempts(const std::string& run_id, const std::string& sink, const std::string& outcome) {
    LedgerView v(daemon().ledger_path());
    return v.scalar(
        "SELECT COUNT(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN events e ON e.id = d.event_id "
        "WHERE e.run_id = ?1 AND d.sink = ?2 AND a.outcome = ?3",
        {run_id, sink, outcome});
  }

  FakeSlack slack_;
};

}  // namespace sinkhub::st
