// FakeGoogle's public API: identities, spreadsheets, inspection, the person, faults, the log.
#include "fake_google.hpp"

#include <Poco/String.h>

#include <algorithm>

#include "render.hpp"
#include "state.hpp"

namespace sinkhub::fake::google {

void start_server(const std::shared_ptr<FakeGoogle::State>& st);  // http_server.cpp

const char* op_name(Op op) {
  switch (op) {
    case Op::Token: return "oauth2.token";
    case Op::GetSpreadsheet: return "spreadsheets.get";
    case Op::BatchUpdate: return "spreadsheets.batchUpdate";
    case Op::ValuesGet: return "spreadsheets.values.get";
    case Op::ValuesBatchGet: return "spreadsheets.values.batchGet";
    case Op::MetadataSearch: return "spreadsheets.developerMetadata.search";
    case Op::MetadataGet: return "spreadsheets.developerMetadata.get";
    case Op::Other: return "other";
    case Op::Any: return "any";
  }
  return "other";
}

bool is_write(Op op) { return op == Op::BatchUpdate; }
bool is_read(Op op) {
  return op == Op::GetSpreadsheet || op == Op::ValuesGet || op == Op::ValuesBatchGet || op == Op::MetadataSearch ||
         op == Op::MetadataGet;
}

std::string LoggedRequest::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (Poco::icompare(k, name) == 0) return v;
  return {};
}

Fault Fault::respond(Op op, int status, int times, std::string variant) {
  Fault f;
  f.kind = Kind::Respond;
  f.op = op;
  f.status = status;
  f.times = times;
  f.variant = std::move(variant);
  return f;
}

Fault Fault::apply_then(Op op, int status, int times) {
  Fault f = respond(op, status, times);
  f.kind = Kind::ApplyThenRespond;
  return f;
}

Fault Fault::apply_then_drop(Op op, int times) {
  Fault f = respond(op, 0, times);
  f.kind = Kind::ApplyThenDrop;
  return f;
}

Fault Fault::drop(Op op, int times) {
  Fault f = respond(op, 0, times);
  f.kind = Kind::Drop;
  return f;
}

Fault Fault::slow(Op op, std::chrono::milliseconds delay, bool after_apply, int times) {
  Fault f = respond(op, 0, times);
  f.kind = Kind::Delay;
  f.delay = delay;
  f.delay_after_apply = after_apply;
  return f;
}

FakeGoogle::FakeGoogle() : FakeGoogle(Options{}) {}

FakeGoogle::FakeGoogle(Options options) : state_(std::make_shared<State>()) {
  state_->options = options;
  state_->owner = this;
  state_->rng.seed(options.seed ? options.seed : std::random_device{}());
  state_->quota.limits = options.quota;
  start_server(state_);
  state_->oauth.settings = {state_->token_uri(), options.token_lifetime_s, options.clock_skew};
}

FakeGoogle::~FakeGoogle() { stop(); }

void FakeGoogle::stop() {
  if (!state_->server) return;
  state_->stopping = true;
  {
    std::lock_guard<std::mutex> lock(state_->sleep_mu);
  }
  state_->sleep_cv.notify_all();
  state_->server->stopAll(true);
  state_->pool->joinAll();
  state_->server.reset();
}

std::uint16_t FakeGoogle::port() const { return state_->port; }
std::string FakeGoogle::base_url() const {
  return "http://127.0.0.1:" + std::to_string(state_->port) + state_->options.api_prefix;
}
std::string FakeGoogle::token_uri() const { return state_->token_uri(); }

// ---- identities ------------------------------------------------------------------------

ServiceAccount FakeGoogle::add_service_account(const std::string& email, const std::string& project_id,
                                               const std::string& project_number) {
  ServiceAccount sa = make_service_account(email, project_id, project_number);
  add_service_account(sa);
  return sa;
}

void FakeGoogle::add_service_account(const ServiceAccount& sa) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->oauth.add_service_account(sa);
}

void FakeGoogle::remove_service_account(const std::string& email) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->oauth.remove_service_account(email);
}

