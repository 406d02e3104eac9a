// The HTTP listener: POST {server.path} (the webhook), GET/HEAD /healthz, /readyz, /metrics.
#pragma once

#include <functional>
#include <memory>

#include "config/config.hpp"
#include "ledger/ledger.hpp"

namespace sinkhub::http {

class Server {
 public:
  // on_accepted runs after an event with planned deliveries was committed (wakes the
  // delivery engine); may be empty.
  Server(const config::Config& cfg, ledger::Ledger& ledger, std::function<void()> on_accepted = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Throws with a clear message if the address is unusable.
  void start();
  // Stops accepting, lets in-flight requests finish (bounded), then returns.
  void stop();
  // A reload: webhooks whose request head is read from now on are verified and routed under
  // cfg's auth.* and routes; requests already past their head finish under the rules they
  // started with. (server.* stays as started: only a restart changes it.)
  void apply(const config::Config& cfg);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sinkhub::http
