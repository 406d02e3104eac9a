// The fake Apify API; see fake_apify.hpp.
#include "fake_apify.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "loopback_server.hpp"

namespace sinkhub::fake {

namespace {

struct Dataset {
  std::vector<std::string> items;  // explicit
  bool generated = false;
  GeneratedSpec spec;
  std::int64_t size() const { return generated ? spec.count : static_cast<std::int64_t>(items.size()); }
};

enum class Kind { Visible, Hidden, Empty };

Kind generated_kind(std::int64_t i, const GeneratedSpec& s) {
  if (s.hidden_every > 0 && i % s.hidden_every == s.hidden_every - 1) return Kind::Hidden;
  if (s.empty_every > 0 && i % s.empty_every == s.empty_every - 1) return Kind::Empty;
  return Kind::Visible;
}

struct Fault {
  enum Type { Status, Drop } type = Status;
  int remaining = 0;
  int status = 0;
  int retry_after_s = -1;
  bool http_date = false;
  std::string prefix;
};

std::string to_json(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(v, out, 0);
  return out.str();
}

Poco::JSON::Object::Ptr ordered_object() { return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER); }

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    std::string item = Poco::trim(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

struct ItemFilter {
  bool skip_hidden = false;
  bool skip_empty = false;
  std::vector<std::string> fields;
  std::vector<std::string> omit;
  bool active() const { return skip_hidden || skip_empty || !fields.empty() || !omit.empty(); }
};

// Applies the item filters to one raw item; false = the item is skipped.
bool filter_item(const std::string& raw, const ItemFilter& f, std::string& out) {
  if (!f.active()) {
    out = raw;
    return true;
  }
  Poco::JSON::Object::Ptr obj;
  try {
    Poco::JSON::ParseHandler::Ptr handler = new Poco::JSON::ParseHandler(true);
    Poco::JSON::Parser parser(handler);
    obj = parser.parse(raw).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
    out = raw;  // not an object: passes through untouched
    return true;
  }
  if (!obj) {
    out = raw;
    return true;
  }
  bool changed = false;
  if (f.skip_hidden) {
    std::vector<std::string> names;
    obj->getNames(names);
    for (const auto& n : names)
      if (!n.empty() && n[0] == '#') {
        obj->remove(n);
        changed = true;
      }
  }
  if (f.skip_empty && obj->size() == 0) return false;
  if (!f.fields.empty()) {
    auto picked = ordered_object();
    for (const auto& name : f.fields)
      if (obj->has(name)) picked->set(name, obj->get(name));
    obj = picked;
    changed = true;
  }
  for (const auto& name : f.omit)
    if (obj->has(name)) {
      obj->remove(name);
      changed = true;
    }
  out = changed ? to_json(obj) : raw;
  return true;
}

std::string envelope(const std::string& type, const std::string& message) {
  auto err = ordered_object();
  err->set("type", type);
  err->set("message", message);
  auto root = ordered_object();
  root->set("error", err);
  return to_json(root);
}

}  // namespace

struct FakeApify::State {
  mutable std::mutex mu;
  std::string token;
  std::map<std::string, Dataset> datasets;
  std::map<std::string, FakeRun> runs;
  std::map<std::string, FakeActor> actors;  // by id and by username~name
  std::vector<Fault> faults;
  std::chrono::milliseconds delay{0};
  bool chunked = false;
  bool trailing_newline = true;
  // dataset id -> what X-Apify-Pagination-Total says (a lagging total); -1 = no header.
  std::map<std::string, std::int64_t> reported_totals;
  std::deque<LoggedRequest> log;
  std::size_t max_log = 20000;
  std::atomic<bool> stopping{false};

  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  std::uint16_t port = 0;

  void record(LoggedRequest entry) {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(std::move(entry));
    while (log.size() > max_log) log.pop_front();
  }

  // Takes one matching fault of the given type, if any.
  bool take_fault(Fault::Type type, const std::string& path, Fault& out) {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (it->type != type || it->remaining <= 0 || path.compare(0, it->prefix.size(), it->prefix) != 0) continue;
      out = *it;
      if (--it->remaining <= 0) faults.erase(it);
      return true;
    }
    return false;
  }
};

