// Append, exactly once (google-sheets.md §5, strategy S3). Every call of a delivery:
//   1. holds the tab (tab_lock.hpp) and reads the tabs (grid sizes, the 10M-cell budget);
//   2. one developerMetadata:search finds where the delivery stands: the previous batch's
//      marker (its row moves when a person inserts or deletes rows above it, so the next
//      rows go right after it and never over anyone's cells) and, when an intent is pending,
//      the in-flight batch's own marker: found = Google applied it (accept its items), not
//      found = nothing was applied (send it again). The first call finds the tab's tail
//      marker (where the last delivery ended) or reads the tab once, and the header;
//   3. writes the intent, synced, then sends one atomic batchUpdate (gsheets_payload.hpp).
// Answers are Failure exceptions (gsheets_client.hpp); what the call accepted is returned.
#pragma once

#include <sinkhub/sink.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "gsheets_client.hpp"
#include "gsheets_options.hpp"
#include "gsheets_state.hpp"

namespace sinkhub_gsheets {

constexpr std::int64_t kMaxCells = 10000000;        // per spreadsheet, empty grid cells included
constexpr std::size_t kTargetPayload = 1800000;     // Google advises <= 2 MB per request
constexpr std::size_t kMaxPayload = 9 * 1024 * 1024;  // Google's hard stop is 10 MiB

struct Metrics {
  std::int32_t rows = -1, truncated = -1, resolved = -1, requests = -1;
};

class Append {
 public:
  Append(const sinkhub::Host& host, const Config& cfg, Client& client, const sinkhub::Context& ctx, State& st,
         std::string intent_path, const Metrics& metrics);

  /// Items of `batch` (from its first) that are at Google once this returns. Throws Failure.
  std::uint64_t run(const sinkhub::Batch& batch);
  /// Removes the per-batch markers of a delivery that ended without a final write.
  void finish_without_write();

 private:
  struct Tab {
    std::int64_t sheet_id = -1, rows = 0, cols = 0, total_cells = 0;
  };
  struct Position {
    std::int64_t prev_row = -1, pending_row = -1, tail_row = -1;
    bool done = false;
  };
  Tab resolve_tab();
  Tab add_tab(std::int64_t total_cells);
  Position search(const Tab& tab, bool pending);
  std::uint64_t fresh_start(const Position& pos);
  std::vector<std::string> read_header();
  std::uint64_t write(const Tab& tab, std::uint64_t k, const sinkhub::Batch& batch);
  std::vector<std::string> build_rows(const sinkhub::Batch& batch, class Columns& cols, std::size_t& cuts);
  bool intent_pending();
  void save_intent(const Intent& intent);
  std::uint64_t committed(const Position& pos, const sinkhub::Batch& batch);

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
