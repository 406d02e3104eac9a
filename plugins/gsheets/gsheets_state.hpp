// What a gsheets delivery resumes from.
//
// The checkpoint (staged with each accepted batch, kind "gsheets"): the tab and its sheetId,
// the next batch's sequence number, the row after the last committed row (a fallback: the
// row is normally found through the previous batch's marker, which follows its row when a
// person inserts or deletes rows), the columns in use, and how many following items already
// landed (`skip`: a committed batch larger than the call that found it). In `replace` mode the
// rows go to a hidden staging tab (`tab`, `sheet_id`) and `target` / `target_id` name the tab
// that is swapped at the end.
//
// The intent (a small file per delivery in the instance's data_dir, written and synced before
// the batchUpdate is sent): which batch is in flight, from which item and how many. The host
// persists checkpoints only when a call returns, so after a kill -9 between Google's answer
// and that commit, or after an ambiguous answer, the intent says which marker to look for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkhub_gsheets {

struct State {
  std::string tab;
  std::int64_t sheet_id = -1;  // -1: not resolved yet
  std::uint64_t seq = 0;       // batches committed
  std::uint64_t row = 0;       // row index after the last committed row
  std::uint64_t skip = 0;
  bool header = false;         // row 0 holds the header
  bool done = false;           // this delivery was already complete
  std::vector<std::string> columns;
  std::string target;             // replace: the tab the staging tab is swapped into
  std::int64_t target_id = -1;    // replace: its sheetId (-1: not resolved yet)

  std::string encode() const;
  static std::optional<State> decode(std::string_view blob, std::string& why);
};

struct Intent {
  std::uint64_t seq = 0, offset = 0, count = 0;
  std::vector<std::string> columns;  // the columns once this batch is in
  bool header = false;               // row 0 holds the header once this batch is in
  std::string encode() const;
  static std::optional<Intent> decode(std::string_view text);
};

/// The developer-metadata value tagging batch `seq` of a delivery.
std::string batch_tag(std::string_view delivery_id, std::uint64_t seq);

}  // namespace sinkhub_gsheets
