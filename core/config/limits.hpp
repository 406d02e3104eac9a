// What one config file may cost. Real configs are a few KiB; these bounds keep a broken or
// hostile file (an alias bomb, a recursive alias, deep nesting, a huge file, ${file:/dev/zero})
// to a bounded amount of time and memory, answered with a file:line message.
#pragma once

#include <cstddef>

namespace sinkhub::config::limits {

constexpr std::size_t kFileBytes = 4u << 20;  // the config file itself
// Keys and values of the tree after YAML aliases are expanded (200,000 top-level keys fit).
constexpr std::size_t kNodes = 500000;
constexpr std::size_t kTextBytes = 16u << 20;  // all keys and scalars after alias expansion
constexpr std::size_t kDepth = 64;              // nesting of lists and maps, aliases expanded
constexpr std::size_t kFileReferenceBytes = 64u << 10;  // one ${file:...}
constexpr std::size_t kSubstitutedBytes = 4u << 20;     // all ${env:...} and ${file:...} text
constexpr std::size_t kReportedDiagnostics = 100;       // printed; the rest are counted

}  // namespace sinkhub::config::limits
