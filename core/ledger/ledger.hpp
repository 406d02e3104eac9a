// The ledger: the durable record of every accepted webhook and the deliveries it planned.
// Narrow on purpose (record, readiness, the reads the CLI needs) so that a PostgreSQL
// implementation can sit behind the same interface later.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "webhook/event.hpp"

namespace sinkhub::ledger {

struct PlannedDelivery {
  std::string sink;         // sink instance name
  bool with_items = false;  // fetch the run's dataset, or notify with the event only
};

struct IncomingEvent {
  webhook::Event event;
  std::string dedup_key;
  std::string dispatch_id;   // X-Apify-Webhook-Dispatch-Id, may be empty
  std::string headers_json;  // headers of interest, never the secret
  std::string body;          // the raw request body, byte for byte
  std::vector<PlannedDelivery> deliveries;
};

struct RecordOutcome {
  enum class Kind { Accepted, Duplicate, Failed };
  Kind kind = Kind::Failed;
  std::int64_t event_id = 0;  // Accepted only
  std::string error;          // Failed only; for logs, not for the HTTP client
};

class Ledger {
 public:
  virtual ~Ledger() = default;

  // Inserts the event and its planned deliveries in one transaction, deduplicating on
  // dedup_key with the table's unique constraint. Blocks until the transaction is durable
  // (or failed). Safe from any thread; concurrent callers share one commit.
  virtual RecordOutcome record(const IncomingEvent& ev) = 0;

  // True if a write transaction can be started and committed right now.
  virtual bool writable() = 0;

  // Finishes queued work and closes. Further record() calls fail.
  virtual void close() = 0;
};

// Opens (creating and migrating as needed) the SQLite ledger at cfg.path. Throws
// std::runtime_error with a clear message on failure.
std::unique_ptr<Ledger> open_sqlite(const config::LedgerConfig& cfg);

}  // namespace sinkhub::ledger
