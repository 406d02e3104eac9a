// Who may post webhooks: the shared-secret header (Apify does not sign webhooks) and the
// optional source-address allowlist (the "verify" step of the intake).
#pragma once

#include <Poco/Net/IPAddress.h>

#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "model/cidr.hpp"

namespace sinkhub::webhook {

// Compares a presented secret with every configured one. The time taken depends only on the
// configured secrets, never on where or whether the presented value differs: every byte of
// every secret is visited, and the length mismatch folds into the result instead of
// returning early.
bool secret_matches(const std::string& presented, const std::vector<std::string>& secrets);

// The address a request really comes from: the peer, or, when the peer is a trusted proxy,
// the right-most X-Forwarded-For entry that is not itself a trusted proxy.
Poco::Net::IPAddress client_address(const Poco::Net::IPAddress& peer, const std::string& forwarded_for,
                                    const std::vector<model::Cidr>& trusted_proxies);

enum class Verdict { Allowed, ForbiddenAddress, MissingSecret, WrongSecret };

class Verifier {
 public:
  explicit Verifier(config::AuthConfig auth) : auth_(std::move(auth)) {}
  // has_secret distinguishes an absent header from an empty or wrong one (for logs only;
  // both get 401).
  Verdict check(const Poco::Net::IPAddress& client, bool has_secret, const std::string& secret) const;
  const std::string& header() const { return auth_.header; }
  const std::vector<model::Cidr>& trusted_proxies() const { return auth_.trusted_proxies; }

 private:
  config::AuthConfig auth_;
};

}  // namespace sinkhub::webhook
