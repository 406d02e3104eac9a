// Google field masks: the `fields` system parameter (partial responses:
// "sheets(properties(sheetId,title)),spreadsheetId", "sheets.properties", "sheets/data", "*")
// and the `fields` of update requests ("gridProperties.rowCount,title").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "json.hpp"

namespace sinkhub::fake::google {

class FieldMask {
 public:
  // nullopt when the text is not a mask (unbalanced parentheses, empty segment).
  static std::optional<FieldMask> parse(const std::string& text);

  // Checks every path against message `message` and rewrites names to lowerCamelCase.
  // Returns the first path naming no field ("" when all are fine).
  std::string normalize(const std::string& message);

  bool selects_everything() const { return root_.all; }
  // True when `path` (dotted) or one of its ancestors or descendants is selected.
  bool touches(const std::string& path) const;
  // The selected leaf paths, dotted ("*" appears as a segment).
  std::vector<std::string> paths() const;
  // Keeps only the selected parts of a response.
  json::Var apply(const json::Var& v) const;

 private:
  struct Node {
    bool all = false;
    std::map<std::string, Node> children;
  };
  static bool parse_list(const std::string& s, std::size_t& i, Node& node);
  static std::string normalize(Node& node, const std::string& message, const std::string& prefix);
  static json::Var apply(const Node& node, const json::Var& v);
  static void collect(const Node& node, const std::string& prefix, std::vector<std::string>& out);

  Node root_;
};

}  // namespace sinkhub::fake::google
