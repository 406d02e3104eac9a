// CIDR blocks for auth.allow_ips and auth.trusted_proxies.
#pragma once

#include <Poco/Net/IPAddress.h>

#include <optional>
#include <string>
#include <vector>

namespace sinkhub::webhook {

struct Cidr {
  Poco::Net::IPAddress network;
  unsigned prefix = 0;

  // "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). nullopt if malformed.
  static std::optional<Cidr> parse(const std::string& text);
  bool contains(const Poco::Net::IPAddress& addr) const;
};

bool any_contains(const std::vector<Cidr>& list, const Poco::Net::IPAddress& addr);

}  // namespace sinkhub::webhook
