#include "ledger/postgres_conn.hpp"

#include <algorithm>
#include <cstring>

#include "observe/metrics.hpp"
#include "util/backoff.hpp"

namespace sinkhub::ledger::pg {

namespace {

using observe::Metrics;

std::string trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The length of the valid UTF-8 sequence at in[i], or 0.
std::size_t utf8_at(std::string_view in, std::size_t i) {
  const auto c = static_cast<unsigned char>(in[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || c == 0 || i + n > in.size() || (n == 2 && c < 0xc2) || (n == 4 && c > 0xf4)) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(in[i + k]) & 0xc0) != 0x80) return 0;
  const auto c1 = static_cast<unsigned char>(in[i + 1 < in.size() ? i + 1 : i]);
  if (n == 3 && ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0))) return 0;  // overlong, surrogate
  if (n == 4 && ((c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90))) return 0;
  return n;
}

int pool_gauge() {
  static const int id = Metrics::instance().define(Metrics::Kind::Gauge, "sinkhub_ledger_pool_in_use",
                                                   "PostgreSQL ledger connections in use", {});
  return id;
}

int pool_wait_histogram() {
  static const int id = Metrics::instance().define(Metrics::Kind::Histogram, "sinkhub_ledger_pool_wait_seconds",
                                                   "Time spent waiting for a free PostgreSQL ledger connection", {});
  return id;
}

}  // namespace

std::string pg_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    const std::size_t n = utf8_at(in, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(in.data() + i, n);
      i += n;
    }
  }
  return out;
}

Array& Array::text(std::string_view v) {
  separate();
  body_ += '"';
  for (char c : pg_text(v)) {
    if (c == '"' || c == '\\') body_ += '\\';
    body_ += c;
  }
  body_ += '"';
  return *this;
}

Array& Array::number(std::int64_t v) {
  separate();
  body_ += std::to_string(v);
  return *this;
}

Array& Array::boolean(bool v) {
  separate();
  body_ += v ? 't' : 'f';
  return *this;
}

std::string Result::text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col), static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}

std::int64_t Result::integer(int row, int col) const {
  return null(row, col) ? 0 : std::stoll(PQgetvalue(r_.get(), row, col));
}

std::string Result::bytes(int row, int col) const {
  if (null(row, col)) return {};
  std::size_t n = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &n);
  if (!raw) throw std::runtime_error("ledger: cannot decode a bytea column");
  std::string out(reinterpret_cast<const char*>(raw), n);
  PQfreemem(raw);
  return out;
}

long Result::affected() const {
  const char* n = r_ ? PQcmdTuples(r_.get()) : "";
  return *n ? std::stol(n) : 0;
}

Params& Params::raw(std::string v, int format) {
  owned_.push_back(std::move(v));
  values_.push_back(owned_.back().data());
  lengths_.push_back(static_cast<int>(owned_.back().size()));
  formats_.push_back(format);
  return *this;
}

Params& Params::text(std::string_view v) { return raw(pg_text(v), 0); }
Params& Params::integer(std::int64_t v) { return raw(std::to_string(v), 0); }
Params& Params::bytes(std::string_view v) { return raw(std::string(v), 1); }

Params& Params::null() {
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

Conn::~Conn() { drop(); }

void Conn::drop() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
}

void Conn::fail(const std::string& what) {
  last_error_ = settings_->url.scrub(what);
  drop();
  ++failures_;
  // 100 ms doubling to 5 s, jittered, so that N daemons do not reconnect in lockstep.
  const auto delay = util::exponential(failures_, std::chrono::milliseconds(100), std::chrono::seconds(5));
  retry_at_ = std::chrono::steady_clock::now() +
              std::chrono::milliseconds(static_cast<long long>(delay.count() * (0.5 + util::uniform01() / 2)));
  throw Unavailable("ledger (PostgreSQL " + settings_->url.redacted() + ") unreachable: " + last_error_);
}

