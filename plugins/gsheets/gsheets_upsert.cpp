// upsert: rows whose `key` cell matches an item are rewritten in place, the other items are
// appended (with the append protocol, so a batch is still one atomic batchUpdate with a commit
// marker: an update is idempotent anyway, and the marker resolves the whole batch).
//
// The key column is read once per delivery (values.get of that column; on the first call it
// comes with the tab's read when there is no tail marker) into a KeyIndex kept between the
// delivery's calls. A person inserting or deleting rows between two calls moves the previous
// batch's marker, which sits on the table's last row: the next call sees it somewhere else
// than where its State expects it, and reads the key column again before writing, so rows
// are never addressed by stale indexes. Only the cells an item carries are written (a JSON
// null clears one); other cells of the row, such as a person's notes column, stay.
// Items with the same key apply in order: the row ends with the last value of each field.
#include <algorithm>
#include <map>

#include "gsheets_modes.hpp"

namespace sinkhub_gsheets {

namespace json = sinkhub::json;

namespace {

// A1 letters of a 0-based column (0 -> A, 26 -> AA).
std::string column_letters(std::size_t c) {
  std::string s;
  for (std::size_t n = c + 1; n > 0; n = (n - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (n - 1) % 26));
  return s;
}

std::string join(const std::vector<std::string>& cells, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t c = from; c < to; ++c) {
    if (c > from) out += ',';
    out += cells[c];
  }
  return out;
}

// The index from the key column's values (rows of one cell each, from row 0).
std::shared_ptr<KeyIndex> index_of(const json::Value& values, std::size_t column, std::uint64_t first_row) {
  auto index = std::make_shared<KeyIndex>();
  if (!values.is_array()) return index;
  for (std::size_t r = first_row; r < values.items().size(); ++r) {
    const json::Value& row = values.items()[r];
    if (!row.is_array() || row.items().size() <= column) continue;
    const std::string key = key_text(&row.items()[column]);
    if (!key.empty()) index->rows.emplace(key, r);  // the first row with a key is the one updated
    index->end_row = r + 1;
  }
  return index;
}

// Reads the key column (or takes it from the whole tab's values) into an index.
std::shared_ptr<KeyIndex> read_index(Writer& w, const json::Value* whole) {
  const State& st = w.st();
  const auto at = std::find(st.columns.begin(), st.columns.end(), w.cfg().key);
  if (at == st.columns.end()) return std::make_shared<KeyIndex>();  // no such column yet: every key is new
  const auto column = static_cast<std::size_t>(at - st.columns.begin());
  const std::uint64_t first = st.header ? 1 : 0;
  if (whole && whole->is_object() && whole->find("values")) return index_of(*whole->find("values"), column, first);
  if (whole && whole->is_object()) return std::make_shared<KeyIndex>();  // the tab is empty
  const std::string letters = column_letters(column);
  const json::Value doc = w.client().get_values(a1(st.tab, letters + ":" + letters));
  const json::Value* values = doc.is_object() ? doc.find("values") : nullptr;
  if (!values) return std::make_shared<KeyIndex>();
  return index_of(*values, 0, first);
}

// One item's cells, and which of them it carries.
struct ItemCells {
  std::vector<std::string> cells;
  std::vector<bool> present;
  void merge(const ItemCells& later) {
    if (cells.size() < later.cells.size()) {
      cells.resize(later.cells.size(), "{}");
      present.resize(later.cells.size(), false);
    }
    for (std::size_t c = 0; c < later.cells.size(); ++c) {
      if (!later.present[c]) continue;
      cells[c] = later.cells[c];
      present[c] = true;
    }
  }
};

struct Split {
  std::vector<ItemCells> appended;
  std::vector<std::string> appended_keys;  // "" for an item without a key
  std::map<std::uint64_t, ItemCells> updated;
  std::uint64_t items = 0;
  std::size_t cuts = 0;
};

// Sorts the call's items (up to the request budget) into rows to update and rows to append.
Split split(Writer& w, const sinkhub::Batch& batch, Columns& cols, const KeyIndex& index) {
  Split s;
  std::unordered_map<std::string, std::size_t> new_keys;  // key -> slot in s.appended
  std::size_t bytes = 0;
  for (std::uint64_t i = 0; i < batch.size() && (s.items == 0 || bytes < kTargetPayload); ++i) {
    json::Value item;
    try {
      item = parse_item(batch.item(i));
    } catch (const json::ParseError& e) {
      give_up(SINKHUB_REJECT, "item " + std::to_string(w.ctx().item_offset() + i) + " is not valid JSON: " + e.what());
    }
    ItemCells c;
    s.cuts += cols.cells(item, w.extra(i), c.cells, c.present);
    for (const auto& cell : c.cells) bytes += cell.size() + 1;
    bytes += 64;
    s.items = i + 1;
    const std::string key = key_text(cols.value(item, w.cfg().key));
    const auto row = key.empty() ? index.rows.end() : index.rows.find(key);
    const auto slot = key.empty() ? new_keys.end() : new_keys.find(key);
    if (row != index.rows.end()) {
      auto [it, fresh] = s.updated.emplace(row->second, c);
      if (!fresh) it->second.merge(c);
    } else if (slot != new_keys.end()) {
      s.appended[slot->second].merge(c);
    } else {
      if (!key.empty()) new_keys.emplace(key, s.appended.size());
      s.appended.push_back(std::move(c));
      s.appended_keys.push_back(key);
    }
  }
  return s;
}

// The split as a batch: appended rows whole, updated rows as runs of the cells they carry.
Rows rows_of(const Split& s) {
  Rows rows;
  rows.items = s.items;
  rows.cuts = s.cuts;
  for (const auto& a : s.appended) rows.appended.push_back(join(a.cells, 0, a.cells.size()));
  for (const auto& [row, c] : s.updated) {
    ++rows.updated_rows;
    for (std::size_t from = 0; from < c.cells.size();) {
      if (!c.present[from]) {
        ++from;
        continue;
      }
      std::size_t to = from;
      while (to < c.cells.size() && c.present[to]) ++to;
      rows.updates.push_back(Update{row, from, join(c.cells, from, to)});
      from = to;
    }
  }
  return rows;
}

std::uint64_t upsert_rows(Writer& w, const sinkhub::Batch& batch, KeyIndexCache& cache) {
  State& st = w.st();
  const std::string id(w.ctx().delivery_id());
  Tabs tabs = w.read_tabs();
  const TabInfo tab = w.rows_tab(tabs);
  st.sheet_id = tab.sheet_id;
  const Position pos = w.search(tab, Writer::Want{});
  if (w.applied(pos)) {
    cache.drop(id);  // its rows are in: the index is read again
    return w.committed(pos, batch);
  }
  if (st.seq == 0 && pos.done) {
    w.host().info("delivery " + id + " was already written to tab '" + st.tab + "': writing nothing again");
    st.done = true;
    return batch.size();
  }
  std::shared_ptr<KeyIndex> index = cache.get(id);
  std::uint64_t k = st.row;
  if (st.seq == 0) {
    json::Value whole;
    k = w.fresh_start(pos, &whole);
    index = read_index(w, whole.is_object() ? &whole : nullptr);
  } else {
    // The previous batch's marker sits on the table's last row: anywhere else, people moved rows.
    const bool moved = pos.prev_row < 0 || static_cast<std::uint64_t>(pos.prev_row) + 1 != st.row;
    if (moved) w.host().info("rows were inserted or deleted in tab '" + st.tab + "': reading its key column again");
    if (moved || !index || index->seq != st.seq || index->end_row != st.row) index = read_index(w, nullptr);
    k = pos.prev_row >= 0 ? static_cast<std::uint64_t>(pos.prev_row) + 1 : index->end_row;
  }
  k = std::max<std::uint64_t>(k, index->end_row);  // after every keyed row
  st.row = k;
  index->seq = st.seq;
  index->end_row = k;
  cache.put(id, index);  // still right if this batch fails before Google applies it
  Columns cols(st.columns, !w.cfg().columns.empty(), w.cfg().nested == Nested::Flatten);
  const std::size_t known = st.columns.size();
  const Split s = split(w, batch, cols, *index);
  const std::uint64_t accepted =
      w.write(tabs, tab, k, rows_of(s), cols, known, w.ctx().last_batch() && s.items == batch.size());
  const std::uint64_t first = st.row - s.appended.size();
  for (std::size_t i = 0; i < s.appended_keys.size(); ++i)
    if (!s.appended_keys[i].empty()) index->rows.emplace(s.appended_keys[i], first + i);
  index->seq = st.seq;
  index->end_row = st.row;
  return accepted;
}

}  // namespace

std::shared_ptr<KeyIndex> KeyIndexCache::get(const std::string& delivery_id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, index] : entries_)
    if (id == delivery_id) return index;
  return nullptr;
}

void KeyIndexCache::put(const std::string& delivery_id, std::shared_ptr<KeyIndex> index) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.remove_if([&](const auto& e) { return e.first == delivery_id; });
  entries_.emplace_front(delivery_id, std::move(index));
  if (entries_.size() > kMaxEntries) entries_.pop_back();
}

void KeyIndexCache::drop(const std::string& delivery_id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.remove_if([&](const auto& e) { return e.first == delivery_id; });
}

std::uint64_t upsert_call(Writer& w, const sinkhub::Batch& batch, KeyIndexCache& cache) {
  const std::uint64_t accepted = batch.empty() ? 0 : upsert_rows(w, batch, cache);
  if (w.ctx().last_batch() && accepted == batch.size()) w.finish_without_write();
  return accepted;
}

}  // namespace sinkhub_gsheets
