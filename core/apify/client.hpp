// The Apify API client: streams a dataset page by page (bounded memory), reads runs, run lists,
// Actors and tasks, and manages webhooks, with the official clients' retry policy
// (apify-client-js: 429, every 5xx and network errors retried, the i-th retry after
// U[1,2) * 500 ms * 2^i). Writes are retried too: each one is idempotent (a create carries an
// idempotencyKey, PUT and DELETE are idempotent, a repeated TEST is harmless).
//
// Threading: a Client owns one keep-alive HTTP(S) session and is used by ONE thread at a
// time (no internal locking). Give each worker its own Client; they are cheap.
//
// The token is sent only as "Authorization: Bearer <token>". It never appears in a URL, in a
// log line or in an Error (server-provided messages are scrubbed of it, and of every value
// given to redact()). Request bodies are never logged.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "apify/resources.hpp"
#include "config/config.hpp"

namespace Poco::Net {
class HTTPResponse;
}
namespace sinkhub::net {
class Connection;
}

namespace sinkhub::apify {

// Returns true when the caller wants the operation abandoned (shutdown). Checked before every
// attempt, between body reads and every slice of a retry sleep. May be empty (= never).
using CancelFn = std::function<bool()>;

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds receive_timeout{60000};  // per request: idle time between reads
  int max_attempts = 8;                               // attempts per request, first one included
  std::chrono::milliseconds min_retry_delay{500};     // delay_i = U[1,2) * min * 2^i ...
  std::chrono::milliseconds max_retry_delay{60000};   // ... capped here
  // A Retry-After asking for more than this is not waited for: the request fails at once with
  // a retryable error (the delivery queue retries much later). Retry-After is never shortened.
  std::chrono::milliseconds max_retry_after{600000};
  std::chrono::milliseconds cancel_poll{50};          // sleep slice for the cancelled() check
  std::size_t max_page_bytes = 512u * 1024 * 1024;    // one page body above this: final error
  std::size_t max_json_bytes = 16u * 1024 * 1024;     // run / actor / error bodies
};

// Why a call failed. status 0 = no HTTP response (network, local, cancelled).
struct Error {
  int status = 0;
  // Apify's error.type ("record-not-found", "invalid-token", "rate-limit-exceeded", ...) or one
  // of ours: "network-error", "invalid-response", "http-error" (non-JSON error body),
  // "cancelled", "invalid-argument", "page-too-large".
  std::string type;
  std::string message;
  bool retryable = false;  // true: worth trying again later (429, 5xx, network, cancelled)
  int attempts = 0;        // attempts made for the failing request
  std::int64_t retry_after_ms = -1;  // the server's last Retry-After (ms), -1 if none: callers
                                     // retrying later must not come back sooner

  // As the JS client decides "not found" (404 with a not-found type), plus the
  // `actor-not-found` of GET /v2/acts/{id}/runs (docs/apify-api.md §1).
  bool not_found() const {
    return status == 404 &&
           (type == "record-not-found" || type == "record-or-token-not-found" || type == "actor-not-found");
  }
  std::string describe() const;  // "404 record-not-found: Dataset was not found (1 attempt)"
};

// Which items, and how much of the dataset. fields/omit/clean map to the API parameters;
// desc is never sent (ascending order keeps offsets stable while items are appended).
struct ItemsQuery {
  std::vector<std::string> fields;
  std::vector<std::string> omit;
  bool clean = false;  // skipHidden + skipEmpty: pages may return fewer items than they scan
  // Bound on the raw offset range read: [start_offset, start_offset + max_items). Raw items,
  // like the API's offset/limit; with clean fewer may be delivered. -1 = the whole dataset.
  std::int64_t max_items = -1;
};

// One page, valid only during the on_page call.
struct Page {
  std::string_view body;       // the jsonl bytes as received ('\n' appended if it was missing)
  std::int64_t offset = 0;     // raw offset this page starts at
  std::int64_t returned = 0;   // items (non-empty lines) in body
  std::int64_t scanned = 0;    // X-Apify-Pagination-Count, or returned when missing/smaller
  std::int64_t total = -1;     // X-Apify-Pagination-Total; informational (it lags), -1 if absent
  std::int64_t next_offset() const { return offset + scanned; }
};

// Return false to stop streaming (StreamResult.stopped = true, ok = true).
using PageFn = std::function<bool(const Page&)>;

struct StreamResult {
  bool ok = false;
  Error error;                  // when !ok
  std::int64_t next_offset = 0; // where to resume: start_offset + everything scanned so far
  std::int64_t pages = 0;       // on_page calls
  std::int64_t items = 0;       // items delivered
  std::int64_t scanned = 0;     // raw items covered
  bool stopped = false;         // on_page returned false
};

