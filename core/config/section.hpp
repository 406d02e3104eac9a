// Reading one map of the config tree (a section such as server, or sinks.NAME.dataset) into
// typed values: every value is checked, every problem becomes a diagnostic at its line, and the
// keys nobody asked for are reported as unknown (typos do not pass silently).
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "config/tree.hpp"

namespace sinkhub::config {

class Section {
 public:
  // `name` is how messages call the section ("server", "routes[2]"). A null node is an empty
  // section; anything else but a map is an error.
  Section(const Node* node, std::string name, std::vector<Diagnostic>& diags);

  // The value at key (nullptr when absent or null); the key counts as known.
  const Node* get(const std::string& key);
  int line() const { return node_ ? node_->line : 0; }
  int line_of(const std::string& key) const;  // of the key, else of the section
  std::string where(const std::string& key) const { return name_ + "." + key; }

  std::string str(const std::string& key, std::string def, bool required = false);
  long long integer(const std::string& key, long long def, long long min, long long max);
  bool boolean(const std::string& key, bool def);  // true/false, yes/no, on/off, 1/0
  // A duration ("500ms", "30s", "10m", "72h", "2d") within [min, max]; `def` when absent. With
  // zero_off, a bare "0" is accepted as zero (a feature switched off).
  std::chrono::milliseconds duration(const std::string& key, std::chrono::milliseconds def,
                                     std::chrono::milliseconds min, std::chrono::milliseconds max,
                                     bool zero_off = false);
  // A YAML sequence of strings, or an INI comma-separated scalar.
  std::vector<std::string> list(const std::string& key, std::vector<std::string> def = {});

  // Reports every key that was never asked for.
  void finish();
  void error(int line, std::string msg) { diags_.push_back({line, std::move(msg)}); }

 private:
  const Node* node_;
  std::string name_;
  std::vector<Diagnostic>& diags_;
  std::set<std::string> used_;
};

// "90000ms" -> "90s", "3600000ms" -> "1h": a duration as a person would write it (days from a week).
std::string readable(std::chrono::milliseconds ms);

// A top-level section of the tree, nullptr when absent or null.
const Node* top(const Node& root, const std::string& key);

}  // namespace sinkhub::config
