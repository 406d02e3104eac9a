// The fake_google executable, as bench/ and daemon-level tests run it: it writes the
// credentials files it was asked for, prints "listening on PORT", serves the token endpoint,
// the Sheets API and the /_fake control API, and exits 0 on SIGTERM.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "fixture.hpp"

namespace sinkhub::fake::google::test {
namespace {

class FakeProcess {
 public:
  explicit FakeProcess(const std::vector<std::string>& args) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(out[1], STDOUT_FILENO);
      std::vector<char*> argv{const_cast<char*>(FAKE_GOOGLE_BINARY)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(FAKE_GOOGLE_BINARY, argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    fd_ = out[0];
  }
  ~FakeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  // The port from "listening on PORT", 0 when it did not come within 10 s.
  std::uint16_t port() {
    std::string line;
    for (int waited = 0; waited < 10000 && line.find('\n') == std::string::npos;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) {
        waited += 100;
        continue;
      }
      char buf[256];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    if (line.rfind("listening on ", 0) != 0) return 0;
    return static_cast<std::uint16_t>(std::stoi(line.substr(13)));
  }
  // Sends SIGTERM and returns the exit code (-1 when it had to be killed).
  int stop() {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 1000; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      ::usleep(10000);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(FakeGoogleProcess, ServesWhatItWasToldAndStopsOnSigterm) {
  const std::string dir = ::testing::TempDir();
  const std::string key = dir + "/fg-sa.json", user = dir + "/fg-user.json";
  FakeProcess fake({"--service-account", key + ":bench@sinkhub-fake.iam.gserviceaccount.com", "--authorized-user", user,
                    "--spreadsheet", "bench-sheet:Bench", "--write-quota", "2", "--quota-window-ms", "60000"});
  const std::uint16_t port = fake.port();
  ASSERT_NE(port, 0);
  Client client(port);
  const ServiceAccount sa = parse_service_account_json(slurp(key));
  EXPECT_EQ(sa.email, "bench@sinkhub-fake.iam.gserviceaccount.com");
  const auto token_uri = json::str(json::as_object(json::parse(slurp(key))), "token_uri");
  EXPECT_EQ(token_uri, "http://127.0.0.1:" + std::to_string(port) + "/token");
  EXPECT_EQ(json::str(json::as_object(json::parse(slurp(user))), "type"), "authorized_user");

  const std::string token = client.access_token(sa, token_uri);
  const std::string append = R"({"requests":[{"updateCells":{"start":{"sheetId":0},"fields":"userEnteredValue",
      "rows":[{"values":[{"userEnteredValue":{"stringValue":"001"}},{"userEnteredValue":{"numberValue":2}}]}]}}]})";
  ASSERT_EQ(client.batch_update(token, "bench-sheet", append).status, 200);
  ASSERT_EQ(client.batch_update(token, "bench-sheet", append).status, 200);
  EXPECT_EQ(client.batch_update(token, "bench-sheet", append).status, 429);  // --write-quota 2

  const Reply cells = client.request("GET", "/_fake/spreadsheets/bench-sheet/values?tab=Sheet1");
  ASSERT_EQ(cells.status, 200) << cells.body;
  EXPECT_EQ(compact(cells.json()), R"({"rows":[[{"type":"string","value":"001"},{"type":"number","value":2}]]})");
  const Reply stats = client.request("GET", "/_fake/stats?op=spreadsheets.batchUpdate&window_ms=60000");
  EXPECT_EQ(json::integer(stats.json(), "max_in_window"), 3);
  EXPECT_EQ(fake.stop(), 0);
}

TEST(FakeGoogleProcess, TheControlApiInjectsFaultsAndActsAsAPerson) {
  const std::string key = ::testing::TempDir() + "/fg-sa2.json";
  FakeProcess fake({"--service-account", key, "--spreadsheet", "s"});
  const std::uint16_t port = fake.port();
  ASSERT_NE(port, 0);
  Client client(port);
  const ServiceAccount sa = parse_service_account_json(slurp(key));
  const std::string token = client.access_token(sa, "https://oauth2.googleapis.com/token");
  ASSERT_EQ(client.request("POST", "/_fake/faults", R"({"op":"spreadsheets.batchUpdate","kind":"apply_then_respond","status":503})").status, 200);
  const std::string append = R"({"requests":[{"appendDimension":{"sheetId":0,"dimension":"ROWS","length":1}}]})";
  EXPECT_EQ(client.batch_update(token, "s", append).status, 503);
  ASSERT_EQ(client.request("POST", "/_fake/person", R"({"spreadsheet":"s","tab":"Sheet1","op":"type","row":0,"col":0,"text":"TRUE"})").status, 200);
  const Reply sheets = client.request("GET", "/_fake/spreadsheets/s/sheets");
  EXPECT_NE(sheets.body.find("\"rowCount\": 1001"), std::string::npos) << sheets.body;  // applied despite the 503
  EXPECT_EQ(compact(client.request("GET", "/_fake/spreadsheets/s/values?tab=Sheet1").json()),
            R"({"rows":[[{"type":"bool","value":true}]]})");
  const Reply log = client.request("GET", "/_fake/requests");
  EXPECT_NE(log.body.find("apply_then_respond:503"), std::string::npos);
  EXPECT_EQ(client.request("POST", "/_fake/faults", R"({"kind":"explode"})").status, 400);
  EXPECT_EQ(client.request("GET", "/_fake/nothing").status, 404);
  EXPECT_EQ(fake.stop(), 0);
}

TEST(FakeGoogleProcess, BadArgumentsExitWithUsage) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--write-quota", "lots"}, {"--write-quota", "-3"}, {"--no-such-flag"}, {"--spreadsheet"},
        {"--key-file", "/nonexistent/key.json"}}) {
    FakeProcess fake(args);
    EXPECT_EQ(fake.port(), 0) << args[0];
    EXPECT_EQ(fake.stop(), 2) << args[0];
  }
}

TEST(FakeGoogleProcess, AKeyFileThatIsNotAServiceAccountIsRefused) {
  const std::string path = ::testing::TempDir() + "/fg-not-a-key.json";
  write_private_file(path, R"({"type":"authorized_user"})");
  FakeProcess fake({"--key-file", path});
  EXPECT_EQ(fake.port(), 0);
  EXPECT_EQ(fake.stop(), 1);
}

TEST(FakeGoogleProcess, TheControlApiRefusesMalformedRequests) {
  FakeProcess fake({});
  const std::uint16_t port = fake.port();
  ASSERT_NE(port, 0);
  Client client(port);
  EXPECT_EQ(client.request("POST", "/_fake/faults", "{not json").status, 400);
  EXPECT_EQ(client.request("POST", "/_fake/spreadsheets", R"({"title":"no id"})").status, 400);
  EXPECT_EQ(client.request("POST", "/_fake/person", R"({"spreadsheet":"nope","tab":"Sheet1","op":"insert_rows"})").status, 400);
  EXPECT_EQ(client.request("POST", "/_fake/faults", R"({"op":"spreadsheets.nothing"})").status, 400);
  EXPECT_EQ(client.request("GET", "/_fake/spreadsheets/nope/values?tab=x").status, 400);
  EXPECT_EQ(client.request("GET", "/_fake/health").status, 200);
  EXPECT_EQ(fake.stop(), 0);
}

}  // namespace
}  // namespace sinkhub::fake::google::test
