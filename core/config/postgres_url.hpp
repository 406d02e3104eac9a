// ledger.url: a postgresql:// URL (libpq's syntax, e.g.
// "postgresql://sinkhub:PASSWORD@db.internal:5432/sinkhub?sslmode=verify-full"), checked
// without connecting, and the one place that knows how to keep its password out of text:
// libpq's messages can echo the connection string, so every message that may hold it goes
// through scrub() before it reaches a log line, an error or the CLI's output.
#pragma once

#include <string>

namespace sinkhub::config {

class PostgresUrl {
 public:
  explicit PostgresUrl(std::string url);

  // Why the URL cannot be used (scheme, syntax, an unknown parameter, a bad sslmode), or ""
  // when it can. Never holds the password.
  std::string problem() const;
  // The URL with its password replaced by "***", for logs ("postgresql://sinkhub:***@db/x").
  std::string redacted() const;
  // `text` with every occurrence of the URL, of its password (as written and decoded) and of
  // the password given by a "password=" parameter replaced.
  std::string scrub(std::string text) const;

  const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::string raw_password_;      // as written in the URL's user info (may be percent-encoded)
  std::string password_;          // as libpq reads it (user info or ?password=)
};

}  // namespace sinkhub::config
