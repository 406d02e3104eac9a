// CIDR blocks (auth.allow_ips, auth.trusted_proxies): parsed by the config, matched by the
// webhook intake.
#pragma once

#include <Poco/Net/IPAddress.h>

#include <optional>
#include <string>
#include <vector>

namespace sinkhub::model {

struct Cidr {
  Poco::Net::IPAddress network;
  unsigned prefix = 0;

  // "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). nullopt if malformed.
  static std::optional<Cidr> parse(const std::string& text);
  bool contains(const Poco::Net::IPAddress& addr) const;
};

bool any_contains(const std::vector<Cidr>& list, const Poco::Net::IPAddress& addr);

}  // namespace sinkhub::model
