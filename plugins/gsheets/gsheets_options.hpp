// The gsheets sink's options, declared once (the table gives the parser, the descriptor's JSON
// Schema and the option table of plugins/gsheets/README.md), and the Config the sink runs
// with. Validated in create(): no network, no file reads (the credentials file is read in
// open(), where a missing file is reported with its path).
#pragma once

#include <sinkhub/options.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkhub_gsheets {

/// The options as written (the table's struct).
struct Options {
  std::optional<std::string> credentials_file;
  std::string spreadsheet_id, sheet, mode;
  std::optional<std::string> key;
  std::optional<std::vector<std::string>> columns;
  std::string nested;
  bool header_row = true;
  bool provenance_column = false;
  std::string impersonate;
  std::string api_base_url;
};

const sinkhub::options::Table<Options>& options_table();

enum class Mode { Append, Replace, Upsert };
enum class Nested { Json, Flatten };

struct Config {
  std::string credentials_file;  // "" = Application Default Credentials
  std::string spreadsheet_id;
  std::string sheet_template;    // the tab title, maybe with {placeholders}
  Mode mode = Mode::Append;
  std::string key;                   // upsert: the column (header name) identifying a row
  std::vector<std::string> columns;  // fixed columns (dotted paths); empty = grow from the items
  Nested nested = Nested::Json;
  bool header_row = true;
  bool provenance_column = false;
  std::string impersonate;
  std::string api_base_url;  // no trailing '/'
};

/// Parses the options JSON into the Config; throws sinkhub::OptionsError naming the option.
Config parse_config(std::string_view options_json);

/// The name of the provenance column.
constexpr const char* kProvenanceColumn = "_sinkhub";

}  // namespace sinkhub_gsheets
