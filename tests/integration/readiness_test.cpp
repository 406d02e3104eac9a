// Issue 15 item 11: /readyz means "a webhook would be recorded now". The daemon runs with its
// ledger on a small filesystem of its own (a tmpfs in a user and mount namespace, so no
// privileges are needed); the test fills that filesystem from outside through /proc/PID/root.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "integration.hpp"

namespace sinkhub::it {
namespace {

bool namespaces_available() { return std::system("unshare -Urm true >/dev/null 2>&1") == 0; }

class FullDisk : public DaemonTest {
 protected:
  std::string config() override {
    std::string c = stock_yaml();
    const std::string from = "{{DIR}}/ledger.db";
    c.replace(c.find(from), from.size(), "{{DIR}}/disk/ledger.db");
    return c;
  }
  Daemon::Options options() override {
    Daemon::Options o;
    o.launcher = {"/usr/bin/unshare", "-Urm", "/bin/sh", "-c",
                  "mount -t tmpfs -o size=8m sinkhub-test {{DIR}}/disk && exec \"$@\"", "sh"};
    return o;
  }
  void SetUp() override {
    if (!namespaces_available()) GTEST_SKIP() << "no unprivileged user namespaces (unshare -Urm) on this host";
    daemon_ = std::make_unique<Daemon>(config(), options());
    ::mkdir((daemon_->dir() + "/disk").c_str(), 0700);
    daemon_->start();
  }
  // The daemon's view of its data directory.
  std::string disk() const { return "/proc/" + std::to_string(daemon_->pid()) + "/root" + daemon_->dir() + "/disk"; }
  // Writes until the filesystem is full; returns how much was written.
  std::size_t fill() {
    std::ofstream out(disk() + "/filler", std::ios::binary);
    const std::string block(64 * 1024, 'f');
    std::size_t written = 0;
    while (written < (64u << 20) && out.write(block.data(), static_cast<std::streamsize>(block.size())).good() &&
           out.flush().good())
      written += block.size();
    return written;
  }
};

TEST_F(FullDisk, ReadyzIs503WhileAWebhookCouldNotBeRecordedAndReadyAgainOnceOneIs) {
  ASSERT_EQ(daemon().get("/readyz").status, 200) << daemon().log();
  ASSERT_EQ(daemon().post_webhook(compact_payload(new_run())).json_string("status"), "accepted");
  ASSERT_GT(fill(), 0u);

  // Before any webhook fails: the free space alone says a 1 MiB webhook would not fit. (On a
  // loaded machine the first webhook's delivery may already have failed a write on the full
  // disk: then the ledger's own refusal is the reason; either way not ready.)
  HttpResponse ready = daemon().get("/readyz");
  EXPECT_TRUE(IsJsonError(ready, 503));
  const std::string why = ready.json_string("error");
  EXPECT_TRUE(why.find("bytes free") != std::string::npos || why.find("does not commit") != std::string::npos)
      << ready.body;

  // A webhook cannot be recorded: 503 (Apify retries), never 200, and /readyz says why.
  const std::string body = compact_payload(new_run()) + std::string(200000, ' ');
  EXPECT_TRUE(IsJsonError(daemon().post_webhook(body), 503));
  ready = daemon().get("/readyz");
  EXPECT_TRUE(IsJsonError(ready, 503));
  EXPECT_EQ(daemon().get("/healthz").status, 200) << "alive, just not ready";

  // Space again: the retried webhook is recorded, and the daemon is ready.
  ASSERT_EQ(std::remove((disk() + "/filler").c_str()), 0);
  EXPECT_EQ(daemon().post_webhook(body).json_string("status"), "accepted");
  EXPECT_EQ(daemon().get("/readyz").status, 200) << daemon().get("/readyz").body;
}

}  // namespace
}  // namespace sinkhub::it
