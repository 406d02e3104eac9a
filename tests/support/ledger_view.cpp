#include "ledger_view.hpp"

#include <sqlite3.h>

#include <stdexcept>

namespace sinkhub::testkit {

LedgerView::LedgerView(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open ledger " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);  // bounded: the daemon's writer holds the lock briefly
}

LedgerView::~LedgerView() { sqlite3_close(db_); }

std::vector<Row> LedgerView::query(const std::string& sql, const std::vector<std::string>& params) const {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    throw std::runtime_error("prepare failed: " + std::string(sqlite3_errmsg(db_)) + " in: " + sql);
  for (std::size_t i = 0; i < params.size(); ++i)
    sqlite3_bind_text(st, static_cast<int>(i + 1), params[i].c_str(), static_cast<int>(params[i].size()),
                      SQLITE_TRANSIENT);
  std::vector<Row> rows;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    Row row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const auto* text = sqlite3_column_text(st, c);
      row[sqlite3_column_name(st, c)] =
          text ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(st, c)))
               : std::string();
    }
    rows.push_back(std::move(row));
  }
  const std::string err = rc == SQLITE_DONE ? std::string() : sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (!err.empty()) throw std::runtime_error("query failed: " + err + " in: " + sql);
  return rows;
}

std::int64_t LedgerView::scalar(const std::string& sql, const std::vector<std::string>& params) const {
  const auto rows = query(sql, params);
  if (rows.empty() || rows.front().empty()) return 0;
  return std::stoll(rows.front().begin()->second.empty() ? "0" : rows.front().begin()->second);
}

}  // namespace sinkhub::testkit
