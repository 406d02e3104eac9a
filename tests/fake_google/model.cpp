#include "model.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace sinkhub::fake::google {

Value Value::string(std::string s) {
  Value v;
  v.type = Type::String;
  v.text = std::move(s);
  return v;
}

Value Value::num(double n) {
  Value v;
  v.type = Type::Number;
  v.number = n;
  return v;
}

Value Value::boolean_value(bool b) {
  Value v;
  v.type = Type::Bool;
  v.boolean = b;
  return v;
}

Value Value::formula(std::string f) {
  Value v;
  v.type = Type::Formula;
  v.text = std::move(f);
  return v;
}

bool Value::operator==(const Value& o) const {
  if (type != o.type) return false;
  switch (type) {
    case Type::Empty: return true;
    case Type::String:
    case Type::Formula: return text == o.text;
    case Type::Number: return number == o.number;
    case Type::Bool: return boolean == o.boolean;
  }
  return false;
}

std::string Value::describe() const {
  std::ostringstream out;
  switch (type) {
    case Type::Empty: return "empty";
    case Type::String: out << "string:\"" << text << '"'; break;
    case Type::Formula: out << "formula:\"" << text << '"'; break;
    case Type::Number: out.precision(17); out << "number:" << number; break;
    case Type::Bool: out << "bool:" << (boolean ? "true" : "false"); break;
  }
  return out.str();
}

void PrintTo(const Value& v, std::ostream* os) { *os << v.describe(); }

Value user_entered(const std::string& text) {
  if (text.empty()) return {};
  if (text[0] == '\'') return Value::string(text.substr(1));
  if (text[0] == '=') return Value::formula(text);
  std::string upper = text;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (upper == "TRUE" || upper == "FALSE") return Value::boolean_value(upper == "TRUE");
  const bool percent = text.back() == '%';
  const std::string digits = percent ? text.substr(0, text.size() - 1) : text;
  char* end = nullptr;
  const double n = std::strtod(digits.c_str(), &end);
  const bool numeric = !digits.empty() && end == digits.c_str() + digits.size() && std::isfinite(n) &&
                       !std::isspace(static_cast<unsigned char>(digits[0])) &&
                       digits.find_first_of("xXpP") == std::string::npos;
  if (numeric) return Value::num(percent ? n / 100 : n);
  return Value::string(text);
}

// ---- Sheet ------------------------------------------------------------------------------

const Row* Sheet::row(int r) const {
  return r >= 0 && r < static_cast<int>(rows.size()) ? rows[static_cast<std::size_t>(r)].get() : nullptr;
}

const Cell* Sheet::cell(int r, int c) const {
  const Row* rw = row(r);
  if (!rw || c < 0 || c >= static_cast<int>(rw->cells.size())) return nullptr;
  const Cell& cell = rw->cells[static_cast<std::size_t>(c)];
  return cell.blank() ? nullptr : &cell;
}

Row& Sheet::mutable_row(int r) {
  if (r < 0 || r >= props.row_count) throw ModelError("row " + std::to_string(r) + " is outside the grid");
  if (static_cast<int>(rows.size()) <= r) rows.resize(static_cast<std::size_t>(r) + 1);
  RowPtr& slot = rows[static_cast<std::size_t>(r)];
  auto copy = slot ? std::make_shared<Row>(*slot) : std::make_shared<Row>();
  Row& ref = *copy;
  slot = std::move(copy);
  return ref;
}

Cell& Sheet::mutable_cell(int r, int c) {
  if (c < 0 || c >= props.column_count) throw ModelError("column " + std::to_string(c) + " is outside the grid");
  Row& rw = mutable_row(r);
  if (static_cast<int>(rw.cells.size()) <= c) rw.cells.resize(static_cast<std::size_t>(c) + 1);
  return rw.cells[static_cast<std::size_t>(c)];
}

bool Sheet::row_has_value(int r) const {
  const Row* rw = row(r);
  if (!rw) return false;
  return std::any_of(rw->cells.begin(), rw->cells.end(), [](const Cell& c) { return !c.value.empty(); });
}

int Sheet::last_row_with_value() const {
  for (int r = static_cast<int>(rows.size()) - 1; r >= 0; --r)
    if (row_has_value(r)) return r;
  return -1;
}

int Sheet::last_column_with_value() const {
  int last = -1;
  for (const auto& rw : rows) {
    if (!rw) continue;
    for (int c = static_cast<int>(rw->cells.size()) - 1; c > last; --c)
      if (!rw->cells[static_cast<std::size_t>(c)].value.empty()) {
        last = c;
        break;
      }
  }
  return last;
}

// ---- Spreadsheet ------------------------------------------------------------------------

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

Sheet* Spreadsheet::sheet_by_id(std::int32_t id) {
  for (auto& s : sheets)
    if (s.props.sheet_id == id) return &s;
  return nullptr;
}

const Sheet* Spreadsheet::sheet_by_id(std::int32_t id) const { return const_cast<Spreadsheet*>(this)->sheet_by_id(id); }

Sheet* Spreadsheet::sheet_by_title(const std::string& title) {
  for (auto& s : sheets)
    if (iequals(s.props.title, title)) return &s;
  return nullptr;
}

const Sheet* Spreadsheet::sheet_by_title(const std::string& title) const {
  return const_cast<Spreadsheet*>(this)->sheet_by_title(title);
}

const Sheet* Spreadsheet::first_visible() const {
  for (const auto& s : sheets)
    if (!s.props.hidden) return &s;
  return sheets.empty() ? nullptr : &sheets.front();
}

