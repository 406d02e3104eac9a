// Reading ledger.retention (private to core/config): how long finished deliveries, their
// history and the events' dedup keys stay in the ledger, checked against what Apify's retries
// and the reconciler need.
#pragma once

#include <vector>

#include "config/config.hpp"

namespace sinkhub::config {

// `node`: the value of ledger.retention (nullptr when absent).
void read_retention(const Node* node, RetentionConfig& r, std::vector<Diagnostic>& d);
// The reconciler looks back apify.reconcile.lookback for runs without an event: their dedup keys
// must still be there, or it records them again and they are delivered twice.
void check_retention_covers_reconcile(const Node& root, const Config& c, std::vector<Diagnostic>& d);

}  // namespace sinkhub::config
