// Minimal RAII over the sqlite3 C API: a connection and a prepared statement.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sinkhub::ledger {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class Db {
 public:
  Db(const std::string& path, int flags);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const char* sql);
  sqlite3* handle() const { return db_; }
  int changes() const { return sqlite3_changes(db_); }  // rows the last statement changed
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  [[noreturn]] void fail(const std::string& context, int rc) const;

 private:
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt(const Db& db, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int idx, const std::string& v);
  // As bind, without a copy: v must stay alive and unchanged until the statement is reset
  // (the hot insert of every webhook binds its ~1 KiB body this way).
  Stmt& bind_ref(int idx, const std::string& v);
  Stmt& bind(int idx, std::int64_t v);
  Stmt& bind_blob(int idx, const std::string& v);
  bool step();  // true: a row is ready; false: done. Throws on error.
  void reset();
  std::int64_t column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool column_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string column_text(int col) const;

 private:
  const Db& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace sinkhub::ledger
