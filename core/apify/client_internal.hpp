// What the Apify client's files share (private to core/apify).
#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <string>

#include "apify/client.hpp"

namespace sinkhub::apify {

// One answer, as Client::get() hands it to its callers.
struct Client::Response {
  int status = 0;
  std::string reason;
  std::string body;
  std::int64_t retry_after_ms = -1;
  std::int64_t count = -1;  // X-Apify-Pagination-Count
  std::int64_t total = -1;  // X-Apify-Pagination-Total
};

}  // namespace sinkhub::apify

namespace sinkhub::apify::detail {

Error make_error(int status, std::string type, std::string message, bool retryable);

// A field of a parsed JSON object as text ("" when absent or null), or as an integer.
std::string json_string(const Poco::JSON::Object::Ptr& obj, const std::string& key);
std::int64_t json_int(const Poco::JSON::Object::Ptr& obj, const std::string& key, std::int64_t fallback);

}  // namespace sinkhub::apify::detail
