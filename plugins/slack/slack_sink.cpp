// The Slack sink: posts one message per delivery to a Slack incoming webhook: a run summary
// with a preview of the first items for ACTOR.RUN.SUCCEEDED (and other run events), an
// alert for ACTOR.RUN.FAILED / ABORTED / TIMED_OUT, a short note for TEST dispatches.
// Options, limits and delivery semantics: plugins/slack/README.md.
//
// Design:
//   - Needs only the first items and the count: create() sets the instance's max_items to
//     what the preview and the templates read (at least 1), so the host fetches one small
//     page and reports the total through dataset_item_count (+ SINKHUB_CTX_COUNT_SETTLING).
//   - The message is posted on the LAST call only; items of earlier calls (rare: only when
//     the host splits the first items into several batches) ride along in the checkpoint.
//   - Effect-once: after Slack's "ok" the call stages the checkpoint {"posted":...} (persisted
//     with the call's result whatever the code) and appends the delivery to data_dir's
//     posted.log; a call that finds either does not post again.
//   - One post per second per webhook URL across the process (RateLimiter), queued, never
//     sleeping past the call's deadline.
//   - The webhook URL is a secret: it is never logged nor put into a result message.
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <sinkhub/sink.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "message_template.hpp"
#include "posted_log.hpp"
#include "rate_limiter.hpp"
#include "text.hpp"

namespace {

constexpr const char* kSchema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "webhook_url": {"type": "string", "description": "Slack incoming webhook URL (a secret: use ${env:...})"},
    "on_success": {"type": "string", "description": "Template for ACTOR.RUN.SUCCEEDED and other run events"},
    "on_failure": {"type": "string", "description": "Template for ACTOR.RUN.FAILED, ABORTED and TIMED_OUT"},
    "preview_items": {"type": "integer", "minimum": 0, "maximum": 100, "default": 0,
                      "description": "Show the first N items as a table (Block Kit sections)"},
    "fields": {"type": "array", "items": {"type": "string"},
               "description": "Item fields (dotted paths) the preview shows, at most 10"},
    "username": {"type": "string", "description": "Sender name (legacy webhooks only)"},
    "icon_emoji": {"type": "string", "description": "Sender emoji, e.g. :robot_face: (legacy webhooks only)"}
  },
  "required": ["webhook_url"],
  "additionalProperties": false
})json";

constexpr const char* kDefaultSuccess =
    ":white_check_mark: *{actorName}* run {runId} {status}: {itemCount} items. "
    "<{consoleUrl}|Open the run in Apify Console>";
constexpr const char* kDefaultFailure =
    ":warning: *{actorName}* run {runId} ended {status}. <{consoleUrl}|Open the run in Apify Console>";
constexpr const char* kTestMessage =
    ":information_source: sinkhub test event: Apify run notifications will be posted to this channel.";

// Slack's limits (docs: destinations.md §5).
constexpr std::size_t kMaxText = 39999;    // `text`: Slack truncates above 40,000
constexpr std::size_t kMaxSection = 3000;  // section / context text
constexpr std::size_t kMaxField = 2000;    // one section field
constexpr std::size_t kMaxFields = 10;     // fields per section
constexpr std::size_t kMaxBlocks = 50;
constexpr std::size_t kMaxPreviewRows = kMaxBlocks - 2;  // the summary section and the context line
constexpr std::int64_t kPostInterval = 1000;             // Slack: about one message per second
constexpr std::int64_t kRequestBudget = 2000;            // kept for the POST itself after a wait
constexpr std::int64_t kDefaultRetryAfter = 1000;        // 429 without Retry-After
constexpr std::size_t kMaxUrlBytes = 2048;

// ---- options ------------------------------------------------------------------------

std::string opt_string(const Poco::JSON::Object::Ptr& o, const std::string& key, const std::string& def = {}) {
  if (!o->has(key) || o->get(key).isEmpty()) return def;
  if (!o->get(key).isString()) throw sinkhub::OptionsError("option '" + key + "': must be a string");
  return o->getValue<std::string>(key);
}