namespace {

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(std::shared_ptr<FakeApify::State> state) : st_(std::move(state)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    LoggedRequest entry;
    entry.method = req.getMethod();
    entry.uri = req.getURI();
    entry.peer = req.clientAddress().toString();
    for (const auto& [name, value] : req) entry.headers.emplace_back(name, value);
    try {
      handle(req, resp, std::move(entry));
    } catch (const std::exception&) {
      // the client went away mid-answer: nothing to do
    }
  }

 private:
  struct Answer {
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  // 200 {"data": d}: Apify's envelope of every single-object answer.
  static Answer data_answer(const Poco::JSON::Object::Ptr& d) {
    auto root = ordered_object();
    root->set("data", d);
    Answer a;
    a.body = to_json(root);
    return a;
  }

  void handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, LoggedRequest entry) {
    // Drain any request body so keep-alive stays in sync.
    if (req.hasContentLength() || req.getChunkedTransferEncoding()) {
      char buf[4096];
      auto& in = req.stream();
      while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      }
    }
    std::chrono::milliseconds delay;
    bool chunked;
    {
      std::lock_guard<std::mutex> lock(st_->mu);
      delay = st_->delay;
      chunked = st_->chunked;
    }
    const auto until = std::chrono::steady_clock::now() + std::min(delay, std::chrono::milliseconds(60000));
    while (std::chrono::steady_clock::now() < until && !st_->stopping.load())
      std::this_thread::sleep_for(std::chrono::milliseconds(5));

    const std::string raw_path = entry.uri.substr(0, entry.uri.find('?'));
    Answer a;
    Fault fault;
    if (st_->take_fault(Fault::Status, raw_path, fault)) {
      a = fault_answer(fault);
    } else {
      a = route(req, raw_path);
    }
    entry.status = a.status;

