#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "config/tree.hpp"

namespace sinkhub::config {

// Every problem found in one config file, each rendered as "file:line: message".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, std::vector<Diagnostic> diags);
  const std::vector<Diagnostic>& diagnostics() const { return diags_; }
  const std::string& file() const { return file_; }
  std::vector<std::string> lines() const;

 private:
  std::string file_;
  std::vector<Diagnostic> diags_;
};

}  // namespace sinkhub::config
