// replace: the tab mirrors the latest successful run, and nobody ever sees it half written.
//
//   first call   one batchUpdate deletes stale staging tabs (of dead deliveries to the same
//                tab, or of a tab that is gone) and this delivery's own leftover from an
//                earlier start, and adds the hidden staging tab: its title and sheetId follow
//                from the delivery, a sinkhub.staging tag says whose it is
//                ("<target sheetId> <created unix ms> <deliveryId>");
//   every call   the items are appended to the staging tab with the append protocol (batch
//                markers, intent, exactly once);
//   last call    one batchUpdate swaps: the target takes the staged size, the staged values
//                are pasted over it (PASTE_VALUES: its sheetId, formats, notes and every
//                formula pointing at it stay), the staging tab is deleted and sinkhub.done =
//                deliveryId is set on the target. That marker is the swap's commit marker: a
//                later call that finds it (the answer was lost, or a kill -9 came before the
//                checkpoint) accepts everything and writes nothing.
// Columns keep their places across runs: a delivery starts from the target's header (or
// `columns`) and adds new fields at the end.
#include <algorithm>
#include <cstdio>

#include "gsheets_modes.hpp"

namespace sinkhub_gsheets {

namespace {

constexpr const char* kStagingPrefix = "_sinkhub_staging_";
constexpr std::int64_t kOrphanAgeMs = 60 * 60 * 1000;  // a staging tab whose target is gone

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

const TabInfo* target_of(const Tabs& tabs, const State& st) {
  return st.target_id >= 0 ? tabs.by_id(st.target_id) : tabs.by_title(st.target);
}

// A sheetId no tab has: derived from the title, so that retries tend to pick the same one.
std::int64_t free_sheet_id(const Tabs& tabs, const std::string& title) {
  std::int64_t id = static_cast<std::int64_t>(fnv1a(title) % 2000000000ull) + 1;
  while (tabs.by_id(id)) id = id % 2000000000 + 1;
  return id;
}

struct StagingTag {
  std::int64_t target = -1, created_ms = 0;
  std::string delivery;
};

StagingTag parse_tag(const std::string& value) {
  StagingTag t;
  long long target = -1, created = 0;
  int used = 0;
  if (std::sscanf(value.c_str(), "%lld %lld %n", &target, &created, &used) == 2 && used > 0) {
    t.target = target;
    t.created_ms = created;
    t.delivery = value.substr(static_cast<std::size_t>(used));
  }
  return t;
}

// The staging tabs this delivery may delete: its own from an earlier start, those of other
// deliveries to the same target (this delivery holds the target's writer lock, so they are
// dead), and old ones whose target is gone. Only tabs still titled as staging tabs.
std::vector<std::int64_t> stale_staging(Writer& w, const Tabs& tabs, const Position& pos, std::int64_t target) {
  const std::string mine(w.ctx().delivery_id());
  const std::int64_t now = w.host().now_unix_ms();
  std::vector<std::int64_t> stale;
  for (const Found& f : pos.staging) {
    const TabInfo* tab = tabs.by_id(f.sheet_id);
    if (!tab || tab->title.rfind(kStagingPrefix, 0) != 0) continue;
    const StagingTag tag = parse_tag(f.value);
    const bool orphan = !tabs.by_id(tag.target) && now - tag.created_ms > kOrphanAgeMs;
    if (tag.delivery == mine || tag.target == target || orphan) {
      bool listed = false;
      for (const std::int64_t id : stale) listed = listed || id == f.sheet_id;
      if (!listed) stale.push_back(f.sheet_id);
    }
  }
  return stale;
}

void forget(Tabs& tabs, const std::vector<std::int64_t>& ids) {
  for (const std::int64_t id : ids)
    for (auto it = tabs.list.begin(); it != tabs.list.end(); ++it)
      if (it->sheet_id == id) {
        tabs.total_cells -= it->rows * it->cols;
        tabs.list.erase(it);
        break;
      }
}

// The first call: the target exists, stale staging tabs are gone, this delivery's staging tab
// is new and empty, and the columns start from the target's header.
void prepare(Writer& w, Tabs& tabs, const Position& pos, const TabInfo* leftover) {
  State& st = w.st();
  const TabInfo* found = target_of(tabs, st);
  const TabInfo target = found ? *found : w.add_tab(st.target, tabs);
  st.target_id = target.sheet_id;
  std::vector<std::int64_t> stale = stale_staging(w, tabs, pos, target.sheet_id);
  if (leftover && std::find(stale.begin(), stale.end(), leftover->sheet_id) == stale.end())
    stale.push_back(leftover->sheet_id);
  const std::int64_t id = free_sheet_id(tabs, st.tab);
  const std::string tag = std::to_string(target.sheet_id) + " " + std::to_string(w.host().now_unix_ms()) + " " +
                          std::string(w.ctx().delivery_id());
  if (tabs.total_cells + 1 > kMaxCells)
    give_up(SINKHUB_FATAL, "spreadsheet " + w.cfg().spreadsheet_id + " already holds " +
                               std::to_string(tabs.total_cells) + " cells: no room for a staging tab");
  w.client().batch_update(staging_body(stale, id, st.tab, tag));
  if (!stale.empty())
    w.host().info("deleted " + std::to_string(stale.size()) + " stale staging tab(s) of tab '" + st.target + "'");
  forget(tabs, stale);
  tabs.list.push_back(TabInfo{id, 1, 1, st.tab, true});
  tabs.total_cells += 1;
  st.sheet_id = id;
  st.row = 0;
  st.header = false;
  st.columns = w.fixed_columns();
  if (st.columns.empty() && w.cfg().header_row && found) st.columns = w.read_header(target.title);
}

// Appends the call's items to the staging tab.
std::uint64_t stage(Writer& w, Tabs& tabs, const sinkhub::Batch& batch, const Position& pos) {
  State& st = w.st();
  const TabInfo* staging = tabs.by_id(st.sheet_id);
  if (!staging)
    give_up(SINKHUB_REJECT, "the staging tab of tab '" + st.target + "' (sheetId " + std::to_string(st.sheet_id) +
                                ") was deleted while this delivery was writing to it (by a person, or by a "
                                "delivery that found it abandoned)");
  const TabInfo tab = *staging;
  const std::uint64_t k = pos.prev_row >= 0 ? static_cast<std::uint64_t>(pos.prev_row) + 1 : st.row;
  Columns cols(st.columns, !w.cfg().columns.empty(), w.cfg().nested == Nested::Flatten);
  const std::size_t known = st.columns.size();
  const Rows rows = w.build_rows(batch, cols);
  return w.write(tabs, tab, k, rows, cols, known, false);
}

// The last call: the staged table becomes the target's content in one atomic batchUpdate.
void swap(Writer& w, Tabs& tabs) {
  State& st = w.st();
  const TabInfo* staging = st.sheet_id >= 0 ? tabs.by_id(st.sheet_id) : nullptr;
  if (st.sheet_id >= 0 && !staging)
    give_up(SINKHUB_REJECT, "the staging tab of tab '" + st.target + "' was deleted before it could be swapped in");
  const TabInfo* found = target_of(tabs, st);
  const TabInfo target = found ? *found : w.add_tab(st.target, tabs);  // a person deleted it: a new one
  SwapPlan p;
  p.target_id = target.sheet_id;
  p.staging_id = staging ? staging->sheet_id : -1;
  p.rows = st.row;
  p.cols = st.columns.size();
  if (w.cfg().header_row && st.row == 0) p.header = st.columns;
  p.delivery_id = std::string(w.ctx().delivery_id());
  const std::int64_t rows = std::max<std::int64_t>(static_cast<std::int64_t>(p.rows), 1);
  const std::int64_t cols = std::max<std::int64_t>(static_cast<std::int64_t>(p.cols), 1);
  // Google resizes rows first, then columns, and checks the cap after each step.
  const std::int64_t peak = tabs.total_cells - target.rows * target.cols + rows * std::max(target.cols, cols);
  if (peak > kMaxCells)
    give_up(SINKHUB_FATAL, "spreadsheet " + w.cfg().spreadsheet_id + " would hold " + std::to_string(peak) +
                               " cells while tab '" + st.target + "' takes the run's " + std::to_string(rows) +
                               " rows x " + std::to_string(cols) + " columns beside its staging copy, over Google's "
                               "limit of 10,000,000 cells counting empty ones");
  w.client().batch_update(swap_body(p));
  w.host().metric_record(w.metrics().replaced, 1);
  w.host().info("tab '" + st.target + "' of spreadsheet " + w.cfg().spreadsheet_id + " now holds run " +
                std::string(w.ctx().run_id()) + " (" + std::to_string(st.row) + " rows)");
  st.target_id = target.sheet_id;
  st.done = true;
}

}  // namespace

std::string staging_title(std::string_view delivery_id, std::string_view run_id) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a(std::string(run_id) + "/" + std::string(delivery_id))));
  return std::string(kStagingPrefix) + hex;
}

