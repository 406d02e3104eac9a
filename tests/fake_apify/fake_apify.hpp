// A fake Apify API for tests and benchmarks: Poco HTTPServer on 127.0.0.1 that behaves like
// the real API where sinkhub relies on it (docs/apify-api.md says what is documented and what
// the fake assumes):
//
// - datasets: GET /v2/datasets/{id}/items (json/jsonl, offset, limit, clean/skipHidden/
//   skipEmpty, fields, omit, desc, all X-Apify-Pagination-* headers), GET /v2/datasets/{id},
//   GET /v2/actor-runs/{id}/dataset/items. Like the real API, offset/limit address RAW items and
//   filters apply afterwards, so with clean=1 a page can return fewer items than
//   X-Apify-Pagination-Count says it scanned.
// - runs: GET /v2/actor-runs/{id}; run lists GET /v2/actor-runs, /v2/acts/{id}/runs,
//   /v2/actor-tasks/{id}/runs (offset, limit <= 1000, desc, status, startedAfter/Before),
//   sorted by startedAt; lookups GET /v2/acts/{id} and /v2/actor-tasks/{id} by id or
//   "username~name".
// - webhooks: CRUD with idempotencyKey and the per-user limit, lists that omit what the real
//   list omits, POST /v2/webhooks/{id}/test, dispatches (GET /v2/webhook-dispatches[/{id}],
//   GET /v2/webhooks/{id}/dispatches). Dispatches are really POSTed, asynchronously, to the
//   webhook's requestUrl when it is http:// on loopback, with the rendered templates.
// - Apify's error envelope, a token check (plus an optional read-only token that gets 403 on
//   writes) and run-time fault injection by path prefix, method, count and position.
//
// Every method is thread-safe; tests change data and faults while a client is talking to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sinkhub::fake {

// The one user every object of the fake belongs to.
inline constexpr const char* kFakeUserId = "fakeUserId00001";

// A dataset whose items are computed from their index, so a million items cost no memory.
struct GeneratedSpec {
  std::int64_t count = 0;
  std::size_t item_bytes = 120;  // approximate size of a visible item
  int hidden_every = 0;          // >0: items with i % k == k-1 hold only "#"-prefixed keys
  int empty_every = 0;           // >0: items with i % m == m-1 are {} (hidden wins if both)
};

struct FakeRun {
  std::string id;
  std::string act_id = "fakeActorId0001";
  std::string actor_task_id;  // empty -> null
  std::string status = "SUCCEEDED";
  std::string default_dataset_id;
  std::string started_at = "2026-01-01T00:00:00.000Z";
  std::string finished_at = "2026-01-01T00:01:00.000Z";  // empty -> null
  std::int64_t resurrect_count = 0;
  std::string user_id = kFakeUserId;
  std::string origin = "API";  // meta.origin
};

struct FakeActor {
  std::string id;
  std::string name;
  std::string username;
};

struct FakeTask {
  std::string id;
  std::string name;
  std::string username;  // the task owner's
  std::string act_id;
};

// A webhook as the fake stores it: everything the API knows, including what it never returns
// (idempotency_key) and what only its list returns (is_enabled).
struct FakeWebhook {
  std::string id;  // empty in add_webhook(): the fake assigns one
  std::vector<std::string> event_types;
  std::string condition_key = "actorId";  // actorId | actorTaskId | actorRunId
  std::string condition_id;
  std::string request_url;
  std::optional<std::string> payload_template;  // nullopt -> null (Apify's default payload)
  std::optional<std::string> headers_template;
  std::optional<std::string> description;
  std::optional<std::string> idempotency_key;
  bool is_enabled = true;
  bool is_ad_hoc = false;
  bool ignore_ssl_errors = false;
  bool do_not_retry = false;
  bool should_interpolate_strings = false;
  std::string created_at, modified_at;  // set by the fake
};

struct FakeDispatchCall {
  std::string started_at, finished_at;
  int response_status = 0;  // 0: no HTTP answer (refused, timed out, not loopback)
  std::string error_message;
  std::string response_body;  // first 2048 bytes
};

