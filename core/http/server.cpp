#include "http/server.hpp"

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "http/reply.hpp"
#include "observe/metrics.hpp"
#include "http/watchdog.hpp"
#include "http/webhook_endpoint.hpp"

namespace sinkhub::http {

using Poco::Net::HTTPRequestHandler;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

namespace {

class FixedReply final : public HTTPRequestHandler {
 public:
  FixedReply(HTTPResponse::HTTPStatus status, std::string body, std::string allow = {})
      : status_(status), body_(std::move(body)), allow_(std::move(allow)) {}
  void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
    if (!allow_.empty()) resp.set("Allow", allow_);
    // A request body we do not read would be parsed as the next request: close instead.
    if (req.getContentLength64() > 0 || req.getChunkedTransferEncoding()) resp.setKeepAlive(false);
    reply_json(resp, status_, body_);
  }

 private:
  HTTPResponse::HTTPStatus status_;
  std::string body_;
  std::string allow_;
};

class Readiness final : public HTTPRequestHandler {
 public:
  explicit Readiness(ledger::Ledger& ledger) : ledger_(ledger) {}
  void handleRequest(HTTPServerRequest&, HTTPServerResponse& resp) override {
    if (ledger_.writable())
      reply_json(resp, HTTPResponse::HTTP_OK, R"({"status":"ready"})");
    else
      reply_error(resp, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "ledger not writable");
  }

 private:
  ledger::Ledger& ledger_;
};

// Wraps a handler so that, once the request is answered, the connection must produce its next
// request headers within the keep-alive idle time plus the read timeout.
class Rearm final : public HTTPRequestHandler {
 public:
  Rearm(HTTPRequestHandler* inner, std::chrono::milliseconds idle) : inner_(inner), idle_(idle) {}
  ~Rearm() override {
    if (auto* e = Watchdog::current()) Watchdog::arm(e, idle_);
  }
  void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override { inner_->handleRequest(req, resp); }

 private:
  std::unique_ptr<HTTPRequestHandler> inner_;
  std::chrono::milliseconds idle_;
};

// GET /metrics: Prometheus text. Queue figures are read from the ledger at scrape time, so
// they are right even for work another process (the CLI's replay) queued.
class MetricsPage final : public HTTPRequestHandler {
 public:
  explicit MetricsPage(ledger::Ledger& ledger) : ledger_(ledger) {}
  void handleRequest(HTTPServerRequest&, HTTPServerResponse& resp) override {
    std::ostringstream out;
    try {
      const auto st = ledger_.status();
      out << "# HELP sinkhub_deliveries Deliveries in the ledger by state\n# TYPE sinkhub_deliveries gauge\n";
      std::int64_t queued = 0;
      for (const auto& [state, n] : st.deliveries_by_state) {
        out << "sinkhub_deliveries{state=\"" << state << "\"} " << n << "\n";
        if (state == "pending" || state == "retrying") queued += n;
      }
      out << "# HELP sinkhub_queue_depth Deliveries waiting (pending or retrying)\n"
          << "# TYPE sinkhub_queue_depth gauge\nsinkhub_queue_depth " << queued << "\n"
          << "# HELP sinkhub_oldest_due_seconds Age of the oldest delivery that is due and not running\n"
          << "# TYPE sinkhub_oldest_due_seconds gauge\nsinkhub_oldest_due_seconds " << st.oldest_due_age_ms / 1000.0
          << "\n# HELP sinkhub_events Events in the ledger\n# TYPE sinkhub_events gauge\nsinkhub_events " << st.events
          << "\n# HELP sinkhub_sink_suspended 1 while a sink is suspended after FATAL\n"
          << "# TYPE sinkhub_sink_suspended gauge\n";
      for (const auto& [sink, until] : st.suspended_sinks) out << "sinkhub_sink_suspended{sink=\"" << sink << "\"} 1\n";
    } catch (const std::exception& e) {
      out << "# ledger unavailable: " << e.what() << "\n";
    }
    out << observe::Metrics::instance().prometheus_text();
    const std::string body = out.str();
    resp.setStatusAndReason(HTTPResponse::HTTP_OK);
    resp.setContentType("text/plain; version=0.0.4");
    resp.setContentLength(static_cast<std::streamsize>(body.size()));
    resp.sendBuffer(body.data(), body.size());
  }

 private:
  ledger::Ledger& ledger_;
};

class Router final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Router(const config::Config& cfg, ledger::Ledger& ledger, std::chrono::milliseconds idle,
         std::function<void()> on_accepted)
      : cfg_(cfg), ledger_(ledger), verifier_(cfg.auth), idle_(idle), on_accepted_(std::move(on_accepted)) {}

