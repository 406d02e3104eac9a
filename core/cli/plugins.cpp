#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "config/config.hpp"
#include "observe/log.hpp"
#include "plugin/host.hpp"

namespace sinkhub::cli {

int plugins(const Args& args) {
  using Poco::Util::Option;
  Poco::Util::OptionSet opts;
  opts.addOption(Option("config", "c", "config file whose plugins.dirs are searched").required(true).argument("FILE"));
  opts.addOption(Option("json", "", "print a JSON array instead of a table"));
  Parsed p;
  const char* summary =
      "Lists every plugin found in plugins.dirs: id, version, ABI version, path and option schema, and why any "
      "file was refused. Exit 1 when a file or directory was refused.";
  if (!parse_options("plugins", summary, opts, args, p)) return 2;
  if (p.help) return 0;
  observe::init_logging(observe::LogFormat::Text, "off");
  config::Config cfg;
  try {
    cfg = config::load(p.get("config"));
  } catch (const config::ConfigError& e) {
    for (const auto& line : e.lines()) std::cerr << line << "\n";
    return 1;
  }
  plugin::Registry reg;
  reg.scan(cfg.plugin_dirs);
  bool any_error = !reg.dir_errors().empty();
  for (const auto& pl : reg.plugins()) any_error = any_error || !pl.ok();

  if (p.has("json")) {
    Poco::JSON::Array out;
    for (const auto& pl : reg.plugins()) {
      Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
      o.set("path", pl.path);
      if (!pl.ok()) {
        o.set("error", pl.error);
      } else {
        o.set("id", pl.id);
        o.set("name", pl.name);
        o.set("version", pl.version);
        o.set("abi", std::to_string(pl.desc.abi_major) + "." + std::to_string(pl.desc.abi_minor));
        o.set("description", pl.description);
        if (pl.schema.empty()) {
          o.set("options_schema", Poco::Dynamic::Var());
        } else {
          try {
            o.set("options_schema", Poco::JSON::Parser().parse(pl.schema));
          } catch (const std::exception&) {
            o.set("options_schema", pl.schema);
          }
        }
      }
      out.add(o);
    }
    for (const auto& e : reg.dir_errors()) {
      Poco::JSON::Object o;
      o.set("error", e);
      out.add(o);
    }
    out.stringify(std::cout, 2);
    std::cout << "\n";
    return any_error ? 1 : 0;
  }

  for (const auto& e : reg.dir_errors()) std::cout << "refused: " << e << "\n";
  if (reg.plugins().empty()) std::cout << "no plugins found in plugins.dirs\n";
  for (const auto& pl : reg.plugins()) {
    if (!pl.ok()) {
      std::cout << "refused  " << pl.path << "\n         " << pl.error << "\n";
      continue;
    }
    std::cout << pl.id << "  " << pl.version << "  ABI " << pl.desc.abi_major << "." << pl.desc.abi_minor << "  "
              << pl.path << "\n";
    if (!pl.description.empty()) std::cout << "    " << pl.description << "\n";
    if (!pl.schema.empty()) std::cout << "    options schema: " << pl.schema << "\n";
  }
  return any_error ? 1 : 0;
}

}  // namespace sinkhub::cli
