#include "field_mask.hpp"

#include <cctype>

#include "schema.hpp"

namespace sinkhub::fake::google {

namespace {

bool name_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '*' || ch == '@'; }

std::string read_name(const std::string& s, std::size_t& i) {
  const std::size_t start = i;
  while (i < s.size() && name_char(s[i])) ++i;
  return s.substr(start, i - start);
}

}  // namespace

bool FieldMask::parse_list(const std::string& s, std::size_t& i, Node& node) {
  while (true) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::string name = read_name(s, i);
    if (name.empty()) return false;
    Node* at = &node.children[name];
    while (i < s.size() && (s[i] == '.' || s[i] == '/')) {
      ++i;
      name = read_name(s, i);
      if (name.empty()) return false;
      at = &at->children[name];
    }
    if (i < s.size() && s[i] == '(') {
      ++i;
      if (!parse_list(s, i, *at) || i >= s.size() || s[i] != ')') return false;
      ++i;
    } else {
      at->all = true;
      at->children.clear();
    }
    while (i < s.size() && s[i] == ' ') ++i;
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    return true;
  }
}

std::optional<FieldMask> FieldMask::parse(const std::string& text) {
  FieldMask m;
  std::size_t i = 0;
  if (!parse_list(text, i, m.root_) || i != text.size()) return std::nullopt;
  const auto star = m.root_.children.find("*");
  if (star != m.root_.children.end() && star->second.all) m.root_.all = true;
  return m;
}

std::string FieldMask::normalize(Node& node, const std::string& message, const std::string& prefix) {
  const schema::Message* m = schema::message(message);
  std::map<std::string, Node> renamed;
  for (auto& [name, child] : node.children) {
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    if (name == "*") {
      renamed[name] = child;
      continue;
    }
    const schema::Field* f = m ? m->find(name) : nullptr;
    if (!f) return path;
    if (!child.all && !child.children.empty()) {
      if (f->kind == schema::Kind::Message) {
        const std::string bad = normalize(child, f->ref, path);
        if (!bad.empty()) return bad;
      } else if (f->kind != schema::Kind::Opaque) {
        return path + "." + child.children.begin()->first;
      }
    }
    renamed[f->json] = child;
  }
  node.children = std::move(renamed);
  return {};
}

std::string FieldMask::normalize(const std::string& message) { return normalize(root_, message, ""); }

bool FieldMask::touches(const std::string& path) const {
  const Node* at = &root_;
  std::size_t start = 0;
  while (true) {
    if (at->all) return true;
    const auto dot = path.find('.', start);
    const std::string seg = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    auto it = at->children.find(seg);
    if (it == at->children.end()) it = at->children.find("*");
    if (it == at->children.end()) return false;
    at = &it->second;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

void FieldMask::collect(const Node& node, const std::string& prefix, std::vector<std::string>& out) {
  if (node.all) {
    out.push_back(prefix.empty() ? "*" : prefix);
    return;
  }
  for (const auto& [name, child] : node.children) collect(child, prefix.empty() ? name : prefix + "." + name, out);
}

std::vector<std::string> FieldMask::paths() const {
  std::vector<std::string> out;
  collect(root_, "", out);
  return out;
}

json::Var FieldMask::apply(const Node& node, const json::Var& v) {
  if (node.all) return v;
  if (const json::Arr a = json::as_array(v)) {
    json::Arr out = json::array();
    for (std::size_t i = 0; i < a->size(); ++i) out->add(apply(node, a->get(i)));
    return out;
  }
  const json::Obj o = json::as_object(v);
  if (!o) return v;
  json::Obj out = json::object();
  const auto star = node.children.find("*");
  for (const auto& name : o->getNames()) {
    auto it = node.children.find(name);
    if (it == node.children.end()) it = star;
    if (it == node.children.end()) continue;
    const json::Var kept = apply(it->second, o->get(name));
    const json::Obj kept_obj = json::as_object(kept);
    if (kept_obj && kept_obj->size() == 0 && !it->second.all) continue;  // nothing selected inside
    out->set(name, kept);
  }
  return out;
}

json::Var FieldMask::apply(const json::Var& v) const { return apply(root_, v); }

}  // namespace sinkhub::fake::google
