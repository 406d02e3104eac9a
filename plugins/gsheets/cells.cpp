#include "cells.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sinkhub_gsheets {

namespace json = sinkhub::json;

namespace {

constexpr std::int64_t kMaxSafeInteger = 9007199254740992;  // 2^53

// UTF-16 units of one UTF-8 sequence starting with byte c (0 for a continuation byte).
std::size_t units_of(unsigned char c) {
  if ((c & 0xC0) == 0x80) return 0;
  return c >= 0xF0 ? 2 : 1;
}

bool integral_literal(const std::string& t) { return t.find_first_of(".eE") == std::string::npos; }

// A JSON number Sheets can hold exactly as a double; anything else is written as its text.
bool exact_number(const json::Value& v) {
  if (integral_literal(v.text())) {
    std::int64_t n = 0;
    return v.to_int64(n) && n <= kMaxSafeInteger && n >= -kMaxSafeInteger;
  }
  double d = 0;
  return v.to_double(d) && std::isfinite(d);
}

void flatten_into(const json::Value& v, const std::string& prefix, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.members()) flatten_into(child, prefix.empty() ? k : prefix + "/" + k, out);
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.items().size(); ++i)
      flatten_into(v.items()[i], prefix.empty() ? std::to_string(i) : prefix + "/" + std::to_string(i), out);
  } else if (!prefix.empty()) {
    out.push_back(prefix);
  }
}

const json::Value* walk(const json::Value& root, const std::string& path, char sep) {
  const json::Value* cur = &root;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = path.find(sep, start);
    const std::string seg = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (cur->is_object()) {
      cur = cur->find(seg);
    } else if (cur->is_array()) {
      if (seg.empty() || seg.size() > 9 || seg.find_first_not_of("0123456789") != std::string::npos) return nullptr;
      const std::size_t i = std::stoul(seg);
      cur = i < cur->items().size() ? &cur->items()[i] : nullptr;
    } else {
      return nullptr;
    }
    if (!cur || end == std::string::npos) return cur;
    start = end + 1;
  }
}

}  // namespace

std::string cut_text(std::string_view text, bool* cut) {
  std::size_t units = 0;
  for (const char c : text) units += units_of(static_cast<unsigned char>(c));
  if (units <= kMaxCellChars) return std::string(text);
  if (cut) *cut = true;
  const std::size_t budget = kMaxCellChars - std::strlen(kTruncationMarker);
  std::size_t i = 0, used = 0;
  while (i < text.size()) {
    const std::size_t u = units_of(static_cast<unsigned char>(text[i]));
    if (u && used + u > budget) break;  // stop before a sequence that does not fit
    used += u;
    ++i;
  }
  return std::string(text.substr(0, i)) + kTruncationMarker;
}

std::string text_cell(std::string_view text, bool* cut) {
  return "{\"userEnteredValue\":{\"stringValue\":" + json::quote(cut_text(text, cut)) + "}}";
}

std::string cell_json(const json::Value* v, bool* cut) {
  if (!v || v->is_null()) return "{}";
  switch (v->kind()) {
    case json::Kind::Bool: return v->as_bool() ? "{\"userEnteredValue\":{\"boolValue\":true}}"
                                              : "{\"userEnteredValue\":{\"boolValue\":false}}";
    case json::Kind::Number:
      if (exact_number(*v)) return "{\"userEnteredValue\":{\"numberValue\":" + v->text() + "}}";
      return text_cell(v->text(), cut);
    case json::Kind::String: return text_cell(v->text(), cut);
    default: return text_cell(json::write(*v), cut);
  }
}

namespace {

// The shortest decimal text that reads back as `d` (integers without a fraction).
std::string number_text(double d) {
  char buf[40];
  if (d == std::floor(d) && std::fabs(d) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", d);
    return buf;
  }
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

}  // namespace

std::string key_text(const json::Value* v) {
  if (!v || v->is_null()) return "";
  switch (v->kind()) {
    case json::Kind::Bool: return v->as_bool() ? "TRUE" : "FALSE";
    case json::Kind::Number: {
      double d = 0;
      if (exact_number(*v) && v->to_double(d)) return number_text(d);
      return cut_text(v->text(), nullptr);
    }
    case json::Kind::String: return cut_text(v->text(), nullptr);
    default: return cut_text(json::write(*v), nullptr);
  }
}

json::Value parse_item(std::string_view text) {
  json::Limits lim;
  lim.max_depth = 128;
  lim.max_bytes = 64u << 20;
  json::Value v = json::parse(text, lim);
  if (v.is_object()) return v;
  return json::Value::object({{"value", std::move(v)}});
}

Columns::Columns(std::vector<std::string> names, bool fixed, bool flatten) : fixed_(fixed), flatten_(flatten) {
  for (auto& n : names) add(n);
}

void Columns::add(const std::string& name) {
  if (index_.count(name)) return;
  if (names_.size() >= kMaxColumns) {
    ++dropped_;
    index_.emplace(name, SIZE_MAX);  // remembered, never a column
    return;
  }
  index_.emplace(name, names_.size());
  names_.push_back(name);
}

void Columns::learn(const json::Value& item) {
  if (!flatten_) {
    for (const auto& m : item.members()) add(m.first);
    return;
  }
  std::vector<std::string> leaves;
  flatten_into(item, "", leaves);
  for (const auto& l : leaves) add(l);
}

const json::Value* Columns::lookup(const json::Value& item, const std::string& name) const {
  if (const json::Value* v = item.find(name)) return v;
  if (flatten_ && !fixed_) return walk(item, name, '/');
  if (fixed_) {
    const json::Value* v = walk(item, name, '.');
    return v ? v : walk(item, name, '/');
  }
  return nullptr;
}

std::size_t Columns::cells(const json::Value& item, const std::vector<std::pair<std::string, std::string>>& extra,
                           std::vector<std::string>& out, std::vector<bool>& present) {
  if (!fixed_) {
    for (const auto& e : extra) add(e.first);
    learn(item);
  }
  std::size_t cuts = 0;
  out.assign(names_.size(), std::string());
  present.assign(names_.size(), false);
  for (std::size_t c = 0; c < names_.size(); ++c) {
    bool cut = false;
    const std::string* extra_value = nullptr;
    for (const auto& e : extra)
      if (e.first == names_[c]) extra_value = &e.second;
    const json::Value* v = extra_value ? nullptr : lookup(item, names_[c]);
    out[c] = extra_value ? text_cell(*extra_value, &cut) : cell_json(v, &cut);
    present[c] = extra_value || v;
    if (cut) ++cuts;
  }
  return cuts;
}

std::size_t Columns::row(const json::Value& item, const std::vector<std::pair<std::string, std::string>>& extra,
                         std::string& cells) {
  std::vector<std::string> out;
  std::vector<bool> present;
  const std::size_t cuts = this->cells(item, extra, out, present);
  for (std::size_t c = 0; c < out.size(); ++c) {
    if (c) cells += ',';
    cells += out[c];
  }
  return cuts;
}

}  // namespace sinkhub_gsheets