void FakeGoogle::grant_domain_wide_delegation(const std::string& sa_email, const std::vector<std::string>& scopes) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->oauth.grant_delegation(sa_email, scopes);
}

AuthorizedUser FakeGoogle::add_authorized_user(const std::string& email, const std::vector<std::string>& scopes,
                                               const std::string& project_number) {
  AuthorizedUser u;
  u.email = email;
  u.project_number = project_number;
  u.client_id = project_number + "-" + b64url_encode(email).substr(0, 16) + ".apps.googleusercontent.com";
  u.client_secret = "GOCSPX-" + b64url_encode(u.client_id).substr(0, 28);
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->oauth.add_client(u.client_id, u.client_secret, project_number);
  u.refresh_token = state_->oauth.add_refresh_token(u.client_id, email, scopes);
  return u;
}

void FakeGoogle::write_credentials(const std::string& path, const ServiceAccount& sa) const {
  write_private_file(path, service_account_json(sa, token_uri()));
}

void FakeGoogle::write_credentials(const std::string& path, const AuthorizedUser& user) const {
  write_private_file(path, authorized_user_json(user, token_uri()));
}

void FakeGoogle::revoke_refresh_token(const std::string& refresh_token) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->oauth.revoke_refresh_token(refresh_token);
}

std::string FakeGoogle::issue_token(const std::string& email, const std::vector<std::string>& scopes,
                                    const std::string& project_number) {
  std::lock_guard<std::mutex> lock(state_->mu);
  Principal who{email, project_number, std::set<std::string>(scopes.begin(), scopes.end()), true};
  return state_->oauth.issue(who, std::chrono::steady_clock::now());
}

void FakeGoogle::expire_tokens() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->oauth.expire_all();
}

void FakeGoogle::set_token_lifetime(int seconds) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->oauth.settings.token_lifetime_s = seconds;
}

void FakeGoogle::set_clock_offset(std::chrono::seconds offset) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->clock_offset = offset;
}

void FakeGoogle::set_sheets_api_enabled(const std::string& project_number, bool enabled) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (enabled) state_->disabled_projects.erase(project_number);
  else state_->disabled_projects.insert(project_number);
}

// ---- spreadsheets ------------------------------------------------------------------------

