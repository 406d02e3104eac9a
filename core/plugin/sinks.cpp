#include "plugin/sinks.hpp"

#include <filesystem>

#include "plugin/options.hpp"

namespace sinkhub::plugin {

Instance* SinkSet::find(const std::string& name) const {
  for (const auto& i : instances_)
    if (i->name() == name) return i.get();
  return nullptr;
}

void report_refusals(const Registry& registry, int line, std::vector<config::Diagnostic>& diags) {
  for (const auto& d : registry.refused_dirs()) diags.push_back({line, "plugins.dirs: " + d.error});
  for (const auto& p : registry.plugins())
    if (!p.ok()) diags.push_back({line, "plugins.dirs: " + p.refusal()});
}

std::vector<std::string> SinkSet::open_all(std::int64_t timeout_ms) {
  std::vector<std::string> errors;
  for (auto& inst : instances_) {
    const auto r = inst->open(timeout_ms);
    if (!r.ok()) errors.push_back("sink " + inst->name() + " (" + inst->plugin().id + ") failed to open: " + r.message);
  }
  return errors;
}

std::string instance_data_dir(const config::Config& cfg, const std::string& sink_name) {
  return (std::filesystem::path(cfg.sink_data_dir.empty() ? "./var/sinks" : cfg.sink_data_dir) / sink_name).string();
}

void bind_sinks(const config::Config& cfg, const Registry& registry, bool check_only,
                std::vector<config::Diagnostic>& diags, SinkSet* out, const std::set<std::string>* only) {
  for (const auto& sink : cfg.sinks) {
    if (only && !only->count(sink.name)) continue;
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

std::vector<config::Diagnostic> check_sinks(const config::Config& cfg, Registry& registry) {
  std::vector<config::Diagnostic> diags;
  registry.scan(cfg.plugin_dirs);
  report_refusals(registry, cfg.plugin_dirs_line, diags);
  bind_sinks(cfg, registry, /*check_only=*/true, diags, nullptr);
  return diags;
}

}  // namespace sinkhub::plugin
