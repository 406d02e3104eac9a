#include "config/postgres_url.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>

namespace sinkhub::config {

namespace {

constexpr std::size_t kMaxUrlBytes = 8192;

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

bool has_scheme(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

// The user info of the URL as libpq splits it: from "://" to the first '@' before any '/'.
std::string user_info(const std::string& url) {
  const auto start = url.find("://");
  if (start == std::string::npos) return {};
  const auto end = url.find_first_of("@/", start + 3);
  if (end == std::string::npos || url[end] != '@') return {};
  return url.substr(start + 3, end - start - 3);
}

// libpq's parse of the URL, freed on scope exit; nullptr with `error` set when it fails.
using Options = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;
Options parse(const std::string& url, std::string& error) {
  char* err = nullptr;
  Options opts(PQconninfoParse(url.c_str(), &err), &PQconninfoFree);
  if (!opts) error = err ? err : "out of memory";
  if (err) PQfreemem(err);
  while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
  return opts;
}

std::string option(const Options& opts, const char* keyword) {
  for (const PQconninfoOption* o = opts.get(); o && o->keyword; ++o)
    if (std::string(o->keyword) == keyword) return o->val ? o->val : "";
  return {};
}

bool valid_ports(const std::string& ports) {
  std::size_t from = 0;
  while (from <= ports.size()) {
    const auto comma = std::min(ports.find(',', from), ports.size());
    const std::string one = ports.substr(from, comma - from);
    if (one.empty() || one.size() > 5 || one.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(one) == 0 || std::stoi(one) > 65535)
      return false;
    from = comma + 1;
  }
  return true;
}

}  // namespace

PostgresUrl::PostgresUrl(std::string url) : url_(std::move(url)) {
  const std::string info = user_info(url_);
  if (const auto colon = info.find(':'); colon != std::string::npos) raw_password_ = info.substr(colon + 1);
  std::string ignored;
  if (has_scheme(url_))
    if (const Options opts = parse(url_, ignored)) password_ = option(opts, "password");
}

std::string PostgresUrl::problem() const {
  if (url_.empty()) return "ledger.url must not be empty";
  if (url_.size() > kMaxUrlBytes) return "ledger.url is longer than " + std::to_string(kMaxUrlBytes) + " bytes";
  if (!has_scheme(url_)) return "ledger.url must be a postgresql:// URL (e.g. postgresql://sinkhub@db.internal/sinkhub)";
  if (std::any_of(url_.begin(), url_.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return "ledger.url must not contain control characters";
  std::string error;
  const Options opts = parse(url_, error);
  if (!opts) return "ledger.url is not a valid PostgreSQL URL: " + scrub(error);
  const std::string sslmode = option(opts, "sslmode");
  static const char* const kModes[] = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"};
  if (!sslmode.empty() && std::none_of(std::begin(kModes), std::end(kModes), [&](const char* m) { return sslmode == m; }))
    return "ledger.url: sslmode must be disable, allow, prefer, require, verify-ca or verify-full";
  const std::string ports = option(opts, "port");
  if (!ports.empty() && !valid_ports(ports)) return "ledger.url: the port must be a number between 1 and 65535";
  return {};
}

std::string PostgresUrl::redacted() const {
  std::string out = url_;
  if (!raw_password_.empty()) {
    const std::string info = user_info(url_);
    const auto start = url_.find("://") + 3;
    out.replace(start, info.size(), info.substr(0, info.find(':')) + ":***");
  }
  // A password given as a query parameter: "password=...", up to the next '&'.
  for (std::size_t at = out.find("password="); at != std::string::npos; at = out.find("password=", at + 1)) {
    const auto value = at + 9;
    const auto end = std::min(out.find('&', value), out.size());
    out.replace(value, end - value, "***");
  }
  return out;
}

std::string PostgresUrl::scrub(std::string text) const {
  if (url_.empty()) return text;
  replace_all(text, url_, redacted());
  replace_all(text, raw_password_, "***");
  replace_all(text, password_, "***");
  return text;
}

}  // namespace sinkhub::config
