// `sinkhub ledger migrate --from sqlite:PATH --to postgresql://...`: moving an SQLite ledger
// into PostgreSQL before running several daemons on it. (`sinkhub ledger vacuum`: ledger_vacuum.cpp.)
#include <iostream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "config/postgres_url.hpp"
#include "config/tree.hpp"
#include "ledger/sqlite_to_postgres.hpp"
#include "observe/log.hpp"

namespace sinkhub::cli {

namespace {

constexpr const char* kUsage =
    "usage: sinkhub ledger migrate --from sqlite:PATH --to postgresql://...\n"
    "       sinkhub ledger vacuum --config FILE\n";

// --to may name its password as ${env:NAME} or ${file:PATH}, so that it is not in argv (ps).
bool substituted(std::string& value) {
  config::Node n;
  n.kind = config::Node::Kind::Scalar;
  n.scalar = value;
  std::vector<config::Diagnostic> d;
  config::substitute(n, d);
  for (const auto& diag : d) std::cerr << "sinkhub ledger migrate: --to: " << diag.message << "\n";
  value = n.scalar;
  return d.empty();
}

}  // namespace

int ledger_command(const Args& args) {
  if (!args.empty() && args[0] == "vacuum") return ledger_vacuum(Args(args.begin() + 1, args.end()));
  if (args.empty() || args[0] != "migrate") {
    const bool help = !args.empty() && (args[0] == "--help" || args[0] == "-h");
    (help ? std::cout : std::cerr) << kUsage;
    return help ? 0 : 2;
  }
  using Poco::Util::Option;
  Poco::Util::OptionSet opts;
  opts.addOption(Option("from", "", "the SQLite ledger: sqlite:PATH").required(true).argument("SOURCE"));
  opts.addOption(Option("to", "", "an empty PostgreSQL database: postgresql://... (password as ${env:NAME} or "
                                   "${file:PATH}, or from PGPASSWORD / ~/.pgpass)")
                     .required(true)
                     .argument("URL"));
  Parsed p;
  if (!parse_options("ledger migrate",
                     "Copies an SQLite ledger (events and their dedup keys, deliveries with progress and checkpoints, "
                     "attempts, sink suspensions) into an empty PostgreSQL ledger, in one transaction. Stop the daemon "
                     "first; point every daemon at ledger.url afterwards.",
                     opts, Args(args.begin() + 1, args.end()), p))
    return 2;
  if (p.help) return 0;
  observe::init_logging(observe::LogFormat::Text, "warn");
  const std::string from = p.get("from");
  std::string to = p.get("to");
  if (from.rfind("sqlite:", 0) != 0 || from.size() == 7) {
    std::cerr << "sinkhub ledger migrate: --from must be sqlite:PATH\n";
    return 2;
  }
  if (!substituted(to)) return 2;
  const config::PostgresUrl url(to);
  if (const std::string why = url.problem(); !why.empty()) {
    std::cerr << "sinkhub ledger migrate: --to: " << why << "\n";
    return 2;
  }
  try {
    ledger::copy_sqlite_to_postgres(from.substr(7), to, [](const std::string& line) { std::cout << line << "\n"; });
    std::cout << "copied " << from.substr(7) << " to " << url.redacted() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "sinkhub ledger migrate: " << url.scrub(e.what()) << "\n";
    return 1;
  }
}

}  // namespace sinkhub::cli
