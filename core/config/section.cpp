#include "config/section.hpp"

#include <Poco/NumberParser.h>

#include <algorithm>

#include "config/config.hpp"

namespace sinkhub::config {

std::string readable(std::chrono::milliseconds ms) {
  const long long v = ms.count();
  if (v == 0) return "0s";
  if (v % 86400000 == 0 && v >= 7 * 86400000LL) return std::to_string(v / 86400000) + "d";
  if (v % 3600000 == 0) return std::to_string(v / 3600000) + "h";
  if (v % 60000 == 0) return std::to_string(v / 60000) + "m";
  if (v % 1000 == 0) return std::to_string(v / 1000) + "s";
  return std::to_string(v) + "ms";
}

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

std::chrono::milliseconds Section::duration(const std::string& key, std::chrono::milliseconds def,
                                            std::chrono::milliseconds min, std::chrono::milliseconds max,
                                            bool zero_off) {
  const Node* n = get(key);
  if (!n) return def;
  std::chrono::milliseconds ms{};
  if (n->is_scalar() && zero_off && n->scalar == "0") return std::chrono::milliseconds(0);
  if (!n->is_scalar() || !parse_duration(n->scalar, ms) || ms < min || ms > max) {
    std::string range = "between " + readable(min) + " and " + readable(max);
    if (zero_off) range = "0 (off) or " + range;
    // The value is shown unless it came from a ${...} reference (it may be a secret).
    const std::string got = !n->is_scalar() ? "not a single value" : n->substituted ? "a substituted value" : "'" + n->scalar + "'";
    error(n->line, where(key) + " must be a duration " + range + " (ms, s, m, h or d, e.g. 500ms, 30s, 10m, 72h, 2d), got " + got);
    return def;
  }
  return ms;
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
