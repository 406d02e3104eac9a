// The plugin host, specified against fake plugins: what it refuses (and how it says so),
// and how it turns whatever a plugin answers into the four documented outcomes.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "observe/metrics.hpp"
#include "plugin/host.hpp"
#include "plugin/trust.hpp"

namespace sinkhub::plugin {
namespace {

namespace fs = std::filesystem;
// The host's ABI minor as messages and `sinkhub plugins` print it ("1." + kMinor).
const std::string kMinor = std::to_string(SINKHUB_ABI_VERSION_MINOR);

std::map<std::string, std::string> errors_by_file(const Registry& r) {
  std::map<std::string, std::string> out;
  for (const auto& p : r.plugins()) out[fs::path(p.path).filename().string()] = p.error;
  return out;
}

// The sinkhub CLI, run as `command` (the binary, possibly behind setpriv): exit code and output.
struct Run {
  int exit_code;
  std::string output;
};

Run run_as(const std::string& command, const std::string& args) {
  const std::string cmd = command + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (p && std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  const int status = p ? ::pclose(p) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

Run run(const std::string& args) { return run_as(SINKHUB_BINARY, args); }

TEST(Registry, LoadsWellFormedCAndCppPlugins) {
  Registry r;
  r.scan({GOOD_DIR});
  const PluginInfo* fake = r.find("fake");
  ASSERT_NE(fake, nullptr);
  EXPECT_EQ(fake->version, "0.0.1");
  EXPECT_EQ(fake->desc.abi_major, 1u);
  EXPECT_NE(fake->schema.find("\"mode\""), std::string::npos);
  ASSERT_NE(r.find("thrower"), nullptr);
  EXPECT_TRUE(r.dir_errors().empty());
}

TEST(Registry, EveryBrokenPluginIsRefusedWithItsReason) {
  Registry r;
  r.scan({GOOD_DIR, BAD_DIR});
  const auto e = errors_by_file(r);
  const std::map<std::string, std::string> expected = {
      {"fake_no_entry.so", "not a sinkhub plugin: no sinkhub_plugin_entry_v1 symbol"},
      {"fake_major2.so", "ABI major mismatch: plugin built for ABI 2.x, this sinkhub speaks 1." + kMinor},
      {"fake_newer.so", "needs a newer sinkhub: plugin requires host ABI 1.99"},
      {"fake_small.so", "descriptor struct too small: 16 bytes"},
      {"fake_no_deliver.so", "required callback missing: deliver"},
      {"fake_decline.so", "plugin declined host ABI 1." + kMinor},
      {"fake_dup.so", "duplicate plugin id 'fake' (in " GOOD_DIR "/fake.so and " BAD_DIR "/fake_dup.so)"},
      {"fake_missing_dep.so", "libghost.so: cannot open shared object file"},
      {"fake_bad_schema.so", "options_schema_json refused: top level: a schema must be a JSON object"},
      {"fake_pattern_schema.so", "options_schema_json refused: option 'url': unsupported keyword 'pattern' (sinkhub "
                                 "checks type, properties, "},
  };
  for (const auto& [file, why] : expected) {
    ASSERT_TRUE(e.count(file)) << file;
    EXPECT_NE(e.at(file).find(why), std::string::npos) << file << ": " << e.at(file);
  }
  // Neither copy of a duplicated id is used: which one a sink got would depend on the order.
  EXPECT_EQ(r.find("fake"), nullptr);
  EXPECT_EQ(e.at("fake.so"), e.at("fake_dup.so"));
  EXPECT_NE(r.why_missing("nodeliver").find("no usable plugin with id 'nodeliver'"), std::string::npos);
}

TEST(Registry, AFileReachedTwiceIsLoadedOnce) {
  Registry r;
  r.scan({GOOD_DIR, std::string(GOOD_DIR) + "/", std::string(GOOD_DIR) + "/../good"});
  EXPECT_EQ(r.plugins().size(), 2u);
  EXPECT_TRUE(r.dir_errors().empty());
}

TEST(Registry, PluginBuiltAgainstTheFrozen10HeaderStillLoads) {
  Registry r;
  r.scan({OLD_DIR});
  ASSERT_NE(r.find("oldminor"), nullptr) << (r.plugins().empty() ? "" : r.plugins()[0].error);
  // Built against the frozen 1.0 header, loaded by a newer (1.1+) host.
  EXPECT_EQ(r.find("oldminor")->desc.abi_minor, 0u);
  EXPECT_GT(SINKHUB_ABI_VERSION_MINOR, 0);
}

// ---------------------------------------------------------------------------------------
// Trust: code is loaded only from paths that nobody but root or sinkhub's own user can
// change. Each test builds a real tree under the build directory (trusted itself: every
// directory from / down to it is root's or ours; ::testing::TempDir() is /tmp, sticky and
// world-writable, so it is not).

class Trust : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    base_ = fs::path(TRUST_BASE) / (std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_);
    ::chmod(base_.c_str(), 0755);
    const auto chain = check_trusted(base_.string(), "test base", true);
    if (!chain.ok()) GTEST_SKIP() << "the build tree is not a trusted place for plugins: " << chain.problem;
  }
  void TearDown() override { fs::remove_all(base_); }

  // base/rel, created with exactly `mode` (the umask would narrow it).
  fs::path dir(const std::string& rel, mode_t mode = 0755) {
    const fs::path d = base_ / rel;
    fs::create_directories(d);
    ::chmod(d.c_str(), mode);
    return d;
  }
  // A copy of the well-behaved fake plugin in `d`, mode 0644.
  fs::path plugin_in(const fs::path& d, const std::string& name = "fake.so") {
    fs::copy_file(fs::path(GOOD_DIR) / "fake.so", d / name, fs::copy_options::overwrite_existing);
    ::chmod((d / name).c_str(), 0644);
    return d / name;
  }
  static Registry scan(const std::vector<std::string>& dirs) {
    Registry r;
    r.scan(dirs);
    return r;
  }
  // The one refusal of a scan (a directory's or a file's).
  static std::string refusal(const Registry& r) {
    std::vector<std::string> all = r.dir_errors();
    for (const auto& p : r.plugins())
      if (!p.ok()) all.push_back(p.error);
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? "" : all[0];
  }

  fs::path base_;
};

TEST_F(Trust, APrivateTreeIsLoaded) {
  const auto plugins = dir("srv/plugins");
  plugin_in(plugins);
  const auto r = scan({plugins.string()});
  ASSERT_NE(r.find("fake"), nullptr) << refusal(r);
  EXPECT_EQ(r.find("fake")->path, (plugins / "fake.so").string());
}

TEST_F(Trust, AWorldWritableDirectoryIsRefused) {
  const auto plugins = dir("plugins", 0777);
  plugin_in(plugins);
  const auto r = scan({plugins.string()});
  EXPECT_EQ(r.find("fake"), nullptr);
  EXPECT_EQ(refusal(r), "plugin directory " + plugins.string() +
                            " is writable by group or others (mode 0777): chmod go-w it, or keep plugins elsewhere");
  ASSERT_EQ(r.refused_dirs().size(), 1u);
  EXPECT_EQ(r.refused_dirs()[0].dir, plugins.string());
}

TEST_F(Trust, ADirectoryInsideAWorldWritableParentIsRefused) {
  const auto open = dir("open", 0777);
  const auto plugins = dir("open/plugins", 0755);
  plugin_in(plugins);
  const auto r = scan({plugins.string()});
  EXPECT_EQ(r.find("fake"), nullptr);
  EXPECT_EQ(refusal(r), "plugin directory " + plugins.string() + ": " + open.string() +
                            " is writable by group or others (mode 0777): chmod go-w it, or keep plugins elsewhere");
}

TEST_F(Trust, AStickyParentLikeTmpIsNotTrustedEither) {
  const auto tmp = dir("tmp", 01777);
  const auto plugins = dir("tmp/plugins", 0755);
  plugin_in(plugins);
  const auto r = scan({plugins.string()});
  EXPECT_EQ(r.find("fake"), nullptr);
  EXPECT_NE(refusal(r).find(tmp.string() + " is writable by group or others (mode 1777); a sticky directory such as "
                                           "/tmp is not trusted either"),
            std::string::npos)
      << refusal(r);
}

TEST_F(Trust, ASymlinkedDirectoryIsJudgedWhereItLeads) {
  dir("open", 0777);
  const auto target = dir("open/plugins", 0755);
  plugin_in(target);
  const auto safe = dir("safe");
  fs::create_directory_symlink(target, safe / "plugins");
  const auto r = scan({(safe / "plugins").string()});
  EXPECT_EQ(r.find("fake"), nullptr);
  EXPECT_NE(refusal(r).find(": " + (base_ / "open").string() + " is writable by group or others"), std::string::npos)
      << refusal(r);
}

TEST_F(Trust, ASymlinkInAWorldWritableDirectoryIsRefusedWhereverItLeads) {
  // The link leads to a private directory, but anyone could point it elsewhere tomorrow.
  const auto safe = dir("safe/plugins");
  plugin_in(safe);
  const auto open = dir("open", 0777);
  fs::create_directory_symlink(safe, open / "plugins");
  const auto r = scan({(open / "plugins").string()});
  EXPECT_EQ(r.find("fake"), nullptr);
  EXPECT_NE(refusal(r).find(": " + open.string() + " is writable by group or others"), std::string::npos) << refusal(r);
}

TEST_F(Trust, ASymlinkedPluginFileIsJudgedWhereItLeads) {
  const auto plugins = dir("plugins");
  const auto open = dir("open", 0777);
  fs::create_symlink(plugin_in(open), plugins / "fake.so");
  const auto r = scan({plugins.string()});
  EXPECT_EQ(r.find("fake"), nullptr);
  EXPECT_EQ(refusal(r).rfind("plugin file " + (plugins / "fake.so").string() + ": " + open.string() +
                                 " is writable by group or others",
                             0),
            0u)
      << refusal(r);
  // The same link into a private directory is fine.
  const auto store = dir("store");
  fs::remove(plugins / "fake.so");
  fs::create_symlink(plugin_in(store), plugins / "fake.so");
  const auto ok = scan({plugins.string()});
  ASSERT_NE(ok.find("fake"), nullptr) << refusal(ok);
  EXPECT_EQ(ok.find("fake")->path, (store / "fake.so").string());
}

TEST_F(Trust, AGroupWritablePluginFileIsRefused) {
  const auto plugins = dir("plugins");
  ::chmod(plugin_in(plugins).c_str(), 0664);
  const auto r = scan({plugins.string()});
  EXPECT_EQ(r.find("fake"), nullptr);
  EXPECT_EQ(refusal(r), "plugin file " + (plugins / "fake.so").string() +
                            " is writable by group or others (mode 0664): chmod go-w it, or keep plugins elsewhere");
}

TEST_F(Trust, SomeoneElsesDirectoryOrFileIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give files away (CI runs as root)";
  const auto theirs = dir("theirs");
  const auto plugins = dir("theirs/plugins");
  plugin_in(plugins);
  ASSERT_EQ(::chown(theirs.c_str(), 12345, 12345), 0);
  auto r = scan({plugins.string()});
  EXPECT_EQ(refusal(r), "plugin directory " + plugins.string() + ": " + theirs.string() +
                            " is owned by uid 12345, neither root nor the user sinkhub runs as (uid 0)");
  ASSERT_EQ(::chown(theirs.c_str(), 0, 0), 0);
  ASSERT_EQ(::chown((plugins / "fake.so").c_str(), 12345, 12345), 0);
  r = scan({plugins.string()});
  EXPECT_NE(refusal(r).find("plugin file " + (plugins / "fake.so").string() + " is owned by uid 12345"),
            std::string::npos)
      << refusal(r);
}

TEST_F(Trust, ADuplicateIdRefusesEveryCopyAndNamesThemAll) {
  const auto a = dir("a"), b = dir("b");
  plugin_in(a);
  plugin_in(b, "other-name.so");
  const auto r = scan({a.string(), b.string()});
  EXPECT_EQ(r.find("fake"), nullptr);
  ASSERT_EQ(r.plugins().size(), 2u);
  const std::string why = "duplicate plugin id 'fake' (in " + (a / "fake.so").string() + " and " +
                          (b / "other-name.so").string() + "): every copy is refused until only one remains";
  EXPECT_EQ(r.plugins()[0].error, why);
  EXPECT_EQ(r.plugins()[1].error, why);
  EXPECT_EQ(r.why_missing("fake"), "no usable plugin with id 'fake' in plugins.dirs (" + why + ")");
  // One file reached through two directories is one copy, not a duplicate.
  fs::create_directory_symlink(a, base_ / "a-again");
  const auto once = scan({a.string(), (base_ / "a-again").string()});
  EXPECT_NE(once.find("fake"), nullptr);
}

// sinkhub usually runs as its own user: what it owns is as trusted as what root owns, and
// what a third user owns is not. Runs the CLI as uid 65534 (needs root and setpriv).
TEST_F(Trust, TheDaemonsOwnUserIsTrustedAndOthersAreNot) {
  if (::geteuid() != 0 || ::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "needs root and setpriv";
  const auto mine = dir("mine"), theirs = dir("theirs");
  plugin_in(mine);
  plugin_in(theirs, "other.so");
  ASSERT_EQ(::chown(mine.c_str(), 65534, 65534), 0);
  ASSERT_EQ(::chown((mine / "fake.so").c_str(), 65534, 65534), 0);
  ASSERT_EQ(::chown(theirs.c_str(), 12345, 12345), 0);
  const std::string as_nobody = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups " SINKHUB_BINARY;
  const auto ok = run_as(as_nobody, "plugins --dir " + mine.string());
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("fake  0.0.1"), std::string::npos) << ok.output;
  const auto refused = run_as(as_nobody, "plugins --dir " + theirs.string());
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find(theirs.string() + " is owned by uid 12345, neither root nor the user sinkhub runs as "
                                                  "(uid 65534)"),
            std::string::npos)
      << refused.output;
}

TEST(Registry, MissingDirectoryIsReported) {
  Registry r;
  r.scan({"/nonexistent/sinkhub-plugins"});
  ASSERT_EQ(r.dir_errors().size(), 1u);
  EXPECT_NE(r.dir_errors()[0].find("/nonexistent/sinkhub-plugins"), std::string::npos);
}

// ---------------------------------------------------------------------------------------

const Registry& registry() {
  static Registry r = [] {
    Registry reg;
    reg.scan({GOOD_DIR});
    return reg;
  }();
  return r;
}

std::unique_ptr<Instance> make(const std::string& plugin, const std::string& options, CallResult* err = nullptr) {
  CallResult e;
  auto inst = Instance::create(*registry().find(plugin), "t", options, "", false, e);
  if (err) *err = e;
  if (inst) {
    EXPECT_TRUE(inst->open(1000).ok());
  }
  return inst;
}

Batch items(int n) {
  Batch b;
  for (int i = 0; i < n; ++i) {
    const std::string item = R"({"i":)" + std::to_string(i) + "}";
    b.add(item.data(), item.size());
  }
  return b;
}

DeliveryContext context(int64_t timeout_ms = 5000) {
  DeliveryContext c;
  c.delivery_id = "d1";
  c.event_type = "ACTOR.RUN.SUCCEEDED";
  c.run_id = "r1";
  c.flags = SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH;
  c.timeout_ms = timeout_ms;
  return c;
}

CallResult deliver(const std::string& mode, int n = 3) {
  auto inst = make("fake", R"({"mode":")" + mode + "\"}");
  return inst->deliver(context(), items(n));
}