    bool drop = false;
    if (a.status >= 200 && a.status < 300) drop = st_->take_fault(Fault::Drop, raw_path, fault);
    entry.dropped = drop;
    st_->record(entry);  // before answering: a test that got its answer sees the entry

    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(a.status));
    resp.setContentType(a.content_type);
    for (const auto& [name, value] : a.headers) resp.set(name, value);
    if (chunked)
      resp.setChunkedTransferEncoding(true);
    else
      resp.setContentLength64(static_cast<Poco::Int64>(a.body.size()));
    if (drop) resp.setKeepAlive(false);
    if (req.getMethod() == "HEAD") {
      resp.send();
      return;
    }
    std::ostream& out = resp.send();
    if (!drop) {
      out.write(a.body.data(), static_cast<std::streamsize>(a.body.size()));
      out.flush();
      return;
    }
    // Half the body, cut in the middle of a line, then the connection is closed.
    std::size_t cut = a.body.size() / 2;
    while (cut > 1 && (a.body[cut - 1] == '\n' || a.body[cut] == '\n')) --cut;
    out.write(a.body.data(), static_cast<std::streamsize>(cut));
    out.flush();
    // Closing the socket now (rather than letting the server end a chunked body cleanly).
    try {
      static_cast<Poco::Net::HTTPServerRequestImpl&>(req).socket().shutdown();
    } catch (const std::exception&) {
    }
  }

  static Answer error(int status, const std::string& type, const std::string& message) {
    Answer a;
    a.status = status;
    a.body = envelope(type, message);
    return a;
  }

  static Answer fault_answer(const Fault& f) {
    Answer a;
    if (f.status == 429) {
      a = error(429, "rate-limit-exceeded", "You have exceeded the rate limit of 60 requests per second");
    } else if (f.status == 500) {
      a = error(500, "internal-server-error", "Internal server error");
    } else if (f.status == 502 || f.status == 503 || f.status == 504) {
      a.status = f.status;
      a.content_type = "text/html";
      a.body = "<html>\r\n<head><title>" + std::to_string(f.status) +
               " Service Temporarily Unavailable</title></head>\r\n<body><center><h1>" + std::to_string(f.status) +
               " Service Temporarily Unavailable</h1></center></body>\r\n</html>\r\n";
    } else {
      a = error(f.status, "fake-error", "Injected failure " + std::to_string(f.status));
    }
    if (f.retry_after_s >= 0) {
      if (f.http_date) {
        const Poco::Timestamp when = Poco::Timestamp() + Poco::Timespan(f.retry_after_s, 0);
        a.headers.emplace_back("Retry-After", Poco::DateTimeFormatter::format(when, Poco::DateTimeFormat::HTTP_FORMAT));
      } else {
        a.headers.emplace_back("Retry-After", std::to_string(f.retry_after_s));
      }
    }
    return a;
  }

  Answer route(Poco::Net::HTTPServerRequest& req, const std::string& raw_path) {
    std::vector<std::string> seg;
    for (std::size_t start = 1; start <= raw_path.size();) {
      const auto slash = raw_path.find('/', start);
      std::string s;
      Poco::URI::decode(raw_path.substr(start, slash == std::string::npos ? std::string::npos : slash - start), s);
      seg.push_back(s);
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    Poco::URI::QueryParameters params;
    try {
      params = Poco::URI(req.getURI()).getQueryParameters();
    } catch (const std::exception&) {
      return error(400, "invalid-request", "Malformed request URI");
    }
    const auto param = [&](const std::string& name, std::string& value) {
      for (const auto& [k, v] : params)
        if (k == name) {
          value = v;
          return true;
        }
      return false;
    };

    if (seg.empty() || seg[0] != "v2") return error(404, "page-not-found", "This page was not found");
    if (req.getMethod() != "GET" && req.getMethod() != "HEAD")
      return error(405, "method-not-allowed", "This API endpoint can only be accessed using the following HTTP methods: GET, HEAD");

    {
      std::lock_guard<std::mutex> lock(st_->mu);
      const std::string& token = st_->token;
      if (!token.empty()) {
        std::string given;
        const std::string auth = req.get("Authorization", "");
        if (Poco::icompare(auth.substr(0, 7), "bearer ") == 0) given = Poco::trim(auth.substr(7));
        if (given.empty()) param("token", given);
        if (given.empty())
          return error(401, "token-not-provided", "Authentication token was not provided");
        if (given != token)
          return error(401, "invalid-token", "User was not found or authentication token is not valid");
      }
    }

    if (seg.size() == 4 && seg[1] == "datasets" && seg[3] == "items") return items(seg[2], param);
    if (seg.size() == 3 && seg[1] == "datasets") return dataset_info(seg[2]);
    if (seg.size() == 3 && seg[1] == "actor-runs") return run(seg[2]);
    if (seg.size() == 5 && seg[1] == "actor-runs" && seg[3] == "dataset" && seg[4] == "items") {
      std::string dataset_id;
      {
        std::lock_guard<std::mutex> lock(st_->mu);
        const auto it = st_->runs.find(seg[2]);
        if (it == st_->runs.end()) return error(404, "record-not-found", "Actor run was not found");
        dataset_id = it->second.default_dataset_id;
      }
      return items(dataset_id, param);
    }
    if (seg.size() == 3 && seg[1] == "acts") return actor(seg[2]);
    return error(404, "page-not-found", "This page was not found");
  }

  static bool flag(const std::string& v) { return v == "1" || Poco::icompare(v, "true") == 0; }

  template <class Param>
  Answer items(const std::string& id, const Param& param) {
    std::string v;
    std::string format = "json";
    if (param("format", v)) format = v;
    if (format != "json" && format != "jsonl")
      return error(400, "invalid-parameter", "The fake Apify API serves only format=json and format=jsonl");
    std::int64_t offset = 0, limit = -1;
    if (param("offset", v) && (!Poco::NumberParser::tryParse64(v, offset) || offset < 0))
      return error(400, "invalid-parameter", "Parameter 'offset' must be a non-negative integer");
    if (param("limit", v) && (!Poco::NumberParser::tryParse64(v, limit) || limit < 0))
      return error(400, "invalid-parameter", "Parameter 'limit' must be a non-negative integer");
    ItemFilter f;
    bool desc = false;
    if (param("clean", v) && flag(v)) f.skip_hidden = f.skip_empty = true;
    if (param("skipHidden", v) && flag(v)) f.skip_hidden = true;
    if (param("skipEmpty", v) && flag(v)) f.skip_empty = true;
    if (param("desc", v) && flag(v)) desc = true;
    if (param("fields", v)) f.fields = split_list(v);
    if (param("omit", v)) f.omit = split_list(v);

    // Copy what this page needs under the lock; generate outside it.
    Dataset window;
    std::int64_t total = 0, start = 0, end = 0, reported_total = 0;
    {
      std::lock_guard<std::mutex> lock(st_->mu);
      const auto it = st_->datasets.find(id);
      if (it == st_->datasets.end()) return error(404, "record-not-found", "Dataset was not found");
      const Dataset& d = it->second;
      total = d.size();
      start = std::min(offset, total);
      end = limit < 0 ? total : std::min(total, start + limit);
      if (const auto r = st_->reported_totals.find(id); r != st_->reported_totals.end()) reported_total = r->second;
      else reported_total = total;
      window.generated = d.generated;
      window.spec = d.spec;
      if (!d.generated)
        for (std::int64_t k = start; k < end; ++k)
          window.items.push_back(d.items[static_cast<std::size_t>(desc ? total - 1 - k : k)]);
    }
    Answer a;
    a.content_type = format == "jsonl" ? "application/jsonl; charset=utf-8" : "application/json; charset=utf-8";
    std::string& body = a.body;
    if (format == "json") body += "[";
    std::string item;
    bool first = true;
    for (std::int64_t k = start; k < end; ++k) {
      bool keep;
      if (window.generated) {
        const std::int64_t i = desc ? total - 1 - k : k;
        const Kind kind = generated_kind(i, window.spec);
        if (!f.fields.empty() || !f.omit.empty())
          keep = filter_item(FakeApify::generated_item(i, window.spec), f, item);
        else if ((kind == Kind::Hidden && f.skip_hidden && f.skip_empty) || (kind == Kind::Empty && f.skip_empty))
          keep = false;
        else {
          keep = true;
          item = (kind == Kind::Hidden && f.skip_hidden) ? std::string("{}") : FakeApify::generated_item(i, window.spec);
        }
      } else {
        keep = filter_item(window.items[static_cast<std::size_t>(k - start)], f, item);
      }
      if (!keep) continue;
      if (format == "json") {
        body += first ? "\n" : ",\n";
        body += item;
      } else {
        body += item;
        body += '\n';
      }
      first = false;
    }
    if (format == "json") body += first ? "]" : "\n]";
    if (format == "jsonl" && !body.empty()) {
      std::lock_guard<std::mutex> lock(st_->mu);
      if (!st_->trailing_newline) body.pop_back();
    }
    a.headers = {{"X-Apify-Pagination-Offset", std::to_string(offset)},
                 {"X-Apify-Pagination-Limit", limit < 0 ? std::string("999999999999") : std::to_string(limit)},
                 {"X-Apify-Pagination-Count", std::to_string(end - start)},
                 {"X-Apify-Pagination-Desc", desc ? "true" : "false"}};
    if (reported_total >= 0) a.headers.push_back({"X-Apify-Pagination-Total", std::to_string(reported_total)});
    return a;
  }

  Answer dataset_info(const std::string& id) {
    std::lock_guard<std::mutex> lock(st_->mu);
    const auto it = st_->datasets.find(id);
    if (it == st_->datasets.end()) return error(404, "record-not-found", "Dataset was not found");
    auto d = ordered_object();
    d->set("id", id);
    d->set("name", Poco::Dynamic::Var());
    d->set("userId", "fakeUserId00001");
    d->set("itemCount", it->second.size());
    return data_answer(d);
  }

  Answer run(const std::string& id) {
    std::lock_guard<std::mutex> lock(st_->mu);
    const auto it = st_->runs.find(id);
    if (it == st_->runs.end()) return error(404, "record-not-found", "Actor run was not found");
    const FakeRun& r = it->second;
    const auto or_null = [](const std::string& s) { return s.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(s); };
    auto d = ordered_object();
    d->set("id", r.id);
    d->set("actId", r.act_id);
    d->set("userId", r.user_id);
    d->set("actorTaskId", or_null(r.actor_task_id));
    d->set("startedAt", or_null(r.started_at));
    d->set("finishedAt", or_null(r.finished_at));
    d->set("status", r.status);
    d->set("statusMessage", Poco::Dynamic::Var());
    d->set("isStatusMessageTerminal", Poco::Dynamic::Var());
    auto meta = ordered_object();
    meta->set("origin", "API");
    meta->set("userAgent", "ApifyClient/2.25.1");
    d->set("meta", meta);
    auto stats = ordered_object();
    stats->set("inputBodyLen", 240);
    stats->set("migrationCount", 0);
    stats->set("rebootCount", 0);
    stats->set("restartCount", 0);
    stats->set("resurrectCount", r.resurrect_count);
    stats->set("runTimeSecs", 60.012);
    stats->set("computeUnits", 0.0166);
    d->set("stats", stats);
    auto options = ordered_object();
    options->set("build", "latest");
    options->set("timeoutSecs", 3600);
    options->set("memoryMbytes", 1024);
    options->set("diskMbytes", 2048);
    d->set("options", options);
    d->set("buildId", "fakeBuildId0001");
    d->set("exitCode", 0);
    d->set("defaultKeyValueStoreId", "fakeKvs" + r.id);
    d->set("defaultDatasetId", r.default_dataset_id);
    d->set("defaultRequestQueueId", "fakeRq" + r.id);
    d->set("buildNumber", "0.0.1");
    d->set("containerUrl", "https://fake.runs.apify.net");
    d->set("usageTotalUsd", 0.0042);
    return data_answer(d);
  }

  Answer actor(const std::string& id) {
    std::lock_guard<std::mutex> lock(st_->mu);
    const auto it = st_->actors.find(id);
    if (it == st_->actors.end()) return error(404, "record-not-found", "Actor was not found");
    const FakeActor& act = it->second;
    auto d = ordered_object();
    d->set("id", act.id);
    d->set("userId", "fakeUserId00001");
    d->set("name", act.name);
    d->set("username", act.username);
    d->set("description", "A fake Actor");
    d->set("isPublic", false);
    d->set("createdAt", "2025-01-01T00:00:00.000Z");
    d->set("modifiedAt", "2025-06-01T00:00:00.000Z");
    return data_answer(d);
  }

  std::shared_ptr<FakeApify::State> st_;
};

}  // namespace

