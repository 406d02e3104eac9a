// A format-neutral config tree with source lines, so YAML and INI share one validator
// and every error can say file:line.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sinkhub::config {

struct Node {
  enum class Kind { Null, Scalar, List, Map };
  Kind kind = Kind::Null;
  std::string scalar;                                  // Kind::Scalar
  std::vector<Node> items;                             // Kind::List
  std::vector<std::pair<std::string, Node>> fields;    // Kind::Map, file order
  int line = 0;                                        // 1-based, 0 = unknown
  bool from_ini = false;     // INI scalars may stand for lists ("a, b") and numbers
  bool substituted = false;  // holds ${env:..}/${file:..} text: never echo it in errors
  bool quoted = false;       // YAML: a quoted, block or tagged scalar, i.e. text, never a number or boolean

  const Node* find(const std::string& key) const;
  bool is_map() const { return kind == Kind::Map; }
  bool is_list() const { return kind == Kind::List; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_null() const { return kind == Kind::Null; }
};

struct Diagnostic {
  int line = 0;
  std::string message;
};

// Parses a YAML or INI file (chosen by extension) into a tree. Throws ConfigError. Only a
// regular file is read (never a FIFO, device or /proc file), and every bound of
// config/limits.hpp holds (size, nesting, YAML aliases expanded).
Node load_tree(const std::string& path);
// The same from the file's text; `file` names it in messages and chooses the format.
Node parse_text(const std::string& text, const std::string& file);
Node parse_yaml(const std::string& text, const std::string& file);
Node parse_ini(const std::string& text, const std::string& file);

// An INI list value: comma-separated, each entry trimmed, empty entries dropped.
std::vector<std::string> split_ini_list(const std::string& value);

// Replaces ${env:NAME} and ${file:/path} in every scalar. Each failure (unset variable,
// unreadable file, malformed reference) becomes one diagnostic naming the reference. A file
// must be a regular file of at most 64 KiB; all references together add at most 4 MiB.
void substitute(Node& root, std::vector<Diagnostic>& out);

}  // namespace sinkhub::config
