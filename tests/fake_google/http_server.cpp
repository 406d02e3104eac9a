// The request pipeline every call goes through: read the body (capped), log it, run the
// test's hook, apply a matching fault, serve it (token endpoint, Sheets, or /_fake control),
// then answer, drop the connection or answer late as the fault says.
#include <Poco/InflatingStream.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/String.h>

#include <sstream>

#include "loopback_server.hpp"
#include "state.hpp"

namespace sinkhub::fake::google {

namespace {

enum class Body { Ok, TooLarge, Undecodable };

// Reads at most `limit` + 1 bytes of the (possibly gzip-encoded) body; drains the rest.
Body read_body(Poco::Net::HTTPServerRequest& req, std::size_t limit, std::string& body) {
  std::istream& raw = req.stream();
  const bool gzip = Poco::icompare(req.get("Content-Encoding", ""), "gzip") == 0;
  Poco::InflatingInputStream inflated(raw, Poco::InflatingStreamBuf::STREAM_GZIP);
  std::istream& in = gzip ? static_cast<std::istream&>(inflated) : raw;
  char buf[16384];
  bool over = false;
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    if (body.size() <= limit) body.append(buf, static_cast<std::size_t>(in.gcount()));
    if (body.size() > limit) over = true;  // keep reading so the client gets its answer
  }
  if (gzip && in.bad()) {  // the inflater failed (istream turned its exception into badbit)
    body.clear();
    return Body::Undecodable;
  }
  return over ? Body::TooLarge : Body::Ok;
}

struct Matched {
  bool any = false;
  Fault fault;
  std::string name;
};

Matched take_fault(FakeGoogle::State& st, Op op, const std::string& path, const std::string& body) {
  std::lock_guard<std::mutex> lock(st.mu);
  for (auto& slot : st.faults) {
    const Fault& f = slot.fault;
    if (f.op != Op::Any && f.op != op) continue;
    if (!f.path_contains.empty() && path.find(f.path_contains) == std::string::npos) continue;
    if (!f.body_contains.empty() && body.find(f.body_contains) == std::string::npos) continue;
    if (f.times >= 0 && slot.hits >= f.times) continue;
    if (slot.seen++ < f.skip) continue;
    ++slot.hits;
    static const char* kinds[] = {"respond", "apply_then_respond", "apply_then_drop", "drop", "delay"};
    return {true, f, std::string(kinds[static_cast<int>(f.kind)]) + ":" + std::to_string(f.status) +
                         (f.variant.empty() ? "" : ":" + f.variant)};
  }
  return {};
}

Outgoing fault_answer(FakeGoogle::State& st, const Fault& f, Op op, const Incoming& in) {
  if (op == Op::Token) {
    const std::string error = !f.variant.empty() ? f.variant
                              : f.status == 400 ? "invalid_grant"
                              : f.status == 401 ? "unauthorized_client"
                              : f.status == 503 ? "temporarily_unavailable"
                                                : "internal_failure";
    Outgoing out;
    out.status = f.status;
    out.body = OAuthError{f.status, error, "Injected by fake_google"}.body();
    out.error = error;
    return out;
  }
  const std::string op_text = op_name(op);
  if (f.status == 401) {
    const std::string auth = in.header("Authorization");
    if (f.variant != "invalid" && auth.size() > 7) {
      std::lock_guard<std::mutex> lock(st.mu);
      st.oauth.revoke(Poco::trim(auth.substr(7)));
    }
    return api_error(errors::bad_token(op_text, f.variant != "invalid"), in);
  }
  if (f.status == 403 && f.variant == "api_disabled") return api_error(errors::service_disabled("123456789012"), in);
  if (f.status == 403 && f.variant == "insufficient_scopes") return api_error(errors::insufficient_scopes(op_text), in);
  if (f.status == 429) {
    int limit = 0;
    {
      std::lock_guard<std::mutex> lock(st.mu);
      limit = is_write(op) ? st.quota.limits.user_writes : st.quota.limits.user_reads;
    }
    return api_error(errors::quota_exceeded(is_write(op), true, limit, "123456789012"), in);
  }
  return api_error(errors::generic(f.status), in);
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(std::shared_ptr<FakeGoogle::State> st) : st_(std::move(st)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    try {
      handle(req, resp);
    } catch (const std::exception& e) {
      if (resp.sent()) return;  // the client went away mid-answer
      try {  // a bug in the fake: say so rather than drop the connection
        const std::string body = errors::internal().body(false);
        resp.setStatus(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
        resp.setContentType("application/json; charset=UTF-8");
        resp.set("X-Fake-Google-Bug", e.what());
        resp.setContentLength64(static_cast<Poco::Int64>(body.size()));
        resp.send() << body;
      } catch (const std::exception&) {
      }
    }
  }

 private:
  void handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);
  Incoming incoming(Poco::Net::HTTPServerRequest& req, Body& body) const;
  LoggedRequest entry_for(const Incoming& in, const Route& route) const;
  bool serve_logged(Poco::Net::HTTPServerRequest& req, const Incoming& in, Body body, Outgoing& out);
  Outgoing serve(const Incoming& in, const Route& route);
  void record(LoggedRequest entry);
  // Logs the request as unanswered and closes its connection without a word.
  bool dropped(LoggedRequest entry, Poco::Net::HTTPServerRequest& req);

  std::shared_ptr<FakeGoogle::State> st_;
};

bool Handler::dropped(LoggedRequest entry, Poco::Net::HTTPServerRequest& req) {
  record(std::move(entry));
  auto socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(req).detachSocket();
  socket.shutdown();
  socket.close();
  return false;
}

// Keeps the log within max_log entries and max_logged_body_bytes of bodies (a benchmark
// sends hundreds of megabytes; the newest bodies are the ones a test inspects).
void Handler::record(LoggedRequest entry) {
  std::lock_guard<std::mutex> lock(st_->mu);
  auto& st = *st_;
  st.log_body_bytes += entry.body.size();
  st.log.push_back(std::move(entry));
  while (st.log.size() > st.options.max_log) {
    st.log_body_bytes -= st.log.front().body.size();
    st.log.pop_front();
    if (st.first_body > 0) --st.first_body;
  }
  while (st.log_body_bytes > st.options.max_logged_body_bytes && st.first_body < st.log.size()) {
    std::string& body = st.log[st.first_body++].body;
    st.log_body_bytes -= body.size();
    std::string().swap(body);
  }
}

Outgoing Handler::serve(const Incoming& in, const Route& route) {
  if (route.op == Op::Token) return serve_token(*st_, in);
  return serve_sheets(*st_, in, route);
}

Incoming Handler::incoming(Poco::Net::HTTPServerRequest& req, Body& body) const {
  Incoming in;
  in.method = req.getMethod();
  const std::string uri = req.getURI();
  in.raw_path = uri.substr(0, uri.find('?'));
  in.query = uri.find('?') == std::string::npos ? "" : uri.substr(uri.find('?') + 1);
  for (const auto& [k, v] : req) in.headers.emplace_back(k, v);
  body = read_body(req, st_->options.max_payload_bytes, in.body);
  try {
    in.params = Poco::URI(uri).getQueryParameters();
  } catch (const std::exception&) {
  }
  return in;
}

LoggedRequest Handler::entry_for(const Incoming& in, const Route& route) const {
  LoggedRequest entry;
  entry.at = std::chrono::steady_clock::now();
  entry.method = in.method;
  entry.path = in.raw_path;
  entry.query = in.query;
  entry.op = route.op;
  entry.spreadsheet_id = route.spreadsheet_id;
  entry.headers = in.headers;
  entry.body_bytes = in.body.size();
  if (in.body.size() <= st_->options.keep_body_bytes) entry.body = in.body;
  std::lock_guard<std::mutex> lock(st_->mu);
  entry.seq = ++st_->seq;
  return entry;
}

// Logs the request, runs the hook and the fault; false when the connection was dropped.
bool Handler::serve_logged(Poco::Net::HTTPServerRequest& req, const Incoming& in, Body body, Outgoing& out) {
  const Route route = route_request(*st_, in.method, in.raw_path);
  LoggedRequest entry = entry_for(in, route);
  std::function<void(const LoggedRequest&)> hook;
  {
    std::lock_guard<std::mutex> lock(st_->mu);
    hook = st_->hook;
  }
  if (hook) hook(entry);
  const Matched m = take_fault(*st_, route.op, in.raw_path, in.body);
  entry.fault = m.name;
  using K = Fault::Kind;
  const K kind = m.any ? m.fault.kind : K::Respond;
  if (m.any && kind == K::Drop) return dropped(std::move(entry), req);
  if (m.any && kind == K::Delay && !m.fault.delay_after_apply) st_->sleep_for(m.fault.delay);
  if (body == Body::TooLarge) out = api_error(errors::payload_too_large(st_->options.max_payload_bytes), in);
  else if (body == Body::Undecodable) out = api_error(errors::invalid_argument("Invalid gzip request body."), in);
  else if (m.any && kind == K::Respond) out = fault_answer(*st_, m.fault, route.op, in);
  else out = serve(in, route);
  entry.principal = out.principal;
  entry.project = out.project;
  entry.applied = out.applied;
  if (m.any && kind == K::ApplyThenDrop) return dropped(std::move(entry), req);
  if (m.any && kind == K::ApplyThenRespond) out = fault_answer(*st_, m.fault, route.op, in);
  if (m.any && kind == K::Delay && m.fault.delay_after_apply) st_->sleep_for(m.fault.delay);
  entry.status = out.status;
  entry.error = out.error;
  record(std::move(entry));  // before answering: a client that got its answer sees the entry
  return true;
}

void Handler::handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
  Body body = Body::Ok;
  const Incoming in = incoming(req, body);
  Outgoing out;
  if (in.raw_path.rfind("/_fake/", 0) == 0) out = serve_admin(*st_, in);
  else if (!serve_logged(req, in, body, out)) return;
  resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(out.status));
  resp.setContentType(out.content_type);
  for (const auto& [k, v] : out.headers) resp.set(k, v);
  if (body != Body::Ok) resp.setKeepAlive(false);
  resp.setContentLength64(static_cast<Poco::Int64>(out.body.size()));
  std::ostream& os = resp.send();
  os.write(out.body.data(), static_cast<std::streamsize>(out.body.size()));
  os.flush();
}

}  // namespace

