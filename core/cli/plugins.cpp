#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "config/config.hpp"
#include "observe/log.hpp"
#include "plugin/host.hpp"

namespace sinkhub::cli {

namespace {

using Poco::JSON::Object;

// A plugin's schema, its properties in the order the plugin declared them.
Poco::Dynamic::Var parse_ordered(const std::string& json) {
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
  return parser.parse(json);
}

std::string compact(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(v, out);
  return out.str();
}

// "string, one of jsonl|json, default "jsonl", required" for one property of a schema.
std::string option_summary(const Object::Ptr& p, bool required) {
  std::string s = p->has("type") ? p->get("type").toString() : "any";
  if (const auto e = p->getArray("enum")) {
    std::string values;
    for (unsigned i = 0; i < e->size(); ++i) values += (i ? "|" : "") + e->get(i).toString();
    s += ", one of " + values;
  }
  if (p->has("minimum")) s += ", >= " + p->get("minimum").toString();
  if (p->has("maximum")) s += ", <= " + p->get("maximum").toString();
  if (p->has("maxLength")) s += ", <= " + p->get("maxLength").toString() + " bytes";
  if (p->has("maxItems")) s += ", <= " + p->get("maxItems").toString() + " entries";
  if (p->has("default")) s += ", default " + compact(p->get("default"));
  if (required) s += ", required";
  return s;
}

// One line per option (nested objects as parent.child): name, summary, description.
void print_options(const Object::Ptr& schema, const std::string& prefix, std::ostream& out) {
  const auto props = schema->getObject("properties");
  if (!props) return;
  const auto req = schema->getArray("required");
  for (const auto& name : props->getNames()) {
    const auto p = props->getObject(name);
    if (!p) continue;
    bool required = false;
    for (unsigned i = 0; req && i < req->size(); ++i) required = required || req->get(i).toString() == name;
    out << "      " << prefix << name << " (" << option_summary(p, required) << ")";
    if (p->has("description")) out << ": " << p->get("description").toString();
    out << "\n";
    if (p->has("properties")) print_options(p, prefix + name + ".", out);
  }
}

// The schema as a list of options; a schema the host cannot read is shown as it is.
void print_schema(const std::string& schema, std::ostream& out) {
  Object::Ptr s;
  try {
    s = parse_ordered(schema).extract<Object::Ptr>();
  } catch (const std::exception&) {
    out << "    options schema: " << schema << "\n";
    return;
  }
  const auto props = s ? s->getObject("properties") : nullptr;
  if (!props || props->size() == 0) {
    out << "    options: none\n";
    return;
  }
  out << "    options:\n";
  print_options(s, "", out);
}

void print_json(const plugin::Registry& reg, std::ostream& out) {
  Poco::JSON::Array list;
  for (const auto& pl : reg.plugins()) {
    Object o(Poco::JSON_PRESERVE_KEY_ORDER);
    o.set("path", pl.path);
    if (!pl.ok()) {
      if (!pl.id.empty()) o.set("id", pl.id);  // known when the descriptor was read
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
          o.set("options_schema", parse_ordered(pl.schema));
        } catch (const std::exception&) {
          o.set("options_schema", pl.schema);
        }
      }
    }
    list.add(o);
  }
  for (const auto& d : reg.refused_dirs()) {
    Object o(Poco::JSON_PRESERVE_KEY_ORDER);
    o.set("dir", d.dir);
    o.set("error", d.error);
    list.add(o);
  }
  list.stringify(out, 2);
  out << "\n";
}

void print_table(const plugin::Registry& reg, std::ostream& out) {
  for (const auto& e : reg.dir_errors()) out << "refused: " << e << "\n";
  if (reg.plugins().empty()) out << "no plugins found\n";
  for (const auto& pl : reg.plugins()) {
    if (!pl.ok()) {
      out << "refused  " << pl.path << "\n         " << pl.error << "\n";
      continue;
    }
    out << pl.id << "  " << pl.version << "  ABI " << pl.desc.abi_major << "." << pl.desc.abi_minor << "  " << pl.path
        << "\n";
    if (!pl.description.empty()) out << "    " << pl.description << "\n";
    if (!pl.schema.empty()) print_schema(pl.schema, out);
  }
}

}  // namespace

int plugins(const Args& args) {
  using Poco::Util::Option;
  Poco::Util::OptionSet opts;
  opts.addOption(Option("config", "c", "config file whose plugins.dirs are searched").argument("FILE"));
  opts.addOption(Option("dir", "d", "search this directory instead (no config needed)").argument("PATH"));
  opts.addOption(Option("json", "", "print a JSON array instead of a table"));
  Parsed p;
  const char* summary =
      "Lists every plugin found in plugins.dirs (--config) or in one directory (--dir): id, version, ABI version, "
      "path and options (type, default, meaning), and why any file or directory was refused. Exit 1 when a file or "
      "directory was refused.";
  if (!parse_options("plugins", summary, opts, args, p)) return 2;
  if (p.help) return 0;
  if (p.has("config") == p.has("dir")) {
    std::cerr << "sinkhub plugins: give either --config FILE or --dir PATH\nTry 'sinkhub plugins --help'.\n";
    return 2;
  }
  observe::init_logging(observe::LogFormat::Text, "off");
  std::vector<std::string> dirs{p.get("dir")};
  if (p.has("config")) {
    try {
      dirs = config::load(p.get("config")).plugin_dirs;
    } catch (const config::ConfigError& e) {
      for (const auto& line : e.lines()) std::cerr << line << "\n";
      return 1;
    }
  }
  plugin::Registry reg;
  reg.scan(dirs);
  bool any_error = !reg.dir_errors().empty();
  for (const auto& pl : reg.plugins()) any_error = any_error || !pl.ok();
  if (p.has("json")) print_json(reg, std::cout);
  else print_table(reg, std::cout);
  return any_error ? 1 : 0;
}

}  // namespace sinkhub::cli
