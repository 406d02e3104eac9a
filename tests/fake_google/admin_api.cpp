// /_fake/...: the test-control API of a fake_google process (bench/, daemon-level tests that
// run the fake outside the test binary). Unauthenticated: it only ever listens on 127.0.0.1.
//
//   GET    /_fake/health
//   POST   /_fake/spreadsheets               {"id","title","editors":[],"readers":[],"anyone_can_edit","tabs":[],"rows","columns"}
//   GET    /_fake/spreadsheets/{id}/sheets
//   GET    /_fake/spreadsheets/{id}/values?tab=T      typed cells: {"rows":[[{"type":"string","value":"x"},null]]}
//   GET    /_fake/spreadsheets/{id}/metadata
//   POST   /_fake/person                     {"spreadsheet","tab","op":"insert_rows|delete_rows|insert_columns|delete_columns|type","at","count","row","col","text"}
//   POST   /_fake/faults                     {"op":"spreadsheets.batchUpdate","kind":"respond|apply_then_respond|apply_then_drop|drop|delay","status","skip","times","variant","delay_ms","after_apply"}
//   DELETE /_fake/faults
//   POST   /_fake/quota                      {"user_reads","user_writes","project_reads","project_writes","window_ms"}
//   POST   /_fake/tokens/expire
//   POST   /_fake/service-accounts           {"email","file"}: a new key, its key file written to "file"
//   GET    /_fake/requests                   [{"seq","at_ms","method","path","op","status","applied","fault","principal"}]
//   GET    /_fake/stats?op=…&window_ms=…     {"count","max_in_window"}
#include <Poco/URI.h>

#include "render.hpp"
#include "state.hpp"

