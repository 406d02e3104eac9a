#include "checkpoint.hpp"

namespace sinkhub_kit {

using sinkhub::json::Value;

namespace {

[[noreturn]] void bad(std::string_view name, const char* what) {
  throw CheckpointError("checkpoint field '" + std::string(name) + "' " + what);
}

bool decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

// "file/2" -> 2 when the kind matches; throws otherwise.
unsigned version_of(const std::string& tag, std::string_view kind) {
  std::uint64_t v = 0;
  const std::string prefix = std::string(kind) + "/";
  if (tag.compare(0, prefix.size(), prefix) != 0 || !decimal(std::string_view(tag).substr(prefix.size()), v) ||
      v == 0 || v > 1000000)
    throw CheckpointError("not a checkpoint of the " + std::string(kind) + " sink");
  return static_cast<unsigned>(v);
}

}  // namespace

Checkpoint Checkpoint::decode_lines(std::string_view blob, std::string_view kind) {
  const std::size_t nl = blob.find('\n');
  Checkpoint cp(std::string(kind), version_of(std::string(blob.substr(8, nl - 8)), kind));  // after "sinkhub-"
  cp.text_counts_ = true;
  for (std::string_view rest = blob.substr(nl + 1); !rest.empty();) {
    const std::size_t end = rest.find('\n');
    if (end == std::string_view::npos) throw CheckpointError("checkpoint line without its newline");
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) throw CheckpointError("checkpoint line without a name=value");
    cp.set_text(line.substr(0, eq), line.substr(eq + 1));
  }
  return cp;
}

Checkpoint Checkpoint::decode(std::string_view blob, std::string_view kind, unsigned max_version) {
  const std::string line_tag = "sinkhub-" + std::string(kind) + "/";
  if (blob.substr(0, line_tag.size()) == line_tag && blob.find('\n') != std::string_view::npos) {
    Checkpoint cp = decode_lines(blob, kind);
    if (cp.version_ > max_version) throw CheckpointError("checkpoint written by a newer version of the sink");
    return cp;
  }
  sinkhub::json::Limits limits;
  limits.raw_bytes = true;
  limits.max_bytes = blob.size();
  Value doc;
  try {
    doc = sinkhub::json::parse(blob, limits);
  } catch (const sinkhub::json::ParseError& e) {
    throw CheckpointError(std::string("checkpoint is not readable: ") + e.what());
  }
  if (!doc.is_object()) throw CheckpointError("checkpoint is not a JSON object");
  Checkpoint cp(std::string(kind), 1);
  if (const Value* v = doc.find("v")) {
    std::uint64_t n = 0;
    if (v->is_string()) cp.version_ = version_of(v->text(), kind);
    else if (v->to_uint64(n) && n > 0 && n <= 1000000) cp.version_ = static_cast<unsigned>(n);
    else throw CheckpointError("checkpoint has an invalid version tag");
  }
  if (cp.version_ > max_version) throw CheckpointError("checkpoint written by a newer version of the sink");
  for (auto& [name, value] : doc.members())
    if (name != "v") cp.set(name, std::move(value));
  return cp;
}

std::string Checkpoint::encode() const {
  Value doc = Value::object({{"v", Value::string(kind_ + "/" + std::to_string(version_))}});
  for (const auto& m : fields_.members()) doc.members().push_back(m);
  return sinkhub::json::write(doc);
}

void Checkpoint::set(std::string_view name, Value v) {
  for (auto& m : fields_.members())
    if (m.first == name) {
      m.second = std::move(v);
      return;
    }
  fields_.members().emplace_back(std::string(name), std::move(v));
}

Checkpoint& Checkpoint::set_text(std::string_view name, std::string_view text) {
  set(name, Value::string(std::string(text)));
  return *this;
}
Checkpoint& Checkpoint::set_count(std::string_view name, std::uint64_t n) {
  set(name, Value::number(n));
  return *this;
}
Checkpoint& Checkpoint::set_flag(std::string_view name, bool b) {
  set(name, Value::boolean(b));
  return *this;
}
Checkpoint& Checkpoint::set_texts(std::string_view name, const std::vector<std::string>& list) {
  Value a = Value::array();
  for (const auto& s : list) a.items().push_back(Value::string(s));
  set(name, std::move(a));
  return *this;
}
Checkpoint& Checkpoint::set_value(std::string_view name, Value v) {
  set(name, std::move(v));
  return *this;
}

const Value& Checkpoint::value(std::string_view name) const {
  const Value* v = fields_.find(name);
  if (!v) bad(name, "is missing");
  return *v;
}

std::string Checkpoint::text(std::string_view name) const {
  const Value& v = value(name);
  if (!v.is_string()) bad(name, "is not text");
  return v.text();
}

std::uint64_t Checkpoint::count(std::string_view name) const {
  const Value& v = value(name);
  std::uint64_t n = 0;
  if (v.to_uint64(n) || (text_counts_ && v.is_string() && decimal(v.text(), n))) return n;
  bad(name, "is not a count");
}

bool Checkpoint::flag(std::string_view name, bool absent) const {
  const Value* v = fields_.find(name);
  if (!v) return absent;
  if (!v->is_bool()) bad(name, "is not true or false");
  return v->as_bool();
}

std::vector<std::string> Checkpoint::texts(std::string_view name) const {
  std::vector<std::string> out;
  const Value* v = fields_.find(name);
  if (!v) return out;
  if (!v->is_array()) bad(name, "is not a list");
  for (const Value& e : v->items()) {
    if (!e.is_string()) bad(name, "holds an entry that is not text");
    out.push_back(e.text());
  }
  return out;
}

std::string Checkpoint::text_at(const Value& record, std::size_t i, std::string_view field) {
  if (!record.is_array() || i >= record.items().size() || !record.items()[i].is_string()) bad(field, "is not text");
  return record.items()[i].text();
}

std::uint64_t Checkpoint::count_at(const Value& record, std::size_t i, std::string_view field) {
  std::uint64_t n = 0;
  if (!record.is_array() || i >= record.items().size() || !record.items()[i].to_uint64(n)) bad(field, "is not a count");
  return n;
}

}  // namespace sinkhub_kit
