#include "daemon.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "payloads.hpp"

extern char** environ;

namespace sinkhub::testkit {

using Clock = std::chrono::steady_clock;

const char* const kSecret = "it-secret-7c1e9a2b4d6f8e0a";
const char* const kSecret2 = "it-rotated-secret-55aa33cc11ee";

const char* sinkhub_binary() { return SINKHUB_BINARY; }
const char* plugin_dir() { return SINKHUB_PLUGIN_DIR; }

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep, const std::string& quote = {}) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += quote + items[i] + quote;
  }
  return out;
}

// fork + execve with stdin from /dev/null and stdout/stderr to files. The child dies with
// the test process (PR_SET_PDEATHSIG), so a crashed test leaves no daemon behind.
pid_t spawn_process(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    const std::string& out_path, const std::string& err_path, bool append) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  const int out_fd = ::open(out_path.c_str(), flags, 0644);
  const int err_fd = ::open(err_path.c_str(), flags, 0644);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || err_fd < 0 || null_fd < 0) {
    for (int fd : {out_fd, err_fd, null_fd})
      if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot open output files for the child process");
  }
  // Everything the child needs is built before fork: after it only async-signal-safe calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv = *e;
    const auto eq = kv.find('=');
    if (eq != std::string::npos && env.count(kv.substr(0, eq))) continue;
    env_strings.push_back(kv);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args_copy = args;
  for (auto& s : args_copy) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out_fd);
  ::close(err_fd);
  ::close(null_fd);
  if (pid < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
  return pid;
}