namespace sinkhub::fake::google {

namespace {

Outgoing reply(int status, const json::Var& body) {
  Outgoing out;
  out.status = status;
  out.body = json::pretty(body);
  return out;
}

Outgoing problem(int status, const std::string& message) {
  auto o = json::object();
  o->set("error", message);
  return reply(status, o);
}

Op op_named(const std::string& name) {
  for (Op op : {Op::Token, Op::GetSpreadsheet, Op::BatchUpdate, Op::ValuesGet, Op::ValuesBatchGet, Op::MetadataSearch,
                Op::MetadataGet, Op::Other})
    if (name == op_name(op)) return op;
  if (name.empty() || name == "any") return Op::Any;
  throw ModelError("unknown op " + name);
}

json::Var typed(const Value& v) {
  if (v.empty()) return {};
  auto o = json::object();
  static const char* names[] = {"empty", "string", "number", "bool", "formula"};
  o->set("type", names[static_cast<int>(v.type)]);
  if (v.type == Value::Type::Number) o->set("value", v.number);
  else if (v.type == Value::Type::Bool) o->set("value", v.boolean);
  else o->set("value", v.text);
  return o;
}

std::vector<std::string> strings(const json::Obj& o, const std::string& key) {
  std::vector<std::string> out;
  const json::Arr a = json::list(o, key);
  for (std::size_t i = 0; a && i < a->size(); ++i) out.push_back(a->get(i).convert<std::string>());
  return out;
}

Outgoing add_spreadsheet(FakeGoogle& g, const json::Obj& b) {
  SpreadsheetSpec spec;
  spec.id = json::str(b, "id");
  if (spec.id.empty()) return problem(400, "id is required");
  spec.title = json::str(b, "title", spec.title);
  spec.editors = strings(b, "editors");
  spec.readers = strings(b, "readers");
  spec.anyone_can_edit = json::boolean(b, "anyone_can_edit");
  if (json::has(b, "tabs")) spec.tabs = strings(b, "tabs");
  spec.rows = static_cast<int>(json::integer(b, "rows", spec.rows));
  spec.columns = static_cast<int>(json::integer(b, "columns", spec.columns));
  g.add_spreadsheet(spec);
  return reply(200, b);
}

Outgoing spreadsheet_view(FakeGoogle& g, const Incoming& in, const std::string& id, const std::string& what) {
  if (what == "values") {
    auto rows = json::array();
    for (const auto& row : g.values(id, in.param("tab"))) {
      auto r = json::array();
      for (const auto& v : row) r->add(typed(v));
      rows->add(r);
    }
    auto o = json::object();
    o->set("rows", rows);
    return reply(200, o);
  }
  auto list = json::array();
  if (what == "sheets") {
    for (const auto& s : g.snapshot(id).sheets) list->add(render::sheet_properties(s.props));
  } else if (what == "metadata") {
    for (const auto& m : g.developer_metadata(id)) list->add(render::metadata(m));
  } else {
    return problem(404, "no such view " + what);
  }
  return reply(200, list);
}

Outgoing person(FakeGoogle& g, const json::Obj& b) {
  const std::string id = json::str(b, "spreadsheet"), tab = json::str(b, "tab"), op = json::str(b, "op");
  const int at = static_cast<int>(json::integer(b, "at")), count = static_cast<int>(json::integer(b, "count", 1));
  if (op == "insert_rows") g.person_insert_rows(id, tab, at, count);
  else if (op == "delete_rows") g.person_delete_rows(id, tab, at, count);
  else if (op == "insert_columns") g.person_insert_columns(id, tab, at, count);
  else if (op == "delete_columns") g.person_delete_columns(id, tab, at, count);
  else if (op == "type")
    g.person_type(id, tab, static_cast<int>(json::integer(b, "row")), static_cast<int>(json::integer(b, "col")),
                  json::str(b, "text"));
  else return problem(400, "unknown person op " + op);
  return reply(200, b);
}

Outgoing add_fault(FakeGoogle& g, const json::Obj& b) {
  static const std::map<std::string, Fault::Kind> kinds = {{"respond", Fault::Kind::Respond},
                                                           {"apply_then_respond", Fault::Kind::ApplyThenRespond},
                                                           {"apply_then_drop", Fault::Kind::ApplyThenDrop},
                                                           {"drop", Fault::Kind::Drop},
                                                           {"delay", Fault::Kind::Delay}};
  const auto kind = kinds.find(json::str(b, "kind", "respond"));
  if (kind == kinds.end()) return problem(400, "unknown fault kind " + json::str(b, "kind"));
  Fault f;
  f.kind = kind->second;
  f.op = op_named(json::str(b, "op"));
  f.path_contains = json::str(b, "path_contains");
  f.body_contains = json::str(b, "body_contains");
  f.skip = static_cast<int>(json::integer(b, "skip"));
  f.times = static_cast<int>(json::integer(b, "times", 1));
  f.status = static_cast<int>(json::integer(b, "status", 500));
  f.variant = json::str(b, "variant");
  f.delay = std::chrono::milliseconds(json::integer(b, "delay_ms"));
  f.delay_after_apply = json::boolean(b, "after_apply");
  auto o = json::object();
  o->set("id", g.add_fault(f));
  return reply(200, o);
}

Outgoing request_log(FakeGoogle& g) {
  auto list = json::array();
  const auto log = g.requests();
  for (const auto& r : log) {
    auto o = json::object();
    o->set("seq", static_cast<Poco::UInt64>(r.seq));
    o->set("at_ms", std::chrono::duration_cast<std::chrono::milliseconds>(r.at - log.front().at).count());
    o->set("method", r.method);
    o->set("path", r.path);
    o->set("op", op_name(r.op));
    o->set("status", r.status);
    o->set("applied", r.applied);
    o->set("fault", r.fault);
    o->set("principal", r.principal);
    list->add(o);
  }
  return reply(200, list);
}

Outgoing control(FakeGoogle& g, const Incoming& in, const std::vector<std::string>& seg, const json::Obj& b) {
  const std::string& what = seg[1];
  if (what == "health") return reply(200, json::parse("{\"ok\":true}"));
  if (what == "spreadsheets" && seg.size() == 2 && in.method == "POST") return add_spreadsheet(g, b);
  if (what == "spreadsheets" && seg.size() == 4 && in.method == "GET") return spreadsheet_view(g, in, seg[2], seg[3]);
  if (what == "person" && in.method == "POST") return person(g, b);
  if (what == "faults" && in.method == "POST") return add_fault(g, b);
  if (what == "faults" && in.method == "DELETE") {
    g.clear_faults();
    return reply(200, json::object());
  }
  if (what == "quota" && in.method == "POST") {
    QuotaLimits q;
    q.user_reads = static_cast<int>(json::integer(b, "user_reads", q.user_reads));
    q.user_writes = static_cast<int>(json::integer(b, "user_writes", q.user_writes));
    q.project_reads = static_cast<int>(json::integer(b, "project_reads", q.project_reads));
    q.project_writes = static_cast<int>(json::integer(b, "project_writes", q.project_writes));
    q.window = std::chrono::milliseconds(json::integer(b, "window_ms", q.window.count()));
    g.set_quota(q);
    return reply(200, b);
  }
  if (what == "tokens" && seg.size() == 3 && seg[2] == "expire") {
    g.expire_tokens();
    return reply(200, json::object());
  }
  if (what == "service-accounts" && in.method == "POST") {
    const ServiceAccount sa = g.add_service_account(json::str(b, "email", "sinkhub-test@sinkhub-fake.iam.gserviceaccount.com"));
    if (json::has(b, "file")) g.write_credentials(json::str(b, "file"), sa);
    auto o = json::object();
    o->set("email", sa.email);
    o->set("private_key_id", sa.private_key_id);
    return reply(200, o);
  }
  if (what == "requests") return request_log(g);
  if (what == "stats") {
    const Op op = op_named(in.param("op"));
    const auto window = std::chrono::milliseconds(std::stoll(in.param("window_ms").empty() ? "60000" : in.param("window_ms")));
    auto o = json::object();
    o->set("count", static_cast<Poco::UInt64>(g.count(op)));
    o->set("max_in_window", static_cast<Poco::UInt64>(g.max_in_window(op, window)));
    return reply(200, o);
  }
  return problem(404, "no such control endpoint");
}

}  // namespace

Outgoing serve_admin(FakeGoogle::State& st, const Incoming& in) {
  std::vector<std::string> seg;
  std::string rest = in.raw_path.substr(1);
  for (std::size_t start = 0; start <= rest.size();) {
    const auto slash = rest.find('/', start);
    std::string s;
    Poco::URI::decode(rest.substr(start, slash == std::string::npos ? std::string::npos : slash - start), s);
    seg.push_back(s);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  try {
    const json::Obj body = in.body.empty() ? json::object() : json::as_object(json::parse(in.body));
    if (seg.size() < 2 || !body) return problem(400, "bad control request");
    return control(*st.owner, in, seg, body);
  } catch (const std::exception& e) {
    return problem(400, e.what());
  }
}

}  // namespace sinkhub::fake::google
