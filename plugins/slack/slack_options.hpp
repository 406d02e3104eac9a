// The Slack sink's options, declared once (the table gives the parser, the descriptor's JSON
// Schema and the option table of plugins/slack/README.md), and the Settings the sink runs
// with: the options with their templates parsed and what they imply (how many items to read).
#pragma once

#include <sinkhub/options.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "message_template.hpp"

namespace slack {

inline constexpr std::size_t kMaxFields = 10;    // fields per Slack section
inline constexpr std::size_t kMaxBlocks = 50;    // blocks per message
inline constexpr std::size_t kMaxPreviewRows = kMaxBlocks - 2;  // the summary section and the context line

// The templates of an instance that sets none (and the fallback of one that renders blank).
inline constexpr const char* kDefaultSuccess =
    ":white_check_mark: *{actorName}* run {runId} {status}: {itemCount} items. "
    "<{consoleUrl}|Open the run in Apify Console>";
inline constexpr const char* kDefaultFailure =
    ":warning: *{actorName}* run {runId} ended {status}. <{consoleUrl}|Open the run in Apify Console>";

/// The options as written (the table's struct).
struct Options {
  std::string webhook_url, on_success, on_failure;
  std::uint32_t preview_items = 0;
  std::vector<std::string> fields;
  std::string username, icon_emoji;
};

const sinkhub::options::Table<Options>& options_table();

struct Field {
  std::string name;
  std::vector<std::string> path;
};

struct Settings {
  std::string url;  // secret: never logged, never in a message
  MessageTemplate on_success, on_failure;
  std::size_t preview = 0;
  std::vector<Field> fields;
  std::string username, icon_emoji;
  /// The first items the preview rows and the templates read, at least 1 (the instance's
  /// max_items: the host reads one small page and reports the dataset's total).
  std::size_t items_needed = 1;
};

/// Throws sinkhub::OptionsError (std::invalid_argument for a template) naming the option;
/// never echoes the webhook URL.
Settings parse_settings(std::string_view options_json);

}  // namespace slack
