#include "config/changes.hpp"

#include <algorithm>

#include "config/section.hpp"

namespace sinkhub::config {

namespace {

// A key only a restart applies, and how to tell whether two configs agree on it: the one list of
// them (README "Install" shows it to users). Adding one is one line here.
struct RestartOnly {
  const char* key;
  bool (*same)(const Config&, const Config&);
};

const RestartOnly kRestartOnly[] = {
    // The listener binds its socket, dispatches its path and sizes its connections at start.
    {"server.listen",
     [](const Config& a, const Config& b) {
       return a.server.host == b.server.host && a.server.port == b.server.port;
     }},
    {"server.path", [](const Config& a, const Config& b) { return a.server.path == b.server.path; }},
    {"server.max_body_bytes",
     [](const Config& a, const Config& b) { return a.server.max_body_bytes == b.server.max_body_bytes; }},
    {"server.read_timeout_ms",
     [](const Config& a, const Config& b) { return a.server.read_timeout_ms == b.server.read_timeout_ms; }},
    {"server.max_connections",
     [](const Config& a, const Config& b) { return a.server.max_connections == b.server.max_connections; }},
    // The ledger is opened once, with its pool of connections.
    {"ledger.path", [](const Config& a, const Config& b) { return a.ledger.path == b.ledger.path; }},
    {"ledger.url", [](const Config& a, const Config& b) { return a.ledger.url == b.ledger.url; }},
    {"ledger.pool", [](const Config& a, const Config& b) { return a.ledger.pool == b.ledger.pool; }},
    {"ledger.synchronous",
     [](const Config& a, const Config& b) { return a.ledger.synchronous == b.ledger.synchronous; }},
    // Sink instances that keep running would keep their old directories (spools, markers). Its
    // default follows ledger.path: named only when it changed by itself.
    {"plugins.data_dir",
     [](const Config& a, const Config& b) {
       return a.sink_data_dir == b.sink_data_dir || a.ledger.path != b.ledger.path;
     }},
    // The worker pool is sized at start; leases held by running deliveries use the period.
    {"delivery.workers", [](const Config& a, const Config& b) { return a.delivery.workers == b.delivery.workers; }},
    {"delivery.lease", [](const Config& a, const Config& b) { return a.delivery.lease == b.delivery.lease; }},
};

std::string text_of(const model::Cidr& c) { return c.network.toString() + "/" + std::to_string(c.prefix); }

bool same_cidrs(const std::vector<model::Cidr>& a, const std::vector<model::Cidr>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const model::Cidr& x, const model::Cidr& y) { return text_of(x) == text_of(y); });
}

bool same_query(const DatasetQuery& a, const DatasetQuery& b) {
  return a.fields == b.fields && a.omit == b.omit && a.clean == b.clean;
}

bool same_routes(const std::vector<RouteConfig>& a, const std::vector<RouteConfig>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const RouteConfig& x, const RouteConfig& y) {
    return x.name == y.name && x.actors == y.actors && x.events == y.events && x.sinks == y.sinks;
  });
}

// "N (was M)" when the count changed, "N (changed)" when only the entries did.
std::string count_change(std::size_t now, std::size_t was) {
  return std::to_string(now) + (now == was ? " (changed)" : " (was " + std::to_string(was) + ")");
}

const char* on_off(bool b) { return b ? "on" : "off"; }

void auth_changes(const AuthConfig& a, const AuthConfig& b, std::vector<std::string>& out) {
  if (a.header != b.header) out.push_back("auth.header: " + b.header + " (was " + a.header + ")");
  if (a.secrets != b.secrets) out.push_back("auth.secrets: " + count_change(b.secrets.size(), a.secrets.size()));
  if (a.allow_unauthenticated != b.allow_unauthenticated)
    out.push_back(std::string("auth.allow_unauthenticated: ") + on_off(b.allow_unauthenticated));
  if (!same_cidrs(a.allow_ips, b.allow_ips))
    out.push_back("auth.allow_ips: " + count_change(b.allow_ips.size(), a.allow_ips.size()));
  if (!same_cidrs(a.trusted_proxies, b.trusted_proxies))
    out.push_back("auth.trusted_proxies: " + count_change(b.trusted_proxies.size(), a.trusted_proxies.size()));
  if (a.verify_with_api != b.verify_with_api)
    out.push_back(std::string("auth.verify_with_api: ") + on_off(b.verify_with_api));
}

