// A read-side look at the daemon's SQLite ledger through the sqlite3 C API, so tests check
// what is on disk rather than what the daemon says.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

struct sqlite3;

namespace sinkhub::testkit {

using Row = std::map<std::string, std::string>;  // column -> value as text ("" for NULL)

class LedgerView {
 public:
  // Opens an existing ledger file (read-write so WAL readers work; never writes).
  explicit LedgerView(const std::string& path);
  ~LedgerView();
  LedgerView(const LedgerView&) = delete;
  LedgerView& operator=(const LedgerView&) = delete;

  // Runs `sql` with `params` bound as text (?1, ?2, ...) and returns every row.
  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params = {}) const;
  // First column of the first row as an integer (0 if no row).
  std::int64_t scalar(const std::string& sql, const std::vector<std::string>& params = {}) const;

  // Convenience views of the two tables.
  std::int64_t event_count() const { return scalar("SELECT COUNT(*) FROM events"); }
  std::vector<Row> events_for_run(const std::string& run_id) const {
    return query("SELECT * FROM events WHERE run_id = ?1 ORDER BY id", {run_id});
  }
  std::vector<Row> deliveries_for_event(const std::string& event_id) const {
    return query("SELECT * FROM deliveries WHERE event_id = ?1 ORDER BY sink", {event_id});
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace sinkhub::testkit
