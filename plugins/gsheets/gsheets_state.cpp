#include "gsheets_state.hpp"

#include "checkpoint.hpp"

namespace sinkhub_gsheets {

using sinkhub_kit::Checkpoint;
using sinkhub_kit::CheckpointError;

std::string State::encode() const {
  Checkpoint cp("gsheets", 1);
  cp.set_text("tab", tab)
      .set_count("sheet_id", static_cast<std::uint64_t>(sheet_id < 0 ? 0 : sheet_id))
      .set_flag("resolved", sheet_id >= 0)
      .set_count("seq", seq)
      .set_count("row", row)
      .set_count("skip", skip)
      .set_flag("header", header)
      .set_flag("done", done)
      .set_texts("columns", columns)
      .set_text("target", target)
      .set_count("target_id", static_cast<std::uint64_t>(target_id < 0 ? 0 : target_id))
      .set_flag("target_resolved", target_id >= 0);
  return cp.encode();
}

std::optional<State> State::decode(std::string_view blob, std::string& why) {
  try {
    const Checkpoint cp = Checkpoint::decode(blob, "gsheets", 1);
    State s;
    s.tab = cp.text("tab");
    s.sheet_id = cp.flag("resolved", false) ? static_cast<std::int64_t>(cp.count("sheet_id")) : -1;
    s.seq = cp.count("seq");
    s.row = cp.count("row");
    s.skip = cp.count("skip");
    s.header = cp.flag("header", false);
    s.done = cp.flag("done", false);
    s.columns = cp.texts("columns");
    s.target = cp.has("target") ? cp.text("target") : std::string();
    s.target_id = cp.flag("target_resolved", false) ? static_cast<std::int64_t>(cp.count("target_id")) : -1;
    return s;
  } catch (const CheckpointError& e) {
    why = e.what();
    return std::nullopt;
  }
}

std::string Intent::encode() const {
  Checkpoint cp("gsheets-intent", 1);
  cp.set_count("seq", seq).set_count("offset", offset).set_count("count", count).set_flag("header", header);
  if (from == ColumnsFrom::List) cp.set_texts("columns", columns);
  else cp.set_text("columns_from", from == ColumnsFrom::Config   ? "config"
                                   : from == ColumnsFrom::Header ? "header"
                                                                 : "items");
  return cp.encode();
}

std::optional<Intent> Intent::decode(std::string_view text) {
  try {
    const Checkpoint cp = Checkpoint::decode(text, "gsheets-intent", 1);
    Intent i;
    i.seq = cp.count("seq");
    i.offset = cp.count("offset");
    i.count = cp.count("count");
    i.header = cp.flag("header", false);
    i.columns = cp.texts("columns");
    if (cp.has("columns_from")) {
      const std::string from = cp.text("columns_from");
      if (from == "config") i.from = ColumnsFrom::Config;
      else if (from == "header") i.from = ColumnsFrom::Header;
      else if (from == "items") i.from = ColumnsFrom::Items;
      else return std::nullopt;
    }
    return i;
  } catch (const CheckpointError&) {
    return std::nullopt;
  }
}

std::string batch_tag(std::string_view delivery_id, std::uint64_t seq) {
  return std::string(delivery_id) + ":" + std::to_string(seq);
}

std::string intent_key(std::string_view delivery_id, std::uint64_t seq) {
  return "sinkhub.intent." + std::string(delivery_id) + "." + std::to_string(seq);
}

std::string sheet_info(const Intent& intent, ColumnsFrom fallback, std::size_t key_size) {
  std::string value = intent.encode();
  if (key_size + value.size() <= kMaxInfoChars) return value;
  Intent lean = intent;
  lean.columns.clear();
  lean.from = fallback;
  return lean.encode();
}

}  // namespace sinkhub_gsheets
