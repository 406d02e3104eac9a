// One writer per (spreadsheet, tab) at a time, across every instance and worker of the
// process, so that two runs appending to one tab never interleave their rows. A delivery
// holds the tab from its first written batch to its last one: the lease is renewed by every
// call and lapses after `lease_ms` without one (a delivery that was dead-lettered or moved
// away never blocks the tab for good). A contender waits in its call while the holder is in
// one (up to the time it is given), and then answers BUSY (ABI 1.3: a RETRY that spends none
// of the delivery's attempts, so a queue of runs into one tab never dead-letters the ones that
// only wait their turn). It never waits for a holder that
// is between calls: that holder needs a call slot to go on, and a waiter sitting in one (the
// instance has two) starved it until its lease lapsed (bench/soak, 20 runs on one tab).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace sinkhub_gsheets {

class TabLock {
 public:
  static TabLock& shared();

  /// Takes or renews the tab for `owner`, waiting until `latest_ms` (monotonic) at most, and
  /// only while the holder is in a call. Returns false when another owner still holds it.
  bool acquire(const std::string& tab_key, const std::string& owner, std::int64_t lease_ms, std::int64_t latest_ms,
               std::int64_t (*now_ms)());
  /// Gives the tab back (no-op unless `owner` holds it).
  void release(const std::string& tab_key, const std::string& owner);
  /// `owner`'s call ended with the tab still held (its delivery goes on later): contenders stop
  /// waiting. No-op unless `owner` holds it.
  void pause(const std::string& tab_key, const std::string& owner);
  /// The current holder ("" when free or lapsed).
  std::string holder(const std::string& tab_key, std::int64_t now_ms);

 private:
  struct Lease {
    std::string owner;
    std::int64_t until_ms = 0;
    bool in_call = false;  // acquired by a call that has not ended (pause)
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Lease> leases_;
};

}  // namespace sinkhub_gsheets
