#include "message_template.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "text.hpp"

namespace slack {

namespace {

bool path_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$' || c == '-';
}

std::string known_facts() {
  std::string out;
  for (const char* f : kFacts) out += std::string(out.empty() ? "" : ", ") + f;
  return out;
}

// A placeholder shown in an error message: cut, and only printable ASCII.
std::string shown(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 60)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  return "{" + out + (name.size() > 60 ? "...}" : "}");
}

std::string to_json(const Poco::Dynamic::Var& v) {
  std::ostringstream os;
  Poco::JSON::Stringifier::condense(v, os);
  return os.str();
}

}  // namespace

bool parse_path(std::string_view text, std::vector<std::string>& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = text.find('.', start);
    const std::string_view seg =
        text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (seg.empty() || !std::all_of(seg.begin(), seg.end(), path_char)) return false;
    out.emplace_back(seg);
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string item_value(const Poco::Dynamic::Var& item, const std::vector<std::string>& path) {
  Poco::Dynamic::Var cur = item;
  for (const auto& seg : path) {
    if (cur.type() == typeid(Poco::JSON::Object::Ptr)) {
      const auto o = cur.extract<Poco::JSON::Object::Ptr>();
      if (!o || !o->has(seg)) return {};
      cur = o->get(seg);
    } else if (cur.type() == typeid(Poco::JSON::Array::Ptr)) {
      const auto a = cur.extract<Poco::JSON::Array::Ptr>();
      if (!a || seg.empty() || !std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          seg.size() > 9)
        return {};
      const std::size_t i = std::stoul(seg);
      if (i >= a->size()) return {};
      cur = a->get(static_cast<unsigned>(i));
    } else {
      return {};
    }
  }
  if (cur.isEmpty()) return {};
  if (cur.isString()) return cur.extract<std::string>();
  return to_json(cur);
}

MessageTemplate MessageTemplate::parse(std::string_view text, const std::string& option) {
  if (text.size() > kMaxTemplateBytes)
    throw std::invalid_argument("option '" + option + "': longer than " + std::to_string(kMaxTemplateBytes) + " bytes");
  MessageTemplate t;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) t.parts_.push_back({Part::Literal, std::move(literal), 0, {}});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '}') {
      literal += '}';
      if (i + 1 < text.size() && text[i + 1] == '}') ++i;  // "}}" is one literal brace
      continue;
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    const std::size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos)
      throw std::invalid_argument("option '" + option + "': unterminated placeholder " + shown(text.substr(i + 1)) +
                                  " (write {{ for a literal brace)");
    const std::string_view name = text.substr(i + 1, close - i - 1);
    i = close;
    flush();
    if (std::find(std::begin(kFacts), std::end(kFacts), name) != std::end(kFacts)) {
      t.parts_.push_back({Part::Fact, std::string(name), 0, {}});
      continue;
    }
    if (name.substr(0, 6) == "items[") {
      const std::size_t rb = name.find(']');
      const std::string_view idx = name.substr(6, rb == std::string_view::npos ? 0 : rb - 6);
      Part p{Part::Item, {}, 0, {}};
      const bool digits = !idx.empty() && idx.size() <= 3 &&
                          std::all_of(idx.begin(), idx.end(), [](char d) { return d >= '0' && d <= '9'; });
      const std::string_view rest = rb == std::string_view::npos ? std::string_view() : name.substr(rb + 1);
      if (rb != std::string_view::npos && digits &&
          (rest.empty() || (rest[0] == '.' && parse_path(rest.substr(1), p.path)))) {
        p.index = std::stoul(std::string(idx));
        if (p.index > kMaxItemIndex)
          throw std::invalid_argument("option '" + option + "': placeholder " + shown(name) + ": item index above " +
                                      std::to_string(kMaxItemIndex));
        t.items_needed_ = std::max(t.items_needed_, p.index + 1);
        t.parts_.push_back(std::move(p));
        continue;
      }
      throw std::invalid_argument("option '" + option + "': malformed item placeholder " + shown(name) +
                                  " (expected {items[N].field.path})");
    }
    throw std::invalid_argument("option '" + option + "': unknown placeholder " + shown(name) +
                                " (known: " + known_facts() + ", items[N].field)");
  }
  flush();
  return t;
}

bool MessageTemplate::uses(const std::string& fact) const {
  return std::any_of(parts_.begin(), parts_.end(),
                     [&](const Part& p) { return p.kind == Part::Fact && p.text == fact; });
}

std::string MessageTemplate::render(const Facts& facts, const std::vector<Poco::Dynamic::Var>& items) const {
  std::string out;
  for (const auto& p : parts_) {
    switch (p.kind) {
      case Part::Literal: out += p.text; break;
      case Part::Fact: {
        const auto it = facts.find(p.text);
        if (it != facts.end()) out += mrkdwn_escape(it->second);
        break;
      }
      case Part::Item:
        if (p.index < items.size()) out += mrkdwn_escape(item_value(items[p.index], p.path));
        break;
    }
  }
  return out;
}

}  // namespace slack