TEST(Instance, OkAcceptsTheWholeBatch) {
  const auto r = deliver("ok");
  EXPECT_EQ(r.code, SINKHUB_OK);
  EXPECT_EQ(r.items_accepted, 3u);
  EXPECT_EQ(r.message, "d1 got 3 items at 0 attempt 1");
}

// Prometheus names counters *_total: a plugin's counter is exported with the suffix whether or
// not its name has it (fake_items_total and fake_calls), and never with it twice.
TEST(Instance, PluginCountersAreExportedWithTheTotalSuffix) {
  auto inst = make("fake", R"({"mode":"ok"})");
  ASSERT_EQ(inst->deliver(context(), items(4)).code, SINKHUB_OK);
  const std::string text = observe::Metrics::instance().prometheus_text();
  EXPECT_NE(text.find("# TYPE sinkhub_plugin_fake_items_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE sinkhub_plugin_fake_calls_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("sinkhub_plugin_fake_calls_total{plugin=\"fake\",instance=\"t\"}"), std::string::npos) << text;
  EXPECT_EQ(text.find("_total_total"), std::string::npos) << text;
  EXPECT_EQ(text.find("sinkhub_plugin_fake_calls{"), std::string::npos) << text;
}

TEST(Instance, RetryCarriesRetryAfterAndPartialProgress) {
  const auto r = deliver("retry");
  EXPECT_EQ(r.code, SINKHUB_RETRY);
  EXPECT_EQ(r.retry_after_ms, 1500);
  EXPECT_EQ(r.items_accepted, 1u);
  EXPECT_EQ(r.message, "destination busy");
}

TEST(Instance, RejectAndFatalKeepTheirMessages) {
  const auto rej = deliver("reject");
  EXPECT_EQ(rej.code, SINKHUB_REJECT);
  EXPECT_EQ(rej.dest_status, 400);
  EXPECT_EQ(rej.items_accepted, 0u);
  EXPECT_EQ(rej.message, "destination says the data is invalid");
  const auto fatal = deliver("fatal");
  EXPECT_EQ(fatal.code, SINKHUB_FATAL);
  EXPECT_EQ(fatal.message, "credentials revoked");
}

TEST(Instance, PluginBugsAreContained) {
  EXPECT_EQ(deliver("bogus").code, SINKHUB_RETRY);    // unknown result code
  const auto partial = deliver("partial");  // short OK without SINKHUB_CAP_PARTIAL: honoured (and logged)
  EXPECT_EQ(partial.code, SINKHUB_OK);
  EXPECT_EQ(partial.items_accepted, 1u);
  const auto over = deliver("overclaim");             // more accepted than delivered
  EXPECT_EQ(over.code, SINKHUB_OK);
  EXPECT_EQ(over.items_accepted, 3u);
  const auto longmsg = deliver("long_message");  // fills the buffer, no terminator
  EXPECT_EQ(longmsg.code, SINKHUB_REJECT);
  EXPECT_EQ(longmsg.message.size(), 4095u);
  EXPECT_EQ(longmsg.message.find_first_not_of('x'), std::string::npos);
}

// ABI 1.3: a RETRY flagged BUSY waits for the sink's turn without spending an attempt, so the
// host takes it only from a call that changed nothing. Accepting items or rewinding with it is
// a plugin bug and stays a plain RETRY (which counts); with any other code it means nothing.
TEST(Instance, BusyIsTakenOnlyFromARetryThatChangedNothing) {
  const auto busy = deliver("busy");
  EXPECT_EQ(busy.code, SINKHUB_RETRY) << busy.message;
  EXPECT_TRUE(busy.busy);
  EXPECT_EQ(busy.items_accepted, 0u);
  EXPECT_EQ(busy.retry_after_ms, 250);
  EXPECT_EQ(busy.message, "tab 'Leads' is being written by another delivery");

  const auto accepting = deliver("busy_accepting");
  EXPECT_EQ(accepting.code, SINKHUB_RETRY);
  EXPECT_FALSE(accepting.busy);
  EXPECT_EQ(accepting.items_accepted, 1u);

  const auto rewinding = deliver("busy_rewinding");
  EXPECT_EQ(rewinding.code, SINKHUB_RETRY);
  EXPECT_FALSE(rewinding.busy);
  ASSERT_TRUE(rewinding.resume_from.has_value()) << rewinding.message;
  EXPECT_EQ(*rewinding.resume_from, 0u);

  const auto rejecting = deliver("busy_reject");
  EXPECT_EQ(rejecting.code, SINKHUB_REJECT);
  EXPECT_FALSE(rejecting.busy);

  EXPECT_FALSE(deliver("retry").busy);
}

TEST(Instance, EventOnlyCallHasAnEmptyBatch) {
  auto inst = make("fake", R"({"mode":"ok"})");
  auto c = context();
  c.flags |= SINKHUB_CTX_EVENT_ONLY;
  const auto r = inst->deliver(c, Batch{});
  EXPECT_EQ(r.code, SINKHUB_OK);
  EXPECT_EQ(r.message, "d1 got 0 items at 0 attempt 1");
}

TEST(Instance, CheckpointComesBackAndTheStagedOneIsReturned) {
  auto inst = make("fake", R"({"mode":"checkpoint"})");
  auto c = context();
  c.item_offset = 10;
  c.checkpoint = "prev";
  const auto r = inst->deliver(c, items(3));
  ASSERT_TRUE(r.checkpoint.has_value());
  EXPECT_EQ(*r.checkpoint, "cp-13-prev");
  EXPECT_FALSE(make("fake", R"({"mode":"ok"})")->deliver(context(), items(1)).checkpoint.has_value());
}

TEST(Instance, DeadlineOverrunIsFlagged) {
  auto inst = make("fake", R"({"mode":"overrun"})");
  const auto r = inst->deliver(context(100), items(1));
  EXPECT_EQ(r.code, SINKHUB_OK);
  EXPECT_TRUE(r.overran_deadline);
}

TEST(Instance, CancellationReachesTheRunningCall) {
  auto inst = make("fake", R"({"mode":"wait_cancel"})");
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    inst->cancel_all();
  });
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = inst->deliver(context(60000), items(1));
  canceller.join();
  EXPECT_EQ(r.code, SINKHUB_RETRY);
  EXPECT_EQ(r.message, "stopped on cancel");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  // The deadline alone also makes call_cancelled true.
  EXPECT_EQ(inst->deliver(context(200), items(1)).message, "stopped on cancel");
}

