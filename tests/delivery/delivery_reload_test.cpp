// Sinks under a reload (SIGHUP), with deliveries in flight: a sink added takes the new route's
// deliveries; a changed sink gets a new instance, opened before the swap, working only once the
// old one finished its delivery in flight and closed; a removed sink's deliveries stay queued,
// visible as waiting for it, and resume when it comes back; a plugin dropped into a plugin
// directory is loaded by the reload that names it. (Secrets, allowlists, routes, refusals:
// tests/integration/reload_test.cpp.)
#include <filesystem>

#include <unistd.h>

#include "delivery_fixture.hpp"

namespace sinkhub::dt {
namespace {

// "open t=N" / "close t=N" lines of a delivery-test instance's `log`.life, as (what, t).
std::vector<std::pair<std::string, long long>> life_of(const std::string& log) {
  std::vector<std::pair<std::string, long long>> out;
  std::istringstream in(read_file(log + ".life"));
  for (std::string what, t; in >> what >> t;) out.emplace_back(what, std::stoll(t.substr(2)));
  return out;
}

class DeliveryReload : public DeliveryTest {
 protected:
  std::string reload(const Conf& s) { return daemon().reload(render(s, fake_.base_url()), scaled(seconds(20))); }
  int attempts_of(const RunInfo& run, const std::string& sink) { return std::stoi(deliveries(run.run_id)[sink]["attempts"]); }
};

TEST_F(DeliveryReload, ASinkAddedByAReloadDeliversTheNewRoutesRuns) {
  Conf s;
  s.file_sink("files").route("ACTOR.RUN.SUCCEEDED", "files");
  start(s);
  s.test_sink("probe");
  s.routes = {};
  s.route("ACTOR.RUN.SUCCEEDED", "files, probe");
  const std::string said = reload(s);
  EXPECT_NE(said.find("reload applied: sinks added: probe"), std::string::npos) << said;
  const RunInfo run = add_run();
  fake_.add_dataset(run.dataset_id, {"{\"a\":1}", "{\"a\":2}"});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "probe", "done"));
  ASSERT_TRUE(reaches(run.run_id, "files", "done"));
  ASSERT_EQ(calls("probe").size(), 1u);
  EXPECT_EQ(calls("probe")[0].count, 2u);
  EXPECT_EQ(file_of("files", run), "{\"a\":1}\n{\"a\":2}\n");
}

// New options need a new instance. It is created and opened before the swap, but takes no
// delivery until the old instance has finished the one it is running and is closed: never
// two instances of one sink at work, and nothing in flight cut short.
TEST_F(DeliveryReload, AChangedSinkIsReplacedOnlyAfterItsDeliveryInFlightFinishes) {
  Conf s;
  s.test_sink("slow", {{"delay_ms", "1500"}}).route("ACTOR.RUN.SUCCEEDED", "slow");
  start(s);
  const std::string old_log = dir() + "/slow.log", new_log = dir() + "/slow-v2.log";
  const RunInfo first = add_run();
  fake_.add_dataset(first.dataset_id, {"{\"v\":1}"});
  post(first);
  ASSERT_TRUE(reaches(first.run_id, "slow", "running"));

  Conf changed;
  changed.sinks.emplace_back("slow", "    plugin: delivery-test\n    log: \"{{DIR}}/slow-v2.log\"\n");
  changed.route("ACTOR.RUN.SUCCEEDED", "slow");
  const std::string said = reload(changed);
  EXPECT_NE(said.find("reload applied: sinks changed: slow"), std::string::npos) << said;
  const RunInfo second = add_run();
  fake_.add_dataset(second.dataset_id, {"{\"v\":2}"});
  post(second);

  ASSERT_TRUE(reaches(first.run_id, "slow", "done"));
  ASSERT_TRUE(reaches(second.run_id, "slow", "done"));
  EXPECT_EQ(attempts_of(first, "slow"), 1) << "the delivery in flight was interrupted by the reload";
  const auto old_calls = calls("slow"), new_calls = parse_calls(read_file(new_log));
  ASSERT_EQ(old_calls.size(), 1u);
  EXPECT_EQ(old_calls[0].rc, SINKHUB_OK);
  EXPECT_TRUE(names_delivery(old_calls[0].id, deliveries(first.run_id)["slow"]["id"])) << old_calls[0].id;
  ASSERT_EQ(new_calls.size(), 1u);
  EXPECT_TRUE(names_delivery(new_calls[0].id, deliveries(second.run_id)["slow"]["id"])) << new_calls[0].id;

  ASSERT_TRUE(wait_until([&] { return life_of(old_log).size() == 2; }, seconds(10))) << read_file(old_log + ".life");
  const auto old_life = life_of(old_log), new_life = life_of(new_log);
  ASSERT_EQ(old_life[1].first, "close");
  ASSERT_EQ(new_life.size(), 1u);
  ASSERT_EQ(new_life[0].first, "open");
  EXPECT_LT(new_life[0].second, old_life[1].second) << "the new instance was not opened before the swap";
  EXPECT_GE(old_life[1].second, old_calls[0].t) << "the old instance closed before its delivery in flight ended";
  EXPECT_GE(new_calls[0].t, old_life[1].second) << "the new instance worked beside the old one";
  EXPECT_NE(daemon().log().find("sink slow: the instance a reload replaced or removed is closed"), std::string::npos);
}

