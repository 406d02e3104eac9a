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

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "plugin/host.hpp"

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
      {"fake_dup.so", "duplicate plugin id 'fake' (already provided by " GOOD_DIR "/fake.so)"},
      {"fake_missing_dep.so", "libghost.so: cannot open shared object file"},
      {"fake_bad_schema.so", "options_schema_json is not a JSON Schema object"},
  };
  for (const auto& [file, why] : expected) {
    ASSERT_TRUE(e.count(file)) << file;
    EXPECT_NE(e.at(file).find(why), std::string::npos) << file << ": " << e.at(file);
  }
  // The good plugin keeps its id; the refused duplicate does not replace it.
  ASSERT_NE(r.find("fake"), nullptr);
  EXPECT_EQ(r.find("fake")->path, std::string(GOOD_DIR) + "/fake.so");
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

class UnsafeDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("plugins-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy_file(fs::path(GOOD_DIR) / "fake.so", dir_ / "fake.so");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(UnsafeDir, AWorldWritableDirectoryIsRefused) {
  ::chmod(dir_.c_str(), 0777);
  Registry r;
  r.scan({dir_.string()});
  ASSERT_EQ(r.dir_errors().size(), 1u);
  EXPECT_NE(r.dir_errors()[0].find("writable by group or others"), std::string::npos) << r.dir_errors()[0];
  EXPECT_EQ(r.find("fake"), nullptr);
}

TEST_F(UnsafeDir, AGroupWritablePluginFileIsRefused) {
  ::chmod(dir_.c_str(), 0755);
  ::chmod((dir_ / "fake.so").c_str(), 0664);
  Registry r;
  r.scan({dir_.string()});
  ASSERT_EQ(r.plugins().size(), 1u);
  EXPECT_NE(r.plugins()[0].error.find("plugin file"), std::string::npos) << r.plugins()[0].error;
  EXPECT_EQ(r.find("fake"), nullptr);
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

struct Run {
  int exit_code;
  std::string output;
};

Run run(const std::string& args) {
  const std::string cmd = std::string(SINKHUB_BINARY) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (p && std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  const int status = p ? ::pclose(p) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

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
  EXPECT_NE(json.output.find("\"options_schema\": {"), std::string::npos) << json.output;
  EXPECT_NE(json.output.find("ABI major mismatch"), std::string::npos) << json.output;
  const auto good = write_config("host-good.yaml", std::string("plugins: {dirs: [") + GOOD_DIR + "]}\n");
  const auto table = run("plugins --config " + good);
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("fake  0.0.1  ABI 1." + kMinor + "  " GOOD_DIR "/fake.so"), std::string::npos) << table.output;
  // Each option with its type, default and description, as the schema says (a C plugin's too).
  EXPECT_NE(table.output.find("    options:\n      mode (string, default \"ok\"): what the fake does\n      url (string)\n"),
            std::string::npos)
      << table.output;
}

}  // namespace
}  // namespace sinkhub::plugin