struct FakeDispatch {
  std::string id, webhook_id, event_type, created_at;
  std::string status;      // ACTIVE | SUCCEEDED | FAILED
  std::string event_data;  // JSON ("null" for TEST)
  std::string request_url;
  std::string payload;     // the body POSTed
  std::vector<std::pair<std::string, std::string>> headers;  // the headers POSTed
  std::vector<FakeDispatchCall> calls;
};

// How the fake retries a failed dispatch: `retries` more calls, the first after
// `first_retry_delay`, doubling (Apify: 11 retries from 1 min, ~32 h; far too slow for tests).
struct DispatchPolicy {
  int retries = 2;
  std::chrono::milliseconds first_retry_delay{100};
  std::chrono::milliseconds timeout{10000};  // per call (Apify: 2 min)
};

// A fault: `count` requests matching `method` ("" = any) and `path_prefix` ("" = any) answer
// `status` after `skip` matching requests went through. 429 -> rate-limit-exceeded envelope,
// 500 -> internal-server-error, 502/503/504 -> an HTML page (as a load balancer would),
// 401 -> invalid-token, 403 -> insufficient-permissions, 404 -> record-not-found, other ->
// type "fake-error"; `type`/`message` override the envelope. retry_after_s >= 0 adds
// Retry-After (seconds, or an HTTP date that far ahead with retry_after_date).
struct FaultSpec {
  int status = 500;
  int count = 1;
  int skip = 0;
  std::string path_prefix;
  std::string method;
  int retry_after_s = -1;
  bool retry_after_date = false;
  std::string type;
  std::string message;
};

struct LoggedRequest {
  std::string method;
  std::string uri;  // path + query exactly as received
  std::string peer; // client address:port (one per connection: shows keep-alive reuse)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;      // the request body (writes), cut at 64 KiB in the log
  int status = 0;        // what the fake answered
  bool dropped = false;  // the body was cut by a drop fault

  std::string path() const { return uri.substr(0, uri.find('?')); }
  std::string header(const std::string& name) const;  // case-insensitive; "" if absent
  bool has_header(const std::string& name) const;
  bool is_write() const { return method != "GET" && method != "HEAD"; }
};

class FakeApify {
 public:
  struct Options {
    std::string token;           // non-empty: every request must carry it (Bearer or ?token=)
    std::uint16_t port = 0;      // 0: any free port
    int max_threads = 16;
    std::size_t max_log = 20000; // request log entries kept (oldest dropped)
  };

  FakeApify();
  explicit FakeApify(Options options);  // listening when constructed
  ~FakeApify();
  FakeApify(const FakeApify&) = delete;
  FakeApify& operator=(const FakeApify&) = delete;

  std::uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  void stop();                   // also done by the destructor; aborts open connections

  void set_token(std::string token);
  // A second valid token that may read but gets 403 insufficient-permissions on every write
  // (a scoped token without webhook write access). "" = none.
  void set_read_only_token(std::string token);

  // ---- datasets ------------------------------------------------------------------------
  void add_dataset(const std::string& id, std::vector<std::string> items);
  void add_generated_dataset(const std::string& id, GeneratedSpec spec);
  void append_items(const std::string& id, const std::vector<std::string>& items);  // explicit ones
  // What the API holds / would return, for assertions: the raw items, or with clean=1 the
  // items that survive skipHidden+skipEmpty (as the fake serialises them).
  std::vector<std::string> items(const std::string& dataset_id, bool clean = false) const;
  static std::string generated_item(std::int64_t index, const GeneratedSpec& spec);

