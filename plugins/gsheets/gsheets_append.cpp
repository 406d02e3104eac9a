// append: each batch inserted right after the previous one (after the tab's tail marker, or
// after its last row with a value, on the first call), exactly once.
#include "gsheets_modes.hpp"

namespace sinkhub_gsheets {

namespace {

std::uint64_t append_rows(Writer& w, const sinkhub::Batch& batch) {
  State& st = w.st();
  Tabs tabs = w.read_tabs();
  const TabInfo tab = w.rows_tab(tabs);
  st.sheet_id = tab.sheet_id;
  const Position pos = w.search(tab, Writer::Want{});
  if (w.applied(pos)) return w.committed(pos, batch);
  if (st.seq == 0 && pos.done) {
    w.host().info("delivery " + std::string(w.ctx().delivery_id()) + " was already written to tab '" + st.tab +
                  "': writing nothing again");
    st.done = true;
    return batch.size();
  }
  std::uint64_t k = st.row;
  if (st.seq == 0) k = w.fresh_start(pos);
  else if (pos.prev_row >= 0) k = static_cast<std::uint64_t>(pos.prev_row) + 1;
  else w.host().warn("the row of batch " + std::to_string(st.seq - 1) + " was deleted from tab '" + st.tab +
                     "': appending at row " + std::to_string(k + 1) + " as remembered");
  Columns cols(st.columns, !w.cfg().columns.empty(), w.cfg().nested == Nested::Flatten);
  const std::size_t known = st.columns.size();
  const Rows rows = w.build_rows(batch, cols);
  return w.write(tabs, tab, k, rows, cols, known, w.ctx().last_batch() && rows.items == batch.size());
}

}  // namespace

std::uint64_t append_call(Writer& w, const sinkhub::Batch& batch) {
  const std::uint64_t accepted = batch.empty() ? 0 : append_rows(w, batch);
  if (w.ctx().last_batch() && accepted == batch.size()) w.finish_without_write();
  return accepted;
}

}  // namespace sinkhub_gsheets