void Conn::connect() {
  // Defaults first: the URL (dbname, expanded) overrides any of them it sets.
  const std::string timeout = std::to_string(settings_->connect_timeout_s);
  const char* keys[] = {"connect_timeout", "application_name", "keepalives", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "tcp_user_timeout", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "sinkhub", "1", "10", "5", "3", "30000", settings_->url.url().c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) fail(conn_ ? trimmed(PQerrorMessage(conn_)) : "out of memory");
  // Every statement is bounded on the server; commits wait for the WAL flush (the ledger
  // answers 200 only for what survives a crash of the database server).
  const std::string setup = "SET statement_timeout = " + std::to_string(settings_->statement_timeout_ms) +
                            "; SET synchronous_commit = on; SET client_min_messages = warning";
  PGresult* r = PQexec(conn_, setup.c_str());
  sent();
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok) fail(trimmed(PQerrorMessage(conn_)));
  failures_ = 0;
}

void Conn::ensure() {
  if (healthy()) return;
  drop();
  if (std::chrono::steady_clock::now() < retry_at_)
    throw Unavailable("ledger (PostgreSQL " + settings_->url.redacted() + ") unreachable, retrying soon: " +
                      last_error_);
  connect();
}

// The result of a statement, or the exception its failure means.
Result Conn::checked(PGresult* r) {
  const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Result(r);
  const char* code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = code ? code : "";
  const std::string msg = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
  PQclear(r);
  // A lost connection, or the server going away (admin shutdown, crash, failover): the
  // connection is replaced; the statement's outcome is unknown.
  if (PQstatus(conn_) != CONNECTION_OK || sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57P", 0) == 0)
    fail(msg.empty() ? trimmed(PQerrorMessage(conn_)) : msg);
  throw StatementError(settings_->url.scrub(msg), sqlstate);
}

// PQexecParams and PQexec each send their statement(s) and wait for the answer: one round trip.
Result Conn::exec(const char* sql, const Params& p) {
  ensure();
  PGresult* r = PQexecParams(conn_, sql, p.size(), nullptr, p.values(), p.lengths(), p.formats(), 0);
  sent();
  return checked(r);
}

void Conn::exec_script(const std::string& sql) {
  ensure();
  PGresult* r = PQexec(conn_, sql.c_str());
  sent();
  checked(r);
}

void Conn::count_round_trips_as(const std::string& role) {
  round_trips_metric_ = Metrics::instance().define(Metrics::Kind::Counter, "sinkhub_ledger_round_trips_total",
                                                   "Round trips to PostgreSQL, by ledger connection",
                                                   {{"connection", role}});
}

void Conn::sent() { Metrics::instance().record(round_trips_metric_, 1); }

std::vector<std::string> Conn::notifications() {
  std::vector<std::string> out;
  if (!conn_) return out;
  if (!PQconsumeInput(conn_)) fail(trimmed(PQerrorMessage(conn_)));
  while (PGnotify* n = PQnotifies(conn_)) {
    out.emplace_back(n->relname);
    PQfreemem(n);
  }
  return out;
}

Pool::Pool(std::shared_ptr<const Settings> settings, int size) : size_(std::max(1, size)) {
  for (int i = 0; i < size_; ++i) {
    free_.push_back(std::make_unique<Conn>(settings));
    free_.back()->count_round_trips_as("pool");
  }
  pool_gauge();
  pool_wait_histogram();
}

Pool::Lease::~Lease() {
  if (conn_) pool_->give_back(std::move(conn_));
}

Pool::Lease Pool::acquire(std::chrono::milliseconds wait) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lk(mu_);
  if (!cv_.wait_for(lk, wait, [this] { return !free_.empty(); }))
    throw Unavailable("ledger: no free PostgreSQL connection within " + std::to_string(wait.count()) +
                      " ms (ledger.pool is " + std::to_string(size_) + ")");
  auto conn = std::move(free_.back());
  free_.pop_back();
  Metrics::instance().record(pool_gauge(), static_cast<double>(size_ - static_cast<int>(free_.size())));
  lk.unlock();
  Metrics::instance().record(pool_wait_histogram(),
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return Lease(*this, std::move(conn));
}

int Pool::in_use() const {
  std::lock_guard<std::mutex> lk(mu_);
  return size_ - static_cast<int>(free_.size());
}

void Pool::give_back(std::unique_ptr<Conn> conn) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    free_.push_back(std::move(conn));
    Metrics::instance().record(pool_gauge(), static_cast<double>(size_ - static_cast<int>(free_.size())));
  }
  cv_.notify_one();
}

}  // namespace sinkhub::ledger::pg
