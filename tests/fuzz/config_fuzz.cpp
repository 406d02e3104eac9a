// Fuzz target: any bytes as a YAML and as an INI config file, through config::load_text (what
// check-config and serve run on a file's text). Findings: a crash, a hang, a sanitizer report,
// an exception other than ConfigError, or a refusal line that does not start with "file:LINE: ".
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config.hpp"
#include "config/limits.hpp"

namespace {

void refusal_names_a_line(const sinkhub::config::ConfigError& e, const std::string& file) {
  const auto lines = e.lines();
  if (lines.empty()) std::abort();
  for (const auto& l : lines) {
    const std::string prefix = file + ":";
    if (l.rfind(prefix, 0) != 0 || l.size() <= prefix.size() || l[prefix.size()] < '1' || l[prefix.size()] > '9')
      std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace config = sinkhub::config;
  if (size > config::limits::kFileBytes + 1) return 0;  // beyond that only the size check runs
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const std::string file : {"fuzz.yaml", "fuzz.ini"}) {
    try {
      config::load_text(text, file);
    } catch (const config::ConfigError& e) {
      refusal_names_a_line(e, file);
    }
  }
  return 0;
}
