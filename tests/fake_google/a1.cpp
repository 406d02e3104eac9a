#include "a1.hpp"

#include <cctype>

namespace sinkhub::fake::google::a1 {

namespace {

constexpr int kMaxColumns = 18278;  // ZZZ

struct Endpoint {
  int row = -1;  // 0-based
  int col = -1;
};

// "$B$12", "B", "12" (each part optional, at least one present).
bool parse_endpoint(const std::string& s, Endpoint& out) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '$') ++i;
  std::string letters;
  while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) letters += s[i++];
  if (i < s.size() && s[i] == '$') {
    if (letters.empty()) return false;
    ++i;
  }
  std::string digits;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) digits += s[i++];
  if (i != s.size() || (letters.empty() && digits.empty())) return false;
  if (!letters.empty()) {
    out.col = column_index(letters);
    if (out.col < 0) return false;
  }
  if (!digits.empty()) {
    if (digits.size() > 9) return false;
    const long row = std::stol(digits);
    if (row < 1) return false;
    out.row = static_cast<int>(row - 1);
  }
  return true;
}

bool parse_cells(const std::string& s, Range& r) {
  const auto colon = s.find(':');
  Endpoint a, b;
  if (colon == std::string::npos) {
    if (!parse_endpoint(s, a) || a.row < 0 || a.col < 0) return false;  // a lone "B" or "2" is no range
    r.single_cell = true;
    r.start_row = a.row;
    r.start_col = a.col;
    r.end_row = a.row + 1;
    r.end_col = a.col + 1;
    return true;
  }
  if (!parse_endpoint(s.substr(0, colon), a) || !parse_endpoint(s.substr(colon + 1), b)) return false;
  const bool a_row_only = a.col < 0, b_row_only = b.col < 0;
  const bool a_col_only = a.row < 0, b_col_only = b.row < 0;
  if ((a_row_only && b_col_only) || (a_col_only && b_row_only)) return false;
  int r0 = a.row < 0 ? 0 : a.row, c0 = a.col < 0 ? 0 : a.col;
  int r1 = b.row < 0 ? -1 : b.row + 1, c1 = b.col < 0 ? -1 : b.col + 1;
  if (a.row >= 0 && b.row >= 0 && a.row > b.row) { r0 = b.row; r1 = a.row + 1; }  // B2:A1 == A1:B2
  if (a.col >= 0 && b.col >= 0 && a.col > b.col) { c0 = b.col; c1 = a.col + 1; }
  r.start_row = r0;
  r.start_col = c0;
  r.end_row = r1;
  r.end_col = c1;
  return true;
}

// 'It''s a tab' -> It's a tab; returns the index after the closing quote, 0 on error.
std::size_t parse_quoted(const std::string& text, std::string& title) {
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] != '\'') {
      title += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\'') {
      title += '\'';
      ++i;
      continue;
    }
    return i + 1;
  }
  return 0;
}

bool looks_like_r1c1(const std::string& t) {
  std::size_t i = 0;
  auto digits = [&] { while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i; };
  if (i < t.size() && (t[i] == 'R' || t[i] == 'r')) { ++i; digits(); }
  if (i < t.size() && (t[i] == 'C' || t[i] == 'c')) { ++i; digits(); }
  return i > 0 && i == t.size();
}

}  // namespace

std::optional<Range> parse(const std::string& text) {
  Range r;
  if (text.empty()) return std::nullopt;
  if (text[0] == '\'') {
    const std::size_t after = parse_quoted(text, r.title);
    if (after == 0 || r.title.empty()) return std::nullopt;
    r.has_title = true;
    if (after == text.size()) {
      r.whole_sheet = true;
      return r;
    }
    if (text[after] != '!' || after + 1 == text.size()) return std::nullopt;
    if (!parse_cells(text.substr(after + 1), r)) return std::nullopt;
    return r;
  }
  const auto bang = text.rfind('!');
  if (bang == std::string::npos) {
    if (parse_cells(text, r)) return r;  // A1 wins over a title that looks like a cell
    r.has_title = true;
    r.title = text;
    r.whole_sheet = true;
    return r;
  }
  if (bang == 0 || bang + 1 == text.size()) return std::nullopt;
  r.has_title = true;
  r.title = text.substr(0, bang);
  if (!parse_cells(text.substr(bang + 1), r)) return std::nullopt;
  return r;
}

std::string column_letters(int index) {
  std::string out;
  for (int n = index + 1; n > 0; n = (n - 1) / 26) out.insert(out.begin(), static_cast<char>('A' + (n - 1) % 26));
  return out;
}

int column_index(const std::string& letters) {
  if (letters.empty() || letters.size() > 3) return -1;
  int n = 0;
  for (char ch : letters) {
    if (!std::isalpha(static_cast<unsigned char>(ch))) return -1;
    n = n * 26 + (std::toupper(static_cast<unsigned char>(ch)) - 'A' + 1);
  }
  return n <= kMaxColumns ? n - 1 : -1;
}

std::string cell(int row, int col) { return column_letters(col) + std::to_string(row + 1); }

bool looks_like_cell(const std::string& text) {
  Endpoint e;
  return parse_endpoint(text, e) && e.row >= 0 && e.col >= 0 && text.find('$') == std::string::npos;
}

std::string quote_title(const std::string& title) {
  bool plain = !title.empty() && (std::isalpha(static_cast<unsigned char>(title[0])) || title[0] == '_');
  for (char ch : title)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) plain = false;
  if (plain && !looks_like_cell(title) && !looks_like_r1c1(title)) return title;
  std::string out = "'";
  for (char ch : title) {
    out += ch;
    if (ch == '\'') out += '\'';
  }
  return out + "'";
}

std::string format(const std::string& title, int start_row, int start_col, int end_row, int end_col) {
  std::string out = quote_title(title) + "!" + cell(start_row, start_col);
  if (end_row - start_row == 1 && end_col - start_col == 1) return out;
  return out + ":" + cell(end_row - 1, end_col - 1);
}

}  // namespace sinkhub::fake::google::a1