std::string LoggedRequest::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (Poco::icompare(k, name) == 0) return v;
  return {};
}

bool LoggedRequest::has_header(const std::string& name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return Poco::icompare(h.first, name) == 0; });
}

FakeApify::FakeApify() : FakeApify(Options{}) {}

FakeApify::FakeApify(Options options) : state_(std::make_shared<State>()) {
  state_->token = options.token;
  state_->max_log = std::max<std::size_t>(options.max_log, 1);
  Poco::Net::ServerSocket socket;
  socket.bind(Poco::Net::SocketAddress("127.0.0.1", options.port), true);
  socket.listen(64);
  state_->port = socket.address().port();
  auto params = new Poco::Net::HTTPServerParams;
  const int threads = std::max(options.max_threads, 2);
  params->setMaxThreads(threads);
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0);  // unlimited
  params->setKeepAliveTimeout(Poco::Timespan(5, 0));
  params->setTimeout(Poco::Timespan(30, 0));
  params->setServerName("fake-apify");
  state_->pool = std::make_unique<Poco::ThreadPool>(2, threads + 2, 30);
  state_->server = std::make_unique<Poco::Net::HTTPServer>(new sinkhub::testkit::StateHandlerFactory<Handler, FakeApify::State>(state_), *state_->pool, socket, params);
  state_->server->start();
}

