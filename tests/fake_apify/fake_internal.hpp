// Internals of the fake Apify API shared by its source files: the state behind FakeApify, one
// parsed request, one answer, and the JSON/time helpers every endpoint uses.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fake_apify.hpp"

namespace sinkhub::fake {

// ---- one request, one answer -----------------------------------------------------------

struct ApiRequest {
  std::string method;
  std::string uri;
  std::vector<std::string> seg;  // decoded path segments: "/v2/webhooks/x" -> {v2, webhooks, x}
  Poco::URI::QueryParameters params;
  std::string body;
  std::string content_type;
  std::string authorization;  // the Authorization header
  bool body_too_large = false;
  bool read_only = false;  // authenticated with the read-only token

  bool param(const std::string& name, std::string& value) const;
  bool is(const char* m) const { return method == m; }
};

struct Answer {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// ---- JSON and time helpers (fake_json.cpp) ----------------------------------------------

std::string to_json(const Poco::Dynamic::Var& v);
Poco::JSON::Object::Ptr ordered_object();
std::string envelope(const std::string& type, const std::string& message);
Answer error(int status, const std::string& type, const std::string& message);
Answer data_answer(const Poco::JSON::Object::Ptr& data, int status = 200);  // {"data": d}
Answer method_not_allowed(const std::string& allowed);                    // 405 envelope
Poco::Dynamic::Var or_null(const std::string& s);                          // "" -> null
bool flag_value(const std::string& v);                                     // "1" / "true"
std::vector<std::string> split_list(const std::string& s);                 // "a, b,,c" -> {a, b, c}
// Parses a JSON object; false (and why) for anything else.
bool parse_object(const std::string& text, Poco::JSON::Object::Ptr& out, std::string& why);

// Apify's list paging: offset (default 0), limit (default and maximum 1000), desc.
struct Paging {
  std::size_t offset = 0;
  std::size_t limit = 1000;
  bool desc = false;
};
// False and a 400 answer for a malformed offset or limit.
bool read_paging(const ApiRequest& req, Paging& out, Answer& err);
// {"data": {total, offset, limit, desc, count, items}} of the page `p` cut from `all`
// (already in ascending order; `desc` reverses it first).
Answer list_answer(std::vector<Poco::Dynamic::Var> all, const Paging& p);

std::string now_iso();
std::string iso_of(const Poco::Timestamp& t);
bool parse_iso(const std::string& text, Poco::Timestamp& out);
std::string new_id();  // 17 characters [A-Za-z0-9], as Apify ids

// ---- state ------------------------------------------------------------------------------

struct Dataset {
  std::vector<std::string> items;  // explicit
  bool generated = false;
  GeneratedSpec spec;
  std::int64_t size() const { return generated ? spec.count : static_cast<std::int64_t>(items.size()); }
};

struct Fault {
  enum Type { Status, Drop } type = Status;
  FaultSpec spec;
  int remaining = 0;
  int skip_left = 0;
};

struct WebhookRec {
  FakeWebhook w;
  std::uint64_t seq = 0;  // creation order
  int total_dispatches = 0;
  std::string last_dispatch_status, last_dispatch_finished;
  bool fired = false;  // an ad-hoc webhook fires at most once
};

struct DispatchRec {
  FakeDispatch d;
  Poco::Dynamic::Var event_data;  // d.event_data, unparsed
  std::string user_id;
  std::string condition_key, condition_id;
  bool is_ad_hoc = false;
  bool do_not_retry = false;
};

// A dispatch waiting for its next call.
struct PendingCall {
  std::chrono::steady_clock::time_point due;
  std::string dispatch_id;
};

struct FakeApify::State {
  mutable std::mutex mu;
  std::string token, read_only_token;
  std::map<std::string, Dataset> datasets;
  std::map<std::string, FakeRun> runs;
  std::map<std::string, FakeActor> actors;  // by id and by username~name
  std::map<std::string, FakeTask> tasks;    // by id and by username~name
  std::vector<Fault> faults;
  std::chrono::milliseconds delay{0};
  std::function<void(const std::string&, const std::string&)> on_request;  // set_request_hook
  bool chunked = false;
  bool trailing_newline = true;
  // dataset id -> what X-Apify-Pagination-Total says (a lagging total); -1 = no header.
  std::map<std::string, std::int64_t> reported_totals;
  std::deque<LoggedRequest> log;
  std::size_t max_log = 20000;
  std::atomic<bool> stopping{false};

  // webhooks
  std::map<std::string, WebhookRec> webhooks;
  std::map<std::string, std::string> idempotency_keys;  // key -> webhook id
  std::map<std::string, FakeWebhook> deleted;           // reserved keys point here
  std::uint64_t next_seq = 0;
  int webhook_limit = 100;
  bool reserve_deleted_keys = false;

  // dispatches (fake_dispatch.cpp)
  std::vector<DispatchRec> dispatches;
  std::map<std::string, std::size_t> dispatch_index;
  std::vector<PendingCall> pending;
  int in_flight = 0;
  DispatchPolicy policy;
  std::string test_resource = "{\"placeholder\":\"This is a test webhook dispatch\"}";
  mutable std::condition_variable cv;  // pending work, settled dispatches, stop
  std::thread dispatcher;

  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  std::uint16_t port = 0;

  void record(LoggedRequest entry);
  // Takes one matching fault of the given type, if any.
  bool take_fault(Fault::Type type, const std::string& method, const std::string& path, Fault& out);
  void add_fault(Fault f);
};

using State = FakeApify::State;

// ---- endpoint groups: each answers the requests it owns, nullopt for the others ---------

std::optional<Answer> route_datasets(State& st, const ApiRequest& req);  // fake_datasets.cpp
std::optional<Answer> route_runs(State& st, const ApiRequest& req);      // fake_runs.cpp
std::optional<Answer> route_webhooks(State& st, const ApiRequest& req);  // fake_webhooks.cpp
std::optional<Answer> route_dispatches(State& st, const ApiRequest& req);  // fake_dispatch.cpp

// ---- shared between endpoint groups (callers hold st.mu) --------------------------------

// The run as GET /v2/actor-runs/{id} returns it (`data`).
Poco::JSON::Object::Ptr run_detail_json(const FakeRun& r);
// Resolves an Actor / task id or "username~name"; false when the API does not know it.
bool find_actor_locked(const State& st, const std::string& id_or_name, std::string& actor_id);
bool find_task_locked(const State& st, const std::string& id_or_name, std::string& task_id);
// Condition and event check of a webhook against a run event.
bool webhook_matches(const WebhookRec& rec, const FakeRun& run, const std::string& event_type);
// Creates (and queues) a dispatch of `rec` for an event; returns its id.
std::string create_dispatch_locked(State& st, WebhookRec& rec, const std::string& event_type,
                                   const Poco::Dynamic::Var& event_data, const Poco::Dynamic::Var& resource,
                                   const std::string& created_at);
void start_dispatcher(State& st);
void stop_dispatcher(State& st);

}  // namespace sinkhub::fake
