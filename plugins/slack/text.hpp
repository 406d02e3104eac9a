// Text helpers of the Slack sink: Slack mrkdwn escaping, JSON string encoding, and cutting
// text to Slack's character limits without splitting a UTF-8 sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace slack {

// Slack's documented escaping for mrkdwn: & < > become entities, so a value can neither
// form a link (<https://x|y>) nor a mention (<!channel>, <@U123>).
std::string mrkdwn_escape(std::string_view text);

// A quoted JSON string. Invalid UTF-8 bytes become U+FFFD, so the payload is always valid.
std::string json_quote(std::string_view text);

// Length as Slack counts it (UTF-16 code units: a character outside the BMP counts 2).
std::size_t slack_length(std::string_view utf8);

// `text` unchanged if slack_length(text) <= max; else its longest prefix that, followed by
// "…", is at most `max` long (cut on a character boundary), plus "…".
std::string cut(std::string_view text, std::size_t max);

// 1234567 -> "1,234,567".
std::string thousands(std::int64_t n);

// Percent-encodes everything but RFC 3986 unreserved characters (ids in console URLs).
std::string url_component(std::string_view text);

}  // namespace slack
