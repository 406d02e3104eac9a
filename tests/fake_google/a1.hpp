// A1 notation as the Sheets API reads and prints it: 'It''s a tab'!A1:C, Sheet1!A:A, 1:3,
// A5:B (open-ended), B2:A1 (reversed), a bare title (whole sheet), and a range without a
// title (the first visible sheet). R1C1 and named ranges are not supported (README).
#pragma once

#include <optional>
#include <string>

namespace sinkhub::fake::google::a1 {

// Half-open indexes; an absent bound is -1 (open: to the grid's edge).
struct Range {
  bool has_title = false;
  std::string title;
  bool whole_sheet = false;  // just a title
  bool single_cell = false;  // "B2"
  int start_row = 0, start_col = 0;
  int end_row = -1, end_col = -1;  // exclusive
};

// nullopt: Google answers "Unable to parse range: <text>".
std::optional<Range> parse(const std::string& text);

std::string column_letters(int index);             // 0 -> "A", 26 -> "AA"
int column_index(const std::string& letters);      // "A" -> 0; -1 when not 1-3 letters
std::string cell(int row, int col);                // (0,0) -> "A1"
bool looks_like_cell(const std::string& text);     // "CRM26" is column CRM, row 26
// The title as it appears in a range Google prints: bare when it is a plain identifier,
// else single-quoted with inner quotes doubled.
std::string quote_title(const std::string& title);
// "'T'!A1:C3"; a one-cell range prints as "'T'!A1".
std::string format(const std::string& title, int start_row, int start_col, int end_row, int end_col);

}  // namespace sinkhub::fake::google::a1