// waitpid with a deadline. Returns true and the status if the child exited in time.
bool wait_bounded(pid_t pid, std::chrono::milliseconds timeout, int& status) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) {
      status = 0;
      return true;  // not our child any more (already reaped): nothing to wait for
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

std::string stock_yaml(const StockConfig& k) {
  std::string auth_lists;
  if (!k.allow_ips.empty()) auth_lists += "  allow_ips: [" + join(k.allow_ips, ", ", "\"") + "]\n";
  if (!k.trusted_proxies.empty())
    auth_lists += "  trusted_proxies: [" + join(k.trusted_proxies, ", ", "\"") + "]\n";
  return "# sinkhub integration-test config (written by sinkhub_testkit)\n"
         "server:\n"
         "  listen: \"127.0.0.1:{{PORT}}\"\n"
         "  path: /apify-webhook\n"
         "  max_body_bytes: " + std::to_string(k.max_body_bytes) + "\n"
         "  read_timeout_ms: " + std::to_string(k.read_timeout_ms) + "\n"
         "  max_connections: 64\n"
         "\n"
         "auth:\n"
         "  header: X-Webhook-Secret\n"
         "  secrets: [" + join(k.secrets, ", ", "\"") + "]\n" +
         auth_lists +
         "\n"
         "apify:\n"
         "  base_url: \"http://127.0.0.1:9\"\n"
         "  token: \"test-token-not-used\"\n"
         "\n"
         "ledger:\n"
         "  path: \"{{DIR}}/ledger.db\"\n"
         "  synchronous: full\n"
         "\n"
         "delivery:\n"
         "  workers: 2\n"
         "  max_attempts: 3\n"
         "  max_age: 1h\n"
         "\n"
         "plugins:\n"
         "  dirs: [\"{{PLUGINS}}\"]\n"
         "\n"
         "sinks:\n"
         "  local-files:\n"
         "    plugin: file\n"
         "    dir: \"{{DIR}}/out\"\n"
         "  archive:\n"
         "    plugin: file\n"
         "    dir: \"{{DIR}}/archive\"\n"
         "\n"
         "routes:\n"
         "  - actors: [\"*\"]\n"
         "    events: [ACTOR.RUN.SUCCEEDED]\n"
         "    sinks: [local-files]\n"
         "  - actors: [fanout-actor]\n"
         "    events: [\"*\"]\n"
         "    sinks: [archive, local-files]\n";
}

std::string stock_ini(const StockConfig& k) {
  std::string auth_lists;
  if (!k.allow_ips.empty()) auth_lists += "allow_ips = " + join(k.allow_ips, ", ") + "\n";
  if (!k.trusted_proxies.empty()) auth_lists += "trusted_proxies = " + join(k.trusted_proxies, ", ") + "\n";
  return "; sinkhub integration-test config (written by sinkhub_testkit)\n"
         "[server]\n"
         "listen = 127.0.0.1:{{PORT}}\n"
         "path = /apify-webhook\n"
         "max_body_bytes = " + std::to_string(k.max_body_bytes) + "\n"
         "read_timeout_ms = " + std::to_string(k.read_timeout_ms) + "\n"
         "max_connections = 64\n"
         "\n"
         "[auth]\n"
         "header = X-Webhook-Secret\n"
         "secrets = " + join(k.secrets, ", ") + "\n" +
         auth_lists +
         "\n"
         "[apify]\n"
         "base_url = http://127.0.0.1:9\n"
         "token = test-token-not-used\n"
         "\n"
         "[ledger]\n"
         "path = {{DIR}}/ledger.db\n"
         "synchronous = full\n"
         "\n"
         "[delivery]\n"
         "workers = 2\n"
         "max_attempts = 3\n"
         "max_age = 1h\n"
         "\n"
         "[plugins]\n"
         "dirs = {{PLUGINS}}\n"
         "\n"
         "[sink.local-files]\n"
         "plugin = file\n"
         "dir = {{DIR}}/out\n"
         "\n"
         "[sink.archive]\n"
         "plugin = file\n"
         "dir = {{DIR}}/archive\n"
         "\n"
         "[route.succeeded]\n"
         "actors = *\n"
         "events = ACTOR.RUN.SUCCEEDED\n"
         "sinks = local-files\n"
         "\n"
         "[route.fanout]\n"
         "actors = fanout-actor\n"
         "events = *\n"
         "sinks = archive, local-files\n";
}

std::string render_config(const std::string& config_template, std::uint16_t port, const std::string& dir) {
  std::string out = replace_all(config_template, "{{PORT}}", std::to_string(port));
  out = replace_all(out, "{{DIR}}", dir);
  out = replace_all(out, "{{PLUGINS}}", plugin_dir());
  out = replace_all(out, "{{SECRET}}", kSecret);
  return replace_all(out, "{{SECRET2}}", kSecret2);
}

CliResult run_cli(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                  std::chrono::milliseconds timeout) {
  TempDir tmp;
  std::vector<std::string> argv = {sinkhub_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = spawn_process(argv, env, tmp.file("stdout"), tmp.file("stderr"), false);
  CliResult r;
  int status = 0;
  if (wait_bounded(pid, timeout, status)) {
    r.exit_code = exit_code_of(status);
  } else {
    ::kill(pid, SIGKILL);
    wait_bounded(pid, std::chrono::seconds(10), status);
    r.exit_code = -1;
  }
  r.out = read_file(tmp.file("stdout"));
  r.err = read_file(tmp.file("stderr"));
  return r;
}

Daemon::Daemon(std::string config_template) : Daemon(std::move(config_template), Options()) {}

Daemon::Daemon(std::string config_template, Options opts) : template_(std::move(config_template)), opts_(std::move(opts)) {}

Daemon::~Daemon() {
  if (pid_ > 0) kill9();
}

std::string Daemon::config_path() const {
  return dir_.file(opts_.format == ConfigFormat::Ini ? "sinkhub.ini" : "sinkhub.yaml");
}

std::string Daemon::log() const { return read_file(dir_.file("stderr.log")); }

void Daemon::start() {
  if (pid_ > 0) throw std::runtime_error("daemon already running");
  // A port picked as free can be taken by someone else before the daemon binds it: retry
  // with a fresh port a couple of times when that is why the start failed.
  for (int attempt = 0;; ++attempt) {
    if (port_ == 0 || attempt > 0) port_ = free_port();
    config_ = render_config(template_, port_, dir_.path());
    write_file(config_path(), config_);
    const std::size_t log_before = log().size();
    spawn();
    if (wait_healthy(opts_.ready_timeout)) return;
    const std::string this_run = log().substr(log_before);
    if (pid_ > 0) kill9();
    if (attempt < 2 && this_run.find("cannot listen") != std::string::npos) continue;
    throw std::runtime_error("sinkhub did not become healthy on port " + std::to_string(port_) +
                             " (exit status " + std::to_string(exit_code_of(last_status_)) + "); its log:\n" +
                             this_run);
  }
}

void Daemon::spawn() {
  std::vector<std::string> argv;
  for (const auto& a : opts_.launcher) argv.push_back(render_config(a, port_, dir_.path()));
  for (const char* a : {sinkhub_binary(), "serve", "--config"}) argv.emplace_back(a);
  argv.push_back(config_path());
  argv.insert(argv.end(), opts_.extra_args.begin(), opts_.extra_args.end());
  pid_ = spawn_process(argv, opts_.env, dir_.file("stdout.log"), dir_.file("stderr.log"), true);
}

bool Daemon::wait_healthy(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      last_status_ = status;
      pid_ = -1;
      return false;
    }
    const auto resp = http_request(port_, "GET", "/healthz", {}, {}, {}, std::chrono::milliseconds(1000));
    if (resp.status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void Daemon::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::string Daemon::reload(std::string config_template, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) throw std::runtime_error("reload: the daemon is not running");
  template_ = std::move(config_template);
  config_ = render_config(template_, port_, dir_.path());
  write_file(config_path(), config_);
  const std::size_t before = log().size();
  signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::string since = log().substr(before);
    for (const char* end : {"reload applied", "reload refused"})
      if (const auto at = since.find(end); at != std::string::npos && since.find('\n', at) != std::string::npos)
        return since;
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("the daemon did not finish a reload within " + std::to_string(timeout.count()) +
                               " ms; its log since SIGHUP:\n" + since);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::optional<int> Daemon::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_code_of(last_status_);
  int status = 0;
  if (!wait_bounded(pid_, timeout, status)) return std::nullopt;
  last_status_ = status;
  pid_ = -1;
  return exit_code_of(status);
}

int Daemon::stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_code_of(last_status_);
  ::kill(pid_, SIGTERM);
  if (auto code = wait_exit(timeout)) return *code;
  kill9();
  return -1;
}

void Daemon::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap_blocking();
}