  // Headers are in: the watchdog's part is done until the answer is sent.
  HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& req) override {
    if (auto* e = Watchdog::current()) Watchdog::disarm(e);
    return new Rearm(route(req), idle_);
  }

  // Tells every connection the server stops: idle ones close now, busy ones after their
  // current request (or at once when abort is set).
  void stop_connections(bool abort) { serverStopped(this, abort); }

 private:
  HTTPRequestHandler* route(const HTTPServerRequest& req) {
    const std::string& uri = req.getURI();
    const std::string path = uri.substr(0, uri.find('?'));
    const std::string& method = req.getMethod();
    if (path == cfg_.server.path) {
      if (method != "POST") return error(HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "method not allowed", "POST");
      return new WebhookEndpoint(cfg_, verifier_, ledger_, on_accepted_);
    }
    if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
      if (method != "GET" && method != "HEAD")
        return error(HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "method not allowed", "GET, HEAD");
      if (path == "/healthz") return new FixedReply(HTTPResponse::HTTP_OK, R"({"status":"alive"})");
      if (path == "/metrics") return new MetricsPage(ledger_);
      return new Readiness(ledger_);
    }
    return error(HTTPResponse::HTTP_NOT_FOUND, "not found");
  }

  static HTTPRequestHandler* error(HTTPResponse::HTTPStatus status, const std::string& msg, std::string allow = {}) {
    return new FixedReply(status, error_body(msg), std::move(allow));
  }

  const config::Config& cfg_;
  ledger::Ledger& ledger_;
  webhook::Verifier verifier_;
  std::chrono::milliseconds idle_;
  std::function<void()> on_accepted_;
};

// Poco's HTTP connection, registered with the watchdog for its whole life.
class GuardedConnection final : public Poco::Net::HTTPServerConnection {
 public:
  GuardedConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                    Poco::Net::HTTPRequestHandlerFactory::Ptr factory, Watchdog& watchdog,
                    std::chrono::milliseconds first_request)
      : HTTPServerConnection(socket, params, factory), watchdog_(watchdog), first_request_(first_request) {}

  void run() override {
    Watchdog::Entry* e = watchdog_.add(socket().impl()->sockfd(), first_request_);
    Watchdog::current() = e;
    try {
      HTTPServerConnection::run();
    } catch (...) {
      Watchdog::current() = nullptr;
      watchdog_.remove(e);
      throw;
    }
    Watchdog::current() = nullptr;
    watchdog_.remove(e);
  }

 private:
  Watchdog& watchdog_;
  std::chrono::milliseconds first_request_;
};

class ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Poco::SharedPtr<Router> router, Watchdog& watchdog,
                    std::chrono::milliseconds first_request)
      : params_(std::move(params)), router_(std::move(router)), watchdog_(watchdog), first_request_(first_request) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new GuardedConnection(socket, params_, router_, watchdog_, first_request_);
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::SharedPtr<Router> router_;
  Watchdog& watchdog_;
  std::chrono::milliseconds first_request_;
};

}  // namespace

struct Server::Impl {
  const config::Config& cfg;
  ledger::Ledger& ledger;
  std::function<void()> on_accepted;
  Watchdog watchdog;
  Poco::SharedPtr<Router> router;
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::TCPServer> server;
};

Server::Server(const config::Config& cfg, ledger::Ledger& ledger, std::function<void()> on_accepted)
    : impl_(new Impl{cfg, ledger, std::move(on_accepted), {}, {}, {}, {}}) {}

Server::~Server() { stop(); }

void Server::start() {
  const auto& s = impl_->cfg.server;
  Poco::Net::SocketAddress addr(s.host, s.port);
  Poco::Net::ServerSocket socket;
  try {
    // Three bools would be (reuseAddress, reusePort, ipV6Only) only for bind6(); bind()'s third
    // bool is reusePort, which would let a second instance silently share the port.
    if (addr.family() == Poco::Net::SocketAddress::IPv6)
      socket.bind6(addr, /*reuseAddress=*/true, /*reusePort=*/false, /*ipV6Only=*/true);
    else
      socket.bind(addr, /*reuseAddress=*/true, /*reusePort=*/false);
    socket.listen(1024);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + addr.toString() + ": " + e.displayText());
  }
  constexpr int kKeepAliveSeconds = 15;
  const std::chrono::milliseconds read_timeout(s.read_timeout_ms);
  Poco::Net::HTTPServerParams::Ptr params(new Poco::Net::HTTPServerParams);
  params->setTimeout(Poco::Timespan(0, s.read_timeout_ms * 1000LL));
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(kKeepAliveSeconds, 0));
  params->setMaxKeepAliveRequests(0);  // unlimited
  params->setMaxThreads(s.max_connections);
  params->setMaxQueued(s.max_connections * 4);
  params->setServerName("sinkhub");
  params->setSoftwareVersion("");
  // Keep-alive connections each hold a thread: size the pool for max_connections.
  impl_->pool = std::make_unique<Poco::ThreadPool>("http", 8, s.max_connections + 8, 60);
  impl_->router = new Router(impl_->cfg, impl_->ledger, read_timeout + std::chrono::seconds(kKeepAliveSeconds),
                             impl_->on_accepted);
  impl_->server = std::make_unique<Poco::Net::TCPServer>(
      new ConnectionFactory(params, impl_->router, impl_->watchdog, read_timeout), *impl_->pool, socket, params);
  impl_->server->start();
  spdlog::info("listening on http://{}{} (health: /healthz, /readyz)", addr.toString(), s.path);
}

void Server::stop() {
  if (!impl_->server) return;
  // Stop accepting; connections with a request in progress finish it (Poco closes idle
  // keep-alive connections); then wait for the worker threads.
  impl_->server->stop();
  impl_->router->stop_connections(false);
  impl_->pool->joinAll();
  impl_->server.reset();
  impl_->pool.reset();
}

}  // namespace sinkhub::http
