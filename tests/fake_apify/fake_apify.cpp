// The fake Apify API's server: one handler per request that reads it, applies delay, faults
// and the token check, hands it to the endpoint groups (fake_datasets.cpp, fake_runs.cpp,
// fake_webhooks.cpp, fake_dispatch.cpp) and logs it. See fake_apify.hpp.
#include "fake_apify.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>

#include <algorithm>

#include "fake_internal.hpp"
#include "loopback_server.hpp"

namespace sinkhub::fake {

namespace {

constexpr std::size_t kMaxBody = 9437184;      // Apify's request body limit
constexpr std::size_t kMaxLoggedBody = 65536;  // what the request log keeps of a body

Answer fault_answer(const FaultSpec& f) {
  Answer a;
  if (!f.type.empty()) {
    a = error(f.status, f.type, f.message.empty() ? "Injected failure " + std::to_string(f.status) : f.message);
  } else if (f.status == 429) {
    a = error(429, "rate-limit-exceeded", "You have exceeded the rate limit of 60 requests per second");
  } else if (f.status == 500) {
    a = error(500, "internal-server-error", "Internal server error");
  } else if (f.status == 502 || f.status == 503 || f.status == 504) {
    a.status = f.status;
    a.content_type = "text/html";
    a.body = "<html>\r\n<head><title>" + std::to_string(f.status) +
             " Service Temporarily Unavailable</title></head>\r\n<body><center><h1>" + std::to_string(f.status) +
             " Service Temporarily Unavailable</h1></center></body>\r\n</html>\r\n";
  } else if (f.status == 401) {
    a = error(401, "invalid-token", "User was not found or authentication token is not valid");
  } else if (f.status == 403) {
    a = error(403, "insufficient-permissions", "You do not have permission to perform this action");
  } else if (f.status == 404) {
    a = error(404, "record-not-found", "Record was not found");
  } else {
    a = error(f.status, "fake-error", "Injected failure " + std::to_string(f.status));
  }
  if (f.retry_after_s >= 0) {
    if (f.retry_after_date) {
      const Poco::Timestamp when = Poco::Timestamp() + Poco::Timespan(f.retry_after_s, 0);
      a.headers.emplace_back("Retry-After", Poco::DateTimeFormatter::format(when, Poco::DateTimeFormat::HTTP_FORMAT));
    } else {
      a.headers.emplace_back("Retry-After", std::to_string(f.retry_after_s));
    }
  }
  return a;
}

std::vector<std::string> split_path(const std::string& raw_path) {
  std::vector<std::string> seg;
  for (std::size_t start = 1; start <= raw_path.size();) {
    const auto slash = raw_path.find('/', start);
    std::string s;
    Poco::URI::decode(raw_path.substr(start, slash == std::string::npos ? std::string::npos : slash - start), s);
    seg.push_back(s);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return seg;
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(std::shared_ptr<State> state) : st_(std::move(state)) {}

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
  // Reads the whole body (so keep-alive stays in sync), keeping at most kMaxBody bytes.
  static void read_body(Poco::Net::HTTPServerRequest& req, ApiRequest& out) {
    if (!req.hasContentLength() && !req.getChunkedTransferEncoding()) return;
    char buf[8192];
    auto& in = req.stream();
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      const auto n = static_cast<std::size_t>(in.gcount());
      if (out.body.size() + n > kMaxBody) out.body_too_large = true;
      else out.body.append(buf, n);
    }
  }

  void wait_delay() const {
    std::chrono::milliseconds delay;
    {
      std::lock_guard<std::mutex> lock(st_->mu);
      delay = st_->delay;
    }
    const auto until = std::chrono::steady_clock::now() + std::min(delay, std::chrono::milliseconds(60000));
    while (std::chrono::steady_clock::now() < until && !st_->stopping.load())
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  void handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, LoggedRequest entry) {
    ApiRequest api;
    api.method = entry.method;
    api.uri = entry.uri;
    api.content_type = req.getContentType();
    api.authorization = req.get("Authorization", "");
    read_body(req, api);
    entry.body = api.body.substr(0, kMaxLoggedBody);
    std::function<void(const std::string&, const std::string&)> hook;
    {
      std::lock_guard<std::mutex> lock(st_->mu);
      hook = st_->on_request;
    }
    if (hook) hook(entry.method, entry.uri);
    wait_delay();

    const std::string raw_path = entry.uri.substr(0, entry.uri.find('?'));
    Answer a;
    Fault fault;
    if (st_->take_fault(Fault::Status, api.method, raw_path, fault)) {
      a = fault_answer(fault.spec);
    } else {
      try {
        a = route(api, raw_path);
      } catch (const std::exception& e) {  // a bug of the fake: visible, not a silent close
        a = error(500, "internal-server-error", std::string("fake Apify API bug: ") + e.what());
      }
    }
    entry.status = a.status;

    bool drop = false;
    if (a.status >= 200 && a.status < 300) drop = st_->take_fault(Fault::Drop, api.method, raw_path, fault);
    entry.dropped = drop;
    st_->record(entry);  // before answering: a test that got its answer sees the entry
    respond(req, resp, a, drop);
  }

  void respond(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, const Answer& a, bool drop) {
    bool chunked;
    {
      std::lock_guard<std::mutex> lock(st_->mu);
      chunked = st_->chunked;
    }
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(a.status));
    if (a.status != 204) resp.setContentType(a.content_type);
    for (const auto& [name, value] : a.headers) resp.set(name, value);
    if (chunked && a.status != 204)
      resp.setChunkedTransferEncoding(true);
    else
      resp.setContentLength64(static_cast<Poco::Int64>(a.body.size()));
    if (drop) resp.setKeepAlive(false);
    if (req.getMethod() == "HEAD" || a.status == 204) {
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

  // 401 for a missing or wrong token; notes a read-only token. nullopt = authenticated.
  std::optional<Answer> authenticate(ApiRequest& api) const {
    std::lock_guard<std::mutex> lock(st_->mu);
    if (st_->token.empty()) return std::nullopt;
    std::string given;
    if (Poco::icompare(api.authorization.substr(0, 7), "bearer ") == 0) given = Poco::trim(api.authorization.substr(7));
    if (given.empty()) api.param("token", given);
    if (given.empty()) return error(401, "token-not-provided", "Authentication token was not provided");
    if (given == st_->token) return std::nullopt;
    if (!st_->read_only_token.empty() && given == st_->read_only_token) {
      api.read_only = true;
      return std::nullopt;
    }
    return error(401, "invalid-token", "User was not found or authentication token is not valid");
  }

  Answer route(ApiRequest& api, const std::string& raw_path) {
    api.seg = split_path(raw_path);
    try {
      api.params = Poco::URI(api.uri).getQueryParameters();
    } catch (const std::exception&) {
      return error(400, "invalid-request", "Malformed request URI");
    }
    if (api.seg.empty() || api.seg[0] != "v2") return error(404, "page-not-found", "This page was not found");
    if (auto denied = authenticate(api)) return *denied;
    if (api.body_too_large)
      return error(413, "request-too-large", "The POST payload is too large (limit: 9437184 bytes)");
    if (auto a = route_datasets(*st_, api)) return *a;
    if (auto a = route_runs(*st_, api)) return *a;
    if (auto a = route_webhooks(*st_, api)) return *a;
    if (auto a = route_dispatches(*st_, api)) return *a;
    return error(404, "page-not-found", "This page was not found");
  }

  std::shared_ptr<State> st_;
};

}  // namespace

void State::record(LoggedRequest entry) {
  std::lock_guard<std::mutex> lock(mu);
  log.push_back(std::move(entry));
  while (log.size() > max_log) log.pop_front();
}

bool State::take_fault(Fault::Type type, const std::string& method, const std::string& path, Fault& out) {
  std::lock_guard<std::mutex> lock(mu);
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    const FaultSpec& s = it->spec;
    if (it->type != type || it->remaining <= 0 || path.compare(0, s.path_prefix.size(), s.path_prefix) != 0) continue;
    if (!s.method.empty() && Poco::icompare(s.method, method) != 0) continue;
    if (it->skip_left > 0) {
      --it->skip_left;  // this request passes this fault
      continue;
    }
    out = *it;
    if (--it->remaining <= 0) faults.erase(it);
    return true;
  }
  return false;
}

void State::add_fault(Fault f) {
  if (f.remaining <= 0) return;
  std::lock_guard<std::mutex> lock(mu);
  faults.push_back(std::move(f));
}

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
  state_->server = std::make_unique<Poco::Net::HTTPServer>(
      new sinkhub::testkit::StateHandlerFactory<Handler, State>(state_), *state_->pool, socket, params);
  state_->server->start();
  start_dispatcher(*state_);
}

