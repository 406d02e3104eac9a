// Option parsing shared by the subcommands, on Poco::Util's option classes.
#pragma once

#include <Poco/Util/OptionSet.h>

#include <map>
#include <string>
#include <vector>

namespace sinkhub::cli {

struct Parsed {
  std::map<std::string, std::string> values;  // full option name -> value ("" for flags)
  bool help = false;
  bool has(const std::string& name) const { return values.count(name) != 0; }
  std::string get(const std::string& name, const std::string& def = {}) const {
    auto it = values.find(name);
    return it == values.end() ? def : it->second;
  }
};

// Adds --help, parses args, and on error prints "sinkhub CMD: message" plus a usage hint.
// Returns false if the caller should exit with code 2.
bool parse_options(const std::string& command, const std::string& summary, Poco::Util::OptionSet& options,
                   const std::vector<std::string>& args, Parsed& out);

void print_help(const std::string& command, const std::string& summary, const Poco::Util::OptionSet& options);

}  // namespace sinkhub::cli
