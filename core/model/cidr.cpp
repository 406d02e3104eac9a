#include "model/cidr.hpp"

#include <Poco/NumberParser.h>

#include <algorithm>

namespace sinkhub::model {

using Poco::Net::IPAddress;

namespace {

// An IPv4-mapped IPv6 peer (::ffff:a.b.c.d, seen on dual-stack sockets) must match IPv4 rules.
IPAddress unmap(const IPAddress& a) {
  if (a.family() == IPAddress::IPv6 && a.isIPv4Mapped()) {
    const auto* raw = static_cast<const unsigned char*>(a.addr());
    return IPAddress(raw + 12, 4);
  }
  return a;
}

}  // namespace

std::optional<Cidr> Cidr::parse(const std::string& text) {
  const auto slash = text.find('/');
  const std::string host = text.substr(0, slash);
  // inet_aton would read "10.0.0" or "10" as an address: insist on the four dotted parts.
  if (host.find(':') == std::string::npos &&
      (std::count(host.begin(), host.end(), '.') != 3 || host.find_first_not_of("0123456789.") != std::string::npos))
    return std::nullopt;
  IPAddress addr;
  if (!IPAddress::tryParse(host, addr)) return std::nullopt;
  addr = unmap(addr);
  const unsigned max = addr.family() == IPAddress::IPv4 ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string::npos) {
    const std::string p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    prefix = Poco::NumberParser::parseUnsigned(p);
    if (prefix > max) return std::nullopt;
  }
  IPAddress mask(prefix, addr.family());
  return Cidr{addr & mask, prefix};
}

bool Cidr::contains(const IPAddress& raw) const {
  const IPAddress a = unmap(raw);
  if (a.family() != network.family()) return false;
  IPAddress mask(prefix, a.family());
  return (a & mask) == network;
}

bool any_contains(const std::vector<Cidr>& list, const IPAddress& addr) {
  for (const auto& c : list)
    if (c.contains(addr)) return true;
  return false;
}

}  // namespace sinkhub::model