FakeApify::~FakeApify() { stop(); }

void FakeApify::stop() {
  if (!state_->server) return;
  state_->stopping = true;
  state_->server->stopAll(true);
  state_->pool->joinAll();
  state_->server.reset();
  stop_dispatcher(*state_);
}

std::uint16_t FakeApify::port() const { return state_->port; }
std::string FakeApify::base_url() const { return "http://127.0.0.1:" + std::to_string(state_->port); }

void FakeApify::set_token(std::string token) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->token = std::move(token);
}

void FakeApify::set_read_only_token(std::string token) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->read_only_token = std::move(token);
}

void FakeApify::inject(FaultSpec spec) {
  Fault f;
  f.type = Fault::Status;
  f.remaining = spec.count;
  f.skip_left = spec.skip;
  f.spec = std::move(spec);
  state_->add_fault(std::move(f));
}

void FakeApify::fail_next(int n, int status, int retry_after_s, const std::string& path_prefix) {
  FaultSpec s;
  s.status = status;
  s.count = n;
  s.retry_after_s = retry_after_s;
  s.path_prefix = path_prefix;
  inject(std::move(s));
}

void FakeApify::fail_next_with_date(int n, int status, int retry_after_s, const std::string& path_prefix) {
  FaultSpec s;
  s.status = status;
  s.count = n;
  s.retry_after_s = retry_after_s;
  s.retry_after_date = true;
  s.path_prefix = path_prefix;
  inject(std::move(s));
}

void FakeApify::drop_next(int n, const std::string& path_prefix) {
  Fault f;
  f.type = Fault::Drop;
  f.remaining = n;
  f.spec.path_prefix = path_prefix;
  state_->add_fault(std::move(f));
}

void FakeApify::set_delay(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->delay = delay;
}

void FakeApify::set_request_hook(std::function<void(const std::string& method, const std::string& uri)> hook) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->on_request = std::move(hook);
}

void FakeApify::set_chunked(bool chunked) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->chunked = chunked;
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

std::size_t FakeApify::write_count(const std::string& path_prefix) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return static_cast<std::size_t>(std::count_if(state_->log.begin(), state_->log.end(), [&](const LoggedRequest& r) {
    return r.is_write() && r.uri.compare(0, path_prefix.size(), path_prefix) == 0;
  }));
}

void FakeApify::clear_requests() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->log.clear();
}

}  // namespace sinkhub::fake
