// `sinkhub ledger vacuum --config FILE`: an SQLite ledger made before sinkhub set
// auto_vacuum=incremental reuses the space pruning frees but never shrinks; this rewrites it
// once (VACUUM), after which the daemon gives freed pages back by itself. PostgreSQL: a plain
// VACUUM (ANALYZE), which its autovacuum does anyway.

#include <iostream>
#include <stdexcept>

#include "cli/commands.hpp"
#include "cli/ledger_access.hpp"
#include "cli/options.hpp"
#include "config/postgres_url.hpp"
#include "observe/log.hpp"

namespace sinkhub::cli {

int ledger_vacuum(const Args& args) {
  Poco::Util::OptionSet opts;
  add_config_option(opts);
  Parsed p;
  if (!parse_options("ledger vacuum",
                     "Gives the space ledger.retention freed back to the filesystem. SQLite: rewrites the file once "
                     "(it needs as much free space again as the file takes) and sets auto_vacuum=incremental, so "
                     "the daemon gives pages back after every prune from then on; webhooks cannot be recorded "
                     "while it runs, so stop the daemon first. PostgreSQL: VACUUM (ANALYZE), online.",
                     opts, args, p))
    return 2;
  if (p.help) return 0;
  observe::init_logging(observe::LogFormat::Text, "warn");
  return guarded("ledger vacuum", [&] {
    const config::LedgerConfig lc = ledger_config_of(p.get("config"));
    try {
      ledger::vacuum(lc, [](const std::string& line) { std::cout << line << "\n"; });
    } catch (const std::exception& e) {  // never the password of ledger.url
      throw std::runtime_error(lc.postgres() ? config::PostgresUrl(lc.url).scrub(e.what()) : e.what());
    }
    return 0;
  });
}

}  // namespace sinkhub::cli
