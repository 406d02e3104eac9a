// How `sinkhub apify sync` and `sinkhub apify reconcile` print their plans and results: text
// for people, one JSON document (--json; its shape is in the README) for machines.
#pragma once

#include <ostream>

#include "control/reconciler.hpp"
#include "control/sync.hpp"

namespace sinkhub::cli {

void print_sync(std::ostream& out, const control::SyncPlan& plan, bool dry_run, bool json);
void print_reconcile(std::ostream& out, const control::ReconcileReport& report, bool dry_run, bool json);

}  // namespace sinkhub::cli
