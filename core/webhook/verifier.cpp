#include "webhook/verifier.hpp"

#include <Poco/StringTokenizer.h>

namespace sinkhub::webhook {

namespace {

// volatile keeps the compiler from turning the accumulate loop into an early exit.
bool equal_constant_time(const std::string& presented, const std::string& secret) {
  volatile unsigned char diff = static_cast<unsigned char>(presented.size() != secret.size());
  const std::size_t n = presented.size();
  for (std::size_t i = 0; i < secret.size(); ++i) {
    const unsigned char p = n ? static_cast<unsigned char>(presented[i % n]) : 0;
    diff = static_cast<unsigned char>(diff | (p ^ static_cast<unsigned char>(secret[i])));
  }
  return diff == 0;
}

}  // namespace

bool secret_matches(const std::string& presented, const std::vector<std::string>& secrets) {
  bool any = false;
  for (const auto& s : secrets) any = equal_constant_time(presented, s) | any;  // no short circuit
  return any;
}

Poco::Net::IPAddress client_address(const Poco::Net::IPAddress& peer, const std::string& forwarded_for,
                                    const std::vector<model::Cidr>& trusted_proxies) {
  if (forwarded_for.empty() || !model::any_contains(trusted_proxies, peer)) return peer;
  Poco::StringTokenizer hops(forwarded_for, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  Poco::Net::IPAddress client = peer;
  for (auto it = hops.end(); it != hops.begin();) {
    --it;
    Poco::Net::IPAddress hop;
    // A malformed hop ends the walk: whatever lies left of it may be forged.
    if (!Poco::Net::IPAddress::tryParse(*it, hop)) break;
    client = hop;
    if (!model::any_contains(trusted_proxies, hop)) break;
  }
  return client;
}

Verdict Verifier::check(const Poco::Net::IPAddress& client, bool has_secret, const std::string& secret) const {
  if (!auth_.allow_ips.empty() && !model::any_contains(auth_.allow_ips, client)) return Verdict::ForbiddenAddress;
  if (auth_.secrets.empty()) return Verdict::Allowed;  // allow_unauthenticated, checked by config
  if (!has_secret) return Verdict::MissingSecret;
  return secret_matches(secret, auth_.secrets) ? Verdict::Allowed : Verdict::WrongSecret;
}

}  // namespace sinkhub::webhook
