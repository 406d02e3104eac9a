// GET /readyz and GET /metrics: both read the ledger (and /readyz waits for a commit), so the
// listener runs them on its helper thread, never on an event loop.
#pragma once

#include "http/reply.hpp"
#include "ledger/ledger.hpp"

namespace sinkhub::http {

Reply readiness_page(ledger::Ledger& ledger);
// Prometheus text. Queue figures are read from the ledger at scrape time, so they are right
// even for work another process (the CLI's replay) queued.
Reply metrics_page(ledger::Ledger& ledger);

}  // namespace sinkhub::http