std::uint64_t replace_call(Writer& w, const sinkhub::Batch& batch) {
  State& st = w.st();
  Tabs tabs = w.read_tabs();
  const TabInfo* staging = st.sheet_id >= 0 ? tabs.by_id(st.sheet_id) : tabs.by_title(st.tab);
  Writer::Want want;
  want.staging = st.seq == 0;
  const Position pos = w.search(staging ? *staging : TabInfo{}, want);
  if (pos.done) {
    w.host().info("tab '" + st.target + "' already holds delivery " + std::string(w.ctx().delivery_id()) +
                  ": writing nothing again");
    st.done = true;
    return batch.size();
  }
  std::uint64_t accepted = 0;
  if (st.skip > 0) {  // a committed batch held more items than the call that found it
    accepted = std::min<std::uint64_t>(st.skip, batch.size());
    st.skip -= accepted;
  } else if (pos.pending_row >= 0 && staging) {
    st.sheet_id = staging->sheet_id;
    if (const TabInfo* target = target_of(tabs, st)) st.target_id = target->sheet_id;
    accepted = w.committed(pos, batch);
  } else {
    if (st.seq == 0) prepare(w, tabs, pos, staging);
    accepted = batch.empty() ? 0 : stage(w, tabs, batch, pos);
  }
  if (w.ctx().last_batch() && accepted == batch.size() && st.skip == 0) swap(w, tabs);
  return accepted;
}

}  // namespace sinkhub_gsheets