TEST(Instance, RestartGivesAFreshInstanceWithTheSameOptions) {
  auto inst = make("fake", R"({"mode":"ok"})");
  ASSERT_EQ(inst->deliver(context(), items(2)).code, SINKHUB_OK);
  ASSERT_TRUE(inst->restart(1000).ok());
  const auto r = inst->deliver(context(), items(3));
  EXPECT_EQ(r.code, SINKHUB_OK);
  EXPECT_EQ(r.message, "d1 got 3 items at 0 attempt 1");
}

TEST(Instance, CreateCanRejectOptions) {
  CallResult err;
  EXPECT_EQ(make("fake", R"({"mode":"reject_create"})", &err), nullptr);
  EXPECT_EQ(err.code, SINKHUB_REJECT);
  EXPECT_EQ(err.message, "option 'mode': reject_create asked for it");
}

TEST(Instance, CreateMayNotTouchTheNetwork) {
  auto inst = make("fake", R"({"mode":"http_in_create"})");
  EXPECT_EQ(inst->deliver(context(), items(1)).message, "create http rc=" + std::to_string(SINKHUB_E_STATE));
}

TEST(Instance, CppExceptionsNeverCrossTheBoundary) {
  auto inst = make("thrower", "{}");
  const auto one = inst->deliver(context(), items(1));
  EXPECT_EQ(one.code, SINKHUB_RETRY);
  EXPECT_EQ(one.retry_after_ms, 250);
  EXPECT_EQ(one.message, "try later");
  const auto two = inst->deliver(context(), items(2));
  EXPECT_EQ(two.code, SINKHUB_REJECT);
  EXPECT_EQ(two.message, "bad rows");
  const auto three = inst->deliver(context(), items(3));
  EXPECT_EQ(three.code, SINKHUB_FATAL);
  EXPECT_EQ(three.message, "unhandled exception: boom");
  CallResult err;
  EXPECT_EQ(make("thrower", R"({"bad":true})", &err), nullptr);
  EXPECT_EQ(err.code, SINKHUB_REJECT);
  EXPECT_EQ(err.message, "option 'bad' is bad");
}

