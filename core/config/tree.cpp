#include "config/tree.hpp"

#include <cstdlib>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "config/error.hpp"
#include "config/limits.hpp"
#include "util/small_file.hpp"

namespace sinkhub::config {

const Node* Node::find(const std::string& key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

namespace {

Node scalar_node(std::string value, int line, bool from_ini) {
  Node n;
  n.kind = Node::Kind::Scalar;
  n.scalar = std::move(value);
  n.line = line;
  n.from_ini = from_ini;
  return n;
}

// Reads an INI file line by line into the tree; `section` is where keys go, nullptr after a
// bad section header (its keys are then errors, not silently dropped). Lookups are hashed so
// that a file of 200,000 keys or sections reads in linear time.
class IniReader {
 public:
  IniReader() {
    root_.kind = Node::Kind::Map;
    root_.line = 1;
  }

  void line(const std::string& raw, int lineno) {
    const std::string line = trim(raw);
    if (line.empty() || line[0] == ';' || line[0] == '#' || full_) return;
    if (++entries_ > limits::kNodes) {  // the same bound as YAML's keys and values
      full_ = true;
      return error(lineno, "the config holds more than " + std::to_string(limits::kNodes) + " keys and sections");
    }
    if (line.front() == '[') {
      keys_.clear();
      section_ = line.back() == ']' ? open(trim(line.substr(1, line.size() - 2)), lineno)
                                    : fail(lineno, "section header must end with ']'");
      return;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) return error(lineno, "expected 'key = value' or a [section]");
    if (!section_) return error(lineno, "key outside of any valid [section]");
    const std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (key.empty()) return error(lineno, "empty key");
    if (!keys_.insert(key).second) return error(lineno, "duplicate key '" + key + "'");
    section_->fields.emplace_back(key, scalar_node(value, lineno, true));
  }

  Node finish(const std::string& file) {
    if (!diags_.empty()) throw ConfigError(file, std::move(diags_));
    return std::move(root_);
  }

 private:
  // [name], [apify.reconcile], [ledger.retention], [sink.NAME] or [route.NAME]: the map its keys go to.
  Node* open(const std::string& name, int lineno) {
    const bool route = name.rfind("route.", 0) == 0;  // [route.NAME] may repeat: one route each
    if (!route && !opened_.insert(name).second) return fail(lineno, "duplicate section [" + name + "]");
    const auto dot = name.find('.');
    if (dot == std::string::npos) return &top_level(name, Node::Kind::Map, lineno);
    if (name == "apify.reconcile") return open_nested("apify", "reconcile", lineno);
    if (name == "ledger.retention") return open_nested("ledger", "retention", lineno);
    const std::string kind = name.substr(0, dot), inst = name.substr(dot + 1);
    if (inst.empty() || (kind != "sink" && kind != "route"))
      return fail(lineno, "unknown section [" + name +
                              "] (expected [apify.reconcile], [ledger.retention], [sink.NAME] or [route.NAME])");
    if (kind == "route") return add_route(inst, lineno);
    Node& sinks = top_level("sinks", Node::Kind::Map, lineno);
    Node body;
    body.kind = Node::Kind::Map;
    body.line = lineno;
    sinks.fields.emplace_back(inst, std::move(body));
    return &sinks.fields.back().second;
  }

  // [parent.child]: the map `child` inside the top-level `parent` (made by [parent] or here).
  Node* open_nested(const std::string& parent, const std::string& child, int lineno) {
    const std::string header = "[" + parent + "." + child + "]";
    Node& top = top_level(parent, Node::Kind::Map, lineno);
    if (top.find(child)) return fail(lineno, "section " + header + " repeats the key '" + child + "' of [" + parent + "]");
    Node body;
    body.kind = Node::Kind::Map;
    body.line = lineno;
    top.fields.emplace_back(child, std::move(body));
    return &top.fields.back().second;
  }

  // One more entry of `routes`, in file order, named after its section.
  Node* add_route(const std::string& name, int lineno) {
    Node& routes = top_level("routes", Node::Kind::List, lineno);
    Node route;
    route.kind = Node::Kind::Map;
    route.line = lineno;
    route.fields.emplace_back("name", scalar_node(name, lineno, false));
    keys_.insert("name");
    routes.items.push_back(std::move(route));
    return &routes.items.back();
  }

  // The top-level entry `key`, created (as `kind`) on first use.
  Node& top_level(const std::string& key, Node::Kind kind, int lineno) {
    const auto [it, added] = top_.emplace(key, root_.fields.size());
    if (added) {
      Node n;
      n.kind = kind;
      n.line = lineno;
      root_.fields.emplace_back(key, std::move(n));
    }
    return root_.fields[it->second].second;
  }

  void error(int lineno, std::string message) { diags_.push_back({lineno, std::move(message)}); }
  Node* fail(int lineno, std::string message) {
    error(lineno, std::move(message));
    return nullptr;
  }

  Node root_;
  Node* section_ = nullptr;
  std::unordered_map<std::string, std::size_t> top_;  // root_.fields index by key
  std::unordered_set<std::string> opened_;             // [section] headers seen, nested ones too
  std::unordered_set<std::string> keys_;               // of the current section
  std::size_t entries_ = 0;  // sections and keys (and bad lines) so far
  bool full_ = false;
  std::vector<Diagnostic> diags_;
};

}  // namespace

// INI carries the same model: [server], [auth], ..., [sink.NAME] -> sinks.NAME,
// [route.NAME] -> one entry of routes (in file order, with name = NAME).
// Lists are comma-separated; the validator splits INI scalars where it expects a list.
Node parse_ini(const std::string& text, const std::string& file) {
  if (text.size() > limits::kFileBytes)
    throw ConfigError(file, {{1, "the config file is larger than " + std::to_string(limits::kFileBytes) + " bytes"}});
  IniReader reader;
  std::istringstream in(text);
  std::string raw;
  for (int lineno = 1; std::getline(in, raw); ++lineno) reader.line(raw, lineno);
  return reader.finish(file);
}

Node parse_text(const std::string& text, const std::string& file) {
  if (ends_with(file, ".ini") || ends_with(file, ".conf")) return parse_ini(text, file);
  if (ends_with(file, ".yaml") || ends_with(file, ".yml")) return parse_yaml(text, file);
  throw ConfigError(file, {{1, "unknown config format: use a .yaml/.yml or .ini file"}});
}

Node load_tree(const std::string& path) {
  std::string why;
  const auto text = util::read_small_file(path, limits::kFileBytes, why);
  if (!text) throw ConfigError(path, {{1, "cannot read config file: " + why}});
  return parse_text(*text, path);
}

namespace {

// The text of one ${env:NAME} or ${file:/path} (`ref` is what is between the braces), or
// nullopt after adding a diagnostic. `budget` is what all references together may still add.
std::optional<std::string> resolve(const std::string& ref, int line, std::size_t& budget, std::vector<Diagnostic>& out) {
  std::optional<std::string> text;
  if (ref.rfind("env:", 0) == 0) {
    const std::string name = ref.substr(4);
    const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
    if (!v) {
      out.push_back({line, "environment variable " + name + " is not set (referenced as ${" + ref + "})"});
      return std::nullopt;
    }
    text = v;
  } else if (ref.rfind("file:", 0) == 0) {
    const std::string path = ref.substr(5);
    std::string why = "no path given";
    if (!path.empty()) text = util::read_small_file(path, limits::kFileReferenceBytes, why);
    if (!text) {
      out.push_back({line, "cannot read file '" + path + "' (referenced as ${" + ref + "}): " + why});
      return std::nullopt;
    }
    while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
  } else {
    out.push_back({line, "unknown reference ${" + ref + "}: use ${env:NAME} or ${file:/path}"});
    return std::nullopt;
  }
  if (text->size() > budget) {
    out.push_back({line, "${" + ref + "} makes the substituted values more than " +
                             std::to_string(limits::kSubstitutedBytes) + " bytes in total"});
    return std::nullopt;
  }
  budget -= text->size();
  return text;
}

// Expands one scalar; returns false (with a diagnostic) on the first bad reference.
bool expand(Node& n, std::size_t& budget, std::vector<Diagnostic>& out) {
  const std::string& s = n.scalar;
  if (s.find("${") == std::string::npos) return true;
  std::string result;
  for (std::size_t i = 0; i < s.size();) {
    if (s.compare(i, 3, "$${") == 0) {  // escape: "$${" is a literal "${"
      result += "${";
      i += 3;
      continue;
    }
    if (s.compare(i, 2, "${") != 0) {
      result += s[i++];
      continue;
    }
    const auto close = s.find('}', i + 2);
    if (close == std::string::npos) {
      out.push_back({n.line, "unterminated '${' reference (write '$${' for a literal)"});
      return false;
    }
    const auto text = resolve(s.substr(i + 2, close - i - 2), n.line, budget, out);
    if (!text) return false;
    result += *text;
    n.substituted = true;
    i = close + 1;
  }
  n.scalar = std::move(result);
  return true;
}

void substitute(Node& node, std::size_t& budget, std::vector<Diagnostic>& out) {
  switch (node.kind) {
    case Node::Kind::Scalar:
      expand(node, budget, out);
      break;
    case Node::Kind::List:
      for (auto& item : node.items) substitute(item, budget, out);
      break;
    case Node::Kind::Map:
      for (auto& kv : node.fields) substitute(kv.second, budget, out);
      break;
    case Node::Kind::Null:
      break;
  }
}

}  // namespace

std::vector<std::string> split_ini_list(const std::string& value) {
  std::vector<std::string> out;
  std::istringstream ss(value);
  for (std::string item; std::getline(ss, item, ',');) {
    item = trim(item);
    if (!item.empty()) out.push_back(std::move(item));
  }
  return out;
}

void substitute(Node& root, std::vector<Diagnostic>& out) {
  std::size_t budget = limits::kSubstitutedBytes;
  substitute(root, budget, out);
}

ConfigError::ConfigError(std::string file, std::vector<Diagnostic> diags)
    : std::runtime_error(file + ": invalid configuration"), file_(std::move(file)), diags_(std::move(diags)) {}

std::vector<std::string> ConfigError::lines() const {
  // Every line names a line: a problem of the whole file (or of a section it lacks) is at 1.
  std::vector<std::string> out;
  for (const auto& d : diags_) {
    if (out.size() == limits::kReportedDiagnostics) {
      const Diagnostic& next = diags_[out.size()];
      out.push_back(file_ + ":" + std::to_string(next.line > 0 ? next.line : 1) + ": ... and " +
                    std::to_string(diags_.size() - out.size()) + " more problems from here on");
      break;
    }
    out.push_back(file_ + ":" + std::to_string(d.line > 0 ? d.line : 1) + ": " + d.message);
  }
  return out;
}

}  // namespace sinkhub::config
