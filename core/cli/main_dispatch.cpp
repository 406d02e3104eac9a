#include <iostream>

#include "cli/commands.hpp"
#include "observe/log.hpp"

namespace sinkhub::cli {

namespace {

constexpr const char* kUsage = R"(sinkhub - receive Apify webhooks, record them durably, deliver run datasets to sinks

Usage: sinkhub COMMAND [OPTIONS]

Commands:
  serve          run the daemon in the foreground (logs to stderr)
  check-config   validate a config file; prints file:line: message for each problem
  plugins        list the sink plugins in plugins.dirs or in one --dir (--json for machines)
  status         deliveries by state, oldest waiting delivery, suspended sinks, ledger size
  deliveries     list deliveries (--state, --run)
  replay         queue dead or finished deliveries again (--delivery ID | --run ID)
  events show    the events of a run with their deliveries and attempts
  apify          sync (wire Apify webhooks from the routes), test, reconcile (recover lost runs)
  ledger migrate copy an SQLite ledger into PostgreSQL (--from sqlite:PATH --to URL)
  ledger vacuum  give the space pruning freed back to the filesystem (SQLite: once, daemon stopped)
  version        print the version

Run 'sinkhub COMMAND --help' for the options of a command.
)";

}  // namespace

namespace {
int dispatch(int argc, char** argv);
}

int run(int argc, char** argv) {
  const int rc = dispatch(argc, argv);
  observe::flush_logging();
  return rc;
}

namespace {

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string cmd = argv[1];
  const Args args(argv + 2, argv + argc);
  if (cmd == "serve") return serve(args);
  if (cmd == "check-config") return check_config(args);
  if (cmd == "plugins") return plugins(args);
  if (cmd == "status") return status(args);
  if (cmd == "deliveries") return deliveries(args);
  if (cmd == "replay") return replay(args);
  if (cmd == "events") return events(args);
  if (cmd == "apify") return apify(args);
  if (cmd == "ledger") return ledger_command(args);
  if (cmd == "version" || cmd == "--version") {
    std::cout << "sinkhub " << SINKHUB_VERSION << "\n";
    return 0;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "sinkhub: unknown command '" << cmd << "'\n\n" << kUsage;
  return 2;
}

}  // namespace

}  // namespace sinkhub::cli