void Daemon::reap_blocking() {
  int status = 0;
  // SIGKILL cannot be ignored; the bound only guards against a stuck kernel.
  wait_bounded(pid_, std::chrono::seconds(30), status);
  last_status_ = status;
  pid_ = -1;
}

HttpResponse Daemon::get(const std::string& path) const { return http_request(port_, "GET", path); }

HttpResponse Daemon::post_webhook(const std::string& body, const Headers& extra) const {
  Headers headers = {{"X-Webhook-Secret", kSecret},
                     {"X-Apify-Webhook-Dispatch-Id", unique_id("dispatch")},
                     {"X-Apify-Webhook", "apify-internal-test"},
                     {"X-Apify-Request-Origin", "WEBHOOK"}};
  for (const auto& [k, v] : extra) {
    const bool remove = !k.empty() && k.front() == '-';
    const std::string name = remove ? k.substr(1) : k;
    bool replaced = false;
    for (auto it = headers.begin(); it != headers.end();) {
      if (it->first == name) {
        if (remove) {
          it = headers.erase(it);
          continue;
        }
        it->second = v;
        replaced = true;
      }
      ++it;
    }
    if (!remove && !replaced) headers.emplace_back(name, v);
  }
  return http_request(port_, "POST", webhook_path(), headers, body, "application/json");
}

}  // namespace sinkhub::testkit
