// The two ledgers the ledger tests run against, one suite for both (TEST_P): SQLite in a temp
// file, and PostgreSQL in a fresh database of a real server the test process starts itself
// (testkit::Postgres). Helpers read and write the store beside the ledger, as the CLI, an
// operator or a second daemon would.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "ledger/ledger.hpp"
#include "postgres.hpp"

namespace sinkhub::ledger {

enum class Backend { Sqlite, Postgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::Sqlite ? "sqlite" : "postgresql";
}

class LedgerStore {
 public:
  // A fresh, empty store of `backend` (for PostgreSQL a new database).
  void create(Backend backend, const std::string& test_name) {
    backend_ = backend;
    if (backend == Backend::Postgres) {
      cfg.url = testkit::Postgres::shared().create_database();
      return;
    }
    dir_ = std::filesystem::path(::testing::TempDir()) / ("ledger-" + std::to_string(::getpid()) + "-" + test_name);
    std::filesystem::remove_all(dir_);
    cfg.path = (dir_ / "sub" / "sinkhub.db").string();  // parent directories are created
  }
  void remove() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<Ledger> open() const { return ledger::open(cfg); }
  bool postgres() const { return backend_ == Backend::Postgres; }

  // One integer read on a connection of its own (-1 when there is no row).
  std::int64_t scalar(const std::string& sql) const {
    if (postgres()) return testkit::Postgres::scalar(cfg.url, sql);
    sqlite3* db = nullptr;
    sqlite3_open_v2(cfg.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::int64_t v = -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }

  // Statements on a connection of their own; fails the test on error.
  void exec(const std::string& sql) const {
    if (postgres()) {
      testkit::Postgres::query(cfg.url, sql);
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(cfg.path.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  config::LedgerConfig cfg;

 private:
  Backend backend_ = Backend::Sqlite;
  std::filesystem::path dir_;
};

inline std::string current_test_name() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (char& c : name)
    if (c == '/') c = '_';
  return name;
}

}  // namespace sinkhub::ledger
