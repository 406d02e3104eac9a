#include "config/section.hpp"

#include <Poco/NumberParser.h>

#include <algorithm>

namespace sinkhub::config {

Section::Section(const Node* node, std::string name, std::vector<Diagnostic>& diags)
    : node_(node), name_(std::move(name)), diags_(diags) {
  if (node_ && !node_->is_map() && !node_->is_null()) {
    error(node_->line, name_ + " must be a map");
    node_ = nullptr;
  }
}

const Node* Section::get(const std::string& key) {
  used_.insert(key);
  if (!node_) return nullptr;
  const Node* n = node_->find(key);
  return (n && n->is_null()) ? nullptr : n;
}

int Section::line_of(const std::string& key) const {
  const Node* n = node_ ? node_->find(key) : nullptr;
  return n ? n->line : line();
}

std::string Section::str(const std::string& key, std::string def, bool required) {
  const Node* n = get(key);
  if (!n) {
    if (required) error(line(), where(key) + " is required");
    return def;
  }
  if (!n->is_scalar()) {
    error(n->line, where(key) + " must be a string");
    return def;
  }
  return n->scalar;
}

long long Section::integer(const std::string& key, long long def, long long min, long long max) {
  const Node* n = get(key);
  if (!n) return def;
  Poco::Int64 v = 0;
  if (!n->is_scalar() || !Poco::NumberParser::tryParse64(n->scalar, v)) {
    error(n->line, where(key) + " must be an integer");
    return def;
  }
  if (v < min || v > max) {
    error(n->line, where(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return def;
  }
  return v;
}

bool Section::boolean(const std::string& key, bool def) {
  const Node* n = get(key);
  if (!n) return def;
  if (n->is_scalar()) {
    std::string v = n->scalar;
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
    if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  }
  error(n->line, where(key) + " must be true or false");
  return def;
}

std::vector<std::string> Section::list(const std::string& key, std::vector<std::string> def) {
  const Node* n = get(key);
  if (!n) return def;
  if (n->is_scalar() && n->from_ini) return split_ini_list(n->scalar);
  std::vector<std::string> out;
  if (!n->is_list()) {
    error(n->line, where(key) + " must be a list");
    return def;
  }
  for (const auto& item : n->items) {
    if (!item.is_scalar()) {
      error(item.line, where(key) + " must hold only strings");
      continue;
    }
    out.push_back(item.scalar);
  }
  return out;
}

void Section::finish() {
  if (!node_) return;
  for (const auto& [k, v] : node_->fields)
    if (!used_.count(k)) error(v.line, "unknown key " + where(k));
}

const Node* top(const Node& root, const std::string& key) {
  const Node* n = root.find(key);
  return (n && n->is_null()) ? nullptr : n;
}

}  // namespace sinkhub::config
