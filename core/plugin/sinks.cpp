#include "plugin/sinks.hpp"

#include <filesystem>

#include "plugin/options.hpp"

namespace sinkhub::plugin {

Instance* SinkSet::find(const std::string& name) const {
  for (const auto& i : instances_)
    if (i->name() == name) return i.get();
  return nullptr;
}

std::string instance_data_dir(const config::Config& cfg, const std::string& sink_name) {
  return (std::filesystem::path(cfg.sink_data_dir.empty() ? "./var/sinks" : cfg.sink_data_dir) / sink_name).string();
}

void bind_sinks(const config::Config& cfg, const Registry& registry, bool check_only,
                std::vector<config::Diagnostic>& diags, SinkSet* out) {
  for (const auto& sink : cfg.sinks) {
    const std::string where = "sinks." + sink.name;
    const PluginInfo* plugin = registry.find(sink.plugin);
    if (!plugin) {
      diags.push_back({sink.line, where + ".plugin: " + registry.why_missing(sink.plugin)});
      continue;
    }
    std::string options;
    if (!options_to_json(plugin->schema, sink.options, where, options, diags)) continue;
    CallResult err;
    auto inst = Instance::create(*plugin, sink.name, options, check_only ? std::string() : instance_data_dir(cfg, sink.name),
                                 check_only, err);
    if (!inst) {
      diags.push_back({sink.line, where + ": plugin '" + plugin->id + "' rejected the options: " + err.message});
      continue;
    }
    if (out) out->instances_.push_back(std::move(inst));
  }
}

}  // namespace sinkhub::plugin