// A removed sink's deliveries are not lost: they stay queued, `status` and `deliveries` say they
// wait for their sink, no attempt is made while it is gone, and they resume once it is back.
TEST_F(DeliveryReload, ARemovedSinksDeliveriesWaitForItAndResumeWhenItReturns) {
  Conf s;
  s.delivery["max_attempts"] = "100";
  const std::map<std::string, std::string> flaky = {
      {"mode", "fail_until_marker"}, {"marker", "{{DIR}}/flaky.ok"}, {"retry_after_ms", "200"}};
  s.file_sink("files").test_sink("flaky", flaky).route("ACTOR.RUN.SUCCEEDED", "files, flaky");
  start(s);
  const RunInfo run = add_run();
  fake_.add_dataset(run.dataset_id, {"{\"k\":1}"});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "files", "done"));
  ASSERT_TRUE(wait_until([&] { return attempts_of(run, "flaky") >= 1; }, seconds(10)));

  Conf without;
  without.delivery = s.delivery;
  without.file_sink("files").route("ACTOR.RUN.SUCCEEDED", "files");
  const std::string said = reload(without);
  EXPECT_NE(said.find("sinks removed: flaky (their queued deliveries wait for them)"), std::string::npos) << said;
  ASSERT_TRUE(reaches(run.run_id, "flaky", "retrying"));  // an attempt in flight ends as it would have
  write_file(dir() + "/flaky.ok", "");  // it would succeed now, if anything called it
  const int attempts = attempts_of(run, "flaky");
  std::this_thread::sleep_for(scaled(milliseconds(1000)));
  EXPECT_EQ(attempts_of(run, "flaky"), attempts) << "a removed sink's delivery was attempted";
  EXPECT_EQ(state_of(run.run_id, "flaky"), "retrying");

  const auto st = cli({"status", "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  auto gone = parse_json(st.out).extract<Poco::JSON::Object::Ptr>()->getArray("unconfigured_sinks");
  ASSERT_EQ(gone->size(), 1u) << st.out;
  EXPECT_EQ(gone->getObject(0)->getValue<std::string>("sink"), "flaky");
  EXPECT_EQ(gone->getObject(0)->getValue<int>("queued"), 1);
  EXPECT_NE(cli({"status"}).out.find("sink flaky is not in the running config: 1 delivery waits for it"),
            std::string::npos);
  const auto ds = cli({"deliveries", "--json", "--run", run.run_id});
  ASSERT_EQ(ds.exit_code, 0) << ds.err;
  auto rows = parse_json(ds.out).extract<Poco::JSON::Array::Ptr>();
  ASSERT_EQ(rows->size(), 2u) << ds.out;
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const auto row = rows->getObject(static_cast<unsigned>(i));
    EXPECT_EQ(row->has("waiting_for_sink"), row->getValue<std::string>("sink") == "flaky") << ds.out;
  }
  EXPECT_NE(cli({"deliveries", "--run", run.run_id}).out.find("waiting for its sink"), std::string::npos);

  EXPECT_NE(reload(s).find("sinks added: flaky"), std::string::npos);
  ASSERT_TRUE(reaches(run.run_id, "flaky", "done"));
  const auto after = cli({"status", "--json"});
  EXPECT_EQ(parse_json(after.out).extract<Poco::JSON::Object::Ptr>()->getArray("unconfigured_sinks")->size(), 0u)
      << after.out;
}

// plugins.dirs is scanned again by every reload: a plugin copied into one is loaded when a
// reload names it; before that, a reload that names it is refused at the sink's line.
// A plugin directory the daemon trusts: under the build tree (every directory from / down is
// root's or ours), not under /tmp, which is sticky and world-writable (plugin/trust.hpp).
struct TrustedDir {
  std::filesystem::path dir = std::filesystem::path(test_plugin_dir()).parent_path() /
                              ("reload-dropins-" + std::to_string(::getpid()));
  TrustedDir() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directory(dir);
    std::filesystem::permissions(dir, std::filesystem::perms(0755));
  }
  ~TrustedDir() { std::filesystem::remove_all(dir); }
  std::string path() const { return dir.string(); }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

TEST_F(DeliveryReload, LoadsAPluginDroppedIntoAPluginDirectory) {
  TrustedDir dropins;
  Conf s;
  s.test_plugins = false;
  s.plugin_dirs = {dropins.path()};
  s.file_sink("files").route("ACTOR.RUN.SUCCEEDED", "files");
  start(s);

  Conf with_new = s;
  with_new.test_sink("dropped");
  with_new.routes = {};
  with_new.route("ACTOR.RUN.SUCCEEDED", "files, dropped");
  std::string said = reload(with_new);
  EXPECT_NE(said.find("sinks.dropped.plugin: "), std::string::npos) << said;
  EXPECT_NE(said.find("reload refused: a new or changed sink cannot be set up"), std::string::npos) << said;

  std::filesystem::copy_file(std::string(test_plugin_dir()) + "/delivery-test.so", dropins.file("delivery-test.so"));
  said = reload(with_new);
  EXPECT_NE(said.find("plugins: loaded 'delivery-test' 0.0.1"), std::string::npos) << said;
  EXPECT_NE(said.find("reload applied: sinks added: dropped; plugins loaded: delivery-test 0.0.1"), std::string::npos)
      << said;
  const RunInfo run = add_run();
  fake_.add_dataset(run.dataset_id, {"{\"x\":1}"});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "dropped", "done"));
  EXPECT_EQ(calls("dropped").size(), 1u);
}

}  // namespace
}  // namespace sinkhub::dt
