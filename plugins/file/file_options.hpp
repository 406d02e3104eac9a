// The file sink's options, declared once: the table gives the parser, the JSON Schema of the
// descriptor and the option table of plugins/file/README.md.
#pragma once

#include <sinkhub/options.hpp>

#include <string>
#include <string_view>

namespace sinkhub_file {

struct Options {
  std::string dir;   // root directory, without trailing '/'
  std::string path;  // template below dir (key_template.hpp)
  std::string format;
  bool gzip = false;
  bool json_array() const { return format == "json"; }
};

const sinkhub::options::Table<Options>& options_table();

/// The options of create(); throws sinkhub::OptionsError naming the option. No filesystem
/// access: create() also runs for `sinkhub check-config`.
Options parse_options(std::string_view options_json);

}  // namespace sinkhub_file