// ---------------------------------------------------------------------------------------
// The HTTP service, against a loopback server that behaves like a rate-limited API.

class Pong final : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    std::string body(std::istreambuf_iterator<char>(req.stream()), {});
    if (req.getURI() == "/busy") {
      resp.setStatus(Poco::Net::HTTPResponse::HTTP_TOO_MANY_REQUESTS);
      resp.set("Retry-After", "3");
      resp.send() << "slow down";
      return;
    }
    if (req.getURI() == "/redirect") {
      resp.redirect("/pong");
      return;
    }
    if (req.getURI() == "/cut") {  // Content-Length says 100, ten bytes come, the server closes
      resp.setStatus(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
      resp.setContentLength(100);
      resp.setKeepAlive(false);
      resp.send() << "{\"error\":";
      return;
    }
    resp.send() << "pong:" << body.size();
  }
};

class PongFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override { return new Pong; }
};

TEST(HttpService, PluginsReachServersThroughTheHost) {
  Poco::Net::ServerSocket sock(Poco::Net::SocketAddress("127.0.0.1", 0));
  Poco::Net::HTTPServer server(new PongFactory, sock, new Poco::Net::HTTPServerParams);
  server.start();
  const std::string base = "http://127.0.0.1:" + std::to_string(sock.address().port());

  const auto ok = make("fake", R"({"mode":"http","url":")" + base + R"(/pong"})")->deliver(context(), items(2));
  EXPECT_EQ(ok.code, SINKHUB_OK) << ok.message;
  EXPECT_EQ(ok.message, "rc=0 status=200 retry_after=-1 body=pong:16");  // two items of 7 bytes + '\n'

  const auto busy = make("fake", R"({"mode":"http","url":")" + base + R"(/busy"})")->deliver(context(), items(1));
  EXPECT_EQ(busy.code, SINKHUB_RETRY);
  EXPECT_EQ(busy.message, "rc=0 status=429 retry_after=3000 body=slow down");

  // A body cut short is a lost connection, not a 400 with half an error in it.
  const auto cut = make("fake", R"({"mode":"http","url":")" + base + R"(/cut"})")->deliver(context(), items(1));
  EXPECT_EQ(cut.code, SINKHUB_RETRY);
  EXPECT_EQ(cut.message.rfind("rc=" + std::to_string(SINKHUB_E_HTTP_IO) + " ", 0), 0u) << cut.message;

  // Redirects are followed only when the request asks for it.
  const auto redir = make("fake", R"({"mode":"http","url":")" + base + R"(/redirect"})")->deliver(context(), items(1));
  EXPECT_NE(redir.message.find("status=302"), std::string::npos) << redir.message;
  server.stopAll(true);  // also drops the kept-alive connection the host reuses
  sock.close();          // and nothing listens on the port any more
  // Let the aborted connection threads finish, so nothing of theirs is alive at exit (their
  // session buffers come from a static pool: LeakSanitizer would report them).
  Poco::ThreadPool::defaultPool().joinAll();

  // Nobody listens any more: a transport error, not a status.
  const auto refused = make("fake", R"({"mode":"http","url":")" + base + R"(/pong"})")->deliver(context(), items(1));
  EXPECT_EQ(refused.code, SINKHUB_RETRY);
  EXPECT_EQ(refused.message.rfind("rc=" + std::to_string(SINKHUB_E_HTTP_CONNECT) + " status=0", 0), 0u)
      << refused.message;
  const auto bad_url = make("fake", R"({"mode":"http","url":"ftp://example.com/"})")->deliver(context(), items(1));
  EXPECT_EQ(bad_url.message.rfind("rc=" + std::to_string(SINKHUB_E_HTTP_PROTOCOL), 0), 0u) << bad_url.message;
}

// ---------------------------------------------------------------------------------------
// The CLI around the host: check-config and `sinkhub plugins`.

std::string write_config(const std::string& name, const std::string& body) {
  const auto path = fs::path(::testing::TempDir()) / name;
  std::ofstream(path) << "auth: {secrets: [\"0123456789abcdef0123\"]}\n" << body;
  return path.string();
}

TEST(Cli, CheckConfigRunsThePluginsValidation) {
  const auto cfg = write_config("host-check.yaml", std::string("plugins: {dirs: [") + GOOD_DIR + "]}\n" +
                                                       "sinks:\n"
                                                       "  ok: {plugin: fake, mode: ok}\n"
                                                       "  refused: {plugin: fake, mode: reject_create}\n"
                                                       "  typo: {plugin: fake, mood: ok}\n"
                                                       "  absent: {plugin: kafka}\n");
  const auto r = run("check-config --config " + cfg);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(cfg + ":5: sinks.refused: plugin 'fake' rejected the options: option 'mode': "
                                "reject_create asked for it"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(cfg + ":6: unknown option sinks.typo.mood"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(cfg + ":7: sinks.absent.plugin: no usable plugin with id 'kafka'"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find(":4:"), std::string::npos) << r.output;  // the valid sink is fine
}

TEST(Cli, PluginsListsWhatWasFoundAndWhatWasRefused) {
  const auto cfg = write_config("host-list.yaml", std::string("plugins: {dirs: [") + GOOD_DIR + ", " + BAD_DIR + "]}\n");
  const auto json = run("plugins --json --config " + cfg);
  EXPECT_EQ(json.exit_code, 1);  // some files were refused
  EXPECT_NE(json.output.find("\"id\": \"fake\""), std::string::npos) << json.output;
  EXPECT_NE(json.output.find("\"abi\": \"1." + kMinor + "\""), std::string::npos) << json.output;
  EXPECT_NE(json.output.find("ABI major mismatch"), std::string::npos) << json.output;
  EXPECT_NE(json.output.find("\"error\": \"duplicate plugin id 'fake' (in " GOOD_DIR "/fake.so and " BAD_DIR "/fake_dup.so)"),
            std::string::npos)
      << json.output;
  const auto good = write_config("host-good.yaml", std::string("plugins: {dirs: [") + GOOD_DIR + "]}\n");
  EXPECT_NE(run("plugins --json --config " + good).output.find("\"options_schema\": {"), std::string::npos);
  const auto table = run("plugins --config " + good);
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("fake  0.0.1  ABI 1." + kMinor + "  " GOOD_DIR "/fake.so"), std::string::npos) << table.output;
  // Each option with its type, default and description, as the schema says (a C plugin's too).
  EXPECT_NE(table.output.find("    options:\n      mode (string, default \"ok\"): what the fake does\n      url (string)\n"),
            std::string::npos)
      << table.output;
}

// `sinkhub plugins --dir PATH`: one directory, no configuration file needed.
TEST(Cli, PluginsListsOneDirectoryWithoutAConfig) {
  const auto good = run(std::string("plugins --dir ") + GOOD_DIR);
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find("fake  0.0.1  ABI 1." + kMinor + "  " GOOD_DIR "/fake.so"), std::string::npos) << good.output;
  const auto bad = run(std::string("plugins --json --dir ") + BAD_DIR);
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("unsupported keyword 'pattern'"), std::string::npos) << bad.output;
  const auto missing = run("plugins --dir /nonexistent/plugins");
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("refused: plugin directory /nonexistent/plugins: /nonexistent cannot be read: No such "
                                "file or directory"),
            std::string::npos)
      << missing.output;
  const auto cfg = write_config("host-dir.yaml", std::string("plugins: {dirs: [") + GOOD_DIR + "]}\n");
  for (const std::string& args : std::vector<std::string>{"plugins", "plugins --dir", "plugins --dir " GOOD_DIR " --config " + cfg}) {
    const auto usage = run(args);
    EXPECT_EQ(usage.exit_code, 2) << args << ": " << usage.output;
  }
  EXPECT_NE(run("plugins").output.find("give either --config FILE or --dir PATH"), std::string::npos);
}

// check-config fails on a refused plugin directory or file, at the plugins.dirs line and with
// the reason, also when no sink names a plugin in it.
TEST_F(Trust, CheckConfigFailsOnARefusedDirectoryOrFileAndSaysWhy) {
  const auto plugins = dir("plugins"), open = dir("open", 0777);
  plugin_in(plugins);
  const auto cfg = write_config("trust-check.yaml", "plugins:\n  dirs: [" + plugins.string() + ", " + open.string() +
                                                        "]\nsinks:\n  a: {plugin: fake}\n");
  auto r = run("check-config --config " + cfg);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(cfg + ":3: plugins.dirs: plugin directory " + open.string() +
                          " is writable by group or others (mode 0777): chmod go-w it"),
            std::string::npos)
      << r.output;
  ::chmod(open.c_str(), 0755);
  ::chmod(plugin_in(open, "other.so").c_str(), 0666);
  r = run("check-config --config " + cfg);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(cfg + ":3: plugins.dirs: plugin file " + (open / "other.so").string() +
                          " is writable by group or others (mode 0666)"),
            std::string::npos)
      << r.output;
  fs::remove(open / "other.so");
  r = run("check-config --config " + cfg);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace sinkhub::plugin
