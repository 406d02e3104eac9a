// POST {server.path}: verify, bound, parse, record durably, then answer.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <functional>

#include "config/config.hpp"
#include "ledger/ledger.hpp"
#include "webhook/verifier.hpp"

namespace sinkhub::http {

class WebhookEndpoint final : public Poco::Net::HTTPRequestHandler {
 public:
  WebhookEndpoint(const config::Config& cfg, const webhook::Verifier& verifier, ledger::Ledger& ledger,
                  const std::function<void()>& on_accepted)
      : cfg_(cfg), verifier_(verifier), ledger_(ledger), on_accepted_(on_accepted) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override;

 private:
  const config::Config& cfg_;
  const webhook::Verifier& verifier_;
  ledger::Ledger& ledger_;
  const std::function<void()>& on_accepted_;
};

}  // namespace sinkhub::http
