// A delivery the routing table plans for an event: which sink instance, and whether it gets
// the run's dataset. Made by the webhook intake, stored by the ledger.
#pragma once

#include <string>

namespace sinkhub::model {

struct PlannedDelivery {
  std::string sink;         // sink instance name
  bool with_items = false;  // fetch the run's dataset, or notify with the event only
};

}  // namespace sinkhub::model
