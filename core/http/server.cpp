// The listener: a few event-loop threads (one per core) share one non-blocking listening
// socket; each owns its connections (see event_loop.hpp). No thread ever waits for a
// commit: the ledger answers through each loop's mailbox.
#include "http/server.hpp"

#include <Poco/Net/ServerSocket.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/event_loop.hpp"
#include "http/task_thread.hpp"

namespace sinkhub::http {

namespace {

// One loop per core, so a loop never waits for another; a few at most, since the ledger's
// single writer is the other half of the work.
unsigned loop_count() { return std::clamp(std::thread::hardware_concurrency(), 1u, 4u); }

}  // namespace

struct Server::Impl {
  const config::ServerConfig server;
  ledger::Ledger& ledger;
  WebhookEndpoint endpoint;
  std::unique_ptr<Poco::Net::ServerSocket> socket;
  std::unique_ptr<TaskThread> helper;
  std::unique_ptr<TaskThread> parser;
  std::unique_ptr<ListenerContext> ctx;
  std::vector<Loop*> loop_ptrs;
  std::vector<std::unique_ptr<Loop>> loops;
};

Server::Server(const config::Config& cfg, ledger::Ledger& ledger, std::function<void()> on_accepted)
    : impl_(new Impl{cfg.server, ledger, WebhookEndpoint(cfg, std::move(on_accepted)), {}, {}, {}, {}, {}, {}}) {}

Server::~Server() { stop(); }

void Server::start() {
  const auto& s = impl_->server;
  Poco::Net::SocketAddress addr(s.host, s.port);
  auto socket = std::make_unique<Poco::Net::ServerSocket>();
  try {
    // Three bools would be (reuseAddress, reusePort, ipV6Only) only for bind6(); bind()'s third
    // bool is reusePort, which would let a second instance silently share the port.
    if (addr.family() == Poco::Net::SocketAddress::IPv6)
      socket->bind6(addr, /*reuseAddress=*/true, /*reusePort=*/false, /*ipV6Only=*/true);
    else
      socket->bind(addr, /*reuseAddress=*/true, /*reusePort=*/false);
    socket->listen(1024);
    socket->setBlocking(false);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + addr.toString() + ": " + e.displayText());
  }
  impl_->socket = std::move(socket);
  const unsigned n = loop_count();
  impl_->helper = std::make_unique<TaskThread>();
  impl_->parser = std::make_unique<TaskThread>(n);
  impl_->ctx.reset(new ListenerContext{impl_->server, impl_->ledger, impl_->endpoint, *impl_->helper,
                                       *impl_->parser, impl_->socket->impl()->sockfd()});
  try {
    for (unsigned i = 0; i < n; ++i) {
      impl_->loops.push_back(std::make_unique<Loop>(*impl_->ctx, impl_->loop_ptrs));
      impl_->loop_ptrs.push_back(impl_->loops.back().get());
    }
  } catch (const std::exception& e) {
    // No loop runs yet: undo, so that stop() has nothing to wait for.
    impl_->loops.clear();
    impl_->loop_ptrs.clear();
    impl_->ctx.reset();
    impl_->parser.reset();
    impl_->helper.reset();
    impl_->socket.reset();
    throw std::runtime_error(std::string("cannot start the HTTP listener: ") + e.what());
  }
  for (auto& l : impl_->loops) l->start();
  spdlog::info("listening on http://{}{} (health: /healthz, /readyz; {} event loops)", addr.toString(), s.path, n);
}

void Server::apply(const config::Config& cfg) {
  impl_->endpoint.replace_rules(cfg);  // for a later start()
  if (impl_->ctx) impl_->ctx->endpoint.replace_rules(cfg);
}

void Server::stop() {
  if (!impl_->socket) return;
  // Stop accepting everywhere before the socket closes; then requests in flight are
  // answered (their commits included), idle connections close, bounded by the grace.
  const int grace_ms = impl_->server.read_timeout_ms + 2000;
  for (auto& l : impl_->loops) l->begin_stop(grace_ms);
  impl_->socket->close();
  for (auto& l : impl_->loops) l->join();
  impl_->loops.clear();
  impl_->loop_ptrs.clear();
  impl_->parser->stop();  // after the loops: nothing posts to them any more
  impl_->helper->stop();
  impl_->ctx.reset();
  impl_->parser.reset();
  impl_->helper.reset();
  impl_->socket.reset();
}

}  // namespace sinkhub::http
