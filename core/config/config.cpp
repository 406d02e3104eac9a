#include "config/config.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/NumberParser.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>

#include "config/apify_section.hpp"
#include "config/ledger_retention.hpp"
#include "config/postgres_url.hpp"
#include "config/section.hpp"
#include "model/event.hpp"

namespace sinkhub::config {

namespace {

void read_server(const Node& root, ServerConfig& s, std::vector<Diagnostic>& d) {
  Section sec(top(root, "server"), "server", d);
  const std::string listen = sec.str("listen", s.host + ":" + std::to_string(s.port));
  // host:port, [v6]:port
  std::string host, port;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find("]:");
    if (close != std::string::npos) {
      host = listen.substr(1, close - 1);
      port = listen.substr(close + 2);
    }
  } else if (const auto colon = listen.rfind(':'); colon != std::string::npos &&
                                                   listen.find(':') == colon) {
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  Poco::Net::IPAddress ip;
  unsigned portnum = 0;
  if (host.empty() || !Poco::Net::IPAddress::tryParse(host, ip) ||
      port.find_first_not_of("0123456789") != std::string::npos || port.empty() || port.size() > 5 ||
      (portnum = Poco::NumberParser::parseUnsigned(port)) == 0 || portnum > 65535) {
    const Node* n = sec.get("listen");
    sec.error(sec.line_of("listen"), "server.listen must be IP:PORT (e.g. 127.0.0.1:8787 or [::1]:8787), got " +
                                         (n && n->substituted ? std::string("a substituted value") : "'" + listen + "'"));
  } else {
    s.host = host;
    s.port = static_cast<std::uint16_t>(portnum);
  }
  s.path = sec.str("path", s.path);
  if (s.path.empty() || s.path.front() != '/' || s.path.find_first_of("?# ") != std::string::npos)
    sec.error(sec.line_of("path"), "server.path must start with '/' and hold no query, fragment or space");
  if (s.path == "/healthz" || s.path == "/readyz" || s.path == "/metrics")
    sec.error(sec.line_of("path"), "server.path must not be " + s.path + " (reserved)");
  s.max_body_bytes = static_cast<std::size_t>(sec.integer("max_body_bytes", static_cast<long long>(s.max_body_bytes),
                                                           1024, 64LL * 1024 * 1024));
  s.read_timeout_ms = static_cast<int>(sec.integer("read_timeout_ms", s.read_timeout_ms, 100, 300000));
  s.max_connections = static_cast<int>(sec.integer("max_connections", s.max_connections, 4, 4096));
  sec.finish();
}

void read_cidrs(Section& sec, const std::string& key, std::vector<model::Cidr>& out) {
  for (const auto& text : sec.list(key)) {
    auto c = model::Cidr::parse(text);
    if (!c)
      sec.error(sec.line_of(key), sec.where(key) + ": '" + text + "' is not an IP address or CIDR block");
    else
      out.push_back(*c);
  }
}

void read_auth(const Node& root, AuthConfig& a, std::vector<Diagnostic>& d) {
  Section sec(top(root, "auth"), "auth", d);
  a.header = sec.str("header", a.header);
  if (a.header.empty() || a.header.find_first_of(" :\t\r\n") != std::string::npos)
    sec.error(sec.line_of("header"), "auth.header must be a valid HTTP header name");
  a.secrets = sec.list("secrets");
  a.allow_unauthenticated = sec.boolean("allow_unauthenticated", false);
  for (const auto& s : a.secrets)
    if (s.size() < 16) {
      // The value is secret: the message names the rule, never the value.
      sec.error(sec.line_of("secrets"), "auth.secrets: every secret must be at least 16 characters");
      break;
    }
  if (a.secrets.empty() && !a.allow_unauthenticated)
    sec.error(sec.line_of("secrets"),
              std::string("auth.secrets needs at least one secret (or set auth.allow_unauthenticated: true explicitly)") +
                  (top(root, "auth") ? "" : ": this file has no auth section"));
  read_cidrs(sec, "allow_ips", a.allow_ips);
  read_cidrs(sec, "trusted_proxies", a.trusted_proxies);
  a.verify_with_api = sec.boolean("verify_with_api", false);
  sec.finish();
}

// ledger.path (SQLite) or ledger.url (PostgreSQL), never both; the keys of the other one are
// errors rather than silently ignored. The URL is never echoed: it may hold a password.
void read_ledger(const Node& root, LedgerConfig& l, std::vector<Diagnostic>& d) {
  Section sec(top(root, "ledger"), "ledger", d);
  read_retention(sec.get("retention"), l.retention, d);
  const Node* path = sec.get("path");
  l.url = sec.str("url", "");
  if (sec.get("url") && l.url.empty()) sec.error(sec.line_of("url"), "ledger.url must not be empty");
  if (l.postgres()) {
    if (const std::string why = PostgresUrl(l.url).problem(); !why.empty()) sec.error(sec.line_of("url"), why);
    if (path)
      sec.error(sec.line_of("url"), "ledger.path and ledger.url are mutually exclusive (ledger.path is at line " +
                                        std::to_string(path->line) + "): keep one");
    if (sec.get("synchronous"))
      sec.error(sec.line_of("synchronous"),
                "ledger.synchronous applies to ledger.path (SQLite) only; PostgreSQL keeps synchronous_commit on");
    l.pool = static_cast<int>(sec.integer("pool", l.pool, 1, 64));
    sec.finish();
    return;
  }
  if (sec.get("pool")) sec.error(sec.line_of("pool"), "ledger.pool applies to ledger.url (PostgreSQL) only");
  l.path = sec.str("path", l.path);
  if (l.path.empty()) sec.error(sec.line_of("path"), "ledger.path must not be empty");
  l.synchronous = sec.str("synchronous", l.synchronous);
  if (l.synchronous != "full" && l.synchronous != "normal")
    sec.error(sec.line_of("synchronous"), "ledger.synchronous must be 'full' or 'normal'");
  sec.finish();
}

void read_plugins(const Node& root, Config& c, std::vector<Diagnostic>& d) {
  Section sec(top(root, "plugins"), "plugins", d);
  c.plugin_dirs = sec.list("dirs");
  c.plugin_dirs_line = sec.line_of("dirs");
  const std::string beside_ledger = c.ledger.postgres() ? std::string("./var")
                                    : std::filesystem::path(c.ledger.path).parent_path().string();
  c.sink_data_dir = sec.str("data_dir", (beside_ledger.empty() ? std::string(".") : beside_ledger) + "/sinks");
  if (c.sink_data_dir.empty()) sec.error(sec.line_of("data_dir"), "plugins.data_dir must not be empty");
  sec.finish();
}

void read_delivery(const Node& root, DeliveryConfig& dl, std::vector<Diagnostic>& d) {
  using std::chrono::hours;
  using std::chrono::milliseconds;
  Section sec(top(root, "delivery"), "delivery", d);
  dl.workers = static_cast<int>(sec.integer("workers", dl.workers, 1, 256));
  dl.max_attempts = static_cast<int>(sec.integer("max_attempts", dl.max_attempts, 1, 1000));
  dl.max_crashes = static_cast<int>(sec.integer("max_crashes", dl.max_crashes, 1, 100));
  dl.max_stuck_calls = static_cast<int>(sec.integer("max_stuck_calls", dl.max_stuck_calls, 1, 1000));
  dl.max_age = std::chrono::duration_cast<std::chrono::seconds>(
      sec.duration("max_age", dl.max_age, std::chrono::seconds(1), hours(24 * 3650)));
  dl.backoff_initial = sec.duration("backoff_initial", dl.backoff_initial, milliseconds(10), hours(1));
  dl.backoff_max = sec.duration("backoff_max", dl.backoff_max, milliseconds(10), hours(24));
  dl.fatal_backoff = sec.duration("fatal_backoff", dl.fatal_backoff, milliseconds(10), hours(24));
  dl.batch_timeout = sec.duration("batch_timeout", dl.batch_timeout, milliseconds(100), hours(1));
  dl.shutdown_grace = sec.duration("shutdown_grace", dl.shutdown_grace, milliseconds(0), hours(1));
  dl.lease = sec.duration("lease", dl.lease, milliseconds(500), hours(1));
  if (dl.backoff_max < dl.backoff_initial)
    sec.error(sec.line_of("backoff_max"), "delivery.backoff_max must not be below delivery.backoff_initial");
  sec.finish();
}

bool valid_name(const std::string& n) {
  return !n.empty() && n.size() <= 64 &&
         n.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == std::string::npos;
}

// As the ABI defines plugin ids (sink.h): [a-z0-9][a-z0-9._-]{0,63}.
bool valid_plugin_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") == std::string::npos &&
         id.front() != '.' && id.front() != '_' && id.front() != '-';
}

void read_sinks(const Node& root, Config& c, std::vector<Diagnostic>& d) {
  const Node* sinks = top(root, "sinks");
  if (!sinks) return;
  if (!sinks->is_map()) {
    d.push_back({sinks->line, "sinks must be a map of NAME: {plugin: ..., options...}"});
    return;
  }
  for (const auto& [name, body] : sinks->fields) {
    if (!valid_name(name)) {
      d.push_back({body.line, "sink name '" + name + "' must be 1-64 letters, digits, '-' or '_'"});
      continue;
    }
    if (!body.is_map()) {
      d.push_back({body.line, "sinks." + name + " must be a map with at least 'plugin'"});
      continue;
    }
    SinkConfig s;
    s.name = name;
    s.line = body.line;
    s.options.kind = Node::Kind::Map;
    s.options.line = body.line;
    for (const auto& [k, v] : body.fields) {
      if (k == "dataset") {
        Section ds(&v, "sinks." + name + ".dataset", d);
        s.dataset.fields = ds.list("fields");
        s.dataset.omit = ds.list("omit");
        s.dataset.clean = ds.boolean("clean", false);
        ds.finish();
      } else if (k == "plugin") {
        if (v.is_scalar() && valid_plugin_id(v.scalar))
          s.plugin = v.scalar;
        else
          d.push_back({v.line, "sinks." + name + ".plugin must be a plugin id ([a-z0-9][a-z0-9._-]*, e.g. file or com.example.kafka)"});
      } else {
        s.options.fields.emplace_back(k, v);
      }
    }
    if (s.plugin.empty() && !body.find("plugin"))
      d.push_back({body.line, "sinks." + name + ".plugin is required"});
    c.sinks.push_back(std::move(s));
  }
}

void read_routes(const Node& root, Config& c, std::vector<Diagnostic>& d) {
  const Node* routes = top(root, "routes");
  if (!routes) return;
  if (!routes->is_list()) {
    d.push_back({routes->line, "routes must be a list of {actors, events, sinks}"});
    return;
  }
  for (std::size_t i = 0; i < routes->items.size(); ++i) {
    const Node& item = routes->items[i];
    const std::string label = "routes[" + std::to_string(i) + "]";
    Section sec(&item, label, d);
    RouteConfig r;
    r.line = item.line;
    r.name = sec.str("name", label);
    r.actors = sec.list("actors", {"*"});
    r.events = sec.list("events");
    r.sinks = sec.list("sinks");
    if (r.actors.empty()) sec.error(sec.line_of("actors"), label + ".actors must name at least one actor or '*'");
    for (const auto& a : r.actors)
      if (a.empty() || a.find_first_of(" \t") != std::string::npos)
        sec.error(sec.line_of("actors"), label + ".actors: '" + a + "' is not an actor id, username/name or '*'");
    if (r.events.empty()) sec.error(sec.line_of("events"), label + ".events must list event types or '*'");
    for (const auto& e : r.events)
      if (e != "*" && !model::is_known_event_type(e))
        sec.error(sec.line_of("events"), label + ".events: unknown event type '" + e + "'");
    if (r.sinks.empty()) sec.error(sec.line_of("sinks"), label + ".sinks must name at least one sink");
    for (const auto& s : r.sinks)
      if (!c.find_sink(s)) sec.error(sec.line_of("sinks"), label + ".sinks: no sink named '" + s + "' is declared");
    sec.finish();
    c.routes.push_back(std::move(r));
  }
}

void to_json_value(const Node& n, std::ostream& out) {
  switch (n.kind) {
    case Node::Kind::Null:
      out << "null";
      break;
    case Node::Kind::Scalar:
      Poco::JSON::Stringifier::formatString(n.scalar, out);
      break;
    case Node::Kind::List: {
      out << '[';
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        if (i) out << ',';
        to_json_value(n.items[i], out);
      }
      out << ']';
      break;
    }
    case Node::Kind::Map: {
      out << '{';
      for (std::size_t i = 0; i < n.fields.size(); ++i) {
        if (i) out << ',';
        Poco::JSON::Stringifier::formatString(n.fields[i].first, out);
        out << ':';
        to_json_value(n.fields[i].second, out);
      }
      out << '}';
      break;
    }
  }
}

}  // namespace

