#include "slack_options.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <stdexcept>

namespace slack {

namespace opt = sinkhub::options;

namespace {

constexpr std::size_t kMaxUrlBytes = 2048;

void bad(const std::string& what) { throw std::invalid_argument(what); }

// https:// with a host; http:// only for the loopback names (tests, local relays). The URL
// itself never appears in an error: it is a secret.
void check_webhook_url(const std::string& url) {
  if (std::any_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; }))
    bad("must not contain spaces or control characters");
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception&) {
    bad("is not a valid URL");
  }
  const std::string host = uri.getHost();
  if (host.empty() || !uri.getUserInfo().empty()) bad("must be an absolute URL with a host and no user info");
  const bool loopback = host == "127.0.0.1" || host == "::1" || host == "localhost";
  if (uri.getScheme() == "https" || (uri.getScheme() == "http" && loopback)) return;
  bad("must be an https:// URL (http:// only for 127.0.0.1, ::1 or localhost)");
}

void check_fields(const std::vector<std::string>& fields) {
  std::vector<std::string> path;
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].size() > 200 || !parse_path(fields[i], path))
      bad("entry " + std::to_string(i + 1) +
          " must be a field name or dotted path of letters, digits, _ $ - (e.g. price.amount)");
}

}  // namespace

const opt::Table<Options>& options_table() {
  using O = Options;
  static const opt::Table<O> table{
      opt::text("webhook_url", &O::webhook_url).required().not_empty().max_length(kMaxUrlBytes)
          .check(check_webhook_url)
          .doc("Slack incoming webhook URL: `https://…` (plain `http://` only to `127.0.0.1`, `::1`, `localhost`), "
               "no spaces or user info. A secret: use `${env:…}` or `${file:…}`; never logged, never in errors."),
      opt::text("on_success", &O::on_success).defaults(kDefaultSuccess).max_length(kMaxTemplateBytes)
          .doc("Template for `ACTOR.RUN.SUCCEEDED` and any other non-failure run event."),
      opt::text("on_failure", &O::on_failure).defaults(kDefaultFailure).max_length(kMaxTemplateBytes)
          .doc("Template for `ACTOR.RUN.FAILED`, `ABORTED`, `TIMED_OUT` (event-only: no item is read)."),
      opt::integer("preview_items", &O::preview_items).defaults(0).max(100)
          .doc("A table of the first N items, one Block Kit section per item (at most 48 rows fit in Slack's "
               "50 blocks)."),
      opt::text_list("fields", &O::fields).max_entries(kMaxFields).check(check_fields)
          .doc("Item fields or dotted paths (`price.amount`, `tags.0`) shown per preview row; without it a row "
               "is the item's JSON."),
      opt::text("username", &O::username).max_length(80).doc("Sender name (only legacy webhooks honour it)."),
      opt::text("icon_emoji", &O::icon_emoji).max_length(100)
          .doc("Sender emoji, e.g. `:robot_face:` (only legacy webhooks honour it)."),
  };
  return table;
}

Settings parse_settings(std::string_view options_json) {
  const Options o = options_table().parse(options_json);
  Settings s;
  s.url = o.webhook_url;
  s.on_success = MessageTemplate::parse(o.on_success, "on_success");
  s.on_failure = MessageTemplate::parse(o.on_failure, "on_failure");
  s.preview = o.preview_items;
  for (const auto& f : o.fields) {
    s.fields.push_back({f, {}});
    parse_path(f, s.fields.back().path);
  }
  s.username = o.username;
  s.icon_emoji = o.icon_emoji;
  s.items_needed = std::max<std::size_t>({std::min(s.preview, kMaxPreviewRows), s.on_success.items_needed(), 1});
  return s;
}

}  // namespace slack