void delivery_changes(const DeliveryConfig& a, const DeliveryConfig& b, std::vector<std::string>& out) {
  const auto ms = [](auto d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
  };
  if (a.max_attempts != b.max_attempts) out.push_back("delivery.max_attempts: " + std::to_string(b.max_attempts));
  if (a.max_age != b.max_age) out.push_back("delivery.max_age: " + ms(b.max_age));
  if (a.backoff_initial != b.backoff_initial) out.push_back("delivery.backoff_initial: " + ms(b.backoff_initial));
  if (a.backoff_max != b.backoff_max) out.push_back("delivery.backoff_max: " + ms(b.backoff_max));
  if (a.fatal_backoff != b.fatal_backoff) out.push_back("delivery.fatal_backoff: " + ms(b.fatal_backoff));
  if (a.batch_timeout != b.batch_timeout) out.push_back("delivery.batch_timeout: " + ms(b.batch_timeout));
  if (a.shutdown_grace != b.shutdown_grace) out.push_back("delivery.shutdown_grace: " + ms(b.shutdown_grace));
}

void retention_changes(const RetentionConfig& a, const RetentionConfig& b, std::vector<std::string>& out) {
  const auto kept = [](std::chrono::milliseconds d) { return d.count() ? readable(d) : std::string("kept"); };
  if (a.done != b.done || a.dead != b.dead || a.dedup_keys != b.dedup_keys || a.interval != b.interval)
    out.push_back("ledger.retention: done " + kept(b.done) + ", dead " + kept(b.dead) + ", dedup_keys " +
                  readable(b.dedup_keys) + ", interval " + readable(b.interval));
}

}  // namespace

std::vector<std::string> restart_only_changes(const Config& running, const Config& next) {
  std::vector<std::string> keys;
  for (const auto& r : kRestartOnly)
    if (!r.same(running, next)) keys.push_back(r.key);
  return keys;
}

SinkChanges sink_changes(const Config& running, const Config& next) {
  SinkChanges c;
  for (const auto& s : running.sinks)
    if (!next.find_sink(s.name)) c.removed.push_back(s.name);
  for (const auto& s : next.sinks) {
    const SinkConfig* was = running.find_sink(s.name);
    if (!was) c.added.push_back(s.name);
    else if (was->plugin != s.plugin || to_json(was->options) != to_json(s.options)) c.changed.push_back(s.name);
    else if (!same_query(was->dataset, s.dataset)) c.dataset_changed.push_back(s.name);
    else c.unchanged.push_back(s.name);
  }
  return c;
}

std::vector<std::string> setting_changes(const Config& running, const Config& next) {
  std::vector<std::string> out;
  auth_changes(running.auth, next.auth, out);
  if (running.apify.base_url != next.apify.base_url) out.push_back("apify.base_url: " + next.apify.base_url);
  if (running.apify.token != next.apify.token) out.push_back("apify.token: replaced");
  if (running.apify.page_size != next.apify.page_size)
    out.push_back("apify.page_size: " + std::to_string(next.apify.page_size));
  delivery_changes(running.delivery, next.delivery, out);
  retention_changes(running.ledger.retention, next.ledger.retention, out);
  if (running.plugin_dirs != next.plugin_dirs)
    out.push_back("plugins.dirs: " + count_change(next.plugin_dirs.size(), running.plugin_dirs.size()));
  if (!same_routes(running.routes, next.routes))
    out.push_back("routes: " + count_change(next.routes.size(), running.routes.size()));
  return out;
}

}  // namespace sinkhub::config
