#include "config/ledger_retention.hpp"

#include "config/section.hpp"

namespace sinkhub::config {

namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

constexpr hours kLongest{24 * 3650};
// The reconciler's lookback is measured from now, dedup keys from when a webhook arrived:
// a day of margin covers a webhook that came late and clocks that disagree.
constexpr hours kReconcileMargin{24};

// The line of root.a.b.c, or 0 when any part of it is absent.
int line_of(const Node& root, std::initializer_list<const char*> path) {
  const Node* n = &root;
  for (const char* key : path)
    if (!(n = n->is_map() ? n->find(key) : nullptr)) return 0;
  return n->line;
}

}  // namespace

void read_retention(const Node* node, RetentionConfig& r, std::vector<Diagnostic>& d) {
  Section sec(node, "ledger.retention", d);
  r.done = sec.duration("done", r.done, hours(1), kLongest, /*zero_off=*/true);
  r.dead = sec.duration("dead", r.dead, hours(1), kLongest, /*zero_off=*/true);
  // Shorter than Apify's retries is refused with the reason, not just the range.
  const Node* keys = sec.get("dedup_keys");
  milliseconds asked{};
  if (keys && keys->is_scalar() && parse_duration(keys->scalar, asked) && asked < kMinDedupKeys)
    sec.error(keys->line, "ledger.retention.dedup_keys must be at least " + readable(kMinDedupKeys) + ", got " +
                              (keys->substituted ? std::string("a substituted value") : "'" + keys->scalar + "'") +
                              ": Apify retries a webhook for about 32 hours, and a retry whose dedup key was pruned "
                              "would be delivered again");
  else
    r.dedup_keys = sec.duration("dedup_keys", r.dedup_keys, kMinDedupKeys, kLongest);
  r.interval = sec.duration("interval", r.interval, std::chrono::seconds(1), hours(24));
  sec.finish();
}

void check_retention_covers_reconcile(const Node& root, const Config& c, std::vector<Diagnostic>& d) {
  const ReconcileConfig& rc = c.apify.reconcile;
  const milliseconds need = rc.lookback + kReconcileMargin;
  if (rc.interval.count() == 0 || c.ledger.retention.dedup_keys >= need) return;
  int line = line_of(root, {"ledger", "retention", "dedup_keys"});
  if (!line) line = line_of(root, {"apify", "reconcile", "lookback"});
  d.push_back({line, "ledger.retention.dedup_keys (" + readable(c.ledger.retention.dedup_keys) +
                         ") must be at least apify.reconcile.lookback (" + readable(rc.lookback) + ") + " +
                         readable(kReconcileMargin) + " = " + readable(need) +
                         ": the reconciler would find runs whose dedup keys were pruned and deliver them again"});
}

}  // namespace sinkhub::config