void FakeGoogle::add_spreadsheet(const SpreadsheetSpec& spec) {
  Spreadsheet ss;
  ss.id = spec.id;
  ss.title = spec.title;
  for (const auto& e : spec.editors) ss.editors.insert(lower(e));
  for (const auto& e : spec.readers) ss.readers.insert(lower(e));
  ss.anyone_can_edit = spec.anyone_can_edit;
  std::lock_guard<std::mutex> lock(state_->model_mu);
  for (const auto& title : spec.tabs) {
    Sheet s;
    s.props.sheet_id = ss.sheets.empty() ? 0 : std::uniform_int_distribution<std::int32_t>(1, 2'000'000'000)(state_->rng);
    s.props.title = title;
    s.props.row_count = spec.rows;
    s.props.column_count = spec.columns;
    ss.sheets.push_back(std::move(s));
  }
  ss.reindex();
  state_->spreadsheets[spec.id] = std::move(ss);
}

void FakeGoogle::share(const std::string& id, const std::string& email, bool can_edit) {
  with_spreadsheet(*state_, id, [&](Spreadsheet& ss) {
    (can_edit ? ss.editors : ss.readers).insert(lower(email));
    return 0;
  });
}

void FakeGoogle::unshare(const std::string& id, const std::string& email) {
  with_spreadsheet(*state_, id, [&](Spreadsheet& ss) {
    ss.editors.erase(lower(email));
    ss.readers.erase(lower(email));
    return 0;
  });
}

// ---- inspection ---------------------------------------------------------------------------

namespace {

const Sheet& tab_of(const Spreadsheet& ss, const std::string& tab) {
  const Sheet* s = ss.sheet_by_title(tab);
  if (!s) throw ModelError("no tab \"" + tab + "\" in spreadsheet " + ss.id);
  return *s;
}

SheetInfo info_of(const Sheet& s) {
  return {s.props.sheet_id, s.props.title, s.props.index, s.props.hidden, s.props.row_count, s.props.column_count};
}

}  // namespace

std::vector<std::vector<Value>> FakeGoogle::values(const std::string& id, const std::string& tab) const {
  return with_spreadsheet(*state_, id, [&](const Spreadsheet& ss) {
    const Sheet& s = tab_of(ss, tab);
    std::vector<std::vector<Value>> out;
    const int last_row = s.last_row_with_value();
    for (int r = 0; r <= last_row; ++r) {
      std::vector<Value> row;
      if (const Row* rw = s.row(r))
        for (const auto& c : rw->cells) row.push_back(c.value);
      while (!row.empty() && row.back().empty()) row.pop_back();
      out.push_back(std::move(row));
    }
    return out;
  });
}

Value FakeGoogle::value(const std::string& id, const std::string& tab, int row, int col) const {
  return cell(id, tab, row, col).value;
}

Cell FakeGoogle::cell(const std::string& id, const std::string& tab, int row, int col) const {
  return with_spreadsheet(*state_, id, [&](const Spreadsheet& ss) {
    const Cell* c = tab_of(ss, tab).cell(row, col);
    return c ? *c : Cell{};
  });
}

std::vector<SheetInfo> FakeGoogle::sheets(const std::string& id) const {
  return with_spreadsheet(*state_, id, [&](const Spreadsheet& ss) {
    std::vector<SheetInfo> out;
    for (const auto& s : ss.sheets) out.push_back(info_of(s));
    return out;
  });
}

SheetInfo FakeGoogle::sheet(const std::string& id, const std::string& tab) const {
  return with_spreadsheet(*state_, id, [&](const Spreadsheet& ss) { return info_of(tab_of(ss, tab)); });
}

std::vector<Metadata> FakeGoogle::developer_metadata(const std::string& id) const {
  return with_spreadsheet(*state_, id, [&](const Spreadsheet& ss) {
    std::vector<Metadata> out;
    for (const auto& [mid, m] : ss.metadata) out.push_back(m);
    return out;
  });
}

std::int64_t FakeGoogle::cell_count(const std::string& id) const {
  return with_spreadsheet(*state_, id, [&](const Spreadsheet& ss) { return ss.cell_count(); });
}

Spreadsheet FakeGoogle::snapshot(const std::string& id) const {
  return with_spreadsheet(*state_, id, [&](const Spreadsheet& ss) { return ss; });
}

// ---- the person ------------------------------------------------------------------------------

namespace {

Sheet& mutable_tab(Spreadsheet& ss, const std::string& tab) {
  Sheet* s = ss.sheet_by_title(tab);
  if (!s) throw ModelError("no tab \"" + tab + "\" in spreadsheet " + ss.id);
  return *s;
}

}  // namespace

void FakeGoogle::person_resize(const std::string& id, const std::string& tab, Dimension d, int at, int count, bool insert) {
  with_spreadsheet(*state_, id, [&](Spreadsheet& ss) {
    Sheet& s = mutable_tab(ss, tab);
    if (insert) ss.insert(s, d, at, count, at > 0);  // the UI inserts "below" the row above when there is one
    else ss.remove(s, d, at, at + count);
    return 0;
  });
}

void FakeGoogle::person_insert_rows(const std::string& id, const std::string& tab, int at, int count) {
  person_resize(id, tab, Dimension::Rows, at, count, true);
}

void FakeGoogle::person_delete_rows(const std::string& id, const std::string& tab, int at, int count) {
  person_resize(id, tab, Dimension::Rows, at, count, false);
}

void FakeGoogle::person_insert_columns(const std::string& id, const std::string& tab, int at, int count) {
  person_resize(id, tab, Dimension::Columns, at, count, true);
}

void FakeGoogle::person_delete_columns(const std::string& id, const std::string& tab, int at, int count) {
  person_resize(id, tab, Dimension::Columns, at, count, false);
}

void FakeGoogle::person_type(const std::string& id, const std::string& tab, int row, int col, const std::string& text) {
  Cell c;
  c.value = user_entered(text);
  person_set(id, tab, row, col, c);
}

void FakeGoogle::person_set(const std::string& id, const std::string& tab, int row, int col, const Cell& cell) {
  with_spreadsheet(*state_, id, [&](Spreadsheet& ss) {
    mutable_tab(ss, tab).mutable_cell(row, col) = cell;
    return 0;
  });
}

void FakeGoogle::person_add_tab(const std::string& id, const std::string& title, int rows, int columns) {
  with_spreadsheet(*state_, id, [&](Spreadsheet& ss) {
    if (ss.sheet_by_title(title)) throw ModelError("a tab \"" + title + "\" exists");
    Sheet s;
    std::int32_t sid = 0;
    do sid = std::uniform_int_distribution<std::int32_t>(1, 2'000'000'000)(state_->rng);
    while (ss.sheet_by_id(sid));
    s.props.sheet_id = sid;
    s.props.title = title;
    s.props.row_count = rows;
    s.props.column_count = columns;
    ss.sheets.push_back(std::move(s));
    ss.reindex();
    return 0;
  });
}

void FakeGoogle::person_rename_tab(const std::string& id, const std::string& tab, const std::string& title) {
  with_spreadsheet(*state_, id, [&](Spreadsheet& ss) {
    mutable_tab(ss, tab).props.title = title;
    return 0;
  });
}

void FakeGoogle::person_delete_tab(const std::string& id, const std::string& tab) {
  with_spreadsheet(*state_, id, [&](Spreadsheet& ss) {
    if (ss.sheets.size() == 1) throw ModelError("You can't remove all the sheets in a document.");
    ss.remove_sheet(mutable_tab(ss, tab).props.sheet_id);
    return 0;
  });
}

void FakeGoogle::on_request(std::function<void(const LoggedRequest&)> hook) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->hook = std::move(hook);
}

// ---- faults, quota, log ------------------------------------------------------------------------

int FakeGoogle::add_fault(const Fault& fault) {
  std::lock_guard<std::mutex> lock(state_->mu);
  const int id = state_->next_fault_id++;
  state_->faults.push_back({id, fault});
  return id;
}

int FakeGoogle::fault_hits(int id) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  for (const auto& slot : state_->faults)
    if (slot.id == id) return slot.hits;
  return 0;
}

