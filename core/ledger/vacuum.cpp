// `sinkhub ledger vacuum`: the space pruning freed given back to the filesystem, once, for a
// ledger that cannot do it by itself (an SQLite file made before sinkhub set auto_vacuum).
#include <filesystem>
#include <stdexcept>

#include "ledger/ledger.hpp"
#include "ledger/postgres_conn.hpp"
#include "ledger/sqlite_db.hpp"

namespace sinkhub::ledger {

namespace {

std::string mib(std::uintmax_t bytes) {
  return std::to_string(bytes / (1024 * 1024)) + "." + std::to_string(bytes % (1024 * 1024) * 10 / (1024 * 1024)) +
         " MiB";
}

void vacuum_sqlite(const std::string& path, const std::function<void(const std::string&)>& say) {
  if (!std::filesystem::exists(path)) throw std::runtime_error("no ledger at " + path + " (has sinkhub run yet?)");
  open_sqlite([&] {
    config::LedgerConfig lc;
    lc.path = path;
    return lc;
  }())->close();  // brought to the newest schema first
  const auto before = std::filesystem::file_size(path);
  Db db(path, SQLITE_OPEN_READWRITE);
  db.exec("PRAGMA busy_timeout=5000");
  // Takes effect with the VACUUM that follows: from then on the daemon gives freed pages back
  // after each prune.
  db.exec("PRAGMA auto_vacuum=INCREMENTAL");
  say("vacuuming " + path + " (" + mib(before) + "): writers wait until it ends");
  db.exec("VACUUM");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  say(path + ": " + mib(before) + " -> " + mib(std::filesystem::file_size(path)) + ", auto_vacuum=incremental");
}

void vacuum_postgres(const std::string& url, const std::function<void(const std::string&)>& say) {
  open_postgres([&] {
    config::LedgerConfig lc;
    lc.url = url;
    lc.pool = 1;
    return lc;
  }())->close();  // the tables exist and are migrated
  auto settings = std::make_shared<pg::Settings>(url);
  settings->statement_timeout_ms = 0;  // a VACUUM of a big ledger takes what it takes
  pg::Conn db(settings);
  say("VACUUM (ANALYZE) of the ledger's tables (PostgreSQL's autovacuum does this by itself; writers go on)");
  db.exec_script("VACUUM (ANALYZE) events, deliveries, attempts");
  say("done");
}

}  // namespace

void vacuum(const config::LedgerConfig& cfg, const std::function<void(const std::string&)>& say) {
  if (cfg.postgres()) vacuum_postgres(cfg.url, say);
  else vacuum_sqlite(cfg.path, say);
}

}  // namespace sinkhub::ledger
