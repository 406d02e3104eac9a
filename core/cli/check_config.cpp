#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "config/config.hpp"
#include "observe/log.hpp"
#include "plugin/sinks.hpp"

namespace sinkhub::cli {

int check_config(const Args& args) {
  using Poco::Util::Option;
  Poco::Util::OptionSet opts;
  opts.addOption(Option("config", "c", "config file to validate (.yaml, .yml or .ini)")
                     .required(true)
                     .argument("FILE"));
  Parsed p;
  const char* summary =
      "Validates a sinkhub config file: syntax, every key and value, ${env:...}/${file:...} references, that "
      "routes name declared sinks, that every plugin directory and file can be loaded (trusted path, valid "
      "plugin, unique id), and every sink's options against its plugin (schema and the plugin's own create(), "
      "without network access). Exit 0 when valid, 1 with one 'file:line: message' per problem.";
  if (!parse_options("check-config", summary, opts, args, p)) return 2;
  if (p.help) return 0;
  observe::init_logging(observe::LogFormat::Text, "error");  // plugin scan details only on failure
  try {
    const auto cfg = config::load(p.get("config"));
    plugin::Registry registry;
    auto diags = plugin::check_sinks(cfg, registry);
    if (!diags.empty()) throw config::ConfigError(cfg.file, std::move(diags));
    std::cout << cfg.file << ": ok (" << cfg.sinks.size() << " sinks, " << cfg.routes.size() << " routes)\n";
    return 0;
  } catch (const config::ConfigError& e) {
    for (const auto& line : e.lines()) std::cerr << line << "\n";
    return 1;
  }
}

}  // namespace sinkhub::cli