// https:// with a host; http:// only for the loopback names (tests, local relays). The URL
// itself never appears in an error: it is a secret.
void check_webhook_url(const std::string& url) {
  const std::string what = "option 'webhook_url': ";
  if (url.empty()) throw sinkhub::OptionsError(what + "must not be empty");
  if (url.size() > kMaxUrlBytes)
    throw sinkhub::OptionsError(what + "longer than " + std::to_string(kMaxUrlBytes) + " bytes");
  if (std::any_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; }))
    throw sinkhub::OptionsError(what + "must not contain spaces or control characters");
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception&) {
    throw sinkhub::OptionsError(what + "is not a valid URL");
  }
  const std::string host = uri.getHost();
  if (host.empty() || !uri.getUserInfo().empty())
    throw sinkhub::OptionsError(what + "must be an absolute URL with a host and no user info");
  const bool loopback = host == "127.0.0.1" || host == "::1" || host == "localhost";
  if (uri.getScheme() == "https") return;
  if (uri.getScheme() == "http" && loopback) return;
  throw sinkhub::OptionsError(what + "must be an https:// URL (http:// only for 127.0.0.1, ::1 or localhost)");
}

// ---- run facts ----------------------------------------------------------------------

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

// What the placeholders stand for. Values are raw here; rendering escapes them.
slack::Facts facts_of(const sinkhub::Context& ctx, std::uint64_t items_seen) {
  const auto& raw = ctx.raw();
  slack::Facts f;
  f["runId"] = std::string(ctx.run_id());
  f["actorId"] = std::string(ctx.actor_id());
  f["taskId"] = std::string(ctx.task_id());
  f["datasetId"] = std::string(ctx.dataset_id());
  f["eventType"] = std::string(ctx.event_type());
  std::string name;
  if (SINKHUB_HAS(&raw, sinkhub_run_context, actor_name)) name = std::string(sinkhub::view(raw.actor_name));
  f["actorName"] = name.empty() ? f["actorId"] : name;

  // The default payload has resource.{status,startedAt,finishedAt}; a compact template may
  // carry them at the top level, or not at all.
  Poco::JSON::Object::Ptr root, res;
  try {
    auto v = Poco::JSON::Parser().parse(std::string(ctx.event_json()));
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) root = v.extract<Poco::JSON::Object::Ptr>();
    if (root) res = root->getObject("resource");
  } catch (const std::exception&) {
  }
  const auto pick = [&](const std::string& key) {
    std::string v = json_str(res, key);
    return v.empty() ? json_str(root, key) : v;
  };
  f["status"] = pick("status");
  if (f["status"].empty()) f["status"] = status_of_event(ctx.event_type());
  f["startedAt"] = pick("startedAt");
  f["finishedAt"] = pick("finishedAt");
  std::int64_t a = 0, b = 0;
  f["durationSecs"] = parse_time(f["startedAt"], a) && parse_time(f["finishedAt"], b) && b >= a
                          ? std::to_string((b - a) / 1000)
                          : std::string();
  f["consoleUrl"] = f["runId"].empty() ? "https://console.apify.com"
                                       : "https://console.apify.com/view/runs/" + slack::url_component(f["runId"]);
  f["datasetUrl"] = f["datasetId"].empty()
                        ? "https://console.apify.com"
                        : "https://console.apify.com/storage/datasets/" + slack::url_component(f["datasetId"]);

  if (ctx.event_only()) {
    f["itemCount"] = "unknown";
  } else if (raw.dataset_item_count >= 0) {
    f["itemCount"] = std::string((raw.flags & SINKHUB_CTX_COUNT_SETTLING) ? "\xE2\x89\x88" : "") +  // "≈"
                     slack::thousands(raw.dataset_item_count);
  } else {
    f["itemCount"] = "at least " + slack::thousands(static_cast<std::int64_t>(items_seen));
  }
  return f;
}

