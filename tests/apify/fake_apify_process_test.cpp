// The fake_apify process: its command line seeds what a daemon-level test needs (Actors,
// tasks, runs in any status and at any time, webhooks, limits, tokens), and bad flags stop it
// with a message naming the flag.
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fake_client.hpp"

namespace sinkhub::fake {
namespace {

using test::data;
using test::request_at;

// fake_apify as a child process; stdout and stderr go to one pipe.
class Process {
 public:
  explicit Process(const std::vector<std::string>& args) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv{const_cast<char*>(FAKE_APIFY_BINARY)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(FAKE_APIFY_BINARY, argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }

  // Everything printed until a newline (or EOF), waiting at most 10 s.
  std::string line() {
    std::string s;
    char c;
    while (poll_in(10000) && read(out_, &c, 1) == 1) {
      if (c == '\n') break;
      s += c;
    }
    return s;
  }
  std::string rest() {
    std::string s;
    char buf[512];
    ssize_t n;
    while (poll_in(10000) && (n = read(out_, buf, sizeof buf)) > 0) s.append(buf, static_cast<std::size_t>(n));
    return s;
  }
  // The exit code after `sig` (0 = none sent), waiting at most 10 s; -1 on timeout.
  int stop(int sig) {
    if (sig) kill(pid_, sig);
    for (int i = 0; i < 1000; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  bool poll_in(int ms) {
    pollfd p{out_, POLLIN, 0};
    return poll(&p, 1, ms) > 0;
  }
  pid_t pid_ = -1;
  int out_ = -1;
};

std::uint16_t listening_port(Process& p) {
  const std::string l = p.line();
  EXPECT_EQ(l.rfind("listening on ", 0), 0u) << l;
  return static_cast<std::uint16_t>(std::stoi(l.substr(13)));
}

TEST(FakeApifyProcess, SeedsRunsTasksAndWebhooksFromTheCommandLine) {
  Process p({"--token", "tok", "--read-only-token", "ro", "--actor", "act1:jane/scraper", "--task", "task1:jane/daily:act1",
             "--run-spec", "id=r1,actor=act1,dataset=d1,status=SUCCEEDED,started=2020-05-01T10:00:00.000Z",
             "--run-spec", "id=r2,actor=act1,task=task1,status=RUNNING,started=-30m",
             "--run-spec", "id=r3,actor=act1,status=TIMED-OUT,started=-40h,finished=-39h,origin=SCHEDULER",
             "--webhook-json",
             R"({"eventTypes":["ACTOR.RUN.SUCCEEDED"],"condition":{"actorId":"act1"},"requestUrl":"https://h.example/x","description":"made by a person"})",
             "--webhook-limit", "1", "--dispatch-retries", "0"});
  const std::uint16_t port = listening_port(p);

  auto runs = data(request_at(port, "GET", "/v2/acts/jane~scraper/runs"))->getArray("items");
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ(runs->getObject(0)->getValue<std::string>("id"), "r1");  // 2020
  EXPECT_EQ(runs->getObject(0)->getValue<std::string>("finishedAt"), "2020-05-01T10:01:00.000Z");  // +1 min
  EXPECT_EQ(runs->getObject(1)->getValue<std::string>("id"), "r3");  // 40 h ago
  EXPECT_EQ(runs->getObject(1)->getObject("meta")->getValue<std::string>("origin"), "SCHEDULER");
  EXPECT_EQ(runs->getObject(2)->getValue<std::string>("id"), "r2");  // 30 min ago, still running
  EXPECT_TRUE(runs->getObject(2)->isNull("finishedAt"));
  EXPECT_EQ(data(request_at(port, "GET", "/v2/actor-tasks/jane~daily/runs"))->getValue<int>("total"), 1);

  const auto hooks = data(request_at(port, "GET", "/v2/webhooks"));
  EXPECT_EQ(hooks->getValue<int>("total"), 1);
  const std::string body =
      R"({"eventTypes":["ACTOR.RUN.FAILED"],"condition":{"actorTaskId":"task1"},"requestUrl":"https://h.example/y"})";
  EXPECT_EQ(test::error_type(request_at(port, "POST", "/v2/webhooks", body)), "too-many-webhooks");
  EXPECT_EQ(request_at(port, "POST", "/v2/webhooks", body, "ro").status, 403);
  EXPECT_EQ(request_at(port, "GET", "/v2/webhooks", {}, "ro").status, 200);
  EXPECT_EQ(p.stop(SIGTERM), 0);
}

TEST(FakeApifyProcess, BadFlagsStopItWithAMessageNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--run-spec", "status=RUNNING"}, "--run-spec needs id="},
      {{"--run-spec", "id=r1,colour=red"}, "unknown key colour"},
      {{"--run-spec", "id=r1,started=last tuesday"}, "bad started time"},
      {{"--run-spec", "id=r1,nonsense"}, "KEY=VALUE"},
      {{"--task", "task1:jane/daily"}, "--task wants ID:USERNAME/NAME:ACTOR_ID"},
      {{"--webhook-limit", "-3"}, "bad --webhook-limit"},
      {{"--dispatch-retries"}, "missing value for --dispatch-retries"},
      {{"--frobnicate"}, "unknown option --frobnicate"},
  };
  for (const auto& [args, message] : cases) {
    Process p(args);
    const std::string out = p.rest();
    EXPECT_EQ(p.stop(0), 2) << out;
    EXPECT_NE(out.find(message), std::string::npos) << out;
  }
  // A webhook the API would refuse is refused at start-up, with the API's message.
  Process p({"--webhook-json", R"({"eventTypes":["ACTOR.RUN.SUCCEEDED"],"condition":{"actorId":"ghost"},"requestUrl":"https://h.example/x"})"});
  const std::string out = p.rest();
  EXPECT_EQ(p.stop(0), 1) << out;
  EXPECT_NE(out.find("Actor was not found"), std::string::npos) << out;
}

}  // namespace
}  // namespace sinkhub::fake
