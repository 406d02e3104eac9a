// The typed configuration: what sinkhub.yaml / sinkhub.ini mean once validated.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/error.hpp"
#include "config/tree.hpp"
#include "model/cidr.hpp"

namespace sinkhub::config {

struct ServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8787;
  std::string path = "/apify-webhook";
  std::size_t max_body_bytes = 1048576;
  int read_timeout_ms = 10000;
  int max_connections = 256;  // open connections; beyond: 503 and close
};

struct AuthConfig {
  std::string header = "X-Webhook-Secret";
  std::vector<std::string> secrets;  // any one matches; several allow rotation
  bool allow_unauthenticated = false;
  std::vector<model::Cidr> allow_ips;        // empty = any source
  std::vector<model::Cidr> trusted_proxies;  // peers whose X-Forwarded-For is believed
  bool verify_with_api = false;
};

// apify.reconcile: finding the finished runs whose webhook never arrived.
struct ReconcileConfig {
  std::chrono::milliseconds interval{0};  // between passes; 0 = off (no pass at all)
  std::chrono::milliseconds lookback{std::chrono::hours(72)};          // runs finished this recently
  std::chrono::milliseconds max_run_duration{std::chrono::hours(24)};  // how long before the edge a run may start
  // Run statuses to recover, as the API spells them (TIMED-OUT; the config also takes TIMED_OUT).
  std::vector<std::string> statuses = {"SUCCEEDED", "FAILED", "ABORTED", "TIMED-OUT"};
};

struct ApifyConfig {
  std::string base_url = "https://api.apify.com";
  std::string token;
  int page_size = 1000;
  // Where Apify should POST webhooks (sinkhub apify sync); empty = not set. https://, or
  // http:// to a loopback address.
  std::string public_url;
  // Names this instance in the description of the webhooks it manages; default
  // "sinkhub <host of public_url>" ("sinkhub" without a public_url).
  std::string webhook_description;
  ReconcileConfig reconcile;
};

// ledger.retention: how long finished work stays in the ledger (ledger/pruner.hpp prunes it).
struct RetentionConfig {
  // A done delivery's row and attempt history, after it finished (also the body of an event that
  // planned no delivery, after it arrived); 0: kept forever.
  std::chrono::milliseconds done{std::chrono::hours(30 * 24)};
  std::chrono::milliseconds dead{std::chrono::hours(90 * 24)};  // the same for a dead-lettered delivery
  // An event's row (its dedup key) stays at least this long after it arrived, and as long as it
  // has deliveries; never below kMinDedupKeys.
  std::chrono::milliseconds dedup_keys{std::chrono::hours(14 * 24)};
  std::chrono::milliseconds interval{std::chrono::minutes(10)};  // between prune passes
};
// Apify retries a webhook for about 32 hours: a retry after its dedup key went would be new work.
inline constexpr std::chrono::hours kMinDedupKeys{7 * 24};

// One of two ledgers: SQLite at `path` (the default), or PostgreSQL at `url`, shared by every
// daemon pointed at it. The two are mutually exclusive; ledger.* is restart-only, but for
// ledger.retention, which a reload applies.
struct LedgerConfig {
  std::string path = "./var/sinkhub.db";
  std::string synchronous = "full";  // full | normal (SQLite only)
  std::string url;                   // postgresql://...; empty: SQLite at path
  int pool = 4;                      // PostgreSQL: connections for workers, the CLI, /readyz
  RetentionConfig retention;
  bool postgres() const { return !url.empty(); }
};

struct DeliveryConfig {
  int workers = 4;
  int max_attempts = 12;
  std::chrono::seconds max_age{72 * 3600};
  std::chrono::milliseconds backoff_initial{2000};   // first retry delay (full jitter below it)
  std::chrono::milliseconds backoff_max{1800000};    // cap of the retry delay
  std::chrono::milliseconds fatal_backoff{300000};   // a FATAL sink pauses this long, doubling
  std::chrono::milliseconds batch_timeout{120000};   // deadline of one deliver() call
  std::chrono::milliseconds shutdown_grace{20000};   // SIGTERM: time for in-flight batches
  std::chrono::milliseconds lease{30000};            // a crashed worker's delivery is reclaimed after this
  int max_crashes = 2;      // takeovers of a delivery whose owner died before it is dead-lettered
  int max_stuck_calls = 1;  // plugin calls stuck in a row (past deadline + slack) before the sink is suspended
};

// Which part of the dataset a sink gets (sinks.NAME.dataset: passed to the Apify API).
struct DatasetQuery {
  std::vector<std::string> fields, omit;
  bool clean = false;
};

struct SinkConfig {
  std::string name;
  std::string plugin;
  Node options;  // every key but "plugin" and "dataset", handed to the plugin as JSON
  DatasetQuery dataset;
  int line = 0;
};

struct RouteConfig {
  std::string name;                 // INI section name or "routes[N]"
  std::vector<std::string> actors;  // actor id, username/actor-name, task id, or "*"
  std::vector<std::string> events;  // known event types or "*"
  std::vector<std::string> sinks;   // names of declared sink instances
  int line = 0;
};

struct Config {
  std::string file;
  ServerConfig server;
  AuthConfig auth;
  ApifyConfig apify;
  LedgerConfig ledger;
  DeliveryConfig delivery;
  std::vector<std::string> plugin_dirs;
  int plugin_dirs_line = 0;  // of plugins.dirs (where check-config reports refused plugins)
  // plugins.data_dir: each sink instance's private directory is <data_dir>/<name> (spools,
  // marker files). Local to each daemon. Default: "sinks" beside ledger.path, or ./var/sinks
  // with ledger.url.
  std::string sink_data_dir;
  std::vector<SinkConfig> sinks;
  std::vector<RouteConfig> routes;

  const SinkConfig* find_sink(const std::string& name) const;
};

// Loads, substitutes and validates a config file. Throws ConfigError listing every problem.
Config load(const std::string& path);
// The same from the file's text (`file` names it and chooses the format): what load() does
// after reading the file, and what the config fuzz target calls.
Config load_text(const std::string& text, const std::string& file);
// The same from an already parsed tree (tests, and the INI/YAML equivalence check).
Config from_tree(Node root, const std::string& file);

// "72h", "30m", "15s", "500ms", "2d" -> milliseconds. False if malformed or beyond int64 ms.
bool parse_duration(const std::string& text, std::chrono::milliseconds& out);

// Serialises a node (sink options) as JSON; INI scalars stay strings.
std::string to_json(const Node& node);

}  // namespace sinkhub::config