const SinkConfig* Config::find_sink(const std::string& name) const {
  for (const auto& s : sinks)
    if (s.name == name) return &s;
  return nullptr;
}

bool parse_duration(const std::string& text, std::chrono::milliseconds& out) {
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || i > 18) return false;  // 18 digits always fit a long long
  const long long n = std::stoll(text.substr(0, i));
  const std::string unit = text.substr(i);
  long long unit_ms = 0;
  if (unit == "ms") unit_ms = 1;
  else if (unit == "s") unit_ms = 1000;
  else if (unit == "m") unit_ms = 60 * 1000;
  else if (unit == "h") unit_ms = 3600 * 1000;
  else if (unit == "d") unit_ms = 24 * 3600 * 1000;
  else return false;
  // Checked before multiplying: an overflow is a refused value, never a wrapped one.
  if (n > std::numeric_limits<long long>::max() / unit_ms) return false;
  out = std::chrono::milliseconds(n * unit_ms);
  return true;
}

std::string to_json(const Node& node) {
  std::ostringstream out;
  to_json_value(node, out);
  return out.str();
}

Config from_tree(Node root, const std::string& file) {
  std::vector<Diagnostic> d;
  substitute(root, d);
  static const std::set<std::string> sections = {"server", "auth",    "apify", "ledger", "delivery",
                                                 "plugins", "sinks", "routes"};
  for (const auto& [k, v] : root.fields)
    if (!sections.count(k)) d.push_back({v.line, "unknown section '" + k + "'"});
  Config c;
  c.file = file;
  read_server(root, c.server, d);
  read_auth(root, c.auth, d);
  read_apify(root, c.apify, d);
  read_ledger(root, c.ledger, d);
  read_delivery(root, c.delivery, d);
  read_plugins(root, c, d);
  read_sinks(root, c, d);
  read_routes(root, c, d);
  check_retention_covers_reconcile(root, c, d);
  if (!d.empty()) {
    std::stable_sort(d.begin(), d.end(), [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
    throw ConfigError(file, std::move(d));
  }
  return c;
}

Config load(const std::string& path) { return from_tree(load_tree(path), path); }

Config load_text(const std::string& text, const std::string& file) { return from_tree(parse_text(text, file), file); }

}  // namespace sinkhub::config
