// The spreadsheet model behind the fake Google: tabs with a grid of typed cells, row/column
// properties and developer metadata, plus the structural edits both the API and a test's
// "person" perform (insert/delete rows or columns, resize), with metadata moving with its row.
//
// Cells keep the ExtendedValue they were given (string/number/bool/formula) and are never
// parsed: "001" and "=HYPERLINK(…)" sent as stringValue stay strings. Rows are shared,
// copy-on-write, so copying a whole spreadsheet (what makes a batchUpdate atomic) costs one
// pointer per row.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinkhub::fake::google {

// A cell's userEnteredValue (Sheets' ExtendedValue minus the read-only errorValue).
struct Value {
  enum class Type { Empty, String, Number, Bool, Formula };
  Type type = Type::Empty;
  std::string text;  // String, Formula
  double number = 0;
  bool boolean = false;

  static Value string(std::string s);
  static Value num(double n);
  static Value boolean_value(bool b);
  static Value formula(std::string f);
  bool empty() const { return type == Type::Empty; }
  bool operator==(const Value& o) const;
  bool operator!=(const Value& o) const { return !(*this == o); }
  std::string describe() const;  // string:"001", number:1.5, bool:true, formula:"=A1", empty
};
void PrintTo(const Value& v, std::ostream* os);  // readable gtest failures

// What a person typing `text` into the Sheets UI gets (USER_ENTERED semantics, simplified:
// numbers, TRUE/FALSE, "=formula", a leading ' forces text; no dates or currencies).
Value user_entered(const std::string& text);

struct Cell {
  Value value;              // userEnteredValue
  std::string format_json;  // userEnteredFormat as compact JSON, "" = none
  std::string note;
  Value formula_result;     // a formula's computed value: the fake never computes, tests may set it
  bool blank() const { return value.empty() && format_json.empty() && note.empty(); }
};

struct Row {
  std::vector<Cell> cells;  // may be shorter than the grid: missing cells are blank
  bool hidden = false;
  int pixel_size = 0;       // 0: Sheets' default (21)
};
using RowPtr = std::shared_ptr<const Row>;

struct ColumnProps {
  bool hidden = false;
  int pixel_size = 0;  // 0: default (100)
};

enum class Dimension { Rows, Columns };

struct SheetProps {
  std::int32_t sheet_id = 0;
  std::string title;
  int index = 0;
  bool hidden = false;
  int row_count = 1000;
  int column_count = 26;
  int frozen_rows = 0;
  int frozen_columns = 0;
  std::string tab_color_json;  // opaque
  bool right_to_left = false;
};

struct Sheet {
  SheetProps props;
  std::vector<RowPtr> rows;          // rows.size() <= row_count; absent = empty row
  std::vector<ColumnProps> columns;  // columns.size() <= column_count

  const Cell* cell(int row, int col) const;  // nullptr when blank/absent
  Cell& mutable_cell(int row, int col);      // copy-on-write of that row
  Row& mutable_row(int row);
  const Row* row(int r) const;
  bool row_has_value(int r) const;
  int last_row_with_value() const;     // -1 when no cell holds a value
  int last_column_with_value() const;  // over all rows, -1 when none
  int size(Dimension d) const { return d == Dimension::Rows ? props.row_count : props.column_count; }
};

enum class LocationType { Spreadsheet, Sheet, Row, Column };
enum class Visibility { Document, Project };

struct Metadata {
  std::int32_t id = 0;
  std::string key;
  std::string value;
  bool has_value = false;
  Visibility visibility = Visibility::Document;
  std::string project;  // the creating project (PROJECT visibility is scoped to it)
  LocationType type = LocationType::Spreadsheet;
  std::int32_t sheet_id = 0;  // Sheet, Row, Column
  int index = 0;              // Row, Column: the row/column it is attached to now
};

// Thrown by the model for an edit it refuses (bad index, last sheet, ...).
struct ModelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Spreadsheet {
  std::string id;
  std::string title = "Untitled spreadsheet";
  std::string locale = "en_US";
  std::string time_zone = "Etc/GMT";
  std::vector<Sheet> sheets;  // in index order
  std::map<std::int32_t, Metadata> metadata;
  std::set<std::string> editors;  // lower-case emails
  std::set<std::string> readers;
  bool anyone_can_edit = false;

  Sheet* sheet_by_id(std::int32_t id);
  const Sheet* sheet_by_id(std::int32_t id) const;
  Sheet* sheet_by_title(const std::string& title);  // Sheets compares titles case-insensitively
  const Sheet* sheet_by_title(const std::string& title) const;
  const Sheet* first_visible() const;
  std::int64_t cell_count() const;  // rowCount x columnCount over every tab (empty cells count)
  void reindex();                   // index = position

  // Structural edits; metadata on rows/columns moves with them and dies with them.
  void insert(Sheet& s, Dimension d, int start, int count, bool inherit_from_before);
  void remove(Sheet& s, Dimension d, int start, int end);
  void resize(Sheet& s, Dimension d, int new_count);
  void remove_sheet(std::int32_t sheet_id);
};

bool iequals(const std::string& a, const std::string& b);
std::string lower(std::string s);

}  // namespace sinkhub::fake::google
