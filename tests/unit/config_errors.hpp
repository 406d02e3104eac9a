// The unit tests' view of a refused config: its diagnostics as check-config prints them.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "config/error.hpp"

namespace sinkhub::config {

// The lines of a config that must fail ("file:line: message"); a failure if it loads.
inline std::vector<std::string> errors_of(const std::function<void()>& load) {
  try {
    load();
  } catch (const ConfigError& e) {
    return e.lines();
  }
  ADD_FAILURE() << "config was accepted but should have failed";
  return {};
}

}  // namespace sinkhub::config
