// The configured sink instances, each bound to its plugin: what check-config validates and
// what serve creates before it starts listening.
#pragma once

#include <memory>
#include <vector>

#include "config/config.hpp"
#include "plugin/host.hpp"

namespace sinkhub::plugin {

class SinkSet {
 public:
  Instance* find(const std::string& name) const;
  std::vector<std::unique_ptr<Instance>>& all() { return instances_; }

 private:
  friend void bind_sinks(const config::Config&, const Registry&, bool, std::vector<config::Diagnostic>&, SinkSet*);
  std::vector<std::unique_ptr<Instance>> instances_;
};

// For every sinks.NAME: finds its plugin, converts and checks the options against the
// plugin's schema, and runs the plugin's create(). Each problem becomes a diagnostic at the
// sink's config line. With out == nullptr instances are created in check-only mode and
// destroyed again; otherwise they are kept in *out (not yet opened).
void bind_sinks(const config::Config& cfg, const Registry& registry, bool check_only,
                std::vector<config::Diagnostic>& diags, SinkSet* out);

// Where an instance may keep files of its own: <plugins.data_dir>/<name> (by default
// <ledger dir>/sinks/<name>). Local to this daemon, also when the ledger is shared.
std::string instance_data_dir(const config::Config& cfg, const std::string& sink_name);

}  // namespace sinkhub::plugin
