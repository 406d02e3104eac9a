// A fake Apify API for tests and benchmarks: Poco HTTPServer on 127.0.0.1 that serves
// GET /v2/datasets/{id}/items (json/jsonl, offset, limit, clean/skipHidden/skipEmpty, fields,
// omit, desc, all X-Apify-Pagination-* headers), GET /v2/datasets/{id},
// GET /v2/actor-runs/{id}, GET /v2/actor-runs/{id}/dataset/items and GET /v2/acts/{id},
// with Apify's error envelope, an optional token check and run-time fault injection.
//
// Like the real API, offset/limit address RAW items and filters apply afterwards, so with
// clean=1 a page can return fewer items than X-Apify-Pagination-Count says it scanned.
//
// Every method is thread-safe; tests change data and faults while a client is talking to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sinkhub::fake {

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
  std::string user_id = "fakeUserId00001";
};

struct FakeActor {
  std::string id;
  std::string name;
  std::string username;
};

struct LoggedRequest {
  std::string method;
  std::string uri;  // path + query exactly as received
  std::string peer; // client address:port (one per connection: shows keep-alive reuse)
  std::vector<std::pair<std::string, std::string>> headers;
  int status = 0;        // what the fake answered
  bool dropped = false;  // the body was cut by a drop fault

  std::string path() const { return uri.substr(0, uri.find('?')); }
  std::string header(const std::string& name) const;  // case-insensitive; "" if absent
  bool has_header(const std::string& name) const;
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

  // ---- data -------------------------------------------------------------------------
  void add_dataset(const std::string& id, std::vector<std::string> items);
  void add_generated_dataset(const std::string& id, GeneratedSpec spec);
  void append_items(const std::string& id, const std::vector<std::string>& items);  // explicit ones
  void add_run(FakeRun run);
  void add_actor(FakeActor actor);  // found by id and by "username~name"

  // What the API holds / would return, for assertions: the raw items, or with clean=1 the
  // items that survive skipHidden+skipEmpty (as the fake serialises them).
  std::vector<std::string> items(const std::string& dataset_id, bool clean = false) const;
  static std::string generated_item(std::int64_t index, const GeneratedSpec& spec);

  // ---- faults (each one consumed by a matching request; path_prefix "" = any) -------
  // The next n requests answer `status`: 429 -> rate-limit-exceeded envelope, 500 ->
  // internal-server-error envelope, 502/503/504 -> an HTML page (as a load balancer would),
  // other -> an envelope with type "fake-error". retry_after_s >= 0 adds Retry-After.
  void fail_next(int n, int status, int retry_after_s = -1, const std::string& path_prefix = {});
  // As fail_next, but Retry-After is an HTTP date retry_after_s seconds from now.
  void fail_next_with_date(int n, int status, int retry_after_s, const std::string& path_prefix = {});
  // The next n successful answers send their headers and about half the body, then close.
  void drop_next(int n, const std::string& path_prefix = {});
  void set_delay(std::chrono::milliseconds delay);  // before every answer (capped at 60 s)
  void set_chunked(bool chunked);                   // Transfer-Encoding: chunked, no Content-Length
  void set_trailing_newline(bool on);               // jsonl body ends with '\n' (default true)
  // X-Apify-Pagination-Total of the dataset's item pages says `total` instead of the real
  // count (Apify's total lags pushes by 5-10 s); -1 omits the header.
  void set_reported_total(const std::string& dataset_id, std::int64_t total);
  void clear_faults();

  // ---- request log ------------------------------------------------------------------
  std::vector<LoggedRequest> requests() const;
  std::size_t request_count(const std::string& path_prefix = {}) const;
  void clear_requests();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sinkhub::fake