// ---- payload ------------------------------------------------------------------------

std::string section_text(const std::string& mrkdwn) {
  return R"({"type":"section","text":{"type":"mrkdwn","text":)" + slack::json_quote(slack::cut(mrkdwn, kMaxSection)) +
         "}}";
}

std::string section_fields(const std::vector<std::string>& fields) {
  std::string out = R"({"type":"section","fields":[)";
  for (std::size_t i = 0; i < fields.size(); ++i)
    out += std::string(i ? "," : "") + R"({"type":"mrkdwn","text":)" +
           slack::json_quote(slack::cut(fields[i], kMaxField)) + "}";
  return out + "]}";
}

std::string context_block(const std::string& mrkdwn) {
  return R"({"type":"context","elements":[{"type":"mrkdwn","text":)" +
         slack::json_quote(slack::cut(mrkdwn, kMaxSection)) + "}]}";
}

// ---- Slack's answers ----------------------------------------------------------------

// Slack's error body is a bare code like "channel_not_found": keep only such characters
// (the body is untrusted and goes into logs).
std::string error_code(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 64))
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') out += c;
  return out;
}

bool one_of(const std::string& code, std::initializer_list<const char*> list) {
  return std::any_of(list.begin(), list.end(), [&](const char* c) { return code == c; });
}

const char* transport_error(int32_t e) {
  switch (e) {
    case SINKHUB_E_HTTP_RESOLVE: return "DNS lookup failed";
    case SINKHUB_E_HTTP_CONNECT: return "connection failed";
    case SINKHUB_E_HTTP_TLS: return "TLS handshake failed";
    case SINKHUB_E_HTTP_TIMEOUT: return "timed out";
    case SINKHUB_E_HTTP_CANCELLED: return "cancelled";
    case SINKHUB_E_HTTP_IO: return "connection lost";
    case SINKHUB_E_HTTP_PROTOCOL: return "malformed HTTP answer";
    case SINKHUB_E_HTTP_TOO_LARGE: return "answer too large";
    default: return "request failed";
  }
}

// Maps Slack's answer (by its body string first, as Slack recommends) to a result.
sinkhub::Outcome classify(int32_t status, const std::string& body, int64_t retry_after_ms) {
  const std::string code = error_code(body);
  const std::string seen = "Slack answered " + std::to_string(status) + (code.empty() ? "" : " " + code);
  sinkhub::Outcome o;
  o.dest_status = status;
  if (status >= 200 && status < 300) return o;
  if (status == 429) {
    o = sinkhub::Outcome::retry(seen + ": rate limited", retry_after_ms >= 0 ? retry_after_ms : kDefaultRetryAfter);
  } else if (status >= 500 || status == 408) {
    o = sinkhub::Outcome::retry(seen + ": Slack-side failure, will retry");
  } else if (one_of(code, {"invalid_payload", "no_text", "too_many_attachments", "user_not_found"})) {
    o = sinkhub::Outcome::reject(seen + ": Slack refused this message");
  } else if (one_of(code,
                    {"no_service", "no_service_id", "no_team", "channel_not_found", "channel_is_archived",
                     "action_prohibited", "invalid_token", "team_disabled", "posting_to_general_channel_denied"}) ||
             status == 401 || status == 403 || status == 404 || status == 410) {
    o = sinkhub::Outcome::fatal(seen +
                                ": the webhook cannot post until someone fixes it (check webhook_url and the "
                                "Slack app); the sink is suspended");
  } else {
    o = sinkhub::Outcome::reject(seen + ": Slack refused this message");
  }
  o.dest_status = status;
  return o;
}

// ---- checkpoint ---------------------------------------------------------------------

struct Checkpoint {
  bool posted = false;
  std::int64_t posted_at = 0;
  std::vector<std::string> items;  // items of earlier calls of this delivery
};

