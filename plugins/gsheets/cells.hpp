// Items become typed cells, never parsed by Sheets: strings are stringValue (a scraped
// "=HYPERLINK(...)", "001", "1.10" or "2024-03-01" stay text), numbers numberValue (their JSON
// literal), booleans boolValue, integers beyond 2^53 text (a double would change them),
// null / missing an empty cell (0 and false are values). Objects and arrays are compact JSON
// text in one cell, or "a/b/0" columns with `nested: flatten` (Apify's CSV convention).
// A cell over 50,000 characters (counted as Google does, in UTF-16 units) is cut and ends with
// kTruncationMarker.
//
// Columns: fixed (`columns`, dotted paths), or grown: every new field becomes a new column at
// the end, in the order first seen, never re-sorted (at most kMaxColumns).
#pragma once

#include <sinkhub/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sinkhub_gsheets {

constexpr std::size_t kMaxCellChars = 50000;
constexpr const char* kTruncationMarker = "...[TRUNCATED]";
constexpr std::size_t kMaxColumns = 2000;

class Columns {
 public:
  Columns(std::vector<std::string> names, bool fixed, bool flatten);

  const std::vector<std::string>& names() const { return names_; }
  std::size_t size() const { return names_.size(); }
  bool fixed() const { return fixed_; }
  /// Fields dropped because the column cap was reached (counted once per name).
  std::size_t dropped() const { return dropped_; }

  /// Appends `cells` (CellData JSON objects, comma-separated, one per column) for `item`;
  /// grows the columns first when they are not fixed. `extra` fills a column named by its key
  /// (the provenance column). Returns the number of cells that were cut at 50,000 characters.
  std::size_t row(const sinkhub::json::Value& item, const std::vector<std::pair<std::string, std::string>>& extra,
                  std::string& cells);
  /// The same, one CellData per column; `present[c]` says whether the item has that field
  /// (a JSON null counts: it clears the cell) or `extra` fills it.
  std::size_t cells(const sinkhub::json::Value& item, const std::vector<std::pair<std::string, std::string>>& extra,
                    std::vector<std::string>& out, std::vector<bool>& present);
  /// The item's value for column `name` (nullptr when absent).
  const sinkhub::json::Value* value(const sinkhub::json::Value& item, const std::string& name) const {
    return lookup(item, name);
  }

 private:
  void learn(const sinkhub::json::Value& item);
  void add(const std::string& name);
  const sinkhub::json::Value* lookup(const sinkhub::json::Value& item, const std::string& name) const;

  std::vector<std::string> names_;
  std::unordered_map<std::string, std::size_t> index_;
  bool fixed_, flatten_;
  std::size_t dropped_ = 0;
};

/// One cell's CellData JSON: `{}` for null/missing, else {"userEnteredValue":{...}}.
/// Sets *cut when the text was cut at 50,000 characters.
std::string cell_json(const sinkhub::json::Value* v, bool* cut);
/// A text cell.
std::string text_cell(std::string_view text, bool* cut);
/// `text` cut to at most kMaxCellChars UTF-16 units including the marker (unchanged if it fits).
std::string cut_text(std::string_view text, bool* cut);

/// A cell's value as upsert compares keys: the text Sheets holds for what cell_json writes
/// (numbers canonical, so 1.10 and 1.1 are one key, and the text "42" matches the number 42);
/// "" for null/missing/empty (no key).
std::string key_text(const sinkhub::json::Value* v);

/// Parses one dataset item (an object; anything else becomes {"value": item}).
sinkhub::json::Value parse_item(std::string_view text);

}  // namespace sinkhub_gsheets
