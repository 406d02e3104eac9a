#include "delivery/watchdog.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sinkhub::delivery {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr milliseconds kCheckEvery(250);

double secs(steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string describe(const WatchedCall& c) {
  return "plugin " + c.plugin + ": " + c.verb + "() of sink " + c.sink + ", delivery " + std::to_string(c.delivery) +
         " (attempt " + std::to_string(c.attempt) + ")";
}

}  // namespace

milliseconds Watchdog::slack(milliseconds timeout) { return std::clamp<milliseconds>(timeout / 4, seconds(1), seconds(30)); }

milliseconds Watchdog::repeat(milliseconds timeout) { return std::clamp<milliseconds>(timeout, seconds(2), seconds(60)); }

Watchdog::Watch::Watch(Watchdog& dog, WatchedCall call) : dog_(dog) {
  call.started = steady_clock::now();
  std::lock_guard<std::mutex> lk(dog_.mu_);
  id_ = ++dog_.next_id_;
  dog_.calls_.emplace(id_, Entry{std::move(call), false, {}});
}

Watchdog::Watch::~Watch() { dog_.ended(id_); }

void Watchdog::ended(std::uint64_t id) {
  std::lock_guard<std::mutex> lk(mu_);
  const auto it = calls_.find(id);
  if (it == calls_.end()) return;
  const Entry& e = it->second;
  if (e.stuck)
    spdlog::warn("{} returned after {:.1f} s, stuck: its result is ignored (the delivery was handed back)",
                 describe(e.call), secs(steady_clock::now() - e.call.started));
  else
    streak_[e.call.sink] = 0;
  calls_.erase(it);
}

void Watchdog::start() {
  std::lock_guard<std::mutex> lk(mu_);
  stopping_ = false;
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void Watchdog::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<WatchedCall> Watchdog::stuck() const {
  std::lock_guard<std::mutex> lk(mu_);
  std::vector<WatchedCall> out;
  for (const auto& [id, e] : calls_)
    if (e.stuck) out.push_back(e.call);
  return out;
}

std::vector<std::pair<WatchedCall, int>> Watchdog::sweep(steady_clock::time_point now) {
  std::vector<std::pair<WatchedCall, int>> fresh;
  for (auto& [id, e] : calls_) {
    const auto deadline = e.call.started + e.call.timeout;
    if (now < deadline + slack(e.call.timeout) || (e.stuck && now < e.next_log)) continue;
    if (!e.stuck) {
      e.stuck = true;
      fresh.emplace_back(e.call, ++streak_[e.call.sink]);
      spdlog::error("{} is stuck: running for {:.1f} s, {:.1f} s past its deadline; the delivery is handed back",
                    describe(e.call), secs(now - e.call.started), secs(now - deadline));
    } else {
      spdlog::error("{} is still stuck after {:.1f} s (its thread stays inside the plugin)", describe(e.call),
                    secs(now - e.call.started));
    }
    e.next_log = now + repeat(e.call.timeout);
  }
  return fresh;
}

void Watchdog::run() {
  std::unique_lock<std::mutex> lk(mu_);
  while (!stopping_) {
    cv_.wait_for(lk, kCheckEvery, [this] { return stopping_; });
    if (stopping_) break;
    const auto fresh = sweep(steady_clock::now());
    if (fresh.empty()) continue;
    lk.unlock();  // the hand-back writes to the ledger: no call waits on it meanwhile
    for (const auto& [call, streak] : fresh) on_stuck_(call, streak);
    lk.lock();
  }
}

}  // namespace sinkhub::delivery
