// The sinkhub command line: one function per subcommand, each returning the exit code.
#pragma once

#include <string>
#include <vector>

namespace sinkhub::cli {

using Args = std::vector<std::string>;  // arguments after the subcommand name

int serve(const Args& args);
int check_config(const Args& args);
int plugins(const Args& args);
int status(const Args& args);
int deliveries(const Args& args);
int replay(const Args& args);
int events(const Args& args);
int apify(const Args& args);  // sync | test | reconcile
int ledger_command(const Args& args);  // `ledger migrate`, `ledger vacuum`
int ledger_vacuum(const Args& args);   // `ledger vacuum` (arguments after "vacuum")

// Dispatches argv to a subcommand; prints usage on --help or an unknown command.
int run(int argc, char** argv);

}  // namespace sinkhub::cli
