// Leases of the deliveries in flight: a sink call may run longer than delivery.lease, so a
// keeper thread extends every active lease a few times per lease period, and a worker that dies
// (kill -9) stops extending, so another takes the delivery over once the lease expires.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>
#include <mutex>
#include <string>
#include <thread>

#include "ledger/ledger.hpp"

namespace sinkhub::delivery {

class LeaseKeeper {
 public:
  LeaseKeeper(ledger::Ledger& ledger, std::chrono::milliseconds lease) : ledger_(ledger), lease_(lease) {}
  ~LeaseKeeper() { stop(); }
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  void start();
  void stop();

  // The leases kept alive now: (delivery id, claim token).
  std::vector<std::pair<std::int64_t, std::string>> active() const;

  // Keeps one delivery's lease alive for as long as it lives (RAII: released on any exit).
  class Active {
   public:
    Active(LeaseKeeper& keeper, std::int64_t id, const std::string& owner);
    ~Active();
    Active(const Active&) = delete;
    Active& operator=(const Active&) = delete;

   private:
    LeaseKeeper& keeper_;
    std::pair<std::int64_t, std::string> key_;
  };

 private:
  void run();

  ledger::Ledger& ledger_;
  const std::chrono::milliseconds lease_;
  mutable std::mutex mu_;
  // (delivery id, claim token): a delivery given up by the watchdog may be claimed again while
  // the stuck claim still holds its entry. Guarded by mu_.
  std::set<std::pair<std::int64_t, std::string>> active_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace sinkhub::delivery