  // ---- Actors, tasks, runs -------------------------------------------------------------
  // An Actor (task) exists for the API when it was added here or when a run names it.
  void add_actor(FakeActor actor);  // found by id and by "username~name"
  void add_task(FakeTask task);     // found by id and by "username~name"
  void add_run(FakeRun run);        // adds, or replaces the run with the same id (no event)
  std::optional<FakeRun> run(const std::string& id) const;
  // Sets the run's status and finishedAt ("" = now; a non-terminal status clears it) and emits
  // the matching ACTOR.RUN.* event to every enabled webhook whose condition and event types
  // match. Returns the ids of the dispatches created. Throws std::invalid_argument for an
  // unknown run.
  std::vector<std::string> finish_run(const std::string& run_id, const std::string& status,
                                      const std::string& finished_at = {});
  // Emits `event_type` (e.g. ACTOR.RUN.CREATED, ACTOR.RUN.RESURRECTED) for the run as it is now.
  std::vector<std::string> emit_run_event(const std::string& run_id, const std::string& event_type);

  // ---- webhooks and dispatches ---------------------------------------------------------
  // Seeds a webhook as if created through the API (e.g. one a person made in Console); with
  // an id of an existing webhook, replaces it. Returns its id. No validation: tests may seed
  // what the API would refuse.
  std::string add_webhook(FakeWebhook webhook);
  // Creates a webhook from a POST /v2/webhooks body, with the API's validation (also the
  // idempotencyKey and limit rules). Returns its id; throws std::invalid_argument with the
  // API's error message.
  std::string add_webhook_json(const std::string& body);
  bool remove_webhook(const std::string& id);
  std::vector<FakeWebhook> webhooks() const;  // in creation order
  std::optional<FakeWebhook> webhook(const std::string& id) const;
  void set_webhook_limit(int limit);  // per user; default 100 (Apify's default plan limit)
  // true: a deleted webhook keeps its idempotencyKey, and a create with that key answers with
  // the deleted webhook (UNDOCUMENTED on Apify; default false: the key is freed).
  void set_deleted_keys_reserved(bool reserved);

  std::vector<FakeDispatch> dispatches() const;  // in creation order
  std::optional<FakeDispatch> dispatch(const std::string& id) const;
  // Waits until no dispatch is ACTIVE; false on timeout.
  bool wait_dispatches_settled(std::chrono::milliseconds timeout) const;
  void set_dispatch_policy(DispatchPolicy policy);
  // The `resource` of TEST payloads (JSON); default {"placeholder":"This is a test webhook dispatch"}.
  void set_test_resource(const std::string& json);

  // ---- faults (each one consumed by matching requests) ---------------------------------
  void inject(FaultSpec fault);
  // The next n requests (path_prefix "" = any) answer `status` (see FaultSpec).
  void fail_next(int n, int status, int retry_after_s = -1, const std::string& path_prefix = {});
  // As fail_next, but Retry-After is an HTTP date retry_after_s seconds from now.
  void fail_next_with_date(int n, int status, int retry_after_s, const std::string& path_prefix = {});
  // The next n successful answers send their headers and about half the body, then close.
  void drop_next(int n, const std::string& path_prefix = {});
  void set_delay(std::chrono::milliseconds delay);  // before every answer (capped at 60 s)
  // Called on the server's thread as each request arrives, before it is answered (e.g. to let
  // a webhook land while a client waits for its answer). Empty = none.
  void set_request_hook(std::function<void(const std::string& method, const std::string& uri)> hook);
  void set_chunked(bool chunked);                   // Transfer-Encoding: chunked, no Content-Length
  void set_trailing_newline(bool on);               // jsonl body ends with '\n' (default true)
  // X-Apify-Pagination-Total of the dataset's item pages says `total` instead of the real
  // count (Apify's total lags pushes by 5-10 s); -1 omits the header.
  void set_reported_total(const std::string& dataset_id, std::int64_t total);
  void clear_faults();

  // ---- request log ---------------------------------------------------------------------
  std::vector<LoggedRequest> requests() const;
  std::size_t request_count(const std::string& path_prefix = {}) const;
  // Requests other than GET/HEAD (whatever the answer), e.g. to assert a sync wrote nothing.
  std::size_t write_count(const std::string& path_prefix = {}) const;
  void clear_requests();

  // "2026-01-01T00:00:00.000Z", the format of every Apify timestamp.
  static std::string iso_time(std::chrono::system_clock::time_point when);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sinkhub::fake