Checkpoint parse_checkpoint(std::string_view blob) {
  Checkpoint cp;
  if (blob.empty()) return cp;
  try {
    const auto o = Poco::JSON::Parser().parse(std::string(blob)).extract<Poco::JSON::Object::Ptr>();
    cp.posted = o->optValue<bool>("posted", false);
    cp.posted_at = o->optValue<Poco::Int64>("at", 0);
    if (const auto a = o->getArray("items"))
      for (unsigned i = 0; i < a->size(); ++i) cp.items.push_back(a->getElement<std::string>(i));
  } catch (const std::exception&) {  // not ours (e.g. hand-edited): start over
    cp = Checkpoint{};
  }
  return cp;
}

std::string items_checkpoint(const std::vector<std::string>& items) {
  std::string out = "{\"items\":[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + slack::json_quote(items[i]);
  return out + "]}";
}

// ---- the sink -----------------------------------------------------------------------

class SlackSink : public sinkhub::Sink {
 public:
  explicit SlackSink(const sinkhub::CreateArgs& a) : Sink(a), data_dir_(a.data_dir) {
    Poco::JSON::Object::Ptr o;
    try {
      auto v = Poco::JSON::Parser().parse(std::string(a.options_json));
      o = v.extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
      throw sinkhub::OptionsError("options must be a JSON object");
    }
    if (!o) throw sinkhub::OptionsError("options must be a JSON object");
    url_ = opt_string(o, "webhook_url");
    check_webhook_url(url_);
    on_success_ = slack::MessageTemplate::parse(opt_string(o, "on_success", kDefaultSuccess), "on_success");
    on_failure_ = slack::MessageTemplate::parse(opt_string(o, "on_failure", kDefaultFailure), "on_failure");
    test_ = slack::MessageTemplate::parse(kTestMessage, "test");
    default_success_ = slack::MessageTemplate::parse(kDefaultSuccess, "on_success");
    default_failure_ = slack::MessageTemplate::parse(kDefaultFailure, "on_failure");
    if (o->has("preview_items")) {
      const auto v = o->get("preview_items");
      if (!v.isInteger() || v.convert<Poco::Int64>() < 0 || v.convert<Poco::Int64>() > 100)
        throw sinkhub::OptionsError("option 'preview_items': must be an integer from 0 to 100");
      preview_ = static_cast<std::size_t>(v.convert<Poco::Int64>());
    }
    if (o->has("fields")) {
      const auto arr = o->getArray("fields");
      if (!arr) throw sinkhub::OptionsError("option 'fields': must be a list of item field names");
      if (arr->size() > kMaxFields)
        throw sinkhub::OptionsError("option 'fields': at most " + std::to_string(kMaxFields) +
                                    " fields (a Slack section shows 10)");
      for (unsigned i = 0; i < arr->size(); ++i) {
        const auto v = arr->get(i);
        std::vector<std::string> path;
        const std::string f = v.isString() ? v.extract<std::string>() : std::string();
        if (f.size() > 200 || !slack::parse_path(f, path))
          throw sinkhub::OptionsError("option 'fields': entry " + std::to_string(i + 1) +
                                      " must be a field name or dotted path of letters, digits, _ $ - (e.g. "
                                      "price.amount)");
        fields_.push_back({f, path});
      }
    }
    username_ = opt_string(o, "username");
    icon_emoji_ = opt_string(o, "icon_emoji");
    if (username_.size() > 80) throw sinkhub::OptionsError("option 'username': at most 80 characters");
    if (icon_emoji_.size() > 100) throw sinkhub::OptionsError("option 'icon_emoji': at most 100 characters");
    // Only the first items are needed: the preview rows and what the templates read. At
    // least one, so the host reads one small page and learns the dataset's total.
    needed_ = std::max<std::size_t>({std::min(preview_, kMaxPreviewRows), on_success_.items_needed(), 1});
    a.limits->max_items = needed_;
    a.limits->max_batch_items = needed_;
    a.limits->preferred_batch_items = needed_;
    // Posts are serialised per URL by the rate limiter; concurrent calls just queue there.
    a.limits->max_concurrency = 8;
  }

