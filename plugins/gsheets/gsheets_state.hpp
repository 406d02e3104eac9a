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
// The intent: which batch is in flight, from which item and how many, and the columns and
// header once it is in. The host persists checkpoints only when a call returns, so after a
// kill -9 between Google's answer and that commit, or after an ambiguous answer, the intent
// says how far the in-flight batch went once its marker is found. It is kept twice:
//   - a small file per delivery in the instance's data_dir, written and synced before the
//     batchUpdate is sent (what a delivery begun by an older sinkhub has);
//   - in the spreadsheet itself, written by the same atomic batchUpdate as the rows: developer
//     metadata `sinkhub.intent.<deliveryId>.<seq>` on the batch's last row (intent_key), whose
//     value is sheet_info(). A daemon that takes the delivery over (another host of a shared
//     PostgreSQL ledger, or a lost data_dir) has no file, and resolves the batch from it.
// The value holds the column list when it fits in kMaxInfoChars (Google caps the metadata of
// one location, here the row, at 30,000 characters, keys and values together); otherwise it
// says where the columns come from instead: the `columns` option, the tab's header row, or
// the batch's own items (grown columns without a header row: the columns before the batch are
// the checkpoint's, and the same items add the same columns in the same order).
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

/// Where the columns after a batch come from when its intent does not list them.
enum class ColumnsFrom { List, Config, Header, Items };

constexpr std::size_t kMaxInfoChars = 20000;  // of the 30,000 per location, the rest for markers

struct Intent {
  std::uint64_t seq = 0, offset = 0, count = 0;
  std::vector<std::string> columns;  // the columns once this batch is in (when from == List)
  bool header = false;               // row 0 holds the header once this batch is in
  ColumnsFrom from = ColumnsFrom::List;
  std::string encode() const;
  static std::optional<Intent> decode(std::string_view text);
};

/// The developer-metadata value tagging batch `seq` of a delivery.
std::string batch_tag(std::string_view delivery_id, std::uint64_t seq);
/// The developer-metadata key holding the intent of batch `seq` of a delivery.
std::string intent_key(std::string_view delivery_id, std::uint64_t seq);
/// The intent as that metadata's value: with its columns when they fit, with the key of
/// `key_size` bytes, in kMaxInfoChars (bytes, so characters too), else without them and
/// `fallback` said instead.
std::string sheet_info(const Intent& intent, ColumnsFrom fallback, std::size_t key_size);

}  // namespace sinkhub_gsheets
