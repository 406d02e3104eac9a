// What the commands that work on the ledger share (status, deliveries, replay, events show,
// ledger vacuum): the --config option, reaching the ledger a config names without the rest of
// the config, times as text, and errors as one line.
#pragma once

#include <Poco/Util/OptionSet.h>

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "ledger/ledger.hpp"

namespace sinkhub::cli {

// unix ms -> "2024-05-01T12:00:00Z"; "-" for none.
std::string iso(std::int64_t unix_ms);

// --config FILE (required) and --json.
void add_config_option(Poco::Util::OptionSet& opts);

// ledger.path / ledger.url of a config file (with ${env:}/${file:} substituted). Only those are
// read, so secrets of other sections need not be in this shell's environment. Throws
// config::ConfigError.
config::LedgerConfig ledger_config_of(const std::string& file);

// Opens that ledger: an SQLite one only if its file exists (a command never creates one).
std::unique_ptr<ledger::Ledger> open_ledger(const std::string& file);

// Wraps a command body: config and ledger errors become one clear line and exit 1.
template <class F>
int guarded(const char* cmd, F&& body) {
  try {
    return body();
  } catch (const config::ConfigError& e) {
    for (const auto& line : e.lines()) std::cerr << line << "\n";
  } catch (const std::exception& e) {
    std::cerr << "sinkhub " << cmd << ": " << e.what() << "\n";
  }
  return 1;
}

}  // namespace sinkhub::cli
