// Minimal RAII over libpq for the PostgreSQL ledger (private to core/ledger): a connection
// that connects lazily, reconnects with backoff after PostgreSQL restarts or fails over, and
// bounds every wait (connect_timeout and TCP keepalives on the client, statement_timeout on
// the server); and a pool of them. Every message it produces has been scrubbed of the URL's
// password.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/postgres_url.hpp"

namespace sinkhub::ledger::pg {

// The ledger cannot be reached now: refused, lost, timed out, or waiting out a backoff. What
// was sent on the connection has an unknown outcome.
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A statement failed on a healthy connection (a constraint, a timeout, a deadlock, ...).
class StatementError : public std::runtime_error {
 public:
  StatementError(const std::string& what, std::string sqlstate) : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// How every connection of one ledger connects.
struct Settings {
  explicit Settings(const std::string& url) : url(url) {}
  config::PostgresUrl url;
  int statement_timeout_ms = 10000;
  int connect_timeout_s = 5;
};

class Result {
 public:
  Result() = default;
  explicit Result(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const;
  std::int64_t integer(int row, int col) const;  // 0 for NULL
  std::string bytes(int row, int col) const;     // a BYTEA column, "" for NULL
  long affected() const;                          // rows an INSERT/UPDATE/DELETE changed

 private:
  std::shared_ptr<PGresult> r_;
};

// The parameters of one statement ($1, $2, ...), all sent as text except bytes().
class Params {
 public:
  // Not copyable: values() points into the strings it owns.
  Params() = default;
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;

  Params& text(std::string_view v);  // made valid for a TEXT column (UTF-8 without NUL)
  Params& integer(std::int64_t v);
  Params& boolean(bool v) { return raw(v ? "t" : "f", 0); }
  Params& bytes(std::string_view v);  // a BYTEA value, byte for byte (binary format)
  Params& null();

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& raw(std::string v, int format);
  std::deque<std::string> owned_;  // deque: the addresses in values_ stay valid
  std::vector<const char*> values_;
  std::vector<int> lengths_, formats_;
};

// Text given to a TEXT column: valid UTF-8 without NUL (PostgreSQL refuses both); anything
// else becomes U+FFFD.
std::string pg_text(std::string_view in);

// A one-dimensional array literal, element by element: {"a","b"}, {1,2}, {t,f}. Text is made
// valid (pg_text), quoted and escaped; pass literal() as a text parameter cast to type[].
class Array {
 public:
  Array& text(std::string_view v);
  Array& number(std::int64_t v);
  Array& boolean(bool v);
  std::string literal() const { return body_ + "}"; }

 private:
  void separate() { body_ += body_.size() > 1 ? "," : ""; }
  std::string body_ = "{";
};

class Conn {
 public:
  explicit Conn(std::shared_ptr<const Settings> settings) : settings_(std::move(settings)) {}
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Connected afterwards, or throws Unavailable: a broken connection is replaced, but not
  // before its backoff (100 ms doubling to 5 s, with jitter) has passed.
  void ensure();
  bool healthy() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }
  // Drops the connection; the next ensure() reconnects.
  void drop();

  // One statement with parameters (connecting first if needed). Throws Unavailable or
  // StatementError.
  Result exec(const char* sql, const Params& params = {});
  // Statements without parameters, several separated by ';' (session setup, migrations).
  void exec_script(const std::string& sql);
  const std::string& last_error() const { return last_error_; }

  // For LISTEN: the socket, and reading what arrived (channel names); throws Unavailable.
  int socket() const { return conn_ ? PQsocket(conn_) : -1; }
  std::vector<std::string> notifications();

  const Settings& settings() const { return *settings_; }
  // Counts every round trip of this connection (statements, and the session setup of each
  // connect) in sinkhub_ledger_round_trips_total{connection=role}.
  void count_round_trips_as(const std::string& role);

 private:
  void connect();
  void sent();  // one round trip done
  Result checked(PGresult* r);
  [[noreturn]] void fail(const std::string& what);

  std::shared_ptr<const Settings> settings_;
  PGconn* conn_ = nullptr;
  std::chrono::steady_clock::time_point retry_at_{};
  int failures_ = 0;
  std::string last_error_;
  int round_trips_metric_ = -1;
};

// A fixed number of connections shared by the threads of one ledger. acquire() waits (at most
// `wait`) for a free one; Lease gives it back.
class Pool {
 public:
  Pool(std::shared_ptr<const Settings> settings, int size);

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Conn> conn) : pool_(&pool), conn_(std::move(conn)) {}
    Lease(Lease&& o) noexcept = default;
    ~Lease();
    Conn& operator*() { return *conn_; }
    Conn* operator->() { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Conn> conn_;
  };

  // Throws Unavailable when none is free within `wait`.
  Lease acquire(std::chrono::milliseconds wait = std::chrono::seconds(10));
  int size() const { return size_; }
  int in_use() const;

 private:
  friend class Lease;
  void give_back(std::unique_ptr<Conn> conn);

  const int size_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> free_;
};

}  // namespace sinkhub::ledger::pg