FakeApify::~FakeApify() { stop(); }

void FakeApify::stop() {
  if (!state_->server) return;
  state_->stopping = true;
  state_->server->stopAll(true);
  state_->pool->joinAll();
  state_->server.reset();
}

std::uint16_t FakeApify::port() const { return state_->port; }
std::string FakeApify::base_url() const { return "http://127.0.0.1:" + std::to_string(state_->port); }

void FakeApify::set_token(std::string token) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->token = std::move(token);
}

void FakeApify::add_dataset(const std::string& id, std::vector<std::string> items) {
  Dataset d;
  d.items = std::move(items);
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->datasets[id] = std::move(d);
}

void FakeApify::add_generated_dataset(const std::string& id, GeneratedSpec spec) {
  Dataset d;
  d.generated = true;
  d.spec = spec;
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->datasets[id] = std::move(d);
}

void FakeApify::append_items(const std::string& id, const std::vector<std::string>& items) {
  std::lock_guard<std::mutex> lock(state_->mu);
  Dataset& d = state_->datasets[id];
  d.items.insert(d.items.end(), items.begin(), items.end());
}

void FakeApify::add_run(FakeRun run) {
  std::lock_guard<std::mutex> lock(state_->mu);
  const std::string id = run.id;
  state_->runs[id] = std::move(run);
}

