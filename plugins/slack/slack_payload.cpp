#include "slack_payload.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>

#include "text.hpp"

namespace slack {

namespace {

constexpr const char* kTestMessage =
    ":information_source: sinkhub test event: Apify run notifications will be posted to this channel.";
constexpr const char* kApprox = "\xE2\x89\x88";  // "≈"

// Slack's documented limits: `text` is truncated above 40,000 characters (changelog 2018-04);
// Block Kit: 50 blocks per message, 3,000 characters per section text, 2,000 per field.
constexpr std::size_t kMaxText = 39999;    // `text`: Slack truncates above 40,000
constexpr std::size_t kMaxSection = 3000;  // section / context text
constexpr std::size_t kMaxField = 2000;    // one section field

std::string json_str(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o || !o->has(key)) return {};
  const auto v = o->get(key);
  return v.isString() ? v.extract<std::string>() : std::string();
}

bool parse_time(const std::string& text, std::int64_t& unix_ms) {
  int tz = 0;
  Poco::DateTime dt;
  if (text.empty() || !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, dt, tz))
    return false;
  unix_ms = dt.timestamp().epochMicroseconds() / 1000 - static_cast<std::int64_t>(tz) * 1000;
  return true;
}

std::string status_of_event(std::string_view event_type) {
  if (event_type == "ACTOR.RUN.SUCCEEDED") return "SUCCEEDED";
  if (event_type == "ACTOR.RUN.FAILED") return "FAILED";
  if (event_type == "ACTOR.RUN.ABORTED") return "ABORTED";
  if (event_type == "ACTOR.RUN.TIMED_OUT") return "TIMED-OUT";
  return {};
}

bool is_failure(std::string_view event_type) {
  return event_type == "ACTOR.RUN.FAILED" || event_type == "ACTOR.RUN.ABORTED" || event_type == "ACTOR.RUN.TIMED_OUT";
}

// The run facts of the webhook body: the default payload has resource.{status,startedAt,
// finishedAt}; a compact template may carry them at the top level, or not at all.
void run_facts(std::string_view event_json, Facts& f) {
  Poco::JSON::Object::Ptr root, res;
  try {
    auto v = Poco::JSON::Parser().parse(std::string(event_json));
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) root = v.extract<Poco::JSON::Object::Ptr>();
    if (root) res = root->getObject("resource");
  } catch (const std::exception&) {
  }
  const auto pick = [&](const std::string& key) {
    std::string v = json_str(res, key);
    return v.empty() ? json_str(root, key) : v;
  };
  f["status"] = pick("status");
  f["startedAt"] = pick("startedAt");
  f["finishedAt"] = pick("finishedAt");
  std::int64_t a = 0, b = 0;
  f["durationSecs"] = parse_time(f["startedAt"], a) && parse_time(f["finishedAt"], b) && b >= a
                          ? std::to_string((b - a) / 1000)
                          : std::string();
}

std::string item_count(const sinkhub::Context& ctx, std::uint64_t items_seen) {
  if (ctx.event_only()) return "unknown";
  if (const auto n = ctx.dataset_item_count())
    return std::string(ctx.count_settling() ? kApprox : "") + thousands(static_cast<std::int64_t>(*n));
  return "at least " + thousands(static_cast<std::int64_t>(items_seen));
}

std::string section_text(const std::string& mrkdwn) {
  return R"({"type":"section","text":{"type":"mrkdwn","text":)" + json_quote(cut(mrkdwn, kMaxSection)) + "}}";
}

std::string section_fields(const std::vector<std::string>& fields) {
  std::string out = R"({"type":"section","fields":[)";
  for (std::size_t i = 0; i < fields.size(); ++i)
    out += std::string(i ? "," : "") + R"({"type":"mrkdwn","text":)" + json_quote(cut(fields[i], kMaxField)) + "}";
  return out + "]}";
}

std::string context_block(const std::string& mrkdwn) {
  return R"({"type":"context","elements":[{"type":"mrkdwn","text":)" + json_quote(cut(mrkdwn, kMaxSection)) + "}]}";
}

std::vector<Poco::Dynamic::Var> parse_items(const std::vector<std::string>& raw_items) {
  std::vector<Poco::Dynamic::Var> items;
  for (const auto& text : raw_items) {
    try {
      items.push_back(Poco::JSON::Parser().parse(text));
    } catch (const std::exception&) {
      items.emplace_back();  // not JSON: its placeholders render empty
    }
  }
  return items;
}

}  // namespace

