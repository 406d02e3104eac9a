// The configured sink instances, each bound to its plugin: what check-config validates and
// what serve creates before it starts listening (and a reload before it swaps them in).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "plugin/host.hpp"

namespace sinkhub::plugin {

class SinkSet {
 public:
  Instance* find(const std::string& name) const;
  std::vector<std::unique_ptr<Instance>>& all() { return instances_; }
  // Opens every instance (not yet opened), each within timeout_ms. One message per instance
  // that failed ("sink NAME (plugin) failed to open: ..."); empty when all opened.
  std::vector<std::string> open_all(std::int64_t timeout_ms);

 private:
  friend void bind_sinks(const config::Config&, const Registry&, bool, std::vector<config::Diagnostic>&, SinkSet*,
                         const std::set<std::string>*);
  std::vector<std::unique_ptr<Instance>> instances_;
};

// For every sinks.NAME (only those in `only`, when given): finds its plugin, converts and checks
// the options against the plugin's schema, and runs the plugin's create(). Each problem becomes
// a diagnostic at the sink's config line. With out == nullptr instances are created in
// check-only mode and destroyed again; otherwise they are kept in *out (not yet opened).
void bind_sinks(const config::Config& cfg, const Registry& registry, bool check_only,
                std::vector<config::Diagnostic>& diags, SinkSet* out, const std::set<std::string>* only = nullptr);

// What `sinkhub check-config` checks beyond the config file itself, and what a reload checks
// the same way: scans cfg's plugin directories into `registry`, then binds every sink in
// check-only mode (no network, no files written). The diagnostics; empty when all is well.
std::vector<config::Diagnostic> check_sinks(const config::Config& cfg, Registry& registry);

// Every refused plugin directory and file as a diagnostic at `line` (plugins.dirs): what
// check-config reports even when no sink names the plugin (a refused file in a plugin
// directory is a problem to fix, not something to overlook).
void report_refusals(const Registry& registry, int line, std::vector<config::Diagnostic>& diags);

// Where an instance may keep files of its own: <plugins.data_dir>/<name> (by default
// <ledger dir>/sinks/<name>). Local to this daemon, also when the ledger is shared.
std::string instance_data_dir(const config::Config& cfg, const std::string& sink_name);

}  // namespace sinkhub::plugin