std::string Incoming::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (Poco::icompare(k, name) == 0) return v;
  return {};
}

bool Incoming::has_param(const std::string& name) const {
  for (const auto& [k, v] : params)
    if (k == name) return true;
  return false;
}

std::string Incoming::param(const std::string& name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return {};
}

std::vector<std::string> Incoming::params_named(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : params)
    if (k == name) out.push_back(v);
  return out;
}

Outgoing api_error(const ApiError& e, const Incoming& in) {
  Outgoing out;
  out.status = e.http;
  out.body = e.body(in.param("$.xgafv") == "1");
  out.headers = e.headers;
  out.error = e.message;
  return out;
}

bool FakeGoogle::State::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(sleep_mu);
  return !sleep_cv.wait_for(lock, d, [&] { return stopping.load(); });
}

std::string FakeGoogle::State::token_uri() const { return "http://127.0.0.1:" + std::to_string(port) + "/token"; }

void start_server(const std::shared_ptr<FakeGoogle::State>& st) {
  Poco::Net::ServerSocket socket;
  socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
  socket.listen(128);
  st->port = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  const int threads = std::max(st->options.threads, 2);
  params->setMaxThreads(threads);
  params->setMaxQueued(512);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0);
  params->setKeepAliveTimeout(Poco::Timespan(10, 0));
  params->setTimeout(Poco::Timespan(60, 0));
  params->setServerName("ESF");
  st->pool = std::make_unique<Poco::ThreadPool>(2, threads + 2, 30);
  st->server = std::make_unique<Poco::Net::HTTPServer>(
      new sinkhub::testkit::StateHandlerFactory<Handler, FakeGoogle::State>(st), *st->pool, socket, params);
  st->server->start();
}

}  // namespace sinkhub::fake::google