Facts facts_of(const sinkhub::Context& ctx, std::uint64_t items_seen) {
  Facts f;
  f["runId"] = std::string(ctx.run_id());
  f["actorId"] = std::string(ctx.actor_id());
  f["taskId"] = std::string(ctx.task_id());
  f["datasetId"] = std::string(ctx.dataset_id());
  f["eventType"] = std::string(ctx.event_type());
  f["actorName"] = ctx.actor_name().empty() ? f["actorId"] : std::string(ctx.actor_name());
  run_facts(ctx.event_json(), f);
  if (f["status"].empty()) f["status"] = status_of_event(ctx.event_type());
  f["consoleUrl"] = f["runId"].empty() ? "https://console.apify.com"
                                       : "https://console.apify.com/view/runs/" + url_component(f["runId"]);
  f["datasetUrl"] = f["datasetId"].empty() ? "https://console.apify.com"
                                           : "https://console.apify.com/storage/datasets/" + url_component(f["datasetId"]);
  f["itemCount"] = item_count(ctx, items_seen);
  return f;
}

Payload::Payload(const Settings& settings)
    : settings_(settings),
      test_(MessageTemplate::parse(kTestMessage, "test")),
      default_success_(MessageTemplate::parse(kDefaultSuccess, "on_success")),
      default_failure_(MessageTemplate::parse(kDefaultFailure, "on_failure")) {}

std::string Payload::text_of(const sinkhub::Context& ctx, const Facts& facts,
                             const std::vector<Poco::Dynamic::Var>& items) const {
  const std::string_view event = ctx.event_type();
  const bool failure = is_failure(event);
  const MessageTemplate& t = event == "TEST" ? test_ : failure ? settings_.on_failure : settings_.on_success;
  std::string text = t.render(facts, items);
  if (ctx.count_settling() && t.uses("itemCount")) text += " _(count still settling)_";
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)  // Slack refuses an empty text (no_text)
    text = (failure ? default_failure_ : default_success_).render(facts, items);
  return text;
}

// The summary section, a context line ("First 2 of 3 items") and one section per item.
std::vector<std::string> Payload::preview(const sinkhub::Context& ctx, const std::string& text,
                                          const std::vector<Poco::Dynamic::Var>& items) const {
  std::vector<std::string> blocks;
  const bool skip = ctx.event_only() || is_failure(ctx.event_type());
  const std::size_t rows = skip ? 0 : std::min({settings_.preview, kMaxPreviewRows, items.size()});
  if (rows == 0) return blocks;
  blocks.push_back(section_text(text));
  std::string note = "First " + std::to_string(rows);
  if (const auto n = ctx.dataset_item_count())
    note += " of " + std::string(ctx.count_settling() ? kApprox : "") + thousands(static_cast<std::int64_t>(*n)) +
            " items" + (ctx.count_settling() ? " (count still settling)" : "");
  else
    note += " items (total unknown)";
  blocks.push_back(context_block(note));
  for (std::size_t k = 0; k < rows; ++k) {
    if (settings_.fields.empty()) {
      blocks.push_back(section_text("```" + mrkdwn_escape(item_value(items[k], {})) + "```"));
      continue;
    }
    std::vector<std::string> cells;
    for (const auto& f : settings_.fields) {
      std::string v = item_value(items[k], f.path);
      if (v.empty()) v = "-";  // Slack refuses an empty text object
      cells.push_back("*" + mrkdwn_escape(f.name) + "*\n" + mrkdwn_escape(v));
    }
    blocks.push_back(section_fields(cells));
  }
  return blocks;
}

std::string Payload::build(const sinkhub::Context& ctx, const std::vector<std::string>& raw_items,
                           std::uint64_t seen) const {
  const auto items = parse_items(raw_items);
  const std::string text = text_of(ctx, facts_of(ctx, seen), items);
  const std::vector<std::string> blocks = preview(ctx, text, items);
  std::string out = "{\"text\":" + json_quote(cut(text, kMaxText));
  if (!blocks.empty()) {
    out += ",\"blocks\":[";
    for (std::size_t i = 0; i < blocks.size() && i < kMaxBlocks; ++i) out += (i ? "," : "") + blocks[i];
    out += "]";
  }
  if (!settings_.username.empty()) out += ",\"username\":" + json_quote(settings_.username);
  if (!settings_.icon_emoji.empty()) out += ",\"icon_emoji\":" + json_quote(settings_.icon_emoji);
  return out + "}";
}

}  // namespace slack
