// What every Ledger offers on top of its virtual interface.
#include "ledger/ledger.hpp"

#include <future>

namespace sinkhub::ledger {

void Ledger::record_async(std::unique_ptr<IncomingEvent> ev, std::shared_ptr<RecordReceiver> to, std::uint64_t token) {
  std::vector<AsyncRecord> one;
  one.push_back({std::move(ev), token});
  record_async(std::move(one), std::move(to));
}

std::string delivery_name(const std::string& identity, std::int64_t id) {
  std::string name = "d" + std::to_string(id);
  if (!identity.empty()) name += "-" + identity;
  return name;
}

Readiness Ledger::readiness(std::uint64_t) {
  if (writable()) return {};
  return {false, "ledger not writable: a write transaction does not commit"};
}

RecordOutcome Ledger::record(const IncomingEvent& ev) {
  struct Waiter final : RecordReceiver {
    std::promise<RecordOutcome> result;
    void complete(std::uint64_t, RecordOutcome o, std::unique_ptr<IncomingEvent>) override {
      result.set_value(std::move(o));
    }
  };
  auto waiter = std::make_shared<Waiter>();
  auto fut = waiter->result.get_future();
  record_async(std::make_unique<IncomingEvent>(ev), waiter, 0);
  return fut.get();
}

std::unique_ptr<Ledger> open(const config::LedgerConfig& cfg) {
  return cfg.postgres() ? open_postgres(cfg) : open_sqlite(cfg);
}

}  // namespace sinkhub::ledger
