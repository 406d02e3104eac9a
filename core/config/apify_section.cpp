// The apify section: base_url, token, page_size, public_url, webhook_description and
// apify.reconcile, each checked with a message that names the key (and never echoes a value
// that came from ${env:...} or ${file:...}).
#include "config/apify_section.hpp"

#include <Poco/Net/IPAddress.h>
#include <Poco/String.h>
#include <Poco/TextIterator.h>
#include <Poco/URI.h>
#include <Poco/UTF8Encoding.h>

#include <algorithm>

#include "config/section.hpp"

namespace sinkhub::config {

namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::size_t kMaxUrl = 2048;
constexpr std::size_t kMaxDescription = 200;

// How a message may show a value: quoted and cut when it was written in the file, not at all
// when it came from the environment or a file.
std::string shown(const Node* n, const std::string& value) {
  if (n && n->substituted) return "a substituted value";
  std::string out;
  for (const char c : value.substr(0, 80)) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  return "'" + out + (value.size() > 80 ? "...'" : "'");
}

bool has_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool valid_utf8(const std::string& s) {
  Poco::UTF8Encoding utf8;
  Poco::TextIterator it(s, utf8), end(s);
  for (; it != end; ++it)
    if (*it < 0) return false;
  return true;
}

bool loopback_host(const std::string& host) {
  Poco::Net::IPAddress ip;
  return Poco::icompare(host, "localhost") == 0 || (Poco::Net::IPAddress::tryParse(host, ip) && ip.isLoopback());
}

// Why `url` cannot be the webhooks' request URL, or "" when it can.
std::string public_url_problem(const std::string& url) {
  if (url.size() > kMaxUrl) return "is longer than " + std::to_string(kMaxUrl) + " characters";
  if (std::any_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f ||
                                                              static_cast<unsigned char>(c) >= 0x80; }))
    return "must not contain spaces, control or non-ASCII characters (percent-encode them)";
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception&) {
    return "is not a valid URL";
  }
  const std::string scheme = Poco::toLower(uri.getScheme());
  if ((scheme != "https" && scheme != "http") || uri.getHost().empty())
    return "must be an absolute URL such as https://sinkhub.example.com/apify-webhook";
  if (!uri.getUserInfo().empty()) return "must not carry user:password@ (Apify shows the URL in Console)";
  if (!uri.getFragment().empty()) return "must not have a #fragment";
  if (scheme == "http" && !loopback_host(uri.getHost()))
    return "must be https:// (plain http:// only to a loopback address, for tests)";
  return {};
}

void read_public_url(Section& sec, ApifyConfig& a) {
  const Node* n = sec.get("public_url");
  if (!n) return;
  if (!n->is_scalar()) return sec.error(n->line, "apify.public_url must be a string");
  if (const std::string why = public_url_problem(n->scalar); !why.empty())
    return sec.error(n->line, "apify.public_url " + why + ", got " + shown(n, n->scalar));
  a.public_url = n->scalar;
}

void read_description(Section& sec, ApifyConfig& a) {
  std::string host;
  try {
    if (!a.public_url.empty()) host = Poco::URI(a.public_url).getHost();
  } catch (const Poco::Exception&) {
  }
  a.webhook_description = host.empty() ? "sinkhub" : "sinkhub " + host;
  const Node* n = sec.get("webhook_description");
  if (!n) return;
  if (!n->is_scalar()) return sec.error(n->line, "apify.webhook_description must be a string");
  const std::string text = Poco::trim(n->scalar);
  if (text.empty()) return sec.error(n->line, "apify.webhook_description must not be empty");
  if (text.size() > kMaxDescription)
    return sec.error(n->line, "apify.webhook_description must be at most " + std::to_string(kMaxDescription) +
                                  " characters");
  if (has_control(text) || !valid_utf8(text))
    return sec.error(n->line, "apify.webhook_description must be printable UTF-8 text on one line");
  a.webhook_description = text;
}

// SUCCEEDED, FAILED, ABORTED, TIMED_OUT (or TIMED-OUT) -> the API's spelling, once each.
void read_statuses(Section& sec, ReconcileConfig& r) {
  if (!sec.get("statuses")) return;
  const auto given = sec.list("statuses");
  if (given.empty())
    return sec.error(sec.line_of("statuses"), "apify.reconcile.statuses must list at least one run status");
  std::vector<std::string> out;
  for (const auto& s : given) {
    const std::string status = s == "TIMED_OUT" ? "TIMED-OUT" : s;
    if (status != "SUCCEEDED" && status != "FAILED" && status != "ABORTED" && status != "TIMED-OUT") {
      sec.error(sec.line_of("statuses"), "apify.reconcile.statuses: " + shown(nullptr, s) +
                                             " is not a terminal run status (SUCCEEDED, FAILED, ABORTED, TIMED_OUT)");
      continue;
    }
    if (std::find(out.begin(), out.end(), status) == out.end()) out.push_back(status);
  }
  r.statuses = std::move(out);
}

void read_reconcile(const Node* node, ReconcileConfig& r, std::vector<Diagnostic>& d) {
  Section sec(node, "apify.reconcile", d);
  r.interval = sec.duration("interval", r.interval, seconds(1), hours(24), /*zero_off=*/true);
  r.lookback = sec.duration("lookback", r.lookback, std::chrono::minutes(1), hours(24 * 30));
  r.max_run_duration = sec.duration("max_run_duration", r.max_run_duration, milliseconds(0), hours(24 * 30));
  read_statuses(sec, r);
  sec.finish();
}

}  // namespace

void read_apify(const Node& root, ApifyConfig& a, std::vector<Diagnostic>& d) {
  Section sec(top(root, "apify"), "apify", d);
  a.base_url = sec.str("base_url", a.base_url);
  try {
    Poco::URI uri(a.base_url);
    if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
      throw Poco::SyntaxException("scheme");
  } catch (const Poco::Exception&) {
    sec.error(sec.line_of("base_url"), "apify.base_url must be an http(s) URL");
  }
  while (!a.base_url.empty() && a.base_url.back() == '/') a.base_url.pop_back();
  a.token = sec.str("token", "");
  a.page_size = static_cast<int>(sec.integer("page_size", a.page_size, 1, 100000));
  read_public_url(sec, a);
  read_description(sec, a);
  read_reconcile(sec.get("reconcile"), a.reconcile, d);
  sec.finish();
}

}  // namespace sinkhub::config