void FakeApify::add_actor(FakeActor actor) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->actors[actor.username + "~" + actor.name] = actor;
  state_->actors[actor.id] = actor;
}

std::string FakeApify::generated_item(std::int64_t i, const GeneratedSpec& spec) {
  const std::string n = std::to_string(i);
  switch (generated_kind(i, spec)) {
    case Kind::Hidden:
      return "{\"#debug\":\"hidden " + n + "\",\"#crawl\":{\"depth\":" + std::to_string(i % 7) + "}}";
    case Kind::Empty:
      return "{}";
    case Kind::Visible:
      break;
  }
  std::string item = "{\"i\":" + n + ",\"url\":\"https://example.com/p/" + n + "\",\"title\":\"Item " + n;
  const std::size_t tail = 2;  // "}
  if (item.size() + tail < spec.item_bytes) {
    const std::size_t pad = spec.item_bytes - item.size() - tail;
    item.reserve(spec.item_bytes);
    item += ' ';
    for (std::size_t k = 1; k < pad; ++k) item += static_cast<char>('a' + (static_cast<std::size_t>(i) + k) % 26);
  }
  item += "\"}";
  return item;
}

std::vector<std::string> FakeApify::items(const std::string& dataset_id, bool clean) const {
  Dataset d;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    const auto it = state_->datasets.find(dataset_id);
    if (it == state_->datasets.end()) return {};
    d = it->second;
  }
  ItemFilter f;
  f.skip_hidden = f.skip_empty = clean;
  std::vector<std::string> out;
  std::string item;
  for (std::int64_t i = 0; i < d.size(); ++i) {
    if (d.generated) {
      const Kind kind = generated_kind(i, d.spec);
      if (clean && kind != Kind::Visible) continue;
      out.push_back(generated_item(i, d.spec));
    } else if (filter_item(d.items[static_cast<std::size_t>(i)], f, item)) {
      out.push_back(item);
    }
  }
  return out;
}

void FakeApify::fail_next(int n, int status, int retry_after_s, const std::string& path_prefix) {
  Fault f;
  f.type = Fault::Status;
  f.remaining = n;
  f.status = status;
  f.retry_after_s = retry_after_s;
  f.prefix = path_prefix;
  std::lock_guard<std::mutex> lock(state_->mu);
  if (n > 0) state_->faults.push_back(f);
}

void FakeApify::fail_next_with_date(int n, int status, int retry_after_s, const std::string& path_prefix) {
  Fault f;
  f.type = Fault::Status;
  f.remaining = n;
  f.status = status;
  f.retry_after_s = retry_after_s;
  f.http_date = true;
  f.prefix = path_prefix;
  std::lock_guard<std::mutex> lock(state_->mu);
  if (n > 0) state_->faults.push_back(f);
}

void FakeApify::drop_next(int n, const std::string& path_prefix) {
  Fault f;
  f.type = Fault::Drop;
  f.remaining = n;
  f.prefix = path_prefix;
  std::lock_guard<std::mutex> lock(state_->mu);
  if (n > 0) state_->faults.push_back(f);
}

void FakeApify::set_delay(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->delay = delay;
}

void FakeApify::set_chunked(bool chunked) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->chunked = chunked;
}

void FakeApify::set_reported_total(const std::string& dataset_id, std::int64_t total) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->reported_totals[dataset_id] = total;
}

void FakeApify::set_trailing_newline(bool on) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->trailing_newline = on;
}

void FakeApify::clear_faults() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->faults.clear();
  state_->delay = std::chrono::milliseconds(0);
}

std::vector<LoggedRequest> FakeApify::requests() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return {state_->log.begin(), state_->log.end()};
}

std::size_t FakeApify::request_count(const std::string& path_prefix) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return static_cast<std::size_t>(std::count_if(state_->log.begin(), state_->log.end(), [&](const LoggedRequest& r) {
    return r.uri.compare(0, path_prefix.size(), path_prefix) == 0;
  }));
}

void FakeApify::clear_requests() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->log.clear();
}

}  // namespace sinkhub::fake
