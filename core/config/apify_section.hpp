// Reading the apify section (private to core/config): the API client's settings, the public
// URL and description of the webhooks `sinkhub apify sync` manages, and apify.reconcile.
#pragma once

#include <vector>

#include "config/config.hpp"

namespace sinkhub::config {

void read_apify(const Node& root, ApifyConfig& a, std::vector<Diagnostic>& d);

}  // namespace sinkhub::config
