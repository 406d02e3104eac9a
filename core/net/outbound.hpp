// How sinkhub reaches out: one TLS policy, one reading of the proxy environment (used by the
// exchange in exchange.hpp, which the Apify client and the plugins' HTTP service share), and
// one Retry-After parser.
#pragma once

#include <Poco/Net/HTTPClientSession.h>

#include <cstdint>
#include <memory>
#include <string>

namespace sinkhub::net {

// A session to scheme://host:port: TLS with the system CAs (certificate chain and host name
// verified) for https; the proxy from http_proxy/https_proxy unless no_proxy matches the host
// (loopback addresses never go through a proxy). Keep-alive on. Throws Poco::Exception.
std::unique_ptr<Poco::Net::HTTPClientSession> open_session(const std::string& scheme, const std::string& host,
                                                           std::uint16_t port);

// Retry-After as delta-seconds or an HTTP date -> milliseconds from now (0 for a past date);
// -1 when absent or invalid.
std::int64_t parse_retry_after(const std::string& value);

}  // namespace sinkhub::net
