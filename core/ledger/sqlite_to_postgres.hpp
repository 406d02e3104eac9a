// Moving from one daemon to several: an SQLite ledger copied into an empty PostgreSQL one
// (`sinkhub ledger migrate --from sqlite:PATH --to postgresql://...`), nothing lost: dedup
// history, deliveries in flight with their progress and checkpoints, attempts, suspensions.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ledger/ledger.hpp"

namespace sinkhub::ledger {

struct MigrationReport {
  std::vector<std::pair<std::string, std::int64_t>> rows;  // table -> rows copied
};

// Copies everything in one PostgreSQL transaction (all or nothing) and refuses a target that
// already holds events. The daemons using the SQLite ledger must be stopped. Throws
// std::runtime_error; messages never hold the URL's password.
MigrationReport copy_sqlite_to_postgres(const std::string& sqlite_path, const std::string& url,
                                        const std::function<void(const std::string&)>& progress);

}  // namespace sinkhub::ledger