template <class T>
struct Fetched {
  bool ok = false;
  T value;
  Error error;
};

class Client {
 public:
  explicit Client(config::ApifyConfig cfg, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Streams GET {base}/v2/datasets/{id}/items?format=jsonl&offset=O&limit=L page by page
  // from start_offset. The offset advances by each page's scanned count; the stream ends at
  // the first page that scanned nothing (that empty page is not passed to on_page), when
  // max_items is reached, or when on_page returns false. A page whose items were all
  // filtered out (clean) is still passed (returned = 0) so the caller can record progress.
  // Each page request is retried on its own (429/5xx/network); only one page is in memory.
  StreamResult stream_items(const std::string& dataset_id, std::int64_t start_offset, const ItemsQuery& query,
                            const PageFn& on_page, const CancelFn& cancelled = {});

  // GET /v2/actor-runs/{id} -> data (with Run::json).
  Fetched<Run> get_run(const std::string& run_id, const CancelFn& cancelled = {});
  // GET /v2/acts/{id}. Accepts an id, "username~name" or "username/name" (sent as username~name).
  Fetched<Actor> get_actor(const std::string& id_or_name, const CancelFn& cancelled = {});
  // GET /v2/actor-tasks/{id}; the same forms as get_actor.
  Fetched<Task> get_task(const std::string& id_or_name, const CancelFn& cancelled = {});
  // One page of a run list, newest first (desc=1), limit 1..1000, only the given statuses
  // (API spelling; empty = all).
  Fetched<RunPage> list_runs(const RunScope& scope, std::int64_t offset, int limit,
                             const std::vector<std::string>& statuses, const CancelFn& cancelled = {});

  // Webhooks (apify/webhooks.cpp). list_webhooks reads every page of GET /v2/webhooks.
  Fetched<std::vector<Webhook>> list_webhooks(const CancelFn& cancelled = {});
  Fetched<Webhook> get_webhook(const std::string& id, const CancelFn& cancelled = {});
  Fetched<Webhook> create_webhook(const WebhookSpec& spec, const CancelFn& cancelled = {});
  Fetched<Webhook> update_webhook(const std::string& id, const WebhookSpec& spec, const CancelFn& cancelled = {});
  // DELETE; value = false when the webhook was already gone (404).
  Fetched<bool> delete_webhook(const std::string& id, const CancelFn& cancelled = {});
  // POST /v2/webhooks/{id}/test: Apify sends a TEST dispatch, asynchronously.
  Fetched<Dispatch> test_webhook(const std::string& id, const CancelFn& cancelled = {});
  Fetched<Dispatch> get_dispatch(const std::string& id, const CancelFn& cancelled = {});

  // A secret (a webhook secret the caller sends in a headers template) to scrub from every
  // message, as the token is.
  void redact(const std::string& secret);

  const ClientOptions& options() const { return options_; }

  // "a/b?c" -> "a%2Fb%3Fc": everything but RFC 3986 unreserved characters; "." and ".."
  // are encoded too so they cannot act as path segments.
  static std::string encode_component(std::string_view value, bool path_segment);

 private:
  struct Response;
  enum class Outcome { Ok, Retry, Final };
  struct Attempt;
  // One request: method, path and query below the base URL, and a JSON body for writes.
  struct Call {
    const char* method = "GET";
    std::string target;
    std::string body;  // sent as application/json when not empty
  };

  // The retry loop around one request. validate() may turn a 2xx into a retryable failure.
  Error request(const Call& call, Response& out, const CancelFn& cancelled, std::size_t max_body,
                const std::function<bool(Response&, Error&)>& validate);
  Attempt attempt(const Call& call, Response& out, const CancelFn& cancelled, std::size_t max_body);
  bool read_body(std::istream& in, const Poco::Net::HTTPResponse& head, Response& out, const CancelFn& cancelled,
                 std::size_t max_body, Attempt& failed);
  Attempt network_error(const std::string& what);
  Attempt answer_error(const Response& out) const;
  std::chrono::milliseconds backoff(int retry_index);
  bool sleep(std::chrono::milliseconds delay, const CancelFn& cancelled);
  std::string scrub(std::string text) const;
  // A request whose 2xx answer `parse` turns into a T (false: not the expected JSON).
  template <class T>
  static Fetched<T> invalid(const char* what);  // refused before any request
  template <class T>
  Fetched<T> call_json(const Call& call, const CancelFn& cancelled,
                       const std::function<bool(const std::string&, T&)>& parse);

  config::ApifyConfig cfg_;
  std::vector<std::string> redacted_;
  ClientOptions options_;
  std::string path_prefix_;
  std::unique_ptr<net::Connection> conn_;
};

}  // namespace sinkhub::apify