void FakeGoogle::clear_faults() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->faults.clear();
}

void FakeGoogle::set_quota(const QuotaLimits& limits) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->options.quota = limits;
  state_->quota.limits = limits;
  state_->quota.reset();
}

std::vector<LoggedRequest> FakeGoogle::requests() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return {state_->log.begin(), state_->log.end()};
}

std::vector<LoggedRequest> FakeGoogle::requests(Op op) const {
  std::vector<LoggedRequest> out;
  for (auto& r : requests())
    if (op == Op::Any || r.op == op) out.push_back(std::move(r));
  return out;
}

std::size_t FakeGoogle::count(Op op) const { return requests(op).size(); }

void FakeGoogle::clear_requests() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->log.clear();
  state_->log_body_bytes = 0;
  state_->first_body = 0;
}

std::size_t FakeGoogle::max_in_window(const std::vector<LoggedRequest>& log, Op op, std::chrono::milliseconds window) {
  std::vector<std::chrono::steady_clock::time_point> times;
  for (const auto& r : log)
    if (op == Op::Any ? (is_read(r.op) || is_write(r.op)) : r.op == op) times.push_back(r.at);
  std::sort(times.begin(), times.end());
  std::size_t best = 0;
  for (std::size_t lo = 0, hi = 0; hi < times.size(); ++hi) {
    while (times[hi] - times[lo] >= window) ++lo;
    best = std::max(best, hi - lo + 1);
  }
  return best;
}

std::size_t FakeGoogle::max_in_window(Op op, std::chrono::milliseconds window) const {
  return max_in_window(requests(), op, window);
}

}  // namespace sinkhub::fake::google
