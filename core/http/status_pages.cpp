#include "http/status_pages.hpp"

#include <sstream>

#include "observe/metrics.hpp"
#include "util/clock.hpp"

namespace sinkhub::http {

Reply readiness_page(ledger::Ledger& ledger, std::uint64_t max_body_bytes) {
  ledger::Readiness r;
  try {
    r = ledger.readiness(max_body_bytes);
  } catch (const std::exception& e) {
    r = {false, std::string("ledger unavailable: ") + e.what()};
  }
  if (r.ready) return json_reply(200, R"({"status":"ready"})");
  Reply reply = error_reply(503, r.reason);
  reply.headers.emplace_back("Retry-After", "5");
  return reply;
}

Reply metrics_page(ledger::Ledger& ledger) {
  std::ostringstream out;
  try {
    const auto st = ledger.status();
    out << "# HELP sinkhub_deliveries Deliveries in the ledger by state\n# TYPE sinkhub_deliveries gauge\n";
    std::int64_t queued = 0;
    for (const auto& [state, n] : st.deliveries_by_state) {
      out << "sinkhub_deliveries{state=\"" << ledger::to_string(state) << "\"} " << n << "\n";
      if (state == ledger::DeliveryState::Pending || state == ledger::DeliveryState::Retrying) queued += n;
    }
    out << "# HELP sinkhub_queue_depth Deliveries waiting (pending or retrying)\n"
        << "# TYPE sinkhub_queue_depth gauge\nsinkhub_queue_depth " << queued << "\n"
        << "# HELP sinkhub_oldest_due_seconds Age of the oldest delivery that is due and not running\n"
        << "# TYPE sinkhub_oldest_due_seconds gauge\nsinkhub_oldest_due_seconds " << st.oldest_due_age_ms / 1000.0
        << "\n# HELP sinkhub_events Events in the ledger\n# TYPE sinkhub_events gauge\nsinkhub_events " << st.events
        << "\n# HELP sinkhub_ledger_bytes Bytes the ledger takes (SQLite: file and WAL; PostgreSQL: its tables)\n"
        << "# TYPE sinkhub_ledger_bytes gauge\nsinkhub_ledger_bytes " << st.store_bytes
        << "\n# HELP sinkhub_ledger_oldest_event_seconds Age of the oldest event the ledger keeps (ledger.retention)\n"
        << "# TYPE sinkhub_ledger_oldest_event_seconds gauge\nsinkhub_ledger_oldest_event_seconds "
        << (st.oldest_event_at ? (util::unix_ms() - st.oldest_event_at) / 1000.0 : 0.0)
        << "\n# HELP sinkhub_sink_suspended 1 while a sink is suspended after FATAL\n"
        << "# TYPE sinkhub_sink_suspended gauge\n";
    for (const auto& [sink, until] : st.suspended_sinks) out << "sinkhub_sink_suspended{sink=\"" << sink << "\"} 1\n";
  } catch (const std::exception& e) {
    out << "# ledger unavailable: " << e.what() << "\n";
  }
  out << observe::Metrics::instance().prometheus_text();
  Reply r = json_reply(200, out.str());
  r.content_type = "text/plain; version=0.0.4";
  return r;
}

}  // namespace sinkhub::http
