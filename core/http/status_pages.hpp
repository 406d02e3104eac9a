// GET /readyz and GET /metrics: both read the ledger (and /readyz waits for a commit), so the
// listener runs them on its helper thread, never on an event loop.
#pragma once

#include <cstdint>

#include "http/reply.hpp"
#include "ledger/ledger.hpp"

namespace sinkhub::http {

// 200 while a webhook of up to `max_body_bytes` would be recorded now, else 503 with the reason.
Reply readiness_page(ledger::Ledger& ledger, std::uint64_t max_body_bytes);
// Prometheus text. Queue figures are read from the ledger at scrape time, so they are right
// even for work another process (the CLI's replay) queued.
Reply metrics_page(ledger::Ledger& ledger);

}  // namespace sinkhub::http
