// Dataset endpoints of the fake Apify API: GET /v2/datasets/{id}/items, GET /v2/datasets/{id},
// GET /v2/actor-runs/{id}/dataset/items. See fake_apify.hpp.
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include <algorithm>

#include "fake_internal.hpp"

namespace sinkhub::fake {

namespace {

enum class Kind { Visible, Hidden, Empty };

Kind generated_kind(std::int64_t i, const GeneratedSpec& s) {
  if (s.hidden_every > 0 && i % s.hidden_every == s.hidden_every - 1) return Kind::Hidden;
  if (s.empty_every > 0 && i % s.empty_every == s.empty_every - 1) return Kind::Empty;
  return Kind::Visible;
}

struct ItemFilter {
  bool skip_hidden = false;
  bool skip_empty = false;
  std::vector<std::string> fields;
  std::vector<std::string> omit;
  bool active() const { return skip_hidden || skip_empty || !fields.empty() || !omit.empty(); }
};

// Applies the item filters to one raw item; false = the item is skipped.
bool filter_item(const std::string& raw, const ItemFilter& f, std::string& out) {
  if (!f.active()) {
    out = raw;
    return true;
  }
  Poco::JSON::Object::Ptr obj;
  try {
    Poco::JSON::ParseHandler::Ptr handler = new Poco::JSON::ParseHandler(true);
    Poco::JSON::Parser parser(handler);
    obj = parser.parse(raw).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
    out = raw;  // not an object: passes through untouched
    return true;
  }
  if (!obj) {
    out = raw;
    return true;
  }
  bool changed = false;
  if (f.skip_hidden) {
    std::vector<std::string> names;
    obj->getNames(names);
    for (const auto& n : names)
      if (!n.empty() && n[0] == '#') {
        obj->remove(n);
        changed = true;
      }
  }
  if (f.skip_empty && obj->size() == 0) return false;
  if (!f.fields.empty()) {
    auto picked = ordered_object();
    for (const auto& name : f.fields)
      if (obj->has(name)) picked->set(name, obj->get(name));
    obj = picked;
    changed = true;
  }
  for (const auto& name : f.omit)
    if (obj->has(name)) {
      obj->remove(name);
      changed = true;
    }
  out = changed ? to_json(obj) : raw;
  return true;
}

// The body of one items page: raw items [start, end) of `window` (explicit items are already
// cut to that range), filtered, as a JSON array or as JSON lines.
std::string items_body(const Dataset& window, std::int64_t start, std::int64_t end, std::int64_t total, bool desc,
                       const ItemFilter& f, bool jsonl) {
  std::string body = jsonl ? "" : "[";
  std::string item;
  bool first = true;
  for (std::int64_t k = start; k < end; ++k) {
    bool keep;
    if (window.generated) {
      const std::int64_t i = desc ? total - 1 - k : k;
      const Kind kind = generated_kind(i, window.spec);
      if (!f.fields.empty() || !f.omit.empty())
        keep = filter_item(FakeApify::generated_item(i, window.spec), f, item);
      else if ((kind == Kind::Hidden && f.skip_hidden && f.skip_empty) || (kind == Kind::Empty && f.skip_empty))
        keep = false;
      else {
        keep = true;
        item = (kind == Kind::Hidden && f.skip_hidden) ? std::string("{}") : FakeApify::generated_item(i, window.spec);
      }
    } else {
      keep = filter_item(window.items[static_cast<std::size_t>(k - start)], f, item);
    }
    if (!keep) continue;
    if (!jsonl) {
      body += first ? "\n" : ",\n";
      body += item;
    } else {
      body += item;
      body += '\n';
    }
    first = false;
  }
  if (!jsonl) body += first ? "]" : "\n]";
  return body;
}

Answer items(State& st, const std::string& id, const ApiRequest& req) {
  std::string v;
  std::string format = "json";
  if (req.param("format", v)) format = v;
  if (format != "json" && format != "jsonl")
    return error(400, "invalid-parameter", "The fake Apify API serves only format=json and format=jsonl");
  std::int64_t offset = 0, limit = -1;
  if (req.param("offset", v) && (!Poco::NumberParser::tryParse64(v, offset) || offset < 0))
    return error(400, "invalid-parameter", "Parameter 'offset' must be a non-negative integer");
  if (req.param("limit", v) && (!Poco::NumberParser::tryParse64(v, limit) || limit < 0))
    return error(400, "invalid-parameter", "Parameter 'limit' must be a non-negative integer");
  ItemFilter f;
  bool desc = false;
  if (req.param("clean", v) && flag_value(v)) f.skip_hidden = f.skip_empty = true;
  if (req.param("skipHidden", v) && flag_value(v)) f.skip_hidden = true;
  if (req.param("skipEmpty", v) && flag_value(v)) f.skip_empty = true;
  if (req.param("desc", v) && flag_value(v)) desc = true;
  if (req.param("fields", v)) f.fields = split_list(v);
  if (req.param("omit", v)) f.omit = split_list(v);

  // Copy what this page needs under the lock; generate outside it.
  Dataset window;
  std::int64_t total = 0, start = 0, end = 0, reported_total = 0;
  {
    std::lock_guard<std::mutex> lock(st.mu);
    const auto it = st.datasets.find(id);
    if (it == st.datasets.end()) return error(404, "record-not-found", "Dataset was not found");
    const Dataset& d = it->second;
    total = d.size();
    start = std::min(offset, total);
    end = limit < 0 ? total : std::min(total, start + limit);
    if (const auto r = st.reported_totals.find(id); r != st.reported_totals.end()) reported_total = r->second;
    else reported_total = total;
    window.generated = d.generated;
    window.spec = d.spec;
    if (!d.generated)
      for (std::int64_t k = start; k < end; ++k)
        window.items.push_back(d.items[static_cast<std::size_t>(desc ? total - 1 - k : k)]);
  }
  Answer a;
  a.content_type = format == "jsonl" ? "application/jsonl; charset=utf-8" : "application/json; charset=utf-8";
  a.body = items_body(window, start, end, total, desc, f, format == "jsonl");
  if (format == "jsonl" && !a.body.empty()) {
    std::lock_guard<std::mutex> lock(st.mu);
    if (!st.trailing_newline) a.body.pop_back();
  }
  a.headers = {{"X-Apify-Pagination-Offset", std::to_string(offset)},
               {"X-Apify-Pagination-Limit", limit < 0 ? std::string("999999999999") : std::to_string(limit)},
               {"X-Apify-Pagination-Count", std::to_string(end - start)},
               {"X-Apify-Pagination-Desc", desc ? "true" : "false"}};
  if (reported_total >= 0) a.headers.push_back({"X-Apify-Pagination-Total", std::to_string(reported_total)});
  return a;
}

Answer dataset_info(State& st, const std::string& id) {
  std::lock_guard<std::mutex> lock(st.mu);
  const auto it = st.datasets.find(id);
  if (it == st.datasets.end()) return error(404, "record-not-found", "Dataset was not found");
  auto d = ordered_object();
  d->set("id", id);
  d->set("name", Poco::Dynamic::Var());
  d->set("userId", "fakeUserId00001");
  d->set("itemCount", it->second.size());
  return data_answer(d);
}


}  // namespace

std::optional<Answer> route_datasets(State& st, const ApiRequest& req) {
  const auto& seg = req.seg;
  const bool items_path = (seg.size() == 4 && seg[1] == "datasets" && seg[3] == "items") ||
                          (seg.size() == 5 && seg[1] == "actor-runs" && seg[3] == "dataset" && seg[4] == "items");
  const bool info_path = seg.size() == 3 && seg[1] == "datasets";
  if (!items_path && !info_path) return std::nullopt;
  if (!req.is("GET") && !req.is("HEAD")) return method_not_allowed("GET, HEAD");
  if (info_path) return dataset_info(st, seg[2]);
  if (seg[1] == "datasets") return items(st, seg[2], req);
  std::string dataset_id;
  {
    std::lock_guard<std::mutex> lock(st.mu);
    const auto it = st.runs.find(seg[2]);
    if (it == st.runs.end()) return error(404, "record-not-found", "Actor run was not found");
    dataset_id = it->second.default_dataset_id;
  }
  return items(st, dataset_id, req);
}

void FakeApify::add_dataset(const std::string& id, std::vector<std::string> items) {
  Dataset d;
  d.items = std::move(items);
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->datasets[id] = std::move(d);
}

void FakeApify::add_generated_dataset(const std::string& id, GeneratedSpec spec) {
  Dataset d;
  d.generated = true;
  d.spec = spec;
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->datasets[id] = std::move(d);
}

void FakeApify::append_items(const std::string& id, const std::vector<std::string>& items) {
  std::lock_guard<std::mutex> lock(state_->mu);
  Dataset& d = state_->datasets[id];
  d.items.insert(d.items.end(), items.begin(), items.end());
}


std::string FakeApify::generated_item(std::int64_t i, const GeneratedSpec& spec) {
  const std::string n = std::to_string(i);
  switch (generated_kind(i, spec)) {
    case Kind::Hidden:
      return "{\"#debug\":\"hidden " + n + "\",\"#crawl\":{\"depth\":" + std::to_string(i % 7) + "}}";
    case Kind::Empty:
      return "{}";
    case Kind::Visible:
      break;
  }
  std::string item = "{\"i\":" + n + ",\"url\":\"https://example.com/p/" + n + "\",\"title\":\"Item " + n;
  const std::size_t tail = 2;  // "}
  if (item.size() + tail < spec.item_bytes) {
    const std::size_t pad = spec.item_bytes - item.size() - tail;
    item.reserve(spec.item_bytes);
    item += ' ';
    for (std::size_t k = 1; k < pad; ++k) item += static_cast<char>('a' + (static_cast<std::size_t>(i) + k) % 26);
  }
  item += "\"}";
  return item;
}

std::vector<std::string> FakeApify::items(const std::string& dataset_id, bool clean) const {
  Dataset d;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    const auto it = state_->datasets.find(dataset_id);
    if (it == state_->datasets.end()) return {};
    d = it->second;
  }
  ItemFilter f;
  f.skip_hidden = f.skip_empty = clean;
  std::vector<std::string> out;
  std::string item;
  for (std::int64_t i = 0; i < d.size(); ++i) {
    if (d.generated) {
      const Kind kind = generated_kind(i, d.spec);
      if (clean && kind != Kind::Visible) continue;
      out.push_back(generated_item(i, d.spec));
    } else if (filter_item(d.items[static_cast<std::size_t>(i)], f, item)) {
      out.push_back(item);
    }
  }
  return out;
}

void FakeApify::set_reported_total(const std::string& dataset_id, std::int64_t total) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->reported_totals[dataset_id] = total;
}

void FakeApify::set_trailing_newline(bool on) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->trailing_newline = on;
}

}  // namespace sinkhub::fake
