// The real sinkhub binary as a child process: config written to a temp dir, stderr captured
// to a file, started and stopped with bounded waits, always reaped.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "files.hpp"
#include "http.hpp"

namespace sinkhub::testkit {

// Path of the sinkhub executable under test (from the build system).
const char* sinkhub_binary();
// Directory holding the in-tree sink plugins (file.so, ...), from the build system.
const char* plugin_dir();

// The secrets the stock configs use. Both are >= 16 characters.
extern const char* const kSecret;
extern const char* const kSecret2;

enum class ConfigFormat { Yaml, Ini };

// Knobs of the stock test config.
struct StockConfig {
  int read_timeout_ms = 3000;
  long long max_body_bytes = 1048576;
  std::vector<std::string> secrets = {"{{SECRET}}", "{{SECRET2}}"};
  std::vector<std::string> allow_ips;        // empty: key omitted (any source)
  std::vector<std::string> trusted_proxies;  // empty: key omitted
};

// A config shaped like config/sinkhub.yaml, ready for Daemon. Placeholders filled in by
// Daemon: {{PORT}}, {{DIR}} (the daemon's temp dir), {{SECRET}}, {{SECRET2}}, {{PLUGINS}}
// (plugin_dir()). apify.base_url points at a closed loopback port: nothing leaves the host.
// Sinks: "local-files" and "archive". Routes: every actor's ACTOR.RUN.SUCCEEDED to
// local-files; every run event ("*") of actor "fanout-actor" to archive and local-files.
// stock_ini() is the same configuration in INI form.
std::string stock_yaml(const StockConfig& knobs = {});
std::string stock_ini(const StockConfig& knobs = {});

// Fills the placeholders of a config template.
std::string render_config(const std::string& config_template, std::uint16_t port, const std::string& dir);

// Result of running the binary to completion (check-config, --help, ...).
struct CliResult {
  int exit_code = -1;  // exit status, or 128+signal, or -1 if it had to be killed after the timeout
  std::string out;
  std::string err;
};

// Runs `sinkhub ARGS...` with extra environment variables, bounded by `timeout`.
CliResult run_cli(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(20));

class Daemon {
 public:
  struct Options {
    ConfigFormat format = ConfigFormat::Yaml;
    std::vector<std::string> extra_args;          // e.g. {"--log-format", "json"}
    std::map<std::string, std::string> env;       // added to the child's environment
    std::chrono::milliseconds ready_timeout{15000};
    // Runs the daemon through this command (absolute path first; {{DIR}} is filled in), e.g.
    // unshare + mount to give it a small filesystem. The daemon must exec in place (same pid).
    std::vector<std::string> launcher;
  };

  // `config_template` holds the placeholders listed at stock_yaml().
  explicit Daemon(std::string config_template);
  Daemon(std::string config_template, Options opts);
  ~Daemon();  // kills (SIGKILL) and reaps if still running
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Writes the config, spawns `sinkhub serve --config FILE ...` and waits until GET /healthz
  // answers 200. Throws std::runtime_error (with the daemon's log) on failure or timeout.
  // Can be called again after stop()/kill9(): same config, same ledger, same port.
  void start();
  // SIGTERM, then waits (bounded) for exit. Returns the exit code (128+signal if signalled,
  // -1 if it did not stop within `timeout` and had to be killed).
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // SIGKILL and reap.
  void kill9();
  // Sends a signal without waiting.
  void signal(int sig);
  // `systemctl reload`: writes `config_template` (same port, same dir) as the config, sends
  // SIGHUP and waits (bounded) until the daemon logs the reload's end ("reload applied" or
  // "reload refused"). Returns what it logged from the signal on. Throws on timeout. Later
  // start()s use the new template.
  std::string reload(std::string config_template, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // The config template the next start() writes (e.g. another plugins.data_dir after kill9(),
  // as a second daemon would have), without a running daemon seeing it.
  void set_config(std::string config_template) { template_ = std::move(config_template); }
  // Waits (bounded) for the process to exit on its own; returns the exit code or nullopt.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  std::uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_.path(); }
  std::string config_path() const;
  std::string ledger_path() const { return dir_.file("ledger.db"); }
  std::string webhook_path() const { return "/apify-webhook"; }
  // Everything the daemon wrote to stderr, across restarts.
  std::string log() const;
  // The config text as written (placeholders filled in).
  const std::string& config_text() const { return config_; }

  // HTTP helpers bound to this daemon.
  HttpResponse get(const std::string& path) const;
  // POST to the webhook path with Content-Type application/json, the secret header set to
  // kSecret and a fresh X-Apify-Webhook-Dispatch-Id, plus/overridden by `headers`.
  // A header named with a leading '-' is removed instead ({"-X-Webhook-Secret", ""}).
  HttpResponse post_webhook(const std::string& body, const Headers& headers = {}) const;

 private:
  void spawn();
  bool wait_healthy(std::chrono::milliseconds timeout);
  void reap_blocking();

  std::string template_;
  Options opts_;
  TempDir dir_;
  std::uint16_t port_ = 0;
  std::string config_;
  pid_t pid_ = -1;
  int last_status_ = 0;
};

// Exit status from waitpid() in shell convention (code, or 128+signal).
int exit_code_of(int wait_status);

}  // namespace sinkhub::testkit
