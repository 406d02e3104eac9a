// The Slack sink's payload: the message JSON for one delivery, from the run's facts (ids,
// status, times, the item count) and the first items: the template's text, and for a success
// with preview_items a Block Kit table of the first items, cut to Slack's limits.
#pragma once

#include <sinkhub/sink.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "message_template.hpp"
#include "slack_options.hpp"

namespace slack {

/// What the placeholders stand for (raw values; rendering escapes them). `items_seen`: how
/// many items the delivery has read, for a count Apify did not give.
Facts facts_of(const sinkhub::Context& ctx, std::uint64_t items_seen);

class Payload {
 public:
  explicit Payload(const Settings& settings);
  /// The JSON body to POST: `raw_items` are the delivery's first items (JSON text), `seen`
  /// the items it has read in all.
  std::string build(const sinkhub::Context& ctx, const std::vector<std::string>& raw_items, std::uint64_t seen) const;

 private:
  std::string text_of(const sinkhub::Context& ctx, const Facts& facts, const std::vector<Poco::Dynamic::Var>& items) const;
  std::vector<std::string> preview(const sinkhub::Context& ctx, const std::string& text,
                                   const std::vector<Poco::Dynamic::Var>& items) const;

  const Settings& settings_;
  MessageTemplate test_, default_success_, default_failure_;  // the last two when a template renders blank
};

}  // namespace slack
