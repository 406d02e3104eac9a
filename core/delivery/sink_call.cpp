#include "delivery/sink_call.hpp"

#include <chrono>
#include <string>

#include "observe/crash_report.hpp"
#include "observe/metrics.hpp"

namespace sinkhub::delivery {

namespace {

std::uint64_t accepted_bytes(const plugin::Batch& b, std::uint64_t accepted) {
  if (accepted >= b.count()) return b.data.size();
  return accepted ? b.offsets[accepted] : 0;
}

// Runs one plugin call watched by the watchdog and marked for the crash report.
template <class Call>
plugin::CallResult watched(Watchdog& dog, WatchedCall who, const char* verb, std::int64_t timeout_ms, Call&& call) {
  who.verb = verb;
  who.timeout = std::chrono::milliseconds(timeout_ms);
  const observe::PluginCallMark mark(who.plugin, who.sink, who.delivery, verb);
  const Watchdog::Watch watch(dog, std::move(who));
  return call();
}

}  // namespace

plugin::CallResult sink_call(SinkLane& lane, const plugin::DeliveryContext& ctx, const plugin::Batch& batch,
                             Watchdog& watchdog, const WatchedCall& caller) {
  auto& m = observe::Metrics::instance();
  WatchedCall who = caller;
  who.plugin = lane.instance().plugin().id;
  who.sink = lane.name();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = watched(watchdog, who, "deliver", ctx.timeout_ms, [&] { return lane.instance().deliver(ctx, batch); });
  m.record(lane.metrics().call_seconds, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (r.code == SINKHUB_OK && r.items_accepted && lane.has(SINKHUB_CAP_BUFFERED)) {
    // Nothing is committed before flush() confirms. (Such a sink gets one call at a time, so
    // flush never overlaps deliver.)
    const auto f =
        watched(watchdog, who, "flush", ctx.timeout_ms, [&] { return lane.instance().flush(ctx.timeout_ms); });
    if (!f.ok()) {
      r.code = f.code == SINKHUB_OK ? SINKHUB_RETRY : f.code;
      r.items_accepted = 0;
      r.checkpoint.reset();
      r.retry_after_ms = f.retry_after_ms;
      r.dest_status = f.dest_status;
      r.message = "flush failed: " + (f.message.empty() ? std::string("no message") : f.message);
    }
  }
  lane.count_dest_status(r.dest_status);
  m.record(lane.metrics().bytes, static_cast<double>(accepted_bytes(batch, r.items_accepted)));
  m.record(lane.metrics().items, static_cast<double>(r.items_accepted));
  return r;
}

}  // namespace sinkhub::delivery
