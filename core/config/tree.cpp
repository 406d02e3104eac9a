#include "config/tree.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "config/error.hpp"

namespace sinkhub::config {

const Node* Node::find(const std::string& key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

namespace {

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Node from_yaml(const YAML::Node& y, std::vector<Diagnostic>& diags) {
  Node n;
  n.line = y.Mark().is_null() ? 0 : y.Mark().line + 1;
  switch (y.Type()) {
    case YAML::NodeType::Scalar:
      n.kind = Node::Kind::Scalar;
      n.scalar = y.Scalar();
      break;
    case YAML::NodeType::Sequence:
      n.kind = Node::Kind::List;
      for (const auto& item : y) n.items.push_back(from_yaml(item, diags));
      break;
    case YAML::NodeType::Map:
      n.kind = Node::Kind::Map;
      for (const auto& kv : y) {
        Node key = from_yaml(kv.first, diags);
        if (!key.is_scalar()) {
          diags.push_back({key.line, "map keys must be plain strings"});
          continue;
        }
        if (n.find(key.scalar)) {
          diags.push_back({key.line, "duplicate key '" + key.scalar + "'"});
          continue;
        }
        n.fields.emplace_back(key.scalar, from_yaml(kv.second, diags));
      }
      break;
    default:
      n.kind = Node::Kind::Null;
  }
  return n;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

Node& child_map(Node& parent, const std::string& key, int line) {
  for (auto& [k, v] : parent.fields)
    if (k == key) return v;
  Node n;
  n.kind = Node::Kind::Map;
  n.line = line;
  parent.fields.emplace_back(key, std::move(n));
  return parent.fields.back().second;
}

}  // namespace

Node parse_yaml(const std::string& text, const std::string& file) {
  std::vector<Diagnostic> diags;
  Node root;
  try {
    root = from_yaml(YAML::Load(text), diags);
  } catch (const YAML::Exception& e) {
    diags.push_back({e.mark.is_null() ? 0 : e.mark.line + 1, "YAML syntax error: " + e.msg});
  }
  if (diags.empty() && !root.is_map() && !root.is_null())
    diags.push_back({root.line, "the top level must be a map of sections"});
  if (!diags.empty()) throw ConfigError(file, std::move(diags));
  if (root.is_null()) root.kind = Node::Kind::Map;
  return root;
}

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
// bad section header (its keys are then errors, not silently dropped).
class IniReader {
 public:
  IniReader() {
    root_.kind = Node::Kind::Map;
    root_.line = 1;
  }

  void line(const std::string& raw, int lineno) {
    const std::string line = trim(raw);
    if (line.empty() || line[0] == ';' || line[0] == '#') return;
    if (line.front() == '[') {
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
    if (section_->find(key)) return error(lineno, "duplicate key '" + key + "'");
    section_->fields.emplace_back(key, scalar_node(value, lineno, true));
  }

  Node finish(const std::string& file) {
    if (!diags_.empty()) throw ConfigError(file, std::move(diags_));
    return std::move(root_);
  }

 private:
  // [name], [apify.reconcile], [sink.NAME] or [route.NAME]: the map its keys go to.
  Node* open(const std::string& name, int lineno) {
    const bool route = name.rfind("route.", 0) == 0;  // [route.NAME] may repeat: one route each
    if (!route && !opened_.insert(name).second) return fail(lineno, "duplicate section [" + name + "]");
    const auto dot = name.find('.');
    if (dot == std::string::npos) return &child_map(root_, name, lineno);
    if (name == "apify.reconcile") return &child_map(child_map(root_, "apify", lineno), "reconcile", lineno);
    const std::string kind = name.substr(0, dot), inst = name.substr(dot + 1);
    if (inst.empty() || (kind != "sink" && kind != "route"))
      return fail(lineno, "unknown section [" + name + "] (expected [apify.reconcile], [sink.NAME] or [route.NAME])");
    if (kind == "route") return add_route(inst, lineno);
    Node& sinks = child_map(root_, "sinks", lineno);
    if (sinks.find(inst)) return fail(lineno, "duplicate section [" + name + "]");
    return &child_map(sinks, inst, lineno);
  }

  // One more entry of `routes`, in file order, named after its section.
  Node* add_route(const std::string& name, int lineno) {
    Node* routes = nullptr;
    for (auto& [k, v] : root_.fields)
      if (k == "routes") routes = &v;
    if (!routes) {
      Node list;
      list.kind = Node::Kind::List;
      list.line = lineno;
      root_.fields.emplace_back("routes", std::move(list));
      routes = &root_.fields.back().second;
    }
    Node route;
    route.kind = Node::Kind::Map;
    route.line = lineno;
    route.fields.emplace_back("name", scalar_node(name, lineno, false));
    routes->items.push_back(std::move(route));
    return &routes->items.back();
  }

  void error(int lineno, std::string message) { diags_.push_back({lineno, std::move(message)}); }
  Node* fail(int lineno, std::string message) {
    error(lineno, std::move(message));
    return nullptr;
  }

  Node root_;
  Node* section_ = nullptr;
  std::set<std::string> opened_;  // section headers seen, to refuse a repeated one
  std::vector<Diagnostic> diags_;
};

}  // namespace

// INI carries the same model: [server], [auth], ..., [sink.NAME] -> sinks.NAME,
// [route.NAME] -> one entry of routes (in file order, with name = NAME).
// Lists are comma-separated; the validator splits INI scalars where it expects a list.
Node parse_ini(const std::string& text, const std::string& file) {
  IniReader reader;
  std::istringstream in(text);
  std::string raw;
  for (int lineno = 1; std::getline(in, raw); ++lineno) reader.line(raw, lineno);
  return reader.finish(file);
}

Node load_tree(const std::string& path) {
  bool ok = false;
  const std::string text = read_file(path, ok);
  if (!ok) throw ConfigError(path, {{0, "cannot read config file"}});
  if (ends_with(path, ".ini") || ends_with(path, ".conf")) return parse_ini(text, path);
  if (ends_with(path, ".yaml") || ends_with(path, ".yml")) return parse_yaml(text, path);
  throw ConfigError(path, {{0, "unknown config format: use a .yaml/.yml or .ini file"}});
}

namespace {

// Expands one scalar; returns false (with a diagnostic) on the first bad reference.
bool expand(Node& n, std::vector<Diagnostic>& out) {
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
    const std::string ref = s.substr(i + 2, close - i - 2);
    if (ref.rfind("env:", 0) == 0) {
      const std::string name = ref.substr(4);
      const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
      if (!v) {
        out.push_back({n.line, "environment variable " + name + " is not set (referenced as ${" + ref + "})"});
        return false;
      }
      result += v;
    } else if (ref.rfind("file:", 0) == 0) {
      const std::string path = ref.substr(5);
      bool ok = false;
      std::string content = path.empty() ? std::string() : read_file(path, ok);
      if (!ok) {
        out.push_back({n.line, "cannot read file '" + path + "' (referenced as ${" + ref + "})"});
        return false;
      }
      while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
      result += content;
    } else {
      out.push_back({n.line, "unknown reference ${" + ref + "}: use ${env:NAME} or ${file:/path}"});
      return false;
    }
    n.substituted = true;
    i = close + 1;
  }
  n.scalar = std::move(result);
  return true;
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
  switch (root.kind) {
    case Node::Kind::Scalar:
      expand(root, out);
      break;
    case Node::Kind::List:
      for (auto& item : root.items) substitute(item, out);
      break;
    case Node::Kind::Map:
      for (auto& kv : root.fields) substitute(kv.second, out);
      break;
    case Node::Kind::Null:
      break;
  }
}

ConfigError::ConfigError(std::string file, std::vector<Diagnostic> diags)
    : std::runtime_error(file + ": invalid configuration"), file_(std::move(file)), diags_(std::move(diags)) {}

std::vector<std::string> ConfigError::lines() const {
  std::vector<std::string> out;
  for (const auto& d : diags_)
    out.push_back(file_ + ":" + (d.line > 0 ? std::to_string(d.line) + ":" : std::string()) + " " + d.message);
  return out;
}

}  // namespace sinkhub::config
