#include "cli/ledger_access.hpp"

#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>
#include <Poco/Util/Option.h>

#include <filesystem>
#include <stdexcept>

namespace sinkhub::cli {

namespace {

// One scalar of the ledger section, with ${env:}/${file:} substituted; "" when absent.
std::string ledger_key(const config::Node& root, const char* key, const std::string& file) {
  const config::Node* l = root.find("ledger");
  const config::Node* k = l ? l->find(key) : nullptr;
  if (!k || !k->is_scalar()) return {};
  config::Node only = *k;
  std::vector<config::Diagnostic> d;
  config::substitute(only, d);
  if (!d.empty()) throw config::ConfigError(file, std::move(d));
  return only.scalar;
}

}  // namespace

std::string iso(std::int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  return Poco::DateTimeFormatter::format(Poco::Timestamp(unix_ms * 1000), "%Y-%m-%dT%H:%M:%SZ");
}

void add_config_option(Poco::Util::OptionSet& opts) {
  opts.addOption(Poco::Util::Option("config", "c", "config file (only ledger.path or ledger.url is read)").required(true).argument("FILE"));
  opts.addOption(Poco::Util::Option("json", "", "print JSON instead of text"));
}

config::LedgerConfig ledger_config_of(const std::string& file) {
  const config::Node root = config::load_tree(file);
  config::LedgerConfig lc;
  lc.url = ledger_key(root, "url", file);
  if (lc.postgres()) return lc;
  if (std::string path = ledger_key(root, "path", file); !path.empty()) lc.path = std::move(path);
  return lc;
}

std::unique_ptr<ledger::Ledger> open_ledger(const std::string& file) {
  config::LedgerConfig lc = ledger_config_of(file);
  if (lc.postgres()) {
    lc.pool = 2;  // a command runs one statement at a time
    return ledger::open_postgres(lc);
  }
  if (!std::filesystem::exists(lc.path)) throw std::runtime_error("no ledger at " + lc.path + " (has sinkhub run yet?)");
  return ledger::open_sqlite(lc);
}

}  // namespace sinkhub::cli
