// The shape every fake service in tests/ shares: a Poco HTTPServer on 127.0.0.1 (a free port)
// that handles each request with a new Handler(state). Header-only, so a fake built as its
// own library (tests/s3, tests/slack) needs only this directory on its include path.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>

#include <memory>

namespace sinkhub::testkit {

template <class Handler, class State>
class StateHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit StateHandlerFactory(std::shared_ptr<State> state) : state_(std::move(state)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(state_);
  }

 private:
  std::shared_ptr<State> state_;
};

// Starts the server; *port receives the port it listens on. Keep-alive on, 16 threads.
// The server's factory holds `state`: reset the server before the state must die.
template <class Handler, class State>
std::unique_ptr<Poco::Net::HTTPServer> start_loopback_server(std::shared_ptr<State> state, unsigned short* port) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  *port = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(16);
  params->setKeepAlive(true);
  params->setTimeout(Poco::Timespan(30, 0));
  auto server = std::make_unique<Poco::Net::HTTPServer>(new StateHandlerFactory<Handler, State>(std::move(state)),
                                                        socket, params);
  server->start();
  return server;
}

}  // namespace sinkhub::testkit