  // Reads the 1.1 fields only after SINKHUB_HAS, so it also runs on a 1.0 host (actor id
  // instead of the name, no settling note).
  static void describe(sinkhub_plugin_descriptor& d) noexcept { d.min_host_abi_minor = 0; }

  sinkhub::Outcome open(int64_t) override {
    posted_.open(data_dir_);
    return sinkhub::Outcome::ok();
  }

  sinkhub::Outcome deliver(const sinkhub::Context& ctx, const sinkhub::Batch& batch) override {
    const Checkpoint cp = parse_checkpoint(ctx.checkpoint());
    if (cp.posted) return ok_note("already posted to Slack (checkpoint); not posted again");
    const std::string key =
        std::string(ctx.delivery_id()) + ":" + std::string(ctx.run_id()) + ":" + std::string(ctx.event_type());
    // Also a `sinkhub replay` of a finished delivery: its checkpoint is gone, posted.log stays.
    if (posted_.contains(key))
      return ok_note("already posted to Slack for this delivery (posted.log); not posted again");

    std::vector<std::string> items = cp.items;
    for (uint64_t i = 0; i < batch.size() && items.size() < needed_; ++i) items.emplace_back(batch.item(i));
    if (!ctx.last_batch()) {  // post once, on the last call: keep these items until then
      if (ctx.save_checkpoint(items_checkpoint(items)) != SINKHUB_E_OK)
        return sinkhub::Outcome::retry("cannot stage the checkpoint");
      return sinkhub::Outcome::ok();
    }
    const std::string payload = build(ctx, items, ctx.item_offset() + batch.size());
    return post(ctx, payload, key);
  }

 private:
  struct Field {
    std::string name;
    std::vector<std::string> path;
  };

  static sinkhub::Outcome ok_note(std::string note) {
    sinkhub::Outcome o;
    o.message = std::move(note);
    return o;
  }

  std::string build(const sinkhub::Context& ctx, const std::vector<std::string>& raw_items, uint64_t seen) {
    const auto facts = facts_of(ctx, seen);
    std::vector<Poco::Dynamic::Var> items;
    for (const auto& text : raw_items) {
      try {
        items.push_back(Poco::JSON::Parser().parse(text));
      } catch (const std::exception&) {
        items.emplace_back();  // not JSON: its placeholders render empty
      }
    }
    const std::string_view event = ctx.event_type();
    const bool failure = is_failure(event);
    const slack::MessageTemplate& t = event == "TEST" ? test_ : failure ? on_failure_ : on_success_;
    std::string text = t.render(facts, items);
    const bool settling = (ctx.raw().flags & SINKHUB_CTX_COUNT_SETTLING) != 0;
    if (settling && t.uses("itemCount")) text += " _(count still settling)_";
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)  // Slack refuses an empty text (no_text)
      text = (failure ? default_failure_ : default_success_).render(facts, items);

