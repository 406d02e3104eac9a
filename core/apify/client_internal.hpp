// What the Apify client's files share (private to core/apify).
#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

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
// The "data" object of an answer (nullptr when there is none); keep_order keeps the key order
// of the original, for objects sinkhub re-serialises.
Poco::JSON::Object::Ptr data_of(const std::string& body, bool keep_order = false);

}  // namespace sinkhub::apify::detail

namespace sinkhub::apify {

// Shared by resources.cpp and webhooks.cpp.
template <class T>
Fetched<T> Client::invalid(const char* what) {
  Fetched<T> f;
  f.error = detail::make_error(0, "invalid-argument", what, false);
  return f;
}

template <class T>
Fetched<T> Client::call_json(const Call& call, const CancelFn& cancelled,
                             const std::function<bool(const std::string&, T&)>& parse) {
  Fetched<T> f;
  Response resp;
  const auto validate = [&](Response& r, Error& e) {
    try {
      if (parse(r.body, f.value)) return true;
    } catch (const std::exception&) {
    }
    e = detail::make_error(r.status, "invalid-response", "response is not the expected {\"data\": {...}} JSON", true);
    return false;
  };
  Error e = request(call, resp, cancelled, options_.max_json_bytes, validate);
  if (!e.type.empty()) {
    f.error = std::move(e);
    f.value = T{};
    return f;
  }
  f.ok = true;
  return f;
}

}  // namespace sinkhub::apify
