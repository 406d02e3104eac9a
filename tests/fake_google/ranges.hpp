// Ranges against a spreadsheet: A1 text and GridRange objects resolved to a tab and a window
// of its grid, with Google's errors ("Unable to parse range: …", "Range (…) exceeds grid
// limits. Max rows: R, max columns: C", "No grid with id: N").
#pragma once

#include <stdexcept>
#include <string>

#include "json.hpp"
#include "model.hpp"
#include "render.hpp"

namespace sinkhub::fake::google {

// A request the spreadsheet refuses (400 INVALID_ARGUMENT). Inside a batchUpdate the message
// gets the "Invalid requests[i].kind: " prefix.
struct RequestError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Resolved {
  const Sheet* sheet = nullptr;
  render::GridWindow window;  // clamped to the grid
  bool single_cell = false;
};

Resolved resolve_a1(const Spreadsheet& ss, const std::string& text);
Resolved resolve_grid_range(const Spreadsheet& ss, const json::Obj& grid_range);
std::string exceeds_grid(const Sheet& s, int start_row, int start_col, int end_row, int end_col);

}  // namespace sinkhub::fake::google