std::int64_t Spreadsheet::cell_count() const {
  std::int64_t n = 0;
  for (const auto& s : sheets) n += static_cast<std::int64_t>(s.props.row_count) * s.props.column_count;
  return n;
}

void Spreadsheet::reindex() {
  for (std::size_t i = 0; i < sheets.size(); ++i) sheets[i].props.index = static_cast<int>(i);
}

namespace {

// New rows copy the formatting (not the values) of their neighbour, as Sheets' insert does.
RowPtr inherited_row(const Row* neighbour) {
  if (!neighbour) return nullptr;
  auto r = std::make_shared<Row>();
  r->pixel_size = neighbour->pixel_size;
  bool any = r->pixel_size != 0;
  r->cells.resize(neighbour->cells.size());
  for (std::size_t c = 0; c < neighbour->cells.size(); ++c) {
    r->cells[c].format_json = neighbour->cells[c].format_json;
    any = any || !r->cells[c].format_json.empty();
  }
  return any ? RowPtr(std::move(r)) : nullptr;
}

void insert_rows(Sheet& s, int start, int count, bool before) {
  const RowPtr model = inherited_row(s.row(before ? start - 1 : start));
  if (start < static_cast<int>(s.rows.size()) || model) {
    if (static_cast<int>(s.rows.size()) < start) s.rows.resize(static_cast<std::size_t>(start));
    s.rows.insert(s.rows.begin() + start, static_cast<std::size_t>(count), model);
  }
  s.props.row_count += count;
}

void insert_columns(Sheet& s, int start, int count, bool before) {
  const int from = before ? start - 1 : start;
  for (auto& slot : s.rows) {
    if (!slot || static_cast<int>(slot->cells.size()) <= std::min(start, from)) continue;
    auto copy = std::make_shared<Row>(*slot);
    Cell blank;
    if (from >= 0 && from < static_cast<int>(copy->cells.size())) blank.format_json = copy->cells[static_cast<std::size_t>(from)].format_json;
    if (static_cast<int>(copy->cells.size()) > start)
      copy->cells.insert(copy->cells.begin() + start, static_cast<std::size_t>(count), blank);
    else if (!blank.format_json.empty())
      copy->cells.resize(static_cast<std::size_t>(start + count), blank);
    slot = std::move(copy);
  }
  if (start < static_cast<int>(s.columns.size()))
    s.columns.insert(s.columns.begin() + start, static_cast<std::size_t>(count), ColumnProps{});
  s.props.column_count += count;
}

}  // namespace

void Spreadsheet::insert(Sheet& s, Dimension d, int start, int count, bool inherit_from_before) {
  if (count <= 0 || start < 0 || start > s.size(d)) throw ModelError("insertion point outside the grid");
  if (d == Dimension::Rows)
    insert_rows(s, start, count, inherit_from_before);
  else
    insert_columns(s, start, count, inherit_from_before);
  const LocationType t = d == Dimension::Rows ? LocationType::Row : LocationType::Column;
  for (auto& [id, m] : metadata)
    if (m.type == t && m.sheet_id == s.props.sheet_id && m.index >= start) m.index += count;
}

void Spreadsheet::remove(Sheet& s, Dimension d, int start, int end) {
  if (start < 0 || end > s.size(d) || start >= end) throw ModelError("deletion outside the grid");
  const int count = end - start;
  if (d == Dimension::Rows) {
    const int stored = static_cast<int>(s.rows.size());
    if (start < stored) s.rows.erase(s.rows.begin() + start, s.rows.begin() + std::min(end, stored));
    s.props.row_count -= count;
  } else {
    for (auto& slot : s.rows) {
      if (!slot || static_cast<int>(slot->cells.size()) <= start) continue;
      auto copy = std::make_shared<Row>(*slot);
      copy->cells.erase(copy->cells.begin() + start,
                        copy->cells.begin() + std::min(end, static_cast<int>(copy->cells.size())));
      slot = std::move(copy);
    }
    const int stored = static_cast<int>(s.columns.size());
    if (start < stored) s.columns.erase(s.columns.begin() + start, s.columns.begin() + std::min(end, stored));
    s.props.column_count -= count;
  }
  const LocationType t = d == Dimension::Rows ? LocationType::Row : LocationType::Column;
  for (auto it = metadata.begin(); it != metadata.end();) {
    Metadata& m = it->second;
    if (m.type == t && m.sheet_id == s.props.sheet_id && m.index >= start) {
      if (m.index < end) {
        it = metadata.erase(it);
        continue;
      }
      m.index -= count;
    }
    ++it;
  }
}

void Spreadsheet::resize(Sheet& s, Dimension d, int new_count) {
  if (new_count < 1) throw ModelError("a sheet keeps at least one row and one column");
  const int now = s.size(d);
  if (new_count > now) {
    if (d == Dimension::Rows) s.props.row_count = new_count;
    else s.props.column_count = new_count;
  } else if (new_count < now) {
    remove(s, d, new_count, now);
  }
}

void Spreadsheet::remove_sheet(std::int32_t sheet_id) {
  for (auto it = metadata.begin(); it != metadata.end();)
    it = (it->second.type != LocationType::Spreadsheet && it->second.sheet_id == sheet_id) ? metadata.erase(it) : std::next(it);
  sheets.erase(std::remove_if(sheets.begin(), sheets.end(), [&](const Sheet& s) { return s.props.sheet_id == sheet_id; }),
               sheets.end());
  reindex();
}

}  // namespace sinkhub::fake::google
