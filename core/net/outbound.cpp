#include "net/outbound.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace sinkhub::net {

namespace {

Poco::Net::Context::Ptr tls_context() {
  static Poco::Net::Context::Ptr ctx = [] {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Params p;
    p.verificationMode = Poco::Net::Context::VERIFY_RELAXED;  // chain + host name verified
    p.loadDefaultCAs = true;
    return Poco::Net::Context::Ptr(new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, p));
  }();
  return ctx;
}

std::string env(const char* lower, const char* upper) {
  if (const char* v = std::getenv(lower); v && *v) return v;
  if (const char* v = std::getenv(upper); v && *v) return v;
  return {};
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// no_proxy: comma-separated host names or domain suffixes (".example.com" or
// "example.com" both match sub.example.com), or "*".
bool bypass_proxy(const std::string& host) {
  if (is_loopback(host)) return true;
  const std::string list = env("no_proxy", "NO_PROXY");
  if (Poco::trim(list) == "*") return true;
  for (std::size_t start = 0; start <= list.size();) {
    const std::size_t comma = list.find(',', start);
    std::string item = Poco::trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty() && item.front() == '.') item.erase(0, 1);
    if (!item.empty()) {
      if (host == item) return true;
      if (host.size() > item.size() && host.compare(host.size() - item.size(), item.size(), item) == 0 &&
          host[host.size() - item.size() - 1] == '.')
        return true;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace

std::unique_ptr<Poco::Net::HTTPClientSession> open_session(const std::string& scheme, const std::string& host,
                                                           std::uint16_t port) {
  std::unique_ptr<Poco::Net::HTTPClientSession> s;
  if (scheme == "https")
    s = std::make_unique<Poco::Net::HTTPSClientSession>(host, port, tls_context());
  else
    s = std::make_unique<Poco::Net::HTTPClientSession>(host, port);
  const std::string proxy = scheme == "https" ? env("https_proxy", "HTTPS_PROXY") : env("http_proxy", "HTTP_PROXY");
  if (!proxy.empty() && !bypass_proxy(host)) {
    try {
      const Poco::URI p(proxy);
      Poco::Net::HTTPClientSession::ProxyConfig pc;
      pc.host = p.getHost();
      pc.port = p.getPort();
      const std::string info = p.getUserInfo();
      if (const auto colon = info.find(':'); colon != std::string::npos) {
        pc.username = info.substr(0, colon);
        pc.password = info.substr(colon + 1);
      }
      s->setProxyConfig(pc);
    } catch (const Poco::Exception&) {
      spdlog::warn("ignoring a malformed proxy URL in the environment");
    }
  }
  s->setKeepAlive(true);
  return s;
}

std::int64_t parse_retry_after(const std::string& value) {
  const std::string v = Poco::trim(value);
  if (v.empty()) return -1;
  Poco::UInt64 secs = 0;
  if (Poco::NumberParser::tryParseUnsigned64(v, secs)) {
    if (secs > 100000000ull) secs = 100000000ull;  // absurd values: keep the arithmetic sane
    return static_cast<std::int64_t>(secs) * 1000;
  }
  Poco::DateTime when;
  int tz = 0;
  if (!Poco::DateTimeParser::tryParse(v, when, tz)) return -1;
  const Poco::Timestamp::TimeDiff delta = (when.timestamp() - Poco::Timestamp()) - Poco::Timestamp::TimeDiff(tz) * 1000000;
  return delta > 0 ? (delta + 999) / 1000 : 0;
}

}  // namespace sinkhub::net