    std::vector<std::string> blocks;
    const std::size_t rows = ctx.event_only() || failure ? 0 : std::min({preview_, kMaxPreviewRows, items.size()});
    if (rows) {
      blocks.push_back(section_text(text));
      const auto& raw = ctx.raw();
      std::string note = "First " + std::to_string(rows);
      if (raw.dataset_item_count >= 0)
        note += " of " + std::string(settling ? "\xE2\x89\x88" : "") + slack::thousands(raw.dataset_item_count) +
                " items" + (settling ? " (count still settling)" : "");
      else
        note += " items (total unknown)";
      blocks.push_back(context_block(note));
      for (std::size_t k = 0; k < rows; ++k) {
        if (fields_.empty()) {
          blocks.push_back(section_text("```" + slack::mrkdwn_escape(slack::item_value(items[k], {})) + "```"));
          continue;
        }
        std::vector<std::string> cells;
        for (const auto& f : fields_) {
          std::string v = slack::item_value(items[k], f.path);
          if (v.empty()) v = "-";  // Slack refuses an empty text object
          cells.push_back("*" + slack::mrkdwn_escape(f.name) + "*\n" + slack::mrkdwn_escape(v));
        }
        blocks.push_back(section_fields(cells));
      }
    }
    std::string out = "{\"text\":" + slack::json_quote(slack::cut(text, kMaxText));
    if (!blocks.empty()) {
      out += ",\"blocks\":[";
      for (std::size_t i = 0; i < blocks.size() && i < kMaxBlocks; ++i) out += (i ? "," : "") + blocks[i];
      out += "]";
    }
    if (!username_.empty()) out += ",\"username\":" + slack::json_quote(username_);
    if (!icon_emoji_.empty()) out += ",\"icon_emoji\":" + slack::json_quote(icon_emoji_);
    return out + "}";
  }

  sinkhub::Outcome post(const sinkhub::Context& ctx, const std::string& payload, const std::string& key) {
    auto& limiter = slack::RateLimiter::shared();
    const int64_t deadline = ctx.deadline_monotonic_ms(), start = host().monotonic_ms();
    // Keep time for the POST itself (half the call when the whole call is short).
    const int64_t budget = std::min<int64_t>(kRequestBudget, std::max<int64_t>(deadline - start, 0) / 2);
    const auto ticket = limiter.reserve(url_, start, deadline - budget, kPostInterval);
    if (!ticket.reserved)  // the queue for this URL is longer than this call may wait
      return sinkhub::Outcome::retry("waiting for Slack's rate limit (one message per second per webhook)",
                                     std::max<int64_t>(ticket.at_ms - host().monotonic_ms(), 100));
    for (int64_t now = host().monotonic_ms(); now < ticket.at_ms; now = host().monotonic_ms()) {
      if (ctx.cancelled()) return sinkhub::Outcome::retry("cancelled while waiting for Slack's rate limit");
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(50, ticket.at_ms - now)));
    }
    const int64_t left = deadline - host().monotonic_ms();
    if (left <= 0) return sinkhub::Outcome::retry("call deadline passed before posting");
    const auto reply = host().http("POST", url_, {{"Content-Type", "application/json; charset=utf-8"}}, payload,
                                   ctx.call(), 4096, static_cast<uint32_t>(std::min<int64_t>(left, 15000)));
    if (reply.error != SINKHUB_E_OK)
      return sinkhub::Outcome::retry(std::string("Slack webhook: ") + transport_error(reply.error));
    auto outcome = classify(reply.status, reply.body, reply.retry_after_ms);
    if (reply.status == 429) limiter.hold(url_, host().monotonic_ms() + outcome.retry_after_ms);
    if (outcome.code != SINKHUB_OK) return outcome;
    // Acknowledged: from here on nothing may post this delivery again, whatever this call
    // ends with (the checkpoint is persisted with the result, whatever the code).
    const int64_t at = host().now_unix_ms();
    ctx.save_checkpoint("{\"posted\":true,\"at\":" + std::to_string(at) + "}");
    if (!posted_.add(key, at)) host().warn("cannot append to posted.log in the data directory");
    outcome.message = "posted to Slack";
    return outcome;
  }

  std::string data_dir_;
  std::string url_;  // secret
  slack::MessageTemplate on_success_, on_failure_, test_;
  slack::MessageTemplate default_success_, default_failure_;  // when a template renders empty
  std::size_t preview_ = 0, needed_ = 1;
  std::vector<Field> fields_;
  std::string username_, icon_emoji_;
  slack::PostedLog posted_;
};

}  // namespace

SINKHUB_PLUGIN(SlackSink, "slack", "Slack sink", "1.0.0",
               "Posts a run summary with an item preview, or a failure alert, to a Slack incoming webhook", kSchema,
               SINKHUB_CAP_ACTOR_NAME)
