// The exactly-once protocol every mode writes with (google-sheets.md §5, strategy S3). A call
// of a delivery:
//   1. holds the tab (tab_lock.hpp) and reads the tabs (grid sizes, the 10M-cell budget);
//   2. one developerMetadata:search finds where the delivery stands: the previous batch's
//      marker (its row moves when a person inserts or deletes rows above it, so the next
//      rows go right after it and never over anyone's cells), the in-flight batch's own
//      marker and intent, and the done marker: found = Google applied it (accept its items,
//      as the intent file says, else as the intent in the sheet says), not found = nothing
//      was applied (send it again). The first call finds the tab's tail marker (where the
//      last delivery ended) or reads the tab once, and the header;
//   3. writes the intent file, synced, then sends one atomic batchUpdate (gsheets_payload.hpp)
//      that also records the intent in the sheet, so any daemon can resolve the batch.
// The modes (gsheets_modes.hpp) put these steps together. Answers are Failure exceptions
// (gsheets_client.hpp); what a call accepted is returned.
#pragma once

#include <sinkhub/sink.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "cells.hpp"
#include "gsheets_client.hpp"
#include "gsheets_options.hpp"
#include "gsheets_payload.hpp"
#include "gsheets_state.hpp"

namespace sinkhub_gsheets {

constexpr std::int64_t kMaxCells = 10000000;        // per spreadsheet, empty grid cells included
constexpr std::size_t kTargetPayload = 1800000;     // Google advises <= 2 MB per request
constexpr std::size_t kMaxPayload = 9 * 1024 * 1024;  // Google's hard stop is 10 MiB

struct Metrics {
  std::int32_t rows = -1, truncated = -1, resolved = -1, requests = -1, updated = -1, replaced = -1;
};

/// Throws the Failure that ends the call with `code`.
[[noreturn]] void give_up(std::int32_t code, std::string message);

struct TabInfo {
  std::int64_t sheet_id = -1, rows = 0, cols = 0;
  std::string title;
  bool hidden = false;
};

/// The spreadsheet's tabs, as spreadsheets.get lists them.
struct Tabs {
  std::vector<TabInfo> list;
  std::int64_t total_cells = 0;  // rows x columns over every tab
  const TabInfo* by_id(std::int64_t id) const;
  const TabInfo* by_title(const std::string& title) const;  // case-insensitive, as Sheets compares
};

/// A staging tab's marker (replace): its value and the tab it is on.
struct Found {
  std::string value;
  std::int64_t sheet_id = -1;
};

/// Where the delivery stands, from one developerMetadata:search.
struct Position {
  std::int64_t prev_row = -1, pending_row = -1, tail_row = -1;
  bool done = false;
  bool has_info = false;  // the in-flight batch's intent was in the sheet: `info`
  std::string info;
  std::vector<Found> staging;
};

/// What one batchUpdate writes: rows inserted, rows rewritten in place (upsert), and how many
/// of the call's items they hold.
struct Rows {
  std::vector<std::string> appended;
  std::vector<Update> updates;
  std::size_t updated_rows = 0;
  std::uint64_t items = 0;
  std::size_t cuts = 0;
};

class Writer {
 public:
  Writer(const sinkhub::Host& host, const Config& cfg, Client& client, const sinkhub::Context& ctx, State& st,
         std::string intent_path, const Metrics& metrics);

  Tabs read_tabs();
  /// The tab rows go to (st.sheet_id, else st.tab by title), created when missing.
  TabInfo rows_tab(Tabs& tabs);
  /// Adds a visible tab (1 x 1).
  TabInfo add_tab(const std::string& title, Tabs& tabs);

  /// Whether the intent file names this call's batch (then pending() is it).
  bool intent_pending();
  const Intent& pending() const { return pending_; }

  struct Want {
    bool staging = false;  // every staging tab's marker (replace)
  };
  /// Looks up (in one request) the previous batch's marker or the tab's tail, this call's
  /// batch marker and intent, the done marker and, with want.staging, every staging tag.
  Position search(const TabInfo& tab, const Want& want);
  /// Whether this call's batch is already at Google (append, upsert): its marker was found,
  /// or the done marker past the first batch or with an intent for this batch (a one-batch
  /// delivery whose answer was lost).
  bool applied(const Position& pos);
  /// The in-flight batch was applied: accepts its items (of `batch`) as its intent says (the
  /// file, else the sheet's; with neither, the done marker means every item is in) and moves
  /// the state past it. Neither intent nor done marker: RETRY, nothing is guessed or resent.
  std::uint64_t committed(const Position& pos, const sinkhub::Batch& batch);
  /// The `columns` option as the column list (the provenance column first), empty without it.
  std::vector<std::string> fixed_columns() const;
  /// The first call's insertion point (after the tail marker, else after the last row with a
  /// value: then the whole tab is read once, and handed back in *whole) and columns.
  std::uint64_t fresh_start(const Position& pos, sinkhub::json::Value* whole = nullptr);
  std::vector<std::string> read_header(const std::string& title);

  /// Every item of the batch (up to the request budget) as an appended row.
  Rows build_rows(const sinkhub::Batch& batch, Columns& cols);
  /// The provenance cell's value for item i of the call (when the column is on).
  std::vector<std::pair<std::string, std::string>> extra(std::uint64_t i) const;
  /// Sends `rows` as one batchUpdate inserting at row k of `tab` (one of `tabs`, which then
  /// shows the grown grid); `last` makes it the delivery's final batch (done marker).
  /// `known` = columns before this batch.
  std::uint64_t write(Tabs& tabs, const TabInfo& tab, std::uint64_t k, const Rows& rows, const Columns& cols,
                      std::size_t known, bool last);
  /// Removes the per-batch markers of a delivery that ended without a final write.
  void finish_without_write();

  const sinkhub::Host& host() const { return host_; }
  Client& client() { return client_; }
  const Config& cfg() const { return cfg_; }
  const sinkhub::Context& ctx() const { return ctx_; }
  State& st() { return st_; }
  const Metrics& metrics() const { return metrics_; }

 private:
  void save_intent(const Intent& intent);
  bool sheet_intent(const Position& pos, const sinkhub::Batch& batch);
  std::string in_flight() const;  // "batch <seq> of delivery <id>", for messages

  sinkhub::Host host_;
  const Config& cfg_;
  Client& client_;
  const sinkhub::Context& ctx_;
  State& st_;
  std::string intent_path_;
  Metrics metrics_;
  Intent pending_;
};

}  // namespace sinkhub_gsheets
